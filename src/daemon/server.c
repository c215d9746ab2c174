/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "server.h"

#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "access.h"
#include "clock.h"
#include "exitcode.h"
#include "herd.h"
#include "log.h"
#include "macro.h"
#include "proto.h"
#include "room.h"
#include "sdnotify.h"
#include "serverstate.h"
#include "speed.h"
#include "startup.h"
#include "statsd.h"
#include "strv.h"

/* Descriptors kept apart from the waiting connections: listeners, epoll,
 * signals, the log, the pid file, and a job being started. */
#define SERVER_SPARE_FDS 64

/* ---- the stats port ----------------------------------------------------- */

/* The connections waiting for a slot, for the stats port's jobs list. */
static int list_waiting(void *userdata, struct stats *st)
{
  const struct server *s = userdata;

  for (size_t i = 0; i < s->n_conns; i++) {
    const struct conn *c = &s->conns[i];
    struct stats_job  *job;
    if (!c->ready && c->room != ROOM_WAITING) {
      continue;
    }
    int r = statsd_add_job(st, &job);
    if (r < 0) {
      return r == -ENOSPC ? 0 : r;
    }
    access_peer_name((const struct sockaddr *)&c->peer, c->peer_len,
                     job->client);
    job->phase   = STATS_PHASE_WAITING;
    job->started = c->arrived;
  }
  return 0;
}

/* The stats port, when asked for: bound like the job port. */
static int bind_stats(struct server *s)
{
  const struct server_config *config = s->config;
  int                        *fds    = NULL;
  size_t                      n      = 0;
  int r = startup_bind_all(config->listen, config->stats->port, &fds, &n);

  if (r < 0) {
    for (size_t i = 0; i < n; i++) {
      close(fds[i]);
    }
    free(fds);
    return r;
  }
  s->stats_config              = *config->stats;
  s->stats_config.list_waiting = list_waiting;
  s->stats_config.userdata     = s;
  r = statsd_new(&s->stats_config, fds, n, &s->statsd);
  if (r < 0) {
    log_error("Failed to set up the stats port: %s", strerror(-r));
  }
  return r;
}

/* ---- start-up ----------------------------------------------------------- */

/* How many connections may wait: max, or fewer when RLIMIT_NOFILE cannot
 * be raised to hold them (and the spares). */
static size_t fit_descriptors(size_t max)
{
  struct rlimit lim;
  rlim_t        need = (rlim_t)max + SERVER_SPARE_FDS;

  if (getrlimit(RLIMIT_NOFILE, &lim) < 0 || lim.rlim_cur >= need) {
    return max;
  }
  lim.rlim_cur = lim.rlim_max < need ? lim.rlim_max : need;
  if (setrlimit(RLIMIT_NOFILE, &lim) < 0 || lim.rlim_cur < need) {
    size_t fit = lim.rlim_cur > 2 * SERVER_SPARE_FDS
                   ? (size_t)lim.rlim_cur - SERVER_SPARE_FDS
                   : SERVER_SPARE_FDS;
    fit        = fit < max ? fit : max;
    log_notice("RLIMIT_NOFILE lets %zu connections wait, not %zu", fit, max);
    return fit;
  }
  return max;
}

static int setup_loop(struct server *s)
{
  sigset_t set;

  sigemptyset(&set);
  sigaddset(&set, SIGCHLD);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  if (sigprocmask(SIG_BLOCK, &set, &s->old_mask) < 0) {
    return -errno;
  }
  s->signal_fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  s->epoll_fd  = epoll_create1(EPOLL_CLOEXEC);
  s->peek_fd   = memfd_create("herdccd-peek", MFD_CLOEXEC);
  if (s->signal_fd < 0 || s->epoll_fd < 0 || s->peek_fd < 0) {
    return -errno;
  }
  s->max_conns     = fit_descriptors(s->config->max_pending);
  s->children      = calloc(s->config->jobs, sizeof(pid_t));
  s->child_peers   = calloc(s->config->jobs, sizeof(*s->child_peers));
  s->child_ends_ms = calloc(s->config->jobs, sizeof(*s->child_ends_ms));
  s->conns         = calloc(s->max_conns, sizeof(struct conn));
  s->peek_buf      = malloc(SERVER_PEEK_MAX);
  room_bounds(s);
  if (!s->children || !s->child_peers || !s->child_ends_ms || !s->conns ||
      !s->peek_buf) {
    return -ENOMEM;
  }
  struct epoll_event ev = { .events = EPOLLIN, .data.fd = s->signal_fd };
  if (epoll_ctl(s->epoll_fd, EPOLL_CTL_ADD, s->signal_fd, &ev) < 0) {
    return -errno;
  }
  for (size_t i = 0; i < s->n_listen; i++) {
    ev.data.fd = s->listen_fds[i];
    if (epoll_ctl(s->epoll_fd, EPOLL_CTL_ADD, s->listen_fds[i], &ev) < 0) {
      return -errno;
    }
  }
  if (s->statsd) {
    int r = statsd_watch(s->statsd, s->epoll_fd);
    if (r < 0) {
      return r;
    }
  }
  s->accepting = true;
  return 0;
}

/* Everything between binding and accepting, in the serving process. */
static int start_serving(struct server *s)
{
  const struct server_config *config = s->config;
  int                         r      = setup_loop(s);

  if (r < 0) {
    log_error("Failed to set up the event loop: %s", strerror(-r));
    return EXIT_GENERAL;
  }
  if (s->pid_file) {
    r = startup_write_pid_file(s->pid_file, config->privs);
    if (r < 0) {
      log_error("Failed to write pid file %s: %s", s->pid_file, strerror(-r));
      return EXIT_GENERAL;
    }
    s->pid_file_written = true;
  }
  r = privs_apply(config->privs);
  if (r < 0) {
    log_error("Failed to drop privileges to user %s: %s",
              config->privs->drop ? config->privs->user : "(current)",
              r == -EPERM ? "refusing to run jobs as root" : strerror(-r));
    return EXIT_SETUID_FAILED;
  }
  if (config->detach) {
    if (config->syslog_once_detached) {
      log_use_syslog();
    }
    startup_detach_streams(config->keep_stderr);
  }
  s->speed = config->speed ? config->speed : speed_measure(config->jobs);
  if (config->zeroconf) {
    startup_publish(config, s->speed);
  }
  log_notice("Ready: pid %d, %u job slots%s%s, speed %u", (int)getpid(),
             config->jobs, config->privs->drop ? ", running as " : "",
             config->privs->drop ? config->privs->user : "", s->speed);
  return 0;
}

/* ---- connections waiting for a job process ------------------------------ */

static void set_accepting(struct server *s, bool on)
{
  struct epoll_event ev = { .events = on ? EPOLLIN : 0 };

  for (size_t i = 0; i < s->n_listen; i++) {
    ev.data.fd = s->listen_fds[i];
    epoll_ctl(s->epoll_fd, EPOLL_CTL_MOD, s->listen_fds[i], &ev);
  }
  s->accepting = on;
}

/* Accept whenever a descriptor is free: a connection beyond the table
 * evicts one that has not sent its request, or is told the server is
 * busy. */
static void update_accepting(struct server *s)
{
  bool want = s->n_listen > 0 && !s->accept_failed;

  if (want != s->accepting) {
    set_accepting(s, want);
  }
}

/* Take entry i out of the table, keeping the arrival order; its descriptor
 * is returned, no longer watched. */
int server_conn_take(struct server *s, size_t i)
{
  int fd = s->conns[i].fd;

  if (s->conns[i].room == ROOM_INVITED) {
    s->n_reserved--;
  } else if (s->conns[i].room == ROOM_WAITING) {
    s->n_waiting--;
  }

  epoll_ctl(s->epoll_fd, EPOLL_CTL_DEL, fd, NULL);
  memmove(&s->conns[i], &s->conns[i + 1],
          (s->n_conns - i - 1) * sizeof(s->conns[0]));
  s->n_conns--;
  return fd;
}

void server_conn_drop(struct server *s, size_t i, const char *fmt, ...)
{
  char    name[ACCESS_PEER_NAME_MAX];
  char    why[256];
  va_list ap;

  access_peer_name((const struct sockaddr *)&s->conns[i].peer,
                   s->conns[i].peer_len, name);
  va_start(ap, fmt);
  vsnprintf(why, sizeof(why), fmt, ap);
  va_end(ap);
  log_warning("Job from %s: dropped: %s", name, why);
  close(server_conn_take(s, i));
  s->accept_failed = false; /* a descriptor is free again */
}

static void close_conns(struct server *s)
{
  for (size_t i = 0; i < s->n_conns; i++) {
    close(s->conns[i].fd);
  }
  s->n_conns = 0;
}

/* Whether a job process can take the connection from here: the request's
 * command line (DIST..ARGV) has arrived whole, or what has arrived already
 * decides the job's fate (a malformed request, one over the caps, a
 * version we refuse). The queued bytes are peeked, not consumed: a copy is
 * read by the one codec (proto.h), and the job process reads the request
 * itself. More than SERVER_PEEK_MAX queued bytes are enough too: a client
 * that sends that much is not idling. */
bool server_request_arrived(struct server *s, struct conn *c)
{
  _cleanup_strv_free_ char **argv    = NULL;
  uint32_t                   version = 0;
  int                        queued  = 0;

  if (ioctl(c->fd, FIONREAD, &queued) < 0) {
    return true; /* the job process meets the error and logs it */
  }
  if (queued == c->seen) {
    return false;
  }
  c->seen = queued;
  if (queued >= SERVER_PEEK_MAX) {
    return true;
  }
  ssize_t n =
    recv(c->fd, s->peek_buf, SERVER_PEEK_MAX, MSG_PEEK | MSG_DONTWAIT);
  if (n < 0) {
    return errno != EAGAIN && errno != EINTR;
  }
  if (ftruncate(s->peek_fd, 0) < 0 ||
      pwrite(s->peek_fd, s->peek_buf, (size_t)n, 0) != n ||
      lseek(s->peek_fd, 0, SEEK_SET) < 0) {
    return true; /* cannot tell: the job process waits on its own */
  }
  int r = proto_recv_request_args(s->peek_fd, s->config->job->limits, 0,
                                  &version, &argv);
  return r != -ENODATA;
}

/* The version the client's DIST names, if it has arrived; else 1. The
 * peeked bytes are decoded by the codec, never parsed here. */
static uint32_t peeked_version(int fd)
{
  char     head[PROTO_HEADER_LEN];
  uint32_t version = 1;

  if (recv(fd, head, PROTO_HEADER_LEN, MSG_PEEK | MSG_DONTWAIT) !=
        PROTO_HEADER_LEN ||
      proto_parse_header(head, "DIST", &version) < 0 ||
      !proto_version_supported(version)) {
    version = 1;
  }
  return version;
}

/* A peer --allow leaves out is answered as soon as it is accepted, before
 * a byte of its request is read (so in protocol version 1), and holds no
 * table entry: its socket is only drained, bounded, so that closing it
 * does not destroy the reply. */
static void turn_away_denied(struct server *s, int fd, const struct conn *c)
{
  char               name[ACCESS_PEER_NAME_MAX];
  char               why[ACCESS_PEER_NAME_MAX + 96];
  struct proto_reply reply = { .version = 1,
                               .status =
                                 proto_status_exit(EXIT_ACCESS_DENIED) };

  access_peer_name((const struct sockaddr *)&c->peer, c->peer_len, name);
  snprintf(why, sizeof(why),
           "herdccd: refused: access denied for %s (not on this server's "
           "allow-list)\n",
           name);
  reply.serr     = why;
  reply.serr_len = strlen(why);
  proto_send_reply(fd, &reply, 100);
  log_warning("Job from %s: refused: access denied (not on this server's "
              "allow-list)",
              name);
  statsd_count(s->statsd, STATS_RESULT_REFUSED);
  shutdown(fd, SHUT_WR);
  drain_start(&s->drains, s->epoll_fd, fd);
}

/* Every job slot is busy and the queue is full of complete requests: say
 * so within the protocol (STAT 114 << 8 and the reason) rather than leave
 * the client hanging in the backlog; a herdcc client tries another
 * server. */
static void turn_away_busy(struct server *s, int fd, const struct conn *c,
                           bool over_cap)
{
  char               name[ACCESS_PEER_NAME_MAX];
  char               why[160];
  struct proto_reply reply = { .version = peeked_version(fd),
                               .status  = proto_status_exit(EXIT_BUSY) };

  if (over_cap) {
    snprintf(why, sizeof(why),
             "herdccd: busy: your address has %zu connections here "
             "already; try another server\n",
             s->per_address_max);
  } else {
    snprintf(why, sizeof(why),
             "herdccd: busy: %u jobs running and %zu waiting; try another "
             "server\n",
             s->config->jobs, s->n_conns);
  }
  reply.serr     = why;
  reply.serr_len = strlen(why);
  proto_send_reply(fd, &reply, 100);
  access_peer_name((const struct sockaddr *)&c->peer, c->peer_len, name);
  log_warning("Job from %s: refused: busy (%zu waiting)", name, s->n_conns);
  statsd_count(s->statsd, STATS_RESULT_BUSY);
  shutdown(fd, SHUT_WR);
  drain_start(&s->drains, s->epoll_fd, fd);
}

/* ---- slots and addresses (the waiting room counts them too) ------------- */

size_t server_slots_free(const struct server *s)
{
  size_t used = s->n_children + s->n_reserved;
  return used < s->config->jobs ? s->config->jobs - used : 0;
}

/* Whether two peers are the same address (ports aside). */
static bool same_address(const struct sockaddr_storage *a,
                         const struct sockaddr_storage *b)
{
  if (a->ss_family != b->ss_family) {
    return false;
  }
  if (a->ss_family == AF_INET) {
    return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
           ((const struct sockaddr_in *)b)->sin_addr.s_addr;
  }
  if (a->ss_family == AF_INET6) {
    return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
                  &((const struct sockaddr_in6 *)b)->sin6_addr,
                  sizeof(struct in6_addr)) == 0;
  }
  return false;
}

/* The connections of peer's address that hold or wait for a slot: those
 * running, those whose request has arrived, the waiting room and the
 * invited. (Connections still sending their request are bounded by the
 * table and its eviction of the oldest.) */
size_t server_address_load(const struct server           *s,
                           const struct sockaddr_storage *peer)
{
  size_t n = 0;

  for (size_t i = 0; i < s->n_conns; i++) {
    const struct conn *c = &s->conns[i];
    n += (c->ready || c->room != ROOM_NONE) && same_address(&c->peer, peer);
  }
  for (size_t i = 0; i < s->n_children; i++) {
    n += same_address(&s->child_peers[i], peer);
  }
  return n;
}

/* ---- each connection's first bytes, the accept, the deadlines ----------- */

/* A connection's bytes have moved, or it has just been accepted: decide
 * its dialect (room.h for HERD), then whether its request has arrived. */
static void conn_check(struct server *s, size_t i, uint32_t events)
{
  struct conn *c   = &s->conns[i];
  bool         hup = events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR);

  if (c->room == ROOM_WAITING) {
    /* What it sends before its invitation (but its size) waits for it. */
    if (hup) {
      room_leave(s, i, "left the waiting room");
    } else {
      room_read_size(s, i);
    }
    return;
  }
  if (c->ready) {
    return;
  }
  if (!c->known && room_hello(s, i)) {
    return;
  }
  if (!c->known && !hup) {
    /* Not one byte yet (or part of a HERD): the next event decides. Never
     * the classic path meanwhile, or a hello that lands between the peek
     * and request_arrived() reaches a job process as a bad request. */
    return;
  }
  if (c->room == ROOM_INVITED && !room_read_size(s, i) && !hup) {
    return; /* nothing yet, or a part of its size: more comes */
  }
  if (c->room == ROOM_INVITED && hup && !server_request_arrived(s, c)) {
    room_leave(s, i, "declined its invitation");
    return;
  }
  if (hup || server_request_arrived(s, c)) {
    /* No more events are needed: it waits for a slot. */
    epoll_ctl(s->epoll_fd, EPOLL_CTL_DEL, c->fd, NULL);
    if (c->room == ROOM_NONE &&
        server_address_load(s, &c->peer) >= s->per_address_max) {
      struct conn copy = *c;
      turn_away_busy(s, server_conn_take(s, i), &copy, true);
      return;
    }
    c->ready = true;
  }
}

static void conn_event(struct server *s, int fd, uint32_t events)
{
  for (size_t i = 0; i < s->n_conns; i++) {
    if (s->conns[i].fd == fd) {
      conn_check(s, i, events);
      return;
    }
  }
}

/* Whether c has bytes that no event has let the server look at yet: a
 * request that came while the server was accepting others. */
static bool unread_bytes(const struct conn *c)
{
  int n = 0;
  return !c->known && ioctl(c->fd, FIONREAD, &n) == 0 && n > 0;
}

/* Make room for one more: close the oldest connection still without its
 * request, but not one whose first bytes wait unread (it is looked at on
 * its event). False when every waiting connection has sent its request. */
static bool evict_one(struct server *s)
{
  for (size_t i = 0; i < s->n_conns; i++) {
    if (!s->conns[i].ready && s->conns[i].room == ROOM_NONE &&
        !unread_bytes(&s->conns[i])) {
      statsd_count(s->statsd, STATS_RESULT_BUSY);
      server_conn_drop(s, i,
                       "%zu connections are waiting already (the server's "
                       "--max-pending); the oldest without a request is closed",
                       s->max_conns);
      return true;
    }
  }
  return false;
}

static void accept_all(struct server *s, int listen_fd)
{
  while (s->accepting) {
    struct conn c = { .peer_len = sizeof(c.peer) };
    c.fd          = accept4(listen_fd, (struct sockaddr *)&c.peer, &c.peer_len,
                            SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (c.fd < 0) {
      if (errno == EMFILE || errno == ENFILE) {
        log_warning("Failed to accept a connection: %m; waiting for one to "
                    "end");
        s->accept_failed = true;
      } else if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED) {
        log_warning("Failed to accept a connection: %m");
      }
      break;
    }
    statsd_count_accept(s->statsd);
    if (!access_list_allows(s->config->job->access,
                            (const struct sockaddr *)&c.peer, c.peer_len)) {
      turn_away_denied(s, c.fd, &c);
      continue;
    }
    if (s->n_conns >= s->max_conns && !evict_one(s)) {
      turn_away_busy(s, c.fd, &c, false);
      continue;
    }
    c.arrived_ms          = clock_now_ms();
    c.deadline            = c.arrived_ms + s->config->request_timeout_ms;
    c.arrived             = (int64_t)time(NULL);
    c.size                = HERD_SIZE_TYPICAL;
    c.work_sent_ms        = -1;
    struct epoll_event ev = {
      .events  = EPOLLIN | EPOLLRDHUP | EPOLLET,
      .data.fd = c.fd,
    };
    if (epoll_ctl(s->epoll_fd, EPOLL_CTL_ADD, c.fd, &ev) < 0) {
      log_warning("Failed to watch a connection: %m");
      close(c.fd);
      continue;
    }
    s->conns[s->n_conns++] = c;
    conn_check(s, s->n_conns - 1, 0); /* bytes may be there already */
  }
  update_accepting(s);
}

/* Close the connections whose request did not arrive in time. */
static void expire(struct server *s)
{
  long long now = clock_now_ms();

  for (size_t i = 0; i < s->n_conns;) {
    if (s->conns[i].room == ROOM_INVITED && !s->conns[i].ready &&
        now >= s->conns[i].deadline) {
      server_conn_drop(s, i, "its invitation was not used within %d ms",
                       SERVER_RESERVE_MS);
    } else if (s->conns[i].room == ROOM_NONE && !s->conns[i].ready &&
               now >= s->conns[i].deadline) {
      statsd_count(s->statsd, STATS_RESULT_TIMEOUT);
      server_conn_drop(s, i,
                       "no whole request within %d s (the server's "
                       "--io-timeout)",
                       s->config->request_timeout_ms / 1000);
    } else {
      i++;
    }
  }
}

/* The earliest deadline of a connection still without its request (the
 * waiting room has none). */
static long long next_deadline(const struct server *s, long long deadline)
{
  for (size_t i = 0; i < s->n_conns; i++) {
    if (!s->conns[i].ready && s->conns[i].room != ROOM_WAITING) {
      long long d = s->conns[i].deadline;
      deadline    = deadline < 0 || d < deadline ? d : deadline;
    }
  }
  return deadline;
}

/* ---- job processes ------------------------------------------------------ */

static void close_listeners(struct server *s)
{
  for (size_t i = 0; i < s->n_listen; i++) {
    close(s->listen_fds[i]);
  }
  s->n_listen = 0;
}

/* In a job process: drop the server's descriptors, serve, exit. */
static _noreturn_ void run_job(struct server *s, struct conn *c,
                               struct statsd_slot *slot)
{
  close_listeners(s);
  close_conns(s);
  drain_close_all(&s->drains);
  statsd_close_fds(s->statsd);
  close(s->epoll_fd);
  close(s->signal_fd);
  close(s->peek_fd);
  sigprocmask(SIG_SETMASK, &s->old_mask, NULL);
  int r = job_serve(c->fd, c->fd, (const struct sockaddr *)&c->peer,
                    c->peer_len, c->herd, s->config->job, slot);
  close(c->fd);
  _exit(r >= 0 || r == -EPERM ? 0 : 1);
}

/* Hand the connection at i to a job process in a slot (its reserved one,
 * when invited). */
static void start_job(struct server *s, size_t i)
{
  struct conn c = s->conns[i];

  server_conn_take(s, i);
  struct statsd_slot *slot =
    statsd_slot_claim(s->statsd, (const struct sockaddr *)&c.peer, c.peer_len);
  pid_t pid = fork();
  if (pid == 0) {
    run_job(s, &c, slot);
  }
  if (pid < 0) {
    log_error("Failed to start a job process: %m");
    statsd_slot_release(s->statsd, slot);
  } else {
    s->child_peers[s->n_children] = c.peer;
    s->child_ends_ms[s->n_children] =
      c.expect_ms ? clock_now_ms() + c.expect_ms : 0;
    s->children[s->n_children++] = pid;
    statsd_slot_started(s->statsd, slot, pid);
  }
  close(c.fd);
  s->accept_failed = false;
}

/* An invited connection whose request has arrived takes its reserved
 * slot; then, while slots are free, the next of the one queue (room.h:
 * the classic requests and the waiting room, the biggest job first, the
 * oldest among equals) takes one, or is invited. */
static void dispatch(struct server *s)
{
  for (size_t i = 0; i < s->n_conns;) {
    struct conn *c = &s->conns[i];
    if (c->room == ROOM_INVITED && c->ready) {
      start_job(s, i);
    } else {
      i++;
    }
  }
  for (ssize_t i; server_slots_free(s) > 0 && (i = room_next(s)) >= 0;) {
    if (s->conns[i].room == ROOM_NONE) {
      start_job(s, (size_t)i);
    } else if (room_invite(s, (size_t)i, NULL, 0) && s->conns[i].ready) {
      start_job(s, (size_t)i);
    }
  }
  room_update(s);
  update_accepting(s);
}

static void forget_child(struct server *s, pid_t pid, int status)
{
  for (size_t i = 0; i < s->n_children; i++) {
    if (s->children[i] == pid) {
      s->n_children--;
      s->children[i]      = s->children[s->n_children];
      s->child_peers[i]   = s->child_peers[s->n_children];
      s->child_ends_ms[i] = s->child_ends_ms[s->n_children];
      break;
    }
  }
  statsd_reaped(s->statsd, pid, status);
  if (WIFSIGNALED(status) && WTERMSIG(status) != SIGTERM) {
    log_warning("Job process %d was killed by signal %d", (int)pid,
                WTERMSIG(status));
  }
}

static void reap(struct server *s)
{
  int   status;
  pid_t pid;

  while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
    forget_child(s, pid, status);
  }
}

/* Returns true when the daemon is told to stop. */
static bool handle_signals(struct server *s)
{
  struct signalfd_siginfo info;
  bool                    stop = false;

  while (read(s->signal_fd, &info, sizeof(info)) == (ssize_t)sizeof(info)) {
    if (info.ssi_signo == SIGCHLD) {
      reap(s);
    } else if (info.ssi_signo == SIGHUP) {
      int r = log_reopen_file(); /* after logrotate renamed it */
      if (r < 0) {
        log_warning("Failed to reopen the log file: %s", strerror(-r));
      } else {
        log_info("SIGHUP: log file reopened");
      }
    } else {
      log_notice("Stopping on signal %u", info.ssi_signo);
      stop = true;
    }
  }
  return stop;
}

/* ---- the loop ----------------------------------------------------------- */

static int epoll_timeout(long long deadline)
{
  if (deadline < 0) {
    return -1;
  }
  long long left = deadline - clock_now_ms();
  return left < 0 ? 0 : left > 60000 ? 60000 : (int)left;
}

static bool is_listener(const struct server *s, int fd)
{
  for (size_t i = 0; i < s->n_listen; i++) {
    if (s->listen_fds[i] == fd) {
      return true;
    }
  }
  return false;
}

static int serve(struct server *s)
{
  unsigned  lifetime = s->config->lifetime_s;
  long long deadline =
    lifetime ? clock_now_ms() + (long long)lifetime * 1000 : -1;

  for (;;) {
    struct epoll_event events[32];
    long long          next =
      drain_next_deadline(&s->drains, next_deadline(s, deadline));
    long long stats = statsd_next_deadline(s->statsd);
    next            = stats >= 0 && (next < 0 || stats < next) ? stats : next;
    int n =
      epoll_wait(s->epoll_fd, events, ARRAY_SIZE(events), epoll_timeout(next));
    if (n < 0 && errno != EINTR) {
      log_error("Failed to wait for events: %m");
      return EXIT_GENERAL;
    }
    if (deadline >= 0 && clock_now_ms() >= deadline) {
      log_notice("Lifetime of %u s is over, stopping", lifetime);
      return 0;
    }
    for (int i = 0; i < n; i++) {
      int fd = events[i].data.fd;
      if (fd == s->signal_fd) {
        if (handle_signals(s)) {
          for (size_t k = 0; k < s->n_children; k++) {
            kill(s->children[k], SIGTERM);
          }
          return 0;
        }
      } else if (is_listener(s, fd)) {
        accept_all(s, fd);
      } else if (drain_event(&s->drains, fd)) {
        continue;
      } else if (!statsd_event(s->statsd, fd, events[i].events)) {
        conn_event(s, fd, events[i].events);
      }
    }
    expire(s);
    drain_expire(&s->drains);
    statsd_expire(s->statsd);
    dispatch(s);
  }
}

static void server_clear(struct server *s)
{
  s->statsd = statsd_free(s->statsd);
  drain_close_all(&s->drains);
  close_listeners(s);
  close_conns(s);
  free(s->listen_fds);
  free(s->children);
  free(s->child_peers);
  free(s->child_ends_ms);
  free(s->conns);
  free(s->peek_buf);
  if (s->peek_fd >= 0) {
    close(s->peek_fd);
  }
  if (s->epoll_fd >= 0) {
    close(s->epoll_fd);
  }
  if (s->signal_fd >= 0) {
    close(s->signal_fd);
  }
  if (s->ready_fd >= 0) {
    close(s->ready_fd);
  }
  if (s->pid_file_written && unlink(s->pid_file) < 0) {
    log_info("Failed to remove pid file %s: %m", s->pid_file);
  }
  free(s->pid_file);
}

int server_run(const struct server_config *config)
{
  _cleanup_(server_clear) struct server s = {
    .config    = config,
    .epoll_fd  = -1,
    .signal_fd = -1,
    .ready_fd  = -1,
    .peek_fd   = -1,
  };
  int r =
    config->pid_file ? startup_absolute_path(config->pid_file, &s.pid_file) : 0;

  if (r < 0) {
    log_error("Failed to resolve pid file %s: %s", config->pid_file,
              strerror(-r));
    return EXIT_GENERAL;
  }
  /* Sockets from the service manager (herdccd.socket), else our own. */
  r = sdnotify_listen_fds(&s.listen_fds, &s.n_listen);
  if (r < 0) {
    log_error("Failed to use the sockets passed in $LISTEN_FDS: %s",
              strerror(-r));
  } else if (r > 0) {
    log_info("Serving %zu socket(s) passed by the service manager", s.n_listen);
  } else {
    r = startup_bind_all(config->listen, config->port, &s.listen_fds,
                         &s.n_listen);
  }
  if (r >= 0 && config->stats) {
    r = bind_stats(&s);
  }
  if (r < 0) {
    return EXIT_BIND_FAILED;
  }
  if (config->detach) {
    r = startup_daemonize(&s.ready_fd);
    if (r < 0) {
      log_error("Failed to detach: %s", strerror(-r));
      startup_report(&s.ready_fd, EXIT_GENERAL);
      return EXIT_GENERAL;
    }
  }
  int code = start_serving(&s);
  startup_report(&s.ready_fd, code);
  if (code != 0) {
    return code;
  }
  startup_notify("READY=1", config->jobs);
  code = serve(&s);
  startup_notify("STOPPING=1", config->jobs);
  return code;
}
