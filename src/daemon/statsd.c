/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "statsd.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "config.h"
#include "json.h"
#include "log.h"
#include "macro.h"

/* distcc's windows: 1, 5 and 15 minutes, kept per second. */
#define HISTORY_SECONDS (15 * 60)

/* The request line we look at; the rest of a request is ignored. */
#define STATSD_REQUEST_MAX 512

enum conn_state {
  CONN_READ,   /* waiting for the request line (or the grace) */
  CONN_WRITE,  /* sending the reply */
  CONN_LINGER, /* reply sent and half-closed; reading until the peer ends */
};

struct statsd_conn {
  int             fd; /* owned */
  char            peer[ACCESS_PEER_NAME_MAX];
  enum conn_state state;
  long long       grace;    /* CONN_READ: answer with the text by then */
  long long       deadline; /* closed by then, whatever its state */
  char            in[STATSD_REQUEST_MAX];
  size_t          in_len;
  char           *out; /* owned */
  size_t          out_len;
  size_t          out_off;
};

struct second {
  long long sec; /* which second (CLOCK_MONOTONIC) the counts are for */
  uint32_t  compiles;
  uint64_t  kid_ms; /* running jobs x milliseconds */
};

struct statsd {
  const struct statsd_config *config;
  int                        *listen_fds; /* owned, each owned */
  size_t                      n_listen;
  int                         epoll_fd; /* borrowed */
  struct statsd_slot         *slots;    /* owned: shared mapping */
  size_t                      n_slots;
  struct statsd_conn          conns[STATSD_MAX_CONNS]; /* oldest first */
  size_t                      n_conns;
  long long                   started_ms;
  uint64_t                    accepted;
  uint64_t                    results[STATS_RESULT_COUNT_];
  uint64_t                    bytes_in;
  uint64_t                    bytes_out;
  long long                   longest_ms; /* -1: none yet */
  char                        longest_source[256];
  char                        longest_compiler[64];
  long                        max_rss_kb;
  char                        max_rss_name[80];
  uint64_t                    phase_ms[STATS_PHASE_COUNT_]; /* reaped jobs */
  unsigned                    running;
  long long                   running_since; /* ms: last integration */
  struct stats_cache          cache; /* the counters; the rest is read */
  struct second               history[HISTORY_SECONDS];
};

/* ---- life --------------------------------------------------------------- */

int statsd_new(const struct statsd_config *config, int *listen_fds,
               size_t n_listen, struct statsd **ret)
{
  struct statsd *sd = calloc(1, sizeof(*sd));
  size_t         size;

  if (!sd) {
    for (size_t i = 0; i < n_listen; i++) {
      close(listen_fds[i]);
    }
    free(listen_fds);
    return -ENOMEM;
  }
  sd->config        = config;
  sd->listen_fds    = listen_fds;
  sd->n_listen      = n_listen;
  sd->epoll_fd      = -1;
  sd->n_slots       = config->jobs;
  sd->started_ms    = clock_now_ms();
  sd->longest_ms    = -1;
  sd->running_since = sd->started_ms;
  if (__builtin_mul_overflow(sd->n_slots, sizeof(struct statsd_slot), &size)) {
    statsd_free(sd);
    return -ENOMEM;
  }
  sd->slots =
    mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (sd->slots == MAP_FAILED) {
    sd->slots = NULL;
    int r     = -errno;
    statsd_free(sd);
    return r;
  }
  for (size_t i = 0; i < sd->n_slots; i++) {
    sd->slots[i].result = -1;
  }
  *ret = sd;
  return 0;
}

void statsd_close_fds(struct statsd *sd)
{
  if (!sd) {
    return;
  }
  for (size_t i = 0; i < sd->n_listen; i++) {
    close(sd->listen_fds[i]);
  }
  sd->n_listen = 0;
  for (size_t i = 0; i < sd->n_conns; i++) {
    close(sd->conns[i].fd);
    free(sd->conns[i].out);
  }
  sd->n_conns = 0;
}

struct statsd *statsd_free(struct statsd *sd)
{
  if (!sd) {
    return NULL;
  }
  statsd_close_fds(sd);
  free(sd->listen_fds);
  if (sd->slots) {
    munmap(sd->slots, sd->n_slots * sizeof(struct statsd_slot));
  }
  free(sd);
  return NULL;
}

int statsd_watch(struct statsd *sd, int epoll_fd)
{
  sd->epoll_fd = epoll_fd;
  for (size_t i = 0; i < sd->n_listen; i++) {
    struct epoll_event ev = { .events = EPOLLIN, .data.fd = sd->listen_fds[i] };
    if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, sd->listen_fds[i], &ev) < 0) {
      return -errno;
    }
  }
  return 0;
}

/* ---- the history -------------------------------------------------------- */

static struct second *second_at(struct statsd *sd, long long sec)
{
  struct second *b = &sd->history[sec % HISTORY_SECONDS];

  if (b->sec != sec) {
    *b = (struct second){ .sec = sec };
  }
  return b;
}

/* Add the running jobs since the last call to the per-second integral. */
static void integrate(struct statsd *sd, long long now)
{
  long long t = sd->running_since;

  if (now - t > (long long)HISTORY_SECONDS * 1000) {
    t = now - (long long)HISTORY_SECONDS * 1000;
  }
  while (sd->running > 0 && t < now) {
    long long end = (t / 1000 + 1) * 1000;
    end           = end < now ? end : now;
    second_at(sd, t / 1000)->kid_ms +=
      (uint64_t)sd->running * (uint64_t)(end - t);
    t = end;
  }
  sd->running_since = now;
}

/* Compiles and the average of running jobs over the last minutes. */
static void window(struct statsd *sd, unsigned minutes, uint64_t *compiles,
                   double *avg_kids)
{
  long long now   = clock_now_ms(),
            first = now / 1000 - (long long)minutes * 60 + 1;
  uint64_t n = 0, kid_ms = 0;

  integrate(sd, now);
  for (size_t i = 0; i < HISTORY_SECONDS; i++) {
    const struct second *b = &sd->history[i];
    if (b->sec >= first && b->sec <= now / 1000) {
      n += b->compiles;
      kid_ms += b->kid_ms;
    }
  }
  *compiles = n;
  *avg_kids = (double)kid_ms / ((double)minutes * 60 * 1000);
}

/* ---- counting ----------------------------------------------------------- */

void statsd_count_accept(struct statsd *sd)
{
  if (sd) {
    sd->accepted++;
  }
}

void statsd_count(struct statsd *sd, enum stats_result result)
{
  if (sd && (unsigned)result < STATS_RESULT_COUNT_) {
    sd->results[result]++;
  }
}

struct statsd_slot *statsd_slot_claim(struct statsd         *sd,
                                      const struct sockaddr *peer,
                                      socklen_t              peer_len)
{
  char name[ACCESS_PEER_NAME_MAX];

  if (!sd) {
    return NULL;
  }
  for (size_t i = 0; i < sd->n_slots; i++) {
    struct statsd_slot *slot = &sd->slots[i];
    if (slot->pid != 0) {
      continue;
    }
    memset(slot, 0, sizeof(*slot));
    slot->pid              = -1; /* claimed, not started */
    slot->result           = -1;
    slot->phase            = STATS_PHASE_RECEIVE;
    slot->started_ms       = clock_now_ms();
    slot->phase_started_ms = slot->started_ms;
    slot->started          = (int64_t)time(NULL);
    access_peer_name(peer, peer_len, name);
    json_utf8_copy(slot->client, sizeof(slot->client), name);
    return slot;
  }
  return NULL;
}

void statsd_slot_started(struct statsd *sd, struct statsd_slot *slot, pid_t pid)
{
  if (!sd || !slot) {
    return;
  }
  integrate(sd, clock_now_ms());
  slot->pid = pid;
  sd->running++;
}

void statsd_slot_release(struct statsd *sd, struct statsd_slot *slot)
{
  (void)sd;
  if (slot) {
    slot->pid = 0;
  }
}

/* Copy the strings a job process writes, retrying while it writes them;
 * whatever comes out is terminated and sanitized. */
static void read_strings(const struct statsd_slot *slot, char *source,
                         size_t source_size, char *compiler,
                         size_t compiler_size)
{
  char s[sizeof(slot->source)], c[sizeof(slot->compiler)];

  for (int tries = 0; tries < 100; tries++) {
    uint32_t seq = __atomic_load_n(&slot->seq, __ATOMIC_ACQUIRE);
    if (seq & 1) {
      continue;
    }
    memcpy(s, slot->source, sizeof(s));
    memcpy(c, slot->compiler, sizeof(c));
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    if (__atomic_load_n(&slot->seq, __ATOMIC_RELAXED) == seq) {
      break;
    }
  }
  s[sizeof(s) - 1] = '\0';
  c[sizeof(c) - 1] = '\0';
  json_utf8_copy(source, source_size, s);
  json_utf8_copy(compiler, compiler_size, c);
}

static void count_cache(struct statsd *sd, const struct statsd_slot *slot)
{
  switch (slot->cache) {
    case STATSD_CACHE_HIT:
      sd->cache.hits++;
      break;
    case STATSD_CACHE_STORED:
      sd->cache.stores++;
      sd->cache.misses++;
      break;
    case STATSD_CACHE_MISS:
      sd->cache.misses++;
      break;
    default:
      break;
  }
  sd->cache.evictions += slot->cache_evicted;
}

/* The phase a slot is in, read as the job process wrote it. */
static enum stats_phase slot_phase(const struct statsd_slot *slot)
{
  int phase = __atomic_load_n(&slot->phase, __ATOMIC_ACQUIRE);

  return phase >= 0 && phase < STATS_PHASE_COUNT_ ? (enum stats_phase)phase
                                                  : STATS_PHASE_RECEIVE;
}

/* The time a slot spent in phase, the current one until now. */
static uint64_t slot_phase_ms(const struct statsd_slot *slot,
                              enum stats_phase phase, long long now)
{
  long long ms = __atomic_load_n(&slot->phase_ms[phase], __ATOMIC_RELAXED);

  if (slot_phase(slot) == phase) {
    ms += now - __atomic_load_n(&slot->phase_started_ms, __ATOMIC_RELAXED);
  }
  return ms > 0 ? (uint64_t)ms : 0;
}

static void add_phase_times(struct statsd *sd, const struct statsd_slot *slot,
                            long long now)
{
  for (int p = 0; p < STATS_PHASE_COUNT_; p++) {
    sd->phase_ms[p] += slot_phase_ms(slot, (enum stats_phase)p, now);
  }
}

void statsd_reaped(struct statsd *sd, pid_t pid, int status)
{
  long long now = clock_now_ms();

  (void)status;
  if (!sd) {
    return;
  }
  for (size_t i = 0; i < sd->n_slots; i++) {
    struct statsd_slot *slot = &sd->slots[i];
    if (slot->pid != pid) {
      continue;
    }
    int result = __atomic_load_n(&slot->result, __ATOMIC_ACQUIRE);
    if (result < 0 || result >= STATS_RESULT_COUNT_) {
      result = STATS_RESULT_OTHER; /* it died before saying */
    }
    integrate(sd, now);
    sd->running--;
    sd->results[result]++;
    add_phase_times(sd, slot, now);
    sd->bytes_in += slot->bytes_in;
    sd->bytes_out += slot->bytes_out;
    if (result == STATS_RESULT_OK || result == STATS_RESULT_COMPILE_ERROR) {
      long long ms = now - slot->started_ms;
      second_at(sd, now / 1000)->compiles++;
      if (ms > sd->longest_ms) {
        sd->longest_ms = ms;
        read_strings(slot, sd->longest_source, sizeof(sd->longest_source),
                     sd->longest_compiler, sizeof(sd->longest_compiler));
      }
    }
    count_cache(sd, slot);
    if (slot->max_rss_kb > sd->max_rss_kb) {
      char compiler[64];
      char source[8];
      read_strings(slot, source, sizeof(source), compiler, sizeof(compiler));
      sd->max_rss_kb = slot->max_rss_kb;
      snprintf(sd->max_rss_name, sizeof(sd->max_rss_name), "(%s)",
               compiler[0] ? compiler : "?");
    }
    slot->pid = 0;
    return;
  }
}

/* ---- in the job process ------------------------------------------------- */

void statsd_slot_describe(struct statsd_slot *slot, const char *compiler,
                          const char *source)
{
  if (!slot) {
    return;
  }
  const char *base = strrchr(compiler, '/');
  uint32_t    seq  = __atomic_load_n(&slot->seq, __ATOMIC_RELAXED);
  __atomic_store_n(&slot->seq, seq + 1, __ATOMIC_RELAXED);
  __atomic_thread_fence(__ATOMIC_RELEASE);
  json_utf8_copy(slot->compiler, sizeof(slot->compiler),
                 base ? base + 1 : compiler);
  json_utf8_copy(slot->source, sizeof(slot->source), source);
  __atomic_store_n(&slot->seq, seq + 2, __ATOMIC_RELEASE);
}

void statsd_slot_phase(struct statsd_slot *slot, enum stats_phase phase)
{
  if (slot) {
    long long now = clock_now_ms();
    int       old = __atomic_load_n(&slot->phase, __ATOMIC_RELAXED);
    if (old >= 0 && old < STATS_PHASE_COUNT_) {
      __atomic_add_fetch(&slot->phase_ms[old], now - slot->phase_started_ms,
                         __ATOMIC_RELAXED);
    }
    __atomic_store_n(&slot->phase_started_ms, now, __ATOMIC_RELAXED);
    __atomic_store_n(&slot->phase, (int)phase, __ATOMIC_RELEASE);
  }
}

void statsd_slot_finish(struct statsd_slot *slot, enum stats_result result,
                        uint64_t bytes_in, uint64_t bytes_out)
{
  struct rusage usage;

  if (!slot) {
    return;
  }
  if (getrusage(RUSAGE_CHILDREN, &usage) == 0) {
    slot->max_rss_kb = usage.ru_maxrss;
  }
  slot->bytes_in  = bytes_in;
  slot->bytes_out = bytes_out;
  __atomic_store_n(&slot->result, (int)result, __ATOMIC_RELEASE);
}

void statsd_slot_cache(struct statsd_slot       *slot,
                       enum statsd_cache_outcome outcome, unsigned evicted)
{
  if (slot) {
    slot->cache         = (int)outcome;
    slot->cache_evicted = evicted;
  }
}

/* ---- the model ---------------------------------------------------------- */

int statsd_add_job(struct stats *s, struct stats_job **ret_job)
{
  if (s->job_count >= STATS_JOBS_MAX) {
    return -ENOSPC;
  }
  struct stats_job *jobs =
    reallocarray(s->jobs, s->job_count + 1, sizeof(*s->jobs));
  if (!jobs) {
    return -ENOMEM;
  }
  s->jobs = jobs;
  memset(&jobs[s->job_count], 0, sizeof(jobs[0]));
  *ret_job = &jobs[s->job_count++];
  return 0;
}

static void fill_config(const struct statsd *sd, struct stats_config *c)
{
  const struct statsd_config *config = sd->config;

  c->port       = config->job_port;
  c->stats_port = config->port;
  c->jobs       = config->jobs;
  c->zeroconf   = config->zeroconf;
  c->lzo        = true;
  for (char *const *a = config->allow_summary; a && *a; a++) {
    if (c->allow_count == STATS_ALLOW_MAX) {
      break;
    }
    json_utf8_copy(c->allow[c->allow_count++], sizeof(c->allow[0]), *a);
  }
}

static int add_running(struct statsd *sd, struct stats *s)
{
  for (size_t i = 0; i < sd->n_slots; i++) {
    const struct statsd_slot *slot = &sd->slots[i];
    struct stats_job         *job;
    if (slot->pid <= 0) {
      continue;
    }
    int r = statsd_add_job(s, &job);
    if (r < 0) {
      return r == -ENOSPC ? 0 : r;
    }
    memcpy(job->client, slot->client, sizeof(job->client));
    job->client[sizeof(job->client) - 1] = '\0';
    read_strings(slot, job->source, sizeof(job->source), job->compiler,
                 sizeof(job->compiler));
    long long now = clock_now_ms();
    job->phase    = slot_phase(slot);
    job->size     = __atomic_load_n(&slot->size, __ATOMIC_RELAXED);
    job->started  = slot->started;
    job->pid      = (int32_t)slot->pid;
    long long in_phase =
      now - __atomic_load_n(&slot->phase_started_ms, __ATOMIC_RELAXED);
    job->phase_ms   = in_phase > 0 ? (uint64_t)in_phase : 0;
    job->receive_ms = slot_phase_ms(slot, STATS_PHASE_RECEIVE, now);
  }
  return 0;
}

static void fill_cache(const struct statsd *sd, struct stats_cache *c)
{
  struct cache *cache = sd->config->cache;

  *c = sd->cache;
  if (cache) {
    c->enabled   = true;
    c->max_bytes = cache_max_bytes(cache);
    if (cache_usage(cache, &c->bytes, &c->entries) < 0) {
      c->bytes = c->entries = 0;
    }
  }
}

int statsd_snapshot(struct statsd *sd, struct stats *ret)
{
  struct stats s = { 0 };
  uint64_t     compiles;
  double       avg;
  long         cpus = sysconf(_SC_NPROCESSORS_ONLN);

  snprintf(s.version, sizeof(s.version), "%s", HERDCC_VERSION);
  if (gethostname(s.host, sizeof(s.host) - 1) < 0) {
    snprintf(s.host, sizeof(s.host), "localhost");
  }
  json_utf8_copy(s.host, sizeof(s.host), s.host);
  s.now      = (int64_t)time(NULL);
  s.uptime_s = (clock_now_ms() - sd->started_ms) / 1000;
  fill_config(sd, &s.config);
  memcpy(s.results, sd->results, sizeof(s.results));
  for (size_t i = 0; i < STATS_RESULT_COUNT_; i++) {
    s.jobs_done += sd->results[i];
  }
  s.bytes_in  = sd->bytes_in;
  s.bytes_out = sd->bytes_out;
  memcpy(s.phase_ms, sd->phase_ms, sizeof(s.phase_ms));
  s.accepted   = sd->accepted;
  s.longest_ms = sd->longest_ms > 0 ? (uint64_t)sd->longest_ms : 0;
  json_utf8_copy(s.longest_source, sizeof(s.longest_source),
                 sd->longest_source);
  s.max_rss_kb = sd->max_rss_kb > 0 ? (uint64_t)sd->max_rss_kb : 0;
  window(sd, 1, &compiles, &avg);
  s.jobs_per_min = (double)compiles;
  if (getloadavg(s.load, 3) != 3) {
    s.load[0] = s.load[1] = s.load[2] = 0;
  }
  for (size_t i = 0; i < 3; i++) {
    s.load[i] = (double)(long long)(s.load[i] * 100 + 0.5) / 100;
  }
  s.cpus    = cpus > 0 ? (unsigned)cpus : 1;
  s.running = sd->running;
  fill_cache(sd, &s.cache);
  int r = add_running(sd, &s);
  if (r >= 0 && sd->config->list_waiting) {
    r = sd->config->list_waiting(sd->config->userdata, &s);
  }
  if (r < 0) {
    stats_clear(&s);
    return r;
  }
  *ret = s;
  return 0;
}

/* ---- distcc's text ------------------------------------------------------ */

static void closedirp(DIR **dir)
{
  if (*dir) {
    closedir(*dir);
  }
}

/* Processes in uninterruptible sleep, as distcc counts them: every
 * process this daemon can see. */
static unsigned count_state_d(void)
{
  _cleanup_(closedirp) DIR *dir = opendir("/proc");
  struct dirent            *e;
  unsigned                  n = 0;

  while (dir && (e = readdir(dir))) {
    char  path[300], buf[512];
    FILE *f;
    if (!isdigit((unsigned char)e->d_name[0])) {
      continue;
    }
    snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
    f = fopen(path, "re");
    if (!f) {
      continue;
    }
    size_t len = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[len]         = '\0';
    const char *name = strrchr(buf, ')');
    if (name && name[1] == ' ' && name[2] == 'D') {
      n++;
    }
  }
  return n;
}

/* Free space where job directories are made, in MB; -1 if unknown. */
static long long free_space_mb(void)
{
  const char    *dir = getenv("TMPDIR");
  struct statvfs st;

  if (!dir || !*dir) {
    dir = "/tmp";
  }
  if (statvfs(dir, &st) < 0) {
    return -1;
  }
  return (long long)((unsigned long long)st.f_bavail * st.f_frsize /
                     (1024 * 1024));
}

/* herdccd's own keys, after distcc's (for "GET /text" only: the plain
 * reply stays distcc's). */
static void write_own_keys(struct statsd *sd, FILE *f)
{
  struct stats_cache c;

  fill_cache(sd, &c);
  fprintf(f, "herdcc_cache_enabled %d\n", c.enabled ? 1 : 0);
  fprintf(f, "herdcc_cache_hits %llu\n", (unsigned long long)c.hits);
  fprintf(f, "herdcc_cache_misses %llu\n", (unsigned long long)c.misses);
  fprintf(f, "herdcc_cache_stores %llu\n", (unsigned long long)c.stores);
  fprintf(f, "herdcc_cache_evictions %llu\n", (unsigned long long)c.evictions);
  fprintf(f, "herdcc_cache_bytes %llu\n", (unsigned long long)c.bytes);
  fprintf(f, "herdcc_cache_entries %llu\n", (unsigned long long)c.entries);
  fprintf(f, "herdcc_cache_max_bytes %llu\n", (unsigned long long)c.max_bytes);
}

static int render_text(struct statsd *sd, bool own_keys, char **ret_text,
                       size_t *ret_len);

int statsd_render_text(struct statsd *sd, char **ret_text, size_t *ret_len)
{
  return render_text(sd, false, ret_text, ret_len);
}

static int render_text(struct statsd *sd, bool own_keys, char **ret_text,
                       size_t *ret_len)
{
  uint64_t              compiles[3];
  double                avg[3], load[3] = { 0 };
  char                 *text      = NULL;
  size_t                len       = 0;
  FILE                 *f         = open_memstream(&text, &len);
  static const unsigned minutes[] = { 1, 5, 15 };

  if (!f) {
    return -ENOMEM;
  }
  for (size_t i = 0; i < 3; i++) {
    window(sd, minutes[i], &compiles[i], &avg[i]);
  }
  if (getloadavg(load, 3) != 3) {
    load[0] = load[1] = load[2] = 0;
  }
  fprintf(f,
          "HTTP/1.0 200 OK\n"
          "Content-Type: text/plain\n"
          "Connection: close\n"
          "\n"
          "argv /%s\n"
          "<distccstats>\n",
          sd->config->program);
  fprintf(f, "dcc_tcp_accept %llu\n", (unsigned long long)sd->accepted);
  fprintf(f, "dcc_rej_bad_req %llu\n",
          (unsigned long long)(sd->results[STATS_RESULT_PROTOCOL] +
                               sd->results[STATS_RESULT_REFUSED]));
  fprintf(f, "dcc_rej_overload %llu\n",
          (unsigned long long)sd->results[STATS_RESULT_BUSY]);
  fprintf(f, "dcc_compile_ok %llu\n",
          (unsigned long long)sd->results[STATS_RESULT_OK]);
  fprintf(f, "dcc_compile_error %llu\n",
          (unsigned long long)sd->results[STATS_RESULT_COMPILE_ERROR]);
  fprintf(f, "dcc_compile_timeout %llu\n",
          (unsigned long long)sd->results[STATS_RESULT_TIMEOUT]);
  fprintf(f, "dcc_cli_disconnect %llu\n",
          (unsigned long long)sd->results[STATS_RESULT_CLIENT_GONE]);
  fprintf(f, "dcc_other %llu\n",
          (unsigned long long)sd->results[STATS_RESULT_OTHER]);
  fprintf(f, "dcc_longest_job %s\n",
          sd->longest_ms >= 0 && sd->longest_source[0] ? sd->longest_source
                                                       : "none");
  fprintf(f, "dcc_longest_job_compiler %s\n",
          sd->longest_ms >= 0 && sd->longest_compiler[0] ? sd->longest_compiler
                                                         : "none");
  fprintf(f, "dcc_longest_job_time_msecs %lld\n", sd->longest_ms);
  fprintf(f, "dcc_max_kids %u\n", sd->config->jobs);
  for (size_t i = 0; i < 3; i++) {
    fprintf(f, "dcc_avg_kids%zu %.0f\n", i + 1, avg[i]);
  }
  fprintf(f, "dcc_current_load %u\n", sd->running);
  for (size_t i = 0; i < 3; i++) {
    fprintf(f, "dcc_load%zu %.2f\n", i + 1, load[i]);
  }
  for (size_t i = 0; i < 3; i++) {
    fprintf(f, "dcc_num_compiles%zu %llu\n", i + 1,
            (unsigned long long)compiles[i]);
  }
  fprintf(f, "dcc_num_procstate_D %u\n", count_state_d());
  fprintf(f, "dcc_max_RSS %ld\n", sd->max_rss_kb);
  fprintf(f, "dcc_max_RSS_name %s\n",
          sd->max_rss_name[0] ? sd->max_rss_name : "none");
  fprintf(f, "dcc_io_rate -1\n");
  fprintf(f, "dcc_free_space %lld MB\n", free_space_mb());
  if (own_keys) {
    write_own_keys(sd, f);
  }
  fprintf(f, "</distccstats>\n");
  if (fclose(f) != 0) {
    free(text);
    return -ENOMEM;
  }
  *ret_text = text;
  *ret_len  = len;
  return 0;
}

/* ---- connections -------------------------------------------------------- */

static void conn_close(struct statsd *sd, size_t i)
{
  struct statsd_conn *c = &sd->conns[i];

  epoll_ctl(sd->epoll_fd, EPOLL_CTL_DEL, c->fd, NULL);
  close(c->fd);
  free(c->out);
  memmove(&sd->conns[i], &sd->conns[i + 1],
          (sd->n_conns - i - 1) * sizeof(sd->conns[0]));
  sd->n_conns--;
}

static void conn_watch(struct statsd *sd, struct statsd_conn *c,
                       uint32_t events)
{
  struct epoll_event ev = { .events = events, .data.fd = c->fd };

  epoll_ctl(sd->epoll_fd, EPOLL_CTL_MOD, c->fd, &ev);
}

/* Write what the peer takes; once all is out, half-close and linger. */
static void conn_write(struct statsd *sd, size_t i)
{
  struct statsd_conn *c = &sd->conns[i];

  while (c->out_off < c->out_len) {
    ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
                     MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0 && errno == EAGAIN) {
      return; /* EPOLLOUT brings us back */
    }
    if (n < 0) {
      log_info("Stats request from %s: failed to send the reply: %m", c->peer);
      conn_close(sd, i);
      return;
    }
    c->out_off += (size_t)n;
  }
  shutdown(c->fd, SHUT_WR);
  c->state      = CONN_LINGER;
  long long end = clock_now_ms() + STATSD_LINGER_MS;
  c->deadline   = end < c->deadline ? end : c->deadline;
  conn_watch(sd, c, EPOLLIN | EPOLLRDHUP);
}

static int render_json(struct statsd *sd, char **ret_text, size_t *ret_len)
{
  struct stats         s;
  _cleanup_free_ char *body = NULL;
  size_t               len;
  int                  r = statsd_snapshot(sd, &s);

  if (r < 0) {
    return r;
  }
  r = stats_to_json(&s, &body, &len);
  stats_clear(&s);
  if (r < 0) {
    return r;
  }
  if (asprintf(ret_text,
               "HTTP/1.0 200 OK\r\n"
               "Content-Type: application/json\r\n"
               "Content-Length: %zu\r\n"
               "Connection: close\r\n"
               "\r\n"
               "%s",
               len, body) < 0) {
    return -ENOMEM;
  }
  *ret_len = strlen(*ret_text);
  return 0;
}

enum reply_form {
  FORM_TEXT,      /* distcc's text, unchanged */
  FORM_TEXT_OURS, /* distcc's text, then herdccd's keys */
  FORM_JSON,
};

/* Whether the request line is "GET PATH" (then a space, '?' or the end
 * of the line). */
static bool requests(const struct statsd_conn *c, const char *path)
{
  size_t n = strlen(path);

  if (c->in_len < 4 + n || memcmp(c->in, "GET ", 4) != 0 ||
      memcmp(c->in + 4, path, n) != 0) {
    return false;
  }
  n += 4;
  return c->in_len == n || c->in[n] == ' ' || c->in[n] == '?' ||
         c->in[n] == '\r' || c->in[n] == '\n';
}

/* The request line decides the form: "GET /json" is JSON, "GET /text"
 * distcc's text with herdccd's keys after it, anything else distcc's
 * text. */
static enum reply_form wanted_form(const struct statsd_conn *c)
{
  return requests(c, STATS_JSON_PATH)   ? FORM_JSON
         : requests(c, STATS_TEXT_PATH) ? FORM_TEXT_OURS
                                        : FORM_TEXT;
}

static void conn_respond(struct statsd *sd, size_t i, enum reply_form form)
{
  struct statsd_conn *c    = &sd->conns[i];
  bool                json = form == FORM_JSON;
  int                 r    = json ? render_json(sd, &c->out, &c->out_len)
                                  : render_text(sd, form == FORM_TEXT_OURS, &c->out, &c->out_len);

  if (r < 0) {
    log_warning("Stats request from %s: failed to write the reply: %s", c->peer,
                strerror(-r));
    conn_close(sd, i);
    return;
  }
  log_debug("Stats request from %s: %s", c->peer, json ? "json" : "text");
  c->state = CONN_WRITE;
  conn_watch(sd, c, EPOLLOUT);
  conn_write(sd, i);
}

static void conn_read(struct statsd *sd, size_t i)
{
  struct statsd_conn *c = &sd->conns[i];

  for (;;) {
    char    scratch[4096];
    bool    reading = c->state == CONN_READ;
    char   *buf     = reading ? c->in + c->in_len : scratch;
    size_t  room    = reading ? sizeof(c->in) - c->in_len : sizeof(scratch);
    ssize_t n       = recv(c->fd, buf, room, MSG_DONTWAIT);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0 && errno == EAGAIN) {
      return;
    }
    if (n <= 0 && !reading) {
      conn_close(sd, i); /* the peer is done, or gone */
      return;
    }
    if (n < 0) {
      log_info("Stats request from %s: failed to read: %m", c->peer);
      conn_close(sd, i);
      return;
    }
    if (!reading) {
      continue;
    }
    c->in_len += (size_t)n;
    if (n == 0 || c->in_len == sizeof(c->in) ||
        memchr(c->in, '\n', c->in_len)) {
      conn_respond(sd, i, wanted_form(c));
      return;
    }
  }
}

static void refuse(struct statsd *sd, struct statsd_conn *c)
{
  log_warning("Stats request from %s: refused: access denied (not on this "
              "server's allow-list)",
              c->peer);
  if (asprintf(&c->out,
               "HTTP/1.0 403 Forbidden\r\n"
               "Content-Type: text/plain\r\n"
               "Connection: close\r\n"
               "\r\n"
               "%s: access denied for %s (not on this server's allow-list)\n",
               sd->config->program, c->peer) < 0) {
    c->out = NULL;
  }
  c->out_len = c->out ? strlen(c->out) : 0;
  c->state   = CONN_WRITE;
}

static void accept_all(struct statsd *sd, int listen_fd)
{
  for (;;) {
    struct sockaddr_storage peer;
    socklen_t               len = sizeof(peer);
    int fd = accept4(listen_fd, (struct sockaddr *)&peer, &len,
                     SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0) {
      if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED) {
        log_warning("Failed to accept a stats connection: %m");
      }
      return;
    }
    if (sd->n_conns == STATSD_MAX_CONNS) {
      log_info("Stats request from %s: closed: %d stats connections are "
               "open, this is the oldest",
               sd->conns[0].peer, STATSD_MAX_CONNS);
      conn_close(sd, 0);
    }
    long long           now = clock_now_ms();
    struct statsd_conn *c   = &sd->conns[sd->n_conns];
    *c                      = (struct statsd_conn){
                           .fd       = fd,
                           .state    = CONN_READ,
                           .grace    = now + STATSD_GRACE_MS,
                           .deadline = now + STATSD_TIMEOUT_MS,
    };
    access_peer_name((struct sockaddr *)&peer, len, c->peer);
    bool allowed =
      access_list_allows(sd->config->access, (struct sockaddr *)&peer, len);
    if (!allowed) {
      refuse(sd, c);
    }
    struct epoll_event ev = {
      .events  = allowed ? EPOLLIN : EPOLLOUT,
      .data.fd = fd,
    };
    if (epoll_ctl(sd->epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0) {
      log_warning("Failed to watch a stats connection: %m");
      close(fd);
      free(c->out);
      continue;
    }
    sd->n_conns++;
    if (!allowed) {
      conn_write(sd, sd->n_conns - 1);
    }
  }
}

bool statsd_event(struct statsd *sd, int fd, uint32_t events)
{
  if (!sd) {
    return false;
  }
  for (size_t i = 0; i < sd->n_listen; i++) {
    if (sd->listen_fds[i] == fd) {
      accept_all(sd, fd);
      return true;
    }
  }
  for (size_t i = 0; i < sd->n_conns; i++) {
    if (sd->conns[i].fd != fd) {
      continue;
    }
    if (sd->conns[i].state == CONN_WRITE) {
      conn_write(sd, i);
    } else if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
      conn_read(sd, i);
    }
    return true;
  }
  return false;
}

void statsd_expire(struct statsd *sd)
{
  long long now = clock_now_ms();

  if (!sd) {
    return;
  }
  for (size_t i = 0; i < sd->n_conns;) {
    struct statsd_conn *c = &sd->conns[i];
    size_t              n = sd->n_conns;
    if (now >= c->deadline) {
      if (c->state != CONN_LINGER) {
        log_info("Stats request from %s: closed: no reply taken within %d "
                 "ms",
                 c->peer, STATSD_TIMEOUT_MS);
      }
      conn_close(sd, i);
      continue;
    }
    if (c->state == CONN_READ && now >= c->grace) {
      conn_respond(sd, i, FORM_TEXT);
    }
    if (sd->n_conns == n) {
      i++;
    }
  }
}

long long statsd_next_deadline(const struct statsd *sd)
{
  long long next = -1;

  for (size_t i = 0; sd && i < sd->n_conns; i++) {
    const struct statsd_conn *c = &sd->conns[i];
    long long d = c->state == CONN_READ ? c->grace : c->deadline;
    next        = next < 0 || d < next ? d : next;
  }
  return next;
}
