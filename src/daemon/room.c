/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "room.h"

#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "access.h"
#include "clock.h"
#include "herd.h"
#include "log.h"
#include "proto.h"
#include "statsd.h"

/* The waiting room's bounds: the configured ones or the defaults, the
 * room never more than half the table, so classic requests keep room. */
void room_bounds(struct server *s)
{
  const struct server_config *config = s->config;
  size_t room = config->room_max ? config->room_max : SERVER_ROOM_DEFAULT;
  size_t per  = config->per_address_max ? config->per_address_max
                                        : SERVER_PER_ADDRESS_DEFAULT;

  if (!config->per_address_max && per < 2 * (size_t)config->jobs) {
    per = 2 * (size_t)config->jobs;
  }
  s->room_max        = room < s->max_conns / 2 ? room : s->max_conns / 2;
  s->room_max        = s->room_max ? s->room_max : 1;
  s->per_address_max = per;
}

/* A connection that ends in the waiting room, or declines its invitation,
 * does what the protocol lets it: not worth a warning. */
void room_leave(struct server *s, size_t i, const char *why)
{
  char name[ACCESS_PEER_NAME_MAX];

  access_peer_name((const struct sockaddr *)&s->conns[i].peer,
                   s->conns[i].peer_len, name);
  log_info("Connection from %s: %s", name, why);
  close(server_conn_take(s, i));
  s->accept_failed = false;
}

/* Send what the protocol says at once (a few headers: they fit in any
 * socket buffer); a peer that cannot take them is dropped. */
static bool room_say(struct server *s, size_t i, const char *buf, size_t len)
{
  ssize_t n = send(s->conns[i].fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);

  if (n != (ssize_t)len) {
    room_leave(s, i, "does not read the waiting room's messages; closed");
    return false;
  }
  return true;
}

/* Reserve a free slot for a connection of the waiting room (or one just
 * come) and invite it; its request may be there already. False when it
 * was dropped. */
bool room_invite(struct server *s, size_t i, const char *hello,
                 size_t hello_len)
{
  struct conn *c = &s->conns[i];
  char         buf[HERD_MSG_MAX];
  size_t       n = hello_len;

  if (hello_len) {
    memcpy(buf, hello, hello_len);
  }
  n += herd_format_state(buf + n, HERD_STATE_INVITED,
                         (uint32_t)(server_slots_free(s) - 1));
  if (c->room == ROOM_WAITING) {
    s->n_waiting--;
  }
  c->room = ROOM_INVITED;
  s->n_reserved++;
  c->deadline = clock_now_ms() + SERVER_RESERVE_MS;
  c->seen     = 0;
  if (!room_say(s, i, buf, n)) {
    return false;
  }
  c = &s->conns[i];
  if (room_read_size(s, i) && server_request_arrived(s, c)) {
    epoll_ctl(s->epoll_fd, EPOLL_CTL_DEL, c->fd, NULL);
    c->ready = true;
  }
  return true;
}

/* Whether entry c waits in the one queue: a classic request that has
 * arrived, or a connection of the waiting room. */
static bool room_queued(const struct conn *c)
{
  return (c->room == ROOM_NONE && c->ready) || c->room == ROOM_WAITING;
}

/* A connection's place in the queue, higher first: its size, each
 * typical job of it worth ROOM_AGING_MS of waiting, and how long it has
 * waited. The difference of two ranks does not change as they wait, so
 * the order stays put, and a big job passes small ones that came at most
 * that much earlier per typical job of its size: none waits forever. */
static long long room_rank(const struct conn *c)
{
  return (long long)c->size * ROOM_AGING_MS / HERD_SIZE_TYPICAL - c->arrived_ms;
}

/* Whether entry a (at index ia) goes before entry b (at ib). */
static bool room_before(const struct conn *a, size_t ia, const struct conn *b,
                        size_t ib)
{
  long long ra = room_rank(a), rb = room_rank(b);
  return ra > rb || (ra == rb && ia < ib);
}

/* Those ahead of the connection at i in the queue. */
static uint32_t room_ahead(const struct server *s, size_t i)
{
  uint32_t ahead = 0;

  for (size_t k = 0; k < s->n_conns; k++) {
    const struct conn *c = &s->conns[k];
    ahead += k != i && room_queued(c) && room_before(c, k, &s->conns[i], i);
  }
  return ahead;
}

ssize_t room_next(const struct server *s)
{
  ssize_t best = -1;

  for (size_t k = 0; k < s->n_conns; k++) {
    const struct conn *c = &s->conns[k];
    if (room_queued(c) &&
        (best < 0 || room_before(c, k, &s->conns[best], (size_t)best))) {
      best = (ssize_t)k;
    }
  }
  return best;
}

/* The slot time, in ms, to run here before the job of the waiting entry
 * i can start (HWRK): what each running job has left until the end its
 * HEXP gave it, the whole HEXP of each invited job and of each queued
 * ahead of i; -1 when one of them said none. */
static long long room_work_ahead(const struct server *s, size_t i,
                                 long long now)
{
  long long work = 0;

  for (size_t k = 0; k < s->n_children; k++) {
    if (!s->child_ends_ms[k]) {
      return -1;
    }
    work += s->child_ends_ms[k] > now ? s->child_ends_ms[k] - now : 0;
  }
  for (size_t k = 0; k < s->n_conns; k++) {
    const struct conn *c = &s->conns[k];
    if (c->room == ROOM_INVITED ||
        (k != i && room_queued(c) && room_before(c, k, &s->conns[i], i))) {
      if (!c->expect_ms) {
        return -1;
      }
      work += c->expect_ms;
    }
  }
  return work;
}

/* Whether work, the work ahead now, is worth saying again after sent (-1:
 * none said since the last HWAI): by ROOM_WORK_RESEND_MS and a tenth. */
static bool work_moved(long long work, long long sent)
{
  long long moved = work > sent ? work - sent : sent - work;
  return work >= 0 &&
         (sent < 0 || (moved >= ROOM_WORK_RESEND_MS && moved * 10 >= sent));
}

size_t room_format_waiting(struct server *s, size_t i, char *buf,
                           bool count_changed)
{
  struct conn *c = &s->conns[i];
  size_t       n = 0;
  long long    work =
    c->herd >= HERD_WORK_VERSION ? room_work_ahead(s, i, clock_now_ms()) : -1;

  if (count_changed) {
    n += herd_format_state(buf, HERD_STATE_WAITING, c->ahead);
    c->work_sent_ms = -1;
  }
  if (work_moved(work, c->work_sent_ms)) {
    n += herd_format_work(buf + n, (uint64_t)work);
    c->work_sent_ms = work;
  }
  return n;
}

/* Send each connection of the waiting room its count of those ahead when
 * it changed (HWAI): it shrinks as slots free, and grows when a bigger
 * job comes; and the work ahead (HWRK) after it, or when it moved. A
 * connection that cannot take it is closed. */
void room_update(struct server *s)
{
  for (size_t i = 0; i < s->n_conns;) {
    struct conn *c = &s->conns[i];
    if (c->room == ROOM_WAITING) {
      uint32_t ahead   = room_ahead(s, i);
      bool     changed = ahead != c->ahead;
      char     buf[2 * PROTO_HEADER_LEN];
      c->ahead = ahead;
      size_t n = room_format_waiting(s, i, buf, changed);
      if (n && !room_say(s, i, buf, n)) {
        continue;
      }
    }
    i++;
  }
}

bool room_read_size(struct server *s, size_t i)
{
  struct conn *c = &s->conns[i];
  char         head[2 * PROTO_HEADER_LEN];
  uint32_t     size, expect_ms;
  size_t       len;

  if (c->herd < HERD_SIZE_VERSION || c->sized) {
    return true;
  }
  ssize_t n = recv(c->fd, head, sizeof(head), MSG_PEEK | MSG_DONTWAIT);
  int     r = herd_parse_size(head, n > 0 ? (size_t)n : 0, c->herd, &size,
                              &expect_ms, &len);
  if (r == 0) {
    return false;
  }
  c->sized = true;
  if (r > 0 && recv(c->fd, head, len, MSG_DONTWAIT) == (ssize_t)len) {
    c->size      = size;
    c->expect_ms = expect_ms;
    if (c->room == ROOM_WAITING) {
      room_update(s); /* its place, and maybe others', moved */
    }
  }
  return true;
}

/* A hello has arrived: answer it with ours, then invite, seat in the
 * waiting room, or turn away. */
static void room_enter(struct server *s, size_t i, uint32_t version)
{
  char   hello[HERD_MSG_MAX];
  size_t n = herd_format_hello(hello, version, s->speed, s->config->jobs,
                               SERVER_RESERVE_MS);

  bool over_cap =
    server_address_load(s, &s->conns[i].peer) >= s->per_address_max;

  if (!over_cap && server_slots_free(s) > 0 && room_ahead(s, i) == 0) {
    room_invite(s, i, hello, n);
    return;
  }
  if (over_cap || s->n_waiting >= s->room_max) {
    n += herd_format_state(hello + n, HERD_STATE_BUSY, (uint32_t)s->n_waiting);
    statsd_count(s->statsd, STATS_RESULT_BUSY);
    if (room_say(s, i, hello, n)) {
      room_leave(s, i,
                 over_cap ? "turned away: its address has --max-per-address "
                            "connections here"
                          : "turned away: the waiting room is full");
    }
    return;
  }
  struct conn *c = &s->conns[i];
  c->room        = ROOM_WAITING;
  c->ahead       = room_ahead(s, i);
  s->n_waiting++;
  n += room_format_waiting(s, i, hello + n, true);
  room_say(s, i, hello, n);
}

/* Look at a new connection's first bytes: HERD (the native extension) or
 * anything else (a classic request, handled as ever). True when it was
 * HERD and is taken care of; false when it is classic or undecided. An
 * address the allow-list excludes is never read here: its job process
 * refuses it, in the classic dialect, before reading a byte. */
bool room_hello(struct server *s, size_t i)
{
  struct conn *c = &s->conns[i];
  char         head[PROTO_HEADER_LEN];
  uint32_t     version;

  if (!access_list_allows(s->config->job->access,
                          (const struct sockaddr *)&c->peer, c->peer_len)) {
    c->known = true;
    return false;
  }
  ssize_t n = recv(c->fd, head, sizeof(head), MSG_PEEK | MSG_DONTWAIT);
  if (n <= 0) {
    return false;
  }
  enum herd_opening opening = herd_opening(head, (size_t)n);
  if (opening == HERD_OPENING_CLASSIC) {
    c->known = true;
    return false;
  }
  if (opening == HERD_OPENING_PARTIAL) {
    return false;
  }
  c->known = true;
  if (recv(c->fd, head, sizeof(head), MSG_DONTWAIT) != PROTO_HEADER_LEN ||
      herd_parse_client_hello(head, &version) < 0) {
    server_conn_drop(s, i, "a malformed HERD hello");
    return true;
  }
  c->herd = version;
  room_enter(s, i, version);
  return true;
}
