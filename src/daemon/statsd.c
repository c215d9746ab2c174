/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "statsd.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
#include "statsport.h"

/* distcc's windows: 1, 5 and 15 minutes, kept per second. */
#define HISTORY_SECONDS (15 * 60)

struct second {
  long long sec; /* which second (CLOCK_MONOTONIC) the counts are for */
  uint32_t  compiles;
  uint64_t  kid_ms; /* running jobs x milliseconds */
};

struct statsd {
  const struct statsd_config *config;
  struct statsport           *port;  /* owned: the stats port */
  struct statsd_slot         *slots; /* owned: shared mapping */
  size_t                      n_slots;
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
  sd->n_slots       = config->jobs;
  sd->started_ms    = clock_now_ms();
  sd->longest_ms    = -1;
  sd->running_since = sd->started_ms;
  int r = statsport_new(listen_fds, n_listen, config->access, config->program,
                        sd, &sd->port);
  if (r < 0) {
    statsd_free(sd);
    return r;
  }
  if (__builtin_mul_overflow(sd->n_slots, sizeof(struct statsd_slot), &size)) {
    statsd_free(sd);
    return -ENOMEM;
  }
  sd->slots =
    mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (sd->slots == MAP_FAILED) {
    sd->slots = NULL;
    r         = -errno;
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
  if (sd) {
    statsport_close_fds(sd->port);
  }
}

struct statsd *statsd_free(struct statsd *sd)
{
  if (!sd) {
    return NULL;
  }
  sd->port = statsport_free(sd->port);
  if (sd->slots) {
    munmap(sd->slots, sd->n_slots * sizeof(struct statsd_slot));
  }
  free(sd);
  return NULL;
}

int statsd_watch(struct statsd *sd, int epoll_fd)
{
  return statsport_watch(sd->port, epoll_fd);
}

bool statsd_event(struct statsd *sd, int fd, uint32_t events)
{
  return sd && statsport_event(sd->port, fd, events);
}

void statsd_expire(struct statsd *sd)
{
  if (sd) {
    statsport_expire(sd->port);
  }
}

long long statsd_next_deadline(const struct statsd *sd)
{
  return sd ? statsport_next_deadline(sd->port) : -1;
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

int statsd_render_text(struct statsd *sd, bool own_keys, char **ret_text,
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
