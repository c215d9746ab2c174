/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "farm.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backoff.h"
#include "dns.h"
#include "env.h"
#include "hostlist.h"
#include "hosts.h"
#include "macro.h"
#include "zcache.h"
#include "zeroconf.h"

/* At most this many servers are asked in one round (a thread each). */
#define FARM_FETCH_MAX 256

/* How long a round waits beyond the fetches' own deadline. */
#define FARM_FETCH_GRACE_MS 250

const char *farm_source_name(enum farm_source source)
{
  static const char *const names[FARM_SOURCE_COUNT_] = {
    [FARM_SOURCE_STATIC] = "static",
    [FARM_SOURCE_MDNS]   = "mdns",
    [FARM_SOURCE_DNS]    = "dns",
  };
  return (unsigned)source < FARM_SOURCE_COUNT_ ? names[source] : "?";
}

/* For xgettext: the words herdcc-monitor translates. */
#define N_(text) text

/* Each status: its word and whether it is a failure. */
static const struct {
  const char *name;
  bool        failing;
} farm_statuses[FARM_STATUS_COUNT_] = {
  [FARM_STATUS_UNKNOWN]     = { N_("unknown"),     false },
  [FARM_STATUS_OK]          = { N_("ok"),          false },
  [FARM_STATUS_UNREACHABLE] = { N_("unreachable"), true  },
  [FARM_STATUS_REFUSED]     = { N_("refused"),     true  },
  [FARM_STATUS_NO_STATS]    = { N_("no stats"),    false },
  [FARM_STATUS_BAD_REPLY]   = { N_("bad reply"),   true  },
  [FARM_STATUS_UNRESOLVED]  = { N_("unresolved"),  true  },
};

const char *farm_status_name(enum farm_status status)
{
  return (unsigned)status < FARM_STATUS_COUNT_ ? farm_statuses[status].name
                                               : "?";
}

bool farm_status_failing(enum farm_status status)
{
  return (unsigned)status < FARM_STATUS_COUNT_ && farm_statuses[status].failing;
}

/* ---- the servers ------------------------------------------------------- */

static struct farm_server *add_server(struct farm *farm)
{
  struct farm_server *grown =
    reallocarray(farm->servers, farm->server_count + 1, sizeof(*grown));
  if (!grown) {
    return NULL;
  }
  farm->servers         = grown;
  struct farm_server *s = &grown[farm->server_count++];
  *s                    = (struct farm_server){ 0 };
  s->stats_port         = STATS_DEFAULT_PORT;
  return s;
}

static bool have_address(const struct farm *farm, const char *addr,
                         uint16_t port)
{
  for (size_t i = 0; i < farm->server_count; i++) {
    const struct farm_server *s = &farm->servers[i];
    if (s->port == port && s->addr[0] && strcmp(s->addr, addr) == 0) {
      return true;
    }
  }
  return false;
}

/* A server of the static list at one numeric address. */
static int add_static(struct farm *farm, const struct hosts_entry *e,
                      const char *addr)
{
  if (addr && have_address(farm, addr, e->port)) {
    return 0;
  }
  struct farm_server *s = add_server(farm);
  if (!s) {
    return -ENOMEM;
  }
  s->source = FARM_SOURCE_STATIC;
  snprintf(s->name, sizeof(s->name), "%s", e->name);
  snprintf(s->addr, sizeof(s->addr), "%s", addr ? addr : "");
  s->port  = e->port;
  s->slots = e->limit;
  s->lzo   = e->lzo;
  s->herd  = e->herd;
  return 0;
}

/* A host name: one server per cached address (or the resolver's, in an
 * installation without herdcc-resolve), or one unresolved row. */
static int add_named(struct farm *farm, const char *state,
                     const struct hosts_entry *e)
{
  _cleanup_free_ struct dns_address *cached = NULL;
  _cleanup_free_ char               *why    = NULL;
  size_t                             count  = 0;
  char                               text[INET6_ADDRSTRLEN];
  int r = dns_addresses(state, e->name, e->port, &cached, &count, &why);

  if (r == -ENOTSUP) {
    struct addrinfo  hints = { .ai_socktype = SOCK_STREAM };
    struct addrinfo *list  = NULL;
    int              g     = getaddrinfo(e->name, NULL, &hints, &list);
    for (struct addrinfo *ai             = g == 0 ? list : NULL;
         ai && r < 0 && r != -ENOMEM; ai = ai->ai_next) {
      if (getnameinfo(ai->ai_addr, ai->ai_addrlen, text, sizeof(text), NULL, 0,
                      NI_NUMERICHOST) == 0) {
        r = add_static(farm, e, text) < 0 ? -ENOMEM : r;
      }
    }
    if (g == 0) {
      freeaddrinfo(list);
      r = r == -ENOMEM ? r : 0;
    } else {
      free(why);
      why = NULL;
      if (asprintf(&why, "cannot resolve %s: %s", e->name, gai_strerror(g)) <
          0) {
        why = NULL;
      }
    }
  }
  if (r == -ENOMEM) {
    return r;
  }
  for (size_t i = 0; i < count; i++) {
    const struct sockaddr_in  *in  = (void *)&cached[i].address;
    const struct sockaddr_in6 *in6 = (void *)&cached[i].address;
    const void *bin = in->sin_family == AF_INET ? (const void *)&in->sin_addr
                                                : (const void *)&in6->sin6_addr;
    if (inet_ntop(in->sin_family, bin, text, sizeof(text)) &&
        add_static(farm, e, text) < 0) {
      return -ENOMEM;
    }
  }
  if (r < 0 || (count == 0 && why)) {
    if (add_static(farm, e, NULL) < 0) {
      return -ENOMEM;
    }
    struct farm_server *s = &farm->servers[farm->server_count - 1];
    s->status             = FARM_STATUS_UNRESOLVED;
    snprintf(s->why, sizeof(s->why), "%s", why ? why : "no address known");
  }
  return 0;
}

/* Servers from a discovery cache (mDNS or DNS). */
static int add_discovered(struct farm *farm, enum farm_source source,
                          const struct zcache_entry *entries, size_t count)
{
  for (size_t i = 0; i < count; i++) {
    const struct zcache_entry *z = &entries[i];
    if (have_address(farm, z->addr, z->port)) {
      continue;
    }
    struct farm_server *s = add_server(farm);
    if (!s) {
      return -ENOMEM;
    }
    s->source = source;
    snprintf(s->name, sizeof(s->name), "%s", z->name[0] ? z->name : z->addr);
    snprintf(s->addr, sizeof(s->addr), "%s", z->addr);
    s->port  = z->port;
    s->slots = z->info.jobs ? z->info.jobs : HOSTS_DEFAULT_LIMIT;
    s->lzo   = z->info.lzo;
    s->herd  = z->info.herd;
    if (z->info.stats_port) {
      s->stats_port       = z->info.stats_port;
      s->stats_advertised = true;
    }
  }
  return 0;
}

_printf_(2, 3) static void set_note(struct farm *farm, const char *fmt, ...)
{
  va_list ap;

  if (!farm->note[0]) {
    va_start(ap, fmt);
    vsnprintf(farm->note, sizeof(farm->note), fmt, ap);
    va_end(ap);
  }
}

static void mark_backed_off(struct farm *farm, const char *state)
{
  _cleanup_(backoff_freep) struct backoff *backoff = NULL;

  if (backoff_new(state, "cc", backoff_period_from_env(), &backoff) < 0) {
    return;
  }
  for (size_t i = 0; i < farm->server_count; i++) {
    struct farm_server *s = &farm->servers[i];
    char                address[BACKOFF_ADDRESS_MAX];
    if (!s->addr[0]) {
      continue;
    }
    snprintf(address, sizeof(address),
             strchr(s->addr, ':') ? "[%s]:%u" : "%s:%u", s->addr, s->port);
    s->backed_off = backoff_skip(backoff, address);
  }
}

int farm_load_servers(struct farm *farm, int cold_wait_ms)
{
  _cleanup_free_ char *state     = NULL;
  _cleanup_free_ char *bad_spec  = NULL;
  struct hosts_list   *list      = NULL;
  bool                 mdns_done = false;
  int                  r;

  if (env_state_dir(&state) < 0) {
    set_note(farm, "%s", "no state directory: discovery caches unavailable");
    return 0;
  }
  r = hostlist_load(&list, &bad_spec);
  if (r == -EINVAL) {
    set_note(farm, "%s", bad_spec ? bad_spec : "bad host specification");
    return 0;
  }
  if (r == -ENOENT) {
    set_note(farm, "%s",
             "no hosts configured: set $HERDCC_HOSTS or $DISTCC_HOSTS");
    return 0;
  }
  if (r < 0) {
    return r;
  }
  dns_refresh(list, state, cold_wait_ms);
  for (size_t i = 0; i < list->count && r >= 0; i++) {
    const struct hosts_entry *e = &list->entries[i];
    switch (e->kind) {
      case HOSTS_TCP:
        r = dns_is_numeric(e->name) ? add_static(farm, e, e->name)
                                    : add_named(farm, state, e);
        break;
      case HOSTS_ZEROCONF: {
        _cleanup_free_ struct zcache_entry *entries = NULL;
        size_t                              count   = 0;
        if (mdns_done) {
          break;
        }
        mdns_done = true;
        if (zeroconf_servers(state, cold_wait_ms, &entries, &count) < 0) {
          set_note(farm, "%s", "+zeroconf: no servers known yet");
          break;
        }
        r = add_discovered(farm, FARM_SOURCE_MDNS, entries, count);
        break;
      }
      case HOSTS_SRV: {
        _cleanup_free_ struct zcache_entry *entries = NULL;
        size_t                              count   = 0;
        struct zcache_meta                  meta;
        if (dns_srv_servers(state, e, &entries, &count, &meta) < 0) {
          set_note(farm, "%s: no servers known yet",
                   e->name ? e->name : "+srv");
          break;
        }
        if (meta.error[0]) {
          set_note(farm, "+srv lookup failed: %.120s", meta.error);
        }
        r = add_discovered(farm, FARM_SOURCE_DNS, entries, count);
        break;
      }
      case HOSTS_SSH:   /* no TCP port of its own to ask */
      case HOSTS_LOCAL: /* this machine: its jobs are the local ones */
        break;
    }
  }
  hosts_list_free(list);
  if (r < 0) {
    return r;
  }
  mark_backed_off(farm, state);
  return 0;
}

/* ---- local jobs ------------------------------------------------------- */

static void job_seen(const struct job_seen *job, void *userdata)
{
  struct farm     *farm = userdata;
  struct job_seen *grown =
    reallocarray(farm->jobs, farm->job_count + 1, sizeof(*grown));

  if (grown) {
    farm->jobs                    = grown;
    farm->jobs[farm->job_count++] = *job;
  }
}

static int compare_jobs(const void *a, const void *b)
{
  const struct job_seen *x = a, *y = b;

  if (x->state.started_us != y->state.started_us) {
    return x->state.started_us < y->state.started_us ? -1 : 1;
  }
  return x->state.pid < y->state.pid ? -1 : x->state.pid > y->state.pid;
}

/* Whether a job's host (as the client records it) is server s. */
static bool job_on(const struct job_state *job, const struct farm_server *s)
{
  char with_port[FARM_NAME_MAX + 16];

  if (!job->host[0]) {
    return false;
  }
  if (s->addr[0]) {
    snprintf(with_port, sizeof(with_port),
             strchr(s->addr, ':') ? "[%s]:%u" : "%s:%u", s->addr, s->port);
    if (strcmp(job->host, with_port) == 0 || strcmp(job->host, s->addr) == 0) {
      return true;
    }
  }
  if (s->source != FARM_SOURCE_STATIC) {
    return false;
  }
  snprintf(with_port, sizeof(with_port), "%s:%u", s->name, s->port);
  return strcmp(job->host, with_port) == 0 || strcmp(job->host, s->name) == 0;
}

void farm_count_local_jobs(struct farm *farm)
{
  for (size_t i = 0; i < farm->server_count; i++) {
    struct farm_server *s = &farm->servers[i];
    s->local_jobs         = 0;
    for (size_t j = 0; j < farm->job_count; j++) {
      s->local_jobs += job_on(&farm->jobs[j].state, s);
    }
  }
}

int farm_load_jobs(struct farm *farm)
{
  _cleanup_free_ char *dir = NULL;
  int                  r   = jobstate_dir(&dir);

  free(farm->jobs);
  farm->jobs      = NULL;
  farm->job_count = 0;
  if (r < 0) {
    return r;
  }
  r = jobstate_scan(dir, true, job_seen, farm);
  if (r < 0) {
    return r;
  }
  if (farm->job_count > 1) {
    qsort(farm->jobs, farm->job_count, sizeof(*farm->jobs), compare_jobs);
  }
  farm_count_local_jobs(farm);
  return 0;
}

/* ---- status fetches ---------------------------------------------------- */

void farm_server_set_result(struct farm_server *s, int r, struct stats *st,
                            const char *why)
{
  stats_clear(&s->stats);
  s->stats  = (struct stats){ 0 };
  s->why[0] = '\0';
  if (r >= 0) {
    s->status   = FARM_STATUS_OK;
    s->answered = true;
    s->stats    = *st;
    *st         = (struct stats){ 0 };
    return;
  }
  switch (r) {
    case -ECONNREFUSED:
      /* A server that advertises its stats port, or whose port answered
         before, is down when the port is closed; elsewhere a closed
         default port means no --stats. */
      s->status = s->stats_advertised || s->answered ? FARM_STATUS_UNREACHABLE
                                                     : FARM_STATUS_NO_STATS;
      snprintf(s->why, sizeof(s->why), "stats port %u: connection refused",
               s->stats_port);
      return;
    case -ETIMEDOUT:
      s->status = FARM_STATUS_UNREACHABLE;
      snprintf(s->why, sizeof(s->why), "stats port %u: no answer in time",
               s->stats_port);
      return;
    case -EACCES:
    case -EPERM:
      /* stats_fetch says "refused: what the server said" */
      if (why && strncmp(why, "refused: ", 9) == 0) {
        why += 9;
      }
      s->status = FARM_STATUS_REFUSED;
      snprintf(s->why, sizeof(s->why), "%s",
               why && *why ? why : "not allowed (--allow)");
      return;
    case -EBADMSG:
    case -EPROTO:
    case -EMSGSIZE:
    case -ENOMSG:
      s->status = FARM_STATUS_BAD_REPLY;
      snprintf(s->why, sizeof(s->why), "%s", why && *why ? why : strerror(-r));
      return;
    default:
      s->status = FARM_STATUS_UNREACHABLE;
      snprintf(s->why, sizeof(s->why), "stats port %u: %s", s->stats_port,
               strerror(-r));
      return;
  }
}

bool farm_server_wants_fetch(struct farm_server *s)
{
  if (!s->addr[0] || s->status == FARM_STATUS_UNRESOLVED) {
    if (s->status != FARM_STATUS_UNRESOLVED) {
      s->status = FARM_STATUS_UNRESOLVED;
      snprintf(s->why, sizeof(s->why), "no address known");
    }
    return false;
  }
  if (s->source != FARM_SOURCE_STATIC && !s->stats_advertised) {
    stats_clear(&s->stats);
    s->status = FARM_STATUS_NO_STATS;
    snprintf(s->why, sizeof(s->why), "no stats port advertised");
    return false;
  }
  return true;
}

char *farm_server_state(const struct farm_server *s, const char *status_name,
                        const char *backed_off, char *buf, size_t size)
{
  snprintf(buf, size, "%s%s%s%s%s", status_name, s->backed_off ? " " : "",
           s->backed_off ? backed_off : "", s->why[0] ? ": " : "", s->why);
  return buf;
}

/* One fetch, run by a thread of its own. The round outlives the caller's
 * wait when a fetch overruns: the last one out frees it. */
struct fetch_round;

struct fetch_job {
  struct fetch_round *round;
  char                addr[INET6_ADDRSTRLEN];
  uint16_t            port;
  int                 timeout_ms;
  int                 r;
  struct stats        stats;
  char                why[FARM_WHY_MAX];
  bool                done;
};

struct fetch_round {
  pthread_mutex_t   lock;
  pthread_cond_t    cond;
  size_t            pending;
  size_t            refs;
  size_t            count;
  struct fetch_job *jobs;
};

static void round_unref_locked(struct fetch_round *round)
{
  if (--round->refs > 0) {
    pthread_mutex_unlock(&round->lock);
    return;
  }
  pthread_mutex_unlock(&round->lock);
  for (size_t i = 0; i < round->count; i++) {
    stats_clear(&round->jobs[i].stats);
  }
  pthread_cond_destroy(&round->cond);
  pthread_mutex_destroy(&round->lock);
  free(round->jobs);
  free(round);
}

static void *fetch_thread(void *userdata)
{
  struct fetch_job   *job               = userdata;
  struct fetch_round *round             = job->round;
  struct stats        st                = { 0 };
  char                why[FARM_WHY_MAX] = "";
  int                 r =
    stats_fetch(job->addr, job->port, job->timeout_ms, &st, why, sizeof(why));

  pthread_mutex_lock(&round->lock);
  job->r     = r;
  job->stats = st;
  memcpy(job->why, why, sizeof(why));
  job->done = true;
  round->pending--;
  pthread_cond_signal(&round->cond);
  round_unref_locked(round);
  return NULL;
}

int farm_fetch(struct farm *farm, int timeout_ms)
{
  struct fetch_round *round = calloc(1, sizeof(*round));
  struct timespec     deadline;
  pthread_attr_t      attr;

  if (!round) {
    return -ENOMEM;
  }
  round->jobs =
    calloc(farm->server_count ? farm->server_count : 1, sizeof(*round->jobs));
  if (!round->jobs) {
    free(round);
    return -ENOMEM;
  }
  pthread_mutex_init(&round->lock, NULL);
  pthread_condattr_t cattr;
  pthread_condattr_init(&cattr);
  pthread_condattr_setclock(&cattr, CLOCK_MONOTONIC);
  pthread_cond_init(&round->cond, &cattr);
  pthread_condattr_destroy(&cattr);
  round->count = farm->server_count;
  round->refs  = 1;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);

  size_t started = 0;
  pthread_mutex_lock(&round->lock);
  for (size_t i = 0; i < farm->server_count; i++) {
    struct farm_server *s   = &farm->servers[i];
    struct fetch_job   *job = &round->jobs[i];
    job->round              = round;
    job->done               = true; /* until started */
    job->r                  = 1;    /* not asked */
    if (!farm_server_wants_fetch(s)) {
      continue;
    }
    if (started >= FARM_FETCH_MAX) {
      job->r = -EMFILE;
      continue;
    }
    snprintf(job->addr, sizeof(job->addr), "%s", s->addr);
    job->port       = s->stats_port;
    job->timeout_ms = timeout_ms;
    job->done       = false;
    pthread_t thread;
    if (pthread_create(&thread, &attr, fetch_thread, job) != 0) {
      job->done = true;
      job->r    = -EAGAIN;
      continue;
    }
    started++;
    round->refs++;
    round->pending++;
  }
  pthread_attr_destroy(&attr);

  clock_gettime(CLOCK_MONOTONIC, &deadline);
  long long ns = deadline.tv_nsec +
                 (long long)(timeout_ms + FARM_FETCH_GRACE_MS) * 1000000LL;
  deadline.tv_sec += (time_t)(ns / 1000000000LL);
  deadline.tv_nsec = (long)(ns % 1000000000LL);
  while (round->pending > 0) {
    if (pthread_cond_timedwait(&round->cond, &round->lock, &deadline) ==
        ETIMEDOUT) {
      break;
    }
  }
  for (size_t i = 0; i < farm->server_count; i++) {
    struct farm_server *s   = &farm->servers[i];
    struct fetch_job   *job = &round->jobs[i];
    if (job->r == 1) {
      continue; /* not asked: keep what the server row says */
    }
    if (!job->done) {
      farm_server_set_result(s, -ETIMEDOUT, NULL, NULL);
    } else {
      farm_server_set_result(s, job->r, &job->stats, job->why);
    }
  }
  round_unref_locked(round); /* a thread still running frees it */
  return 0;
}

void farm_remember(struct farm *farm, const struct farm *before)
{
  for (size_t i = 0; i < farm->server_count; i++) {
    struct farm_server *s = &farm->servers[i];
    for (size_t j = 0; before && j < before->server_count; j++) {
      const struct farm_server *b = &before->servers[j];
      if (b->answered && b->port == s->port && b->stats_port == s->stats_port &&
          strcmp(b->addr, s->addr) == 0) {
        s->answered = true;
      }
    }
  }
}

void farm_clear(struct farm *farm)
{
  for (size_t i = 0; i < farm->server_count; i++) {
    stats_clear(&farm->servers[i].stats);
  }
  free(farm->servers);
  free(farm->jobs);
  *farm = (struct farm){ 0 };
}
