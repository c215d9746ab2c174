/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "invite.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "herd.h"
#include "log.h"
#include "macro.h"
#include "select.h"
#include "slots.h"

/* A slot file found taken is tried again when the doorbell rings
 * (slots_watch()), or after this long (a holder that was killed). */
#define INVITE_SLOT_RETRY_MS SLOTS_TIMER_MS

/* Times a declined server is asked again in one round. */
#define INVITE_MAX_REASK 4

enum peer_state {
  PEER_OFF,        /* not asked, or declined */
  PEER_CONNECTING, /* connect() in progress */
  PEER_ASKED,      /* HERD sent */
  PEER_GONE,       /* failed or busy: out of this round */
};

struct peer {
  int               fd;
  enum peer_state   state;
  struct herd_offer offer;
  char              address[BACKOFF_ADDRESS_MAX];
  unsigned          asks;
  bool              reaskable;     /* declined: may be asked again */
  double            slot_speed;    /* > 0 */
  bool              speed_known;   /* announced, or from the host list */
  unsigned          slots;         /* >= 1 */
  long long         slot_retry_ms; /* slot files: taken until then */
  bool              size_told;     /* HSIZ sent on this connection */
};

struct round {
  struct remote_job             *job;
  const struct invite_candidate *cands;
  unsigned                       n;
  struct peer                   *peers;
  long long                      started_ms;
  long long                      first_answer_ms; /* -1: none yet */
  unsigned                       batches;         /* ask_more() calls */
  double                        *speeds;          /* n: guess_speeds()' room */
  int                            watch_fd;        /* slots_watch(), or < 0 */
};

static void peer_close(struct peer *p, enum peer_state state)
{
  closep(&p->fd);
  p->fd    = -1;
  p->state = state;
}

static void peer_fail(struct round *rd, struct peer *p, const char *why)
{
  if (p->address[0]) {
    log_info("%s: %s", p->address, why);
    backoff_mark(rd->job->backoff, p->address, BACKOFF_ADDRESS, why);
  }
  peer_close(p, PEER_GONE);
}

/* Start connecting to the first usable address of candidate i. */
static int peer_ask(struct round *rd, unsigned i)
{
  struct peer     *p    = &rd->peers[i];
  struct addrinfo *list = NULL;
  char            *why  = NULL;
  int r = remote_addresses(rd->job, rd->cands[i].entry, &list, &why);

  p->asks++;
  p->reaskable = false;
  p->offer     = (struct herd_offer){ 0 };
  p->size_told = false;
  if (r == -ENOMEM) {
    return r;
  }
  if (r < 0) {
    log_info("%s", why ? why : "no address");
    free(why);
    p->state = PEER_GONE;
    return 0;
  }
  p->state = PEER_GONE;
  for (struct addrinfo *ai = list; ai; ai = ai->ai_next) {
    char address[BACKOFF_ADDRESS_MAX];
    if (backoff_format_address(ai->ai_addr, address) < 0 ||
        (p->asks == 1 && backoff_skip(rd->job->backoff, address))) {
      continue;
    }
    int fd =
      socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
      break;
    }
    memcpy(p->address, address, sizeof(address));
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    p->fd    = fd;
    p->state = PEER_CONNECTING;
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0 && errno != EINPROGRESS) {
      peer_fail(rd, p, strerror(errno));
      continue;
    }
    break;
  }
  freeaddrinfo(list);
  return 0;
}

/* The connection is made: say HERD. */
static void peer_connected(struct round *rd, struct peer *p)
{
  int       error = 0;
  socklen_t len   = sizeof(error);
  char      hello[PROTO_HEADER_LEN];

  if (getsockopt(p->fd, SOL_SOCKET, SO_ERROR, &error, &len) < 0) {
    error = errno;
  }
  if (error) {
    peer_fail(rd, p, strerror(error));
    return;
  }
  herd_format_client_hello(hello);
  if (send(p->fd, hello, sizeof(hello), MSG_NOSIGNAL) != sizeof(hello)) {
    peer_fail(rd, p, "failed to send HERD");
    return;
  }
  p->state = PEER_ASKED;
}

/* The servers whose speed is not known yet count at the median of those
 * known (select_default_speed), guessed again as answers come: a server
 * not answered yet is neither far slower nor far faster than its peers. */
static void guess_speeds(struct round *rd)
{
  double  *speeds = rd->speeds;
  unsigned k      = 0;

  for (unsigned i = 0; i < rd->n; i++) {
    speeds[k] = rd->peers[i].slot_speed;
    k += rd->peers[i].speed_known;
  }
  double guess = select_default_speed(speeds, k);
  for (unsigned i = 0; i < rd->n; i++) {
    if (!rd->peers[i].speed_known) {
      rd->peers[i].slot_speed = guess;
    }
  }
}

/* Say how big the job is (herd.h): in a waiting room of extension
 * version 3, so that the room invites the biggest first (HSIZ); from
 * version 6 in the room or invited, with how long it should take on one
 * of the server's slots (HEXP), so that the room can say the work ahead
 * to others (HWRK). */
static void tell_size(struct round *rd, struct peer *p)
{
  char   size[2 * PROTO_HEADER_LEN];
  double expect_ms = rd->job->size * rd->job->mean_work / p->slot_speed;
  size_t n         = herd_format_size(size, p->offer.version, rd->job->size,
                              p->speed_known ? expect_ms : 0);

  p->size_told = true;
  if (send(p->fd, size, n, MSG_NOSIGNAL | MSG_DONTWAIT) != (ssize_t)n) {
    peer_fail(rd, p, "failed to send HSIZ");
  }
}

/* Whether the job's size is to be said now (tell_size). */
static bool size_to_tell(const struct round *rd, const struct peer *p)
{
  enum herd_state state = p->offer.state;

  return !p->size_told && rd->job->size > 0 &&
         ((state == HERD_STATE_WAITING &&
           p->offer.version >= HERD_SIZE_VERSION) ||
          (state == HERD_STATE_INVITED &&
           p->offer.version >= HERD_WORK_VERSION));
}

static void peer_read(struct round *rd, struct peer *p)
{
  char    buf[HERD_MSG_MAX * 4];
  ssize_t n = recv(p->fd, buf, sizeof(buf), MSG_DONTWAIT);

  if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
    return;
  }
  if (n <= 0) {
    /* a server that hangs up on HERD is not one that speaks it */
    peer_fail(rd, p,
              p->offer.headers ? "closed the connection"
                               : "closed the connection on HERD (not a "
                                 "herdccd?)");
    return;
  }
  if (herd_offer_feed(&p->offer, buf, (size_t)n) < 0) {
    peer_fail(rd, p, "a malformed answer to HERD");
    return;
  }
  if (p->offer.state != HERD_STATE_HELLO && rd->first_answer_ms < 0) {
    rd->first_answer_ms = clock_now_ms();
  }
  if (p->offer.state == HERD_STATE_BUSY) {
    log_info("%s is busy", p->address);
    peer_close(p, PEER_GONE); /* not a failure: no backoff */
    return;
  }
  if (p->offer.headers >= HERD_HELLO_HEADERS) {
    p->slots = p->offer.slots;
    if (p->offer.speed && !p->speed_known) {
      p->slot_speed  = (double)p->offer.speed / p->offer.slots;
      p->speed_known = true;
      guess_speeds(rd);
    }
  }
  if (size_to_tell(rd, p)) {
    tell_size(rd, p);
  }
}

/* How candidate i stands now, for select.h. */
static struct select_offer offer_of(const struct round *rd, unsigned i,
                                    long long now)
{
  const struct peer  *p     = &rd->peers[i];
  struct select_offer o     = { .kind       = SELECT_GONE,
                                .size       = rd->job->size,
                                .owner      = rd->cands[i].owner,
                                .slot_speed = p->slot_speed,
                                .slots      = p->slots };
  bool                grace = rd->first_answer_ms < 0
                                ? now < rd->started_ms + rd->job->connect_timeout_ms
                                : now < rd->first_answer_ms + INVITE_GRACE_MS;

  if (!rd->cands[i].herd) {
    o.kind = now >= p->slot_retry_ms ? SELECT_FREE : SELECT_GONE;
    return o;
  }
  switch (p->state) {
    case PEER_OFF:
      o.kind = p->reaskable ? SELECT_PENDING : SELECT_GONE;
      break;
    case PEER_CONNECTING:
      o.kind = grace ? SELECT_PENDING : SELECT_GONE;
      break;
    case PEER_ASKED:
      if (p->offer.state == HERD_STATE_INVITED) {
        o.kind = SELECT_FREE;
        o.free = p->offer.value;
      } else if (p->offer.state == HERD_STATE_WAITING) {
        o.kind  = SELECT_WAITING;
        o.ahead = p->offer.value;
        /* the slot time ahead there, in typical jobs at speed 1 */
        o.said_work  = p->offer.work_said && rd->job->mean_work > 0;
        o.work_ahead = o.said_work
                         ? p->offer.work_ms * p->slot_speed / rd->job->mean_work
                         : 0;
      } else {
        o.kind = grace ? SELECT_PENDING : SELECT_GONE;
      }
      break;
    case PEER_GONE:
      break;
  }
  return o;
}

/* When the round must look again though nothing was heard. */
static int round_timeout(const struct round *rd, long long now)
{
  long long next = rd->started_ms + rd->job->io_timeout_ms;

  for (unsigned i = 0; i < rd->n; i++) {
    const struct peer *p = &rd->peers[i];
    if (!rd->cands[i].herd && p->slot_retry_ms > now &&
        p->slot_retry_ms < next) {
      next = p->slot_retry_ms;
    }
    if (p->state == PEER_CONNECTING ||
        (p->state == PEER_ASKED && p->offer.state <= HERD_STATE_OPEN)) {
      long long g = rd->first_answer_ms < 0
                      ? rd->started_ms + rd->job->connect_timeout_ms
                      : rd->first_answer_ms + INVITE_GRACE_MS;
      next        = g > now && g < next ? g : next;
    }
  }
  return next <= now ? 0 : (int)(next - now);
}

static void round_close(struct round *rd, unsigned keep)
{
  for (unsigned i = 0; i < rd->n; i++) {
    if (i != keep && rd->peers[i].fd >= 0) {
      peer_close(&rd->peers[i], PEER_OFF);
    }
  }
}

/* Try candidate i's slot files; true when one was taken. */
static bool take_slot(struct round *rd, unsigned i, struct invite_result *ret)
{
  char    *names[] = { (char *)rd->cands[i].slot_name, NULL };
  unsigned limit   = rd->cands[i].limit, picked;
  int      fd;
  int      slot =
    slots_try(rd->job->state_dir, names, &limit, 1, true, &picked, &fd);

  if (slot < 0) {
    rd->peers[i].slot_retry_ms = clock_now_ms() + INVITE_SLOT_RETRY_MS;
    return false;
  }
  *ret = (struct invite_result){ .outcome    = INVITE_SLOT,
                                 .index      = i,
                                 .sock       = -1,
                                 .slot_fd    = fd,
                                 .slot       = slot,
                                 .slot_speed = rd->peers[i].slot_speed };
  return true;
}

static int ask_more(struct round *rd);

/* Whether an asked server has not answered yet. */
static bool round_pending(const struct round *rd)
{
  for (unsigned i = 0; i < rd->n; i++) {
    const struct peer *p = &rd->peers[i];
    if (p->state == PEER_CONNECTING ||
        (p->state == PEER_ASKED && p->offer.state <= HERD_STATE_OPEN)) {
      return true;
    }
  }
  return false;
}

/* Value the offers and act: commit, ask again, decline. 1 when
 * committed, 0 to wait, -ENOENT when nothing is left. */
static int round_decide(struct round *rd, struct select_offer *offers,
                        struct invite_result *ret)
{
  for (;;) {
    long long now = clock_now_ms();
    for (unsigned i = 0; i < rd->n; i++) {
      offers[i] = offer_of(rd, i, now);
    }
    int best = select_best(offers, rd->n);
    if (best < 0) {
      /* Nothing but servers slow to answer (a loaded machine): wait for
       * them rather than give up, up to the round's deadline. */
      return round_pending(rd) ? 0 : -ENOENT;
    }
    struct peer *b = &rd->peers[best];
    if (!rd->cands[best].herd) {
      if (take_slot(rd, (unsigned)best, ret)) {
        return 1;
      }
      continue; /* taken: valued again without it */
    }
    if (offers[best].kind == SELECT_FREE) {
      *ret = (struct invite_result){ .outcome    = INVITE_SERVER,
                                     .index      = (unsigned)best,
                                     .sock       = TAKE_FD(b->fd),
                                     .slot_fd    = -1,
                                     .herd       = b->offer.version,
                                     .slot_speed = b->slot_speed };
      memcpy(ret->address, b->address, sizeof(ret->address));
      b->state = PEER_OFF;
      /* a retry of this job goes elsewhere; servers only asked (busy,
       * declined) stay open to the classic way */
      backoff_note_tried(rd->job->backoff, b->address);
      return 1;
    }
    if (b->state == PEER_OFF && b->reaskable) {
      int r = peer_ask(rd, (unsigned)best);
      if (r < 0) {
        return r;
      }
      continue;
    }
    /* Every answer in: when the best is a waiting room, look further
     * (a large farm may have free slots elsewhere). */
    if (offers[best].kind == SELECT_WAITING && rd->batches < INVITE_BATCHES &&
        !round_pending(rd)) {
      int r = ask_more(rd);
      if (r < 0) {
        return r;
      }
      if (round_pending(rd)) {
        continue;
      }
    }
    /* The best is yet to come: release the invitations that are not it. */
    for (unsigned i = 0; i < rd->n; i++) {
      struct peer *p = &rd->peers[i];
      if (offers[i].kind == SELECT_FREE && rd->cands[i].herd) {
        log_debug("declining the invitation of %s", p->address);
        peer_close(p, PEER_OFF);
        p->reaskable = p->asks < INVITE_MAX_REASK;
      }
    }
    return 0;
  }
}

static int round_wait(struct round *rd)
{
  struct pollfd fds[INVITE_MAX_ASK * INVITE_BATCHES + 2];
  unsigned      who[INVITE_MAX_ASK * INVITE_BATCHES + 2];
  nfds_t        n = 0;
  int           cpp_fd;

  for (unsigned i = 0; i < rd->n && n + 2 < ARRAY_SIZE(fds); i++) {
    struct peer *p = &rd->peers[i];
    if (p->fd >= 0 && (p->state == PEER_CONNECTING || p->state == PEER_ASKED)) {
      fds[n] =
        (struct pollfd){ .fd = p->fd,
                         .events =
                           p->state == PEER_CONNECTING ? POLLOUT : POLLIN };
      who[n++] = i;
    }
  }
  if (remote_cpp_check(rd->job, &cpp_fd)) {
    return -ECANCELED;
  }
  if (cpp_fd >= 0) {
    fds[n]   = (struct pollfd){ .fd = cpp_fd, .events = POLLIN };
    who[n++] = rd->n;
  }
  if (rd->watch_fd >= 0) {
    fds[n]   = (struct pollfd){ .fd = rd->watch_fd, .events = POLLIN };
    who[n++] = rd->n + 1;
  }
  long long now     = clock_now_ms();
  int       timeout = round_timeout(rd, now);
  if (now >= rd->started_ms + rd->job->io_timeout_ms) {
    return -ETIMEDOUT;
  }
  int k = poll(fds, n, timeout);
  if (k < 0) {
    return errno == EINTR ? 0 : -errno;
  }
  for (nfds_t i = 0; k > 0 && i < n; i++) {
    if (fds[i].revents && who[i] == rd->n + 1) {
      /* a slot was released: every slot file may be free again */
      slots_watch_drain(rd->watch_fd);
      for (unsigned c = 0; c < rd->n; c++) {
        rd->peers[c].slot_retry_ms = 0;
      }
      continue;
    }
    if (!fds[i].revents || who[i] == rd->n) {
      continue;
    }
    struct peer *p = &rd->peers[who[i]];
    if (p->state == PEER_CONNECTING) {
      peer_connected(rd, p);
    } else {
      peer_read(rd, p);
    }
  }
  return remote_cpp_check(rd->job, &cpp_fd) ? -ECANCELED : 0;
}

/* The command line's owner, when not asked yet: asked first, whatever the
 * draw. 1 when it was, 0 when there is none, or -ENOMEM. */
static int ask_owner(struct round *rd, bool *drawn, double *total)
{
  for (unsigned i = 0; i < rd->n; i++) {
    if (rd->cands[i].owner && rd->cands[i].herd && !drawn[i]) {
      drawn[i] = true;
      *total -= rd->peers[i].slot_speed * rd->peers[i].slots;
      int r = peer_ask(rd, i);
      return r < 0 ? r : 1;
    }
  }
  return 0;
}

/* The native servers to ask (next): the command line's owner, then all
 * of those not asked yet when there are at most INVITE_MAX_ASK; else
 * INVITE_MAX_ASK drawn at random without replacement, each with a weight
 * of its capacity (slots x slot speed), so that the clients of a large
 * farm spread over it rather than all ask the same fastest few. */
static int ask_more(struct round *rd)
{
  _cleanup_free_ bool *drawn = calloc(rd->n, sizeof(*drawn));
  double               total = 0;
  unsigned             herd  = 0;

  if (!drawn) {
    return -ENOMEM;
  }
  for (unsigned i = 0; i < rd->n; i++) {
    drawn[i] = rd->peers[i].asks > 0;
    if (rd->cands[i].herd && !drawn[i]) {
      total += rd->peers[i].slot_speed * rd->peers[i].slots;
      herd++;
    }
  }
  rd->batches++;
  int k = ask_owner(rd, drawn, &total);
  if (k < 0) {
    return k;
  }
  for (; k < INVITE_MAX_ASK && (unsigned)k < herd; k++) {
    double   at     = herd <= INVITE_MAX_ASK
                        ? -1
                        : total * ((double)random() / ((double)RAND_MAX + 1));
    unsigned picked = rd->n;
    for (unsigned i = 0; i < rd->n && picked == rd->n; i++) {
      if (!rd->cands[i].herd || drawn[i]) {
        continue;
      }
      at -= rd->peers[i].slot_speed * rd->peers[i].slots;
      picked = at < 0 ? i : picked;
    }
    for (unsigned i = rd->n; picked == rd->n && i-- > 0;) {
      picked = rd->cands[i].herd && !drawn[i] ? i : picked; /* rounding */
    }
    drawn[picked] = true;
    total -= rd->peers[picked].slot_speed * rd->peers[picked].slots;
    int r = peer_ask(rd, picked);
    if (r < 0) {
      return r;
    }
  }
  return 0;
}

int invite_choose(struct remote_job *job, const struct invite_candidate *cands,
                  unsigned n, struct invite_result *ret_result)
{
  _cleanup_free_ struct peer         *peers  = calloc(n, sizeof(*peers));
  _cleanup_free_ struct select_offer *offers = calloc(n, sizeof(*offers));
  _cleanup_free_ double              *speeds = calloc(n, sizeof(*speeds));
  struct round                        rd     = { .job             = job,
                                                 .cands           = cands,
                                                 .n               = n,
                                                 .peers           = peers,
                                                 .started_ms      = clock_now_ms(),
                                                 .first_answer_ms = -1,
                                                 .speeds          = speeds,
                                                 .watch_fd        = -1 };
  int                                 r;

  if (!peers || !offers || !speeds) {
    return -ENOMEM;
  }
  srandom((unsigned)getpid() ^ (unsigned)rd.started_ms);
  for (unsigned i = 0; i < n; i++) {
    peers[i] =
      (struct peer){ .fd          = -1,
                     .slot_speed  = cands[i].slot_speed,
                     .speed_known = cands[i].slot_speed > 0,
                     .slots =
                       cands[i].entry->limit ? cands[i].entry->limit : 1 };
  }
  guess_speeds(&rd);
  for (unsigned i = 0; i < n && rd.watch_fd == -1; i++) {
    if (!cands[i].herd) {
      int fd      = slots_watch(job->state_dir);
      rd.watch_fd = fd >= 0 ? fd : -2; /* -2: tried, the timer alone */
    }
  }
  r = ask_more(&rd);
  while (r >= 0) {
    r = round_decide(&rd, offers, ret_result);
    if (r != 0) {
      break;
    }
    r = round_wait(&rd);
  }
  round_close(&rd, n);
  if (rd.watch_fd >= 0) {
    close(rd.watch_fd);
  }
  if (r == 1) {
    return 0;
  }
  if (r == -ENOENT || r == -ETIMEDOUT) {
    *ret_result = (struct invite_result){ .outcome = INVITE_NONE,
                                          .sock    = -1,
                                          .slot_fd = -1 };
    return 0;
  }
  if (r == -ECANCELED) {
    *ret_result = (struct invite_result){ .outcome = INVITE_CPP_FAILED,
                                          .sock    = -1,
                                          .slot_fd = -1 };
    return 0;
  }
  return r;
}
