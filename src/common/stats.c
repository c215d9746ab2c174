/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The status document of herdccd's stats port (stats.h): its JSON
 * encoding and its strict decoding (the monitors' HTTP client of the stats
 * port is src/farm/statsfetch.c).
 *
 * The document:
 *
 *   { "format": 1, "version": "0.1.0", "host": "build1", "now": 1700000000,
 *     "uptime_s": 3600,
 *     "config": { "port": 3632, "stats_port": 3633, "jobs": 4,
 *                 "zeroconf": true, "codecs": ["lzo"],
 *                 "allow": ["private"] },
 *     "results": { "ok": 10, "compile_error": 1, "refused": 0,
 *                  "timeout": 0, "client_gone": 0, "busy": 0,
 *                  "protocol": 0, "other": 0 },
 *     "jobs_done": 11, "bytes_in": 123456, "bytes_out": 65432,
 *     "jobs_per_min": 2.5, "load": [0.5, 0.4, 0.3], "cpus": 2,
 *     "running": 1,
 *     "phase_ms": { "waiting": 0, "receive": 800, "compile": 9000,
 *                   "send": 300 },
 *     "accepted": 12, "longest_ms": 2100, "longest_source": "big.c",
 *     "max_rss_kb": 51200,
 *     "jobs": [ { "client": "10.0.0.2:41234", "source": "x.c",
 *                 "compiler": "gcc", "size": 20480, "phase": "compile",
 *                 "started": 1699999990, "pid": 4242, "phase_ms": 1200,
 *                 "receive_ms": 40 } ] }
 *
 * Required: format (must be 1: a change that old readers would misread
 * gets a new number; additions do not), now, uptime_s, config (its port
 * and jobs), results, jobs_done, running, jobs (each with client, phase,
 * started). Every other member may be missing (it reads as zero, empty or
 * false) and members nobody knows are ignored. A member that is there must
 * have the right type and range, and a string must fit its field in
 * struct stats: the decoder refuses rather than truncates. */

#include "stats.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "macro.h"
#include "why.h"

static const char *const result_names[STATS_RESULT_COUNT_] = {
  [STATS_RESULT_OK]            = "ok",
  [STATS_RESULT_COMPILE_ERROR] = "compile_error",
  [STATS_RESULT_REFUSED]       = "refused",
  [STATS_RESULT_TIMEOUT]       = "timeout",
  [STATS_RESULT_CLIENT_GONE]   = "client_gone",
  [STATS_RESULT_BUSY]          = "busy",
  [STATS_RESULT_PROTOCOL]      = "protocol",
  [STATS_RESULT_OTHER]         = "other",
};

static const char *const phase_names[STATS_PHASE_COUNT_] = {
  [STATS_PHASE_WAITING] = "waiting",
  [STATS_PHASE_RECEIVE] = "receive",
  [STATS_PHASE_COMPILE] = "compile",
  [STATS_PHASE_SEND]    = "send",
};

const char *stats_result_name(enum stats_result result)
{
  return (unsigned)result < STATS_RESULT_COUNT_ ? result_names[result] : "?";
}

const char *stats_phase_name(enum stats_phase phase)
{
  return (unsigned)phase < STATS_PHASE_COUNT_ ? phase_names[phase] : "?";
}

double stats_cache_hit_percent(const struct stats_cache *cache)
{
  uint64_t looked = cache->hits + cache->misses;

  return looked ? 100.0 * (double)cache->hits / (double)looked : 0.0;
}

void stats_clear(struct stats *s)
{
  if (!s) {
    return;
  }
  free(s->jobs);
  s->jobs      = NULL;
  s->job_count = 0;
}

/* ---- encoding ----------------------------------------------------------- */

static void write_config(struct json_writer *w, const struct stats_config *c)
{
  json_key(w, "config");
  json_begin_object(w);
  json_key(w, "port");
  json_uint(w, c->port);
  json_key(w, "stats_port");
  json_uint(w, c->stats_port);
  json_key(w, "jobs");
  json_uint(w, c->jobs);
  json_key(w, "zeroconf");
  json_bool(w, c->zeroconf);
  json_key(w, "codecs");
  json_begin_array(w);
  if (c->lzo) {
    json_string(w, "lzo");
  }
  json_end_array(w);
  json_key(w, "allow");
  json_begin_array(w);
  for (size_t i = 0; i < c->allow_count && i < STATS_ALLOW_MAX; i++) {
    json_string(w, c->allow[i]);
  }
  json_end_array(w);
  json_end_object(w);
}

static void write_job(struct json_writer *w, const struct stats_job *job)
{
  json_begin_object(w);
  json_key(w, "client");
  json_string(w, job->client);
  json_key(w, "source");
  json_string(w, job->source);
  json_key(w, "compiler");
  json_string(w, job->compiler);
  json_key(w, "size");
  json_uint(w, job->size);
  json_key(w, "phase");
  json_string(w, stats_phase_name(job->phase));
  json_key(w, "started");
  json_int(w, job->started);
  json_key(w, "pid");
  json_int(w, job->pid);
  json_key(w, "phase_ms");
  json_uint(w, job->phase_ms);
  json_key(w, "receive_ms");
  json_uint(w, job->receive_ms);
  json_end_object(w);
}

/* The cache's members, in order: the JSON names and where they live. */
#define CACHE_MEMBER(name) { #name, offsetof(struct stats_cache, name) }

static const struct {
  const char *name;
  size_t      offset;
} cache_members[] = {
  CACHE_MEMBER(hits),      CACHE_MEMBER(misses), CACHE_MEMBER(stores),
  CACHE_MEMBER(evictions), CACHE_MEMBER(bytes),  CACHE_MEMBER(entries),
  CACHE_MEMBER(max_bytes),
};

static uint64_t *cache_member(struct stats_cache *c, size_t i)
{
  return (uint64_t *)((char *)c + cache_members[i].offset);
}

static void write_cache(struct json_writer *w, const struct stats_cache *c)
{
  struct stats_cache copy = *c;

  json_key(w, "cache");
  json_begin_object(w);
  json_key(w, "enabled");
  json_bool(w, c->enabled);
  for (size_t i = 0; i < ARRAY_SIZE(cache_members); i++) {
    json_key(w, cache_members[i].name);
    json_uint(w, *cache_member(&copy, i));
  }
  json_end_object(w);
}

int stats_to_json(const struct stats *s, char **ret_text, size_t *ret_len)
{
  struct json_writer w = { 0 };

  json_begin_object(&w);
  json_key(&w, "format");
  json_uint(&w, STATS_JSON_VERSION);
  json_key(&w, "version");
  json_string(&w, s->version);
  json_key(&w, "host");
  json_string(&w, s->host);
  json_key(&w, "now");
  json_int(&w, s->now);
  json_key(&w, "uptime_s");
  json_int(&w, s->uptime_s);
  write_config(&w, &s->config);
  json_key(&w, "results");
  json_begin_object(&w);
  for (size_t i = 0; i < STATS_RESULT_COUNT_; i++) {
    json_key(&w, result_names[i]);
    json_uint(&w, s->results[i]);
  }
  json_end_object(&w);
  json_key(&w, "jobs_done");
  json_uint(&w, s->jobs_done);
  json_key(&w, "bytes_in");
  json_uint(&w, s->bytes_in);
  json_key(&w, "bytes_out");
  json_uint(&w, s->bytes_out);
  json_key(&w, "jobs_per_min");
  json_double(&w, s->jobs_per_min);
  json_key(&w, "load");
  json_begin_array(&w);
  for (size_t i = 0; i < ARRAY_SIZE(s->load); i++) {
    json_double(&w, s->load[i]);
  }
  json_end_array(&w);
  json_key(&w, "cpus");
  json_uint(&w, s->cpus);
  json_key(&w, "running");
  json_uint(&w, s->running);
  write_cache(&w, &s->cache);
  json_key(&w, "phase_ms");
  json_begin_object(&w);
  for (size_t i = 0; i < STATS_PHASE_COUNT_; i++) {
    json_key(&w, phase_names[i]);
    json_uint(&w, s->phase_ms[i]);
  }
  json_end_object(&w);
  json_key(&w, "accepted");
  json_uint(&w, s->accepted);
  json_key(&w, "longest_ms");
  json_uint(&w, s->longest_ms);
  json_key(&w, "longest_source");
  json_string(&w, s->longest_source);
  json_key(&w, "max_rss_kb");
  json_uint(&w, s->max_rss_kb);
  json_key(&w, "jobs");
  json_begin_array(&w);
  for (size_t i = 0; i < s->job_count && i < STATS_JOBS_MAX; i++) {
    write_job(&w, &s->jobs[i]);
  }
  json_end_array(&w);
  json_end_object(&w);
  return json_writer_finish(&w, ret_text, ret_len);
}

/* ---- decoding ----------------------------------------------------------- */

/* The member name of object obj: NULL (and, when required, a refusal in
 * *r) when it is missing. */
static const struct json_value *member(struct why              *d,
                                       const struct json_value *obj,
                                       const char *name, bool required, int *r)
{
  const struct json_value *v = json_get(obj, name);

  if (!v && required) {
    *r = why_refuse(d, "member \"%s\" is missing", name);
  }
  return v;
}

static int get_u64(struct why *d, const struct json_value *obj,
                   const char *name, bool required, uint64_t max, uint64_t *out)
{
  int                      r = 0;
  const struct json_value *v = member(d, obj, name, required, &r);
  uint64_t                 n;

  if (!v) {
    return r;
  }
  if (json_get_uint64(v, &n) < 0 || n > max) {
    return why_refuse(d, "member \"%s\" is not an integer in 0..%llu", name,
                      (unsigned long long)max);
  }
  *out = n;
  return 0;
}

static int get_i64(struct why *d, const struct json_value *obj,
                   const char *name, bool required, int64_t min, int64_t *out)
{
  int                      r = 0;
  const struct json_value *v = member(d, obj, name, required, &r);
  int64_t                  n;

  if (!v) {
    return r;
  }
  if (json_get_int64(v, &n) < 0 || n < min) {
    return why_refuse(d, "member \"%s\" is not an integer >= %lld", name,
                      (long long)min);
  }
  *out = n;
  return 0;
}

static int get_unsigned(struct why *d, const struct json_value *obj,
                        const char *name, bool required, unsigned max,
                        unsigned *out)
{
  uint64_t n = 0;
  int      r = get_u64(d, obj, name, required, max, &n);

  if (r >= 0) {
    *out = (unsigned)n;
  }
  return r;
}

static int get_port(struct why *d, const struct json_value *obj,
                    const char *name, bool required, uint16_t *out)
{
  uint64_t n = 0;
  int      r = get_u64(d, obj, name, required, UINT16_MAX, &n);

  if (r >= 0) {
    *out = (uint16_t)n;
  }
  return r;
}

static int check_double(struct why *d, const struct json_value *v,
                        const char *name, double *out)
{
  double x;

  if (json_get_double(v, &x) < 0 || x < 0) {
    return why_refuse(d, "member \"%s\" is not a finite number >= 0", name);
  }
  *out = x;
  return 0;
}

static int get_bool(struct why *d, const struct json_value *obj,
                    const char *name, bool *out)
{
  int                      r = 0;
  const struct json_value *v = member(d, obj, name, false, &r);

  if (v && json_get_bool(v, out) < 0) {
    return why_refuse(d, "member \"%s\" is not a boolean", name);
  }
  return 0;
}

static int check_text(struct why *d, const struct json_value *v,
                      const char *name, char *dst, size_t size)
{
  if (v->type != JSON_STRING) {
    return why_refuse(d, "member \"%s\" is not a string", name);
  }
  if (v->len >= size) {
    return why_refuse(d, "member \"%s\" is longer than %zu bytes", name,
                      size - 1);
  }
  memcpy(dst, v->text, v->len + 1);
  return 0;
}

static int get_text(struct why *d, const struct json_value *obj,
                    const char *name, bool required, char *dst, size_t size)
{
  int                      r = 0;
  const struct json_value *v = member(d, obj, name, required, &r);

  return v ? check_text(d, v, name, dst, size) : r;
}

static const struct json_value *get_container(struct why              *d,
                                              const struct json_value *obj,
                                              const char *name, bool required,
                                              enum json_type type, int *r)
{
  const struct json_value *v = member(d, obj, name, required, r);

  if (v && v->type != type) {
    *r = why_refuse(d, "member \"%s\" is not an %s", name,
                    type == JSON_ARRAY ? "array" : "object");
    return NULL;
  }
  return v;
}

static int decode_config(struct why *d, const struct json_value *obj,
                         struct stats_config *c)
{
  int                      r = 0;
  const struct json_value *codecs, *allow;

  if ((r = get_port(d, obj, "port", true, &c->port)) < 0 ||
      (r = get_port(d, obj, "stats_port", false, &c->stats_port)) < 0 ||
      (r = get_unsigned(d, obj, "jobs", true, 1u << 20, &c->jobs)) < 0 ||
      (r = get_bool(d, obj, "zeroconf", &c->zeroconf)) < 0) {
    return r;
  }
  codecs = get_container(d, obj, "codecs", false, JSON_ARRAY, &r);
  for (size_t i = 0; r >= 0 && codecs && i < codecs->len; i++) {
    if (codecs->items[i].type != JSON_STRING) {
      return why_refuse(d, "member \"codecs\" holds a non-string");
    }
    c->lzo = c->lzo || strcmp(codecs->items[i].text, "lzo") == 0;
  }
  allow = r >= 0 ? get_container(d, obj, "allow", false, JSON_ARRAY, &r) : NULL;
  if (allow && allow->len > STATS_ALLOW_MAX) {
    return why_refuse(d, "member \"allow\" has more than %d entries",
                      STATS_ALLOW_MAX);
  }
  for (size_t i = 0; r >= 0 && allow && i < allow->len; i++) {
    r              = check_text(d, &allow->items[i], "allow", c->allow[i],
                                sizeof(c->allow[i]));
    c->allow_count = i + 1;
  }
  return r;
}

static int decode_phase(struct why *d, const struct json_value *obj,
                        enum stats_phase *out)
{
  int                      r = 0;
  const struct json_value *v = member(d, obj, "phase", true, &r);

  if (!v) {
    return r;
  }
  for (unsigned i = 0; v->type == JSON_STRING && i < STATS_PHASE_COUNT_; i++) {
    if (strcmp(v->text, phase_names[i]) == 0) {
      *out = (enum stats_phase)i;
      return 0;
    }
  }
  return why_refuse(d, "member \"phase\" is not a known phase");
}

static int decode_job(struct why *d, const struct json_value *obj,
                      struct stats_job *job)
{
  int     r;
  int64_t pid = 0;

  if (obj->type != JSON_OBJECT) {
    return why_refuse(d, "a job is not an object");
  }
  if ((r = get_text(d, obj, "client", true, job->client, sizeof(job->client))) <
        0 ||
      (r = get_text(d, obj, "source", false, job->source,
                    sizeof(job->source))) < 0 ||
      (r = get_text(d, obj, "compiler", false, job->compiler,
                    sizeof(job->compiler))) < 0 ||
      (r = get_u64(d, obj, "size", false, UINT64_MAX, &job->size)) < 0 ||
      (r = decode_phase(d, obj, &job->phase)) < 0 ||
      (r = get_i64(d, obj, "started", true, INT64_MIN, &job->started)) < 0 ||
      (r = get_i64(d, obj, "pid", false, 0, &pid)) < 0 ||
      (r = get_u64(d, obj, "phase_ms", false, UINT64_MAX, &job->phase_ms)) <
        0 ||
      (r = get_u64(d, obj, "receive_ms", false, UINT64_MAX, &job->receive_ms)) <
        0) {
    return r;
  }
  if (pid > INT32_MAX) {
    return why_refuse(d, "member \"pid\" is out of range");
  }
  job->pid = (int32_t)pid;
  return 0;
}

/* Members of "phase_ms", each optional. */
static int decode_phase_ms(struct why *d, const struct json_value *doc,
                           struct stats *s)
{
  int                      r = 0;
  const struct json_value *obj =
    get_container(d, doc, "phase_ms", false, JSON_OBJECT, &r);

  for (size_t i = 0; obj && r >= 0 && i < STATS_PHASE_COUNT_; i++) {
    r = get_u64(d, obj, phase_names[i], false, UINT64_MAX, &s->phase_ms[i]);
  }
  return r;
}

static int decode_results(struct why *d, const struct json_value *obj,
                          struct stats *s)
{
  for (size_t i = 0; i < STATS_RESULT_COUNT_; i++) {
    int r = get_u64(d, obj, result_names[i], false, UINT64_MAX, &s->results[i]);
    if (r < 0) {
      return r;
    }
  }
  return 0;
}

/* Optional: a server without a cache, or older than it, sends none. */
static int decode_cache(struct why *d, const struct json_value *doc,
                        struct stats_cache *c)
{
  int                      r = 0;
  const struct json_value *obj =
    get_container(d, doc, "cache", false, JSON_OBJECT, &r);

  if (!obj) {
    return r;
  }
  if ((r = get_bool(d, obj, "enabled", &c->enabled)) < 0) {
    return r;
  }
  for (size_t i = 0; i < ARRAY_SIZE(cache_members); i++) {
    r = get_u64(d, obj, cache_members[i].name, false, UINT64_MAX,
                cache_member(c, i));
    if (r < 0) {
      return r;
    }
  }
  return 0;
}

static int decode_jobs(struct why *d, const struct json_value *jobs,
                       struct stats *s)
{
  if (jobs->len > STATS_JOBS_MAX) {
    return why_refuse(d, "more than %d jobs", STATS_JOBS_MAX);
  }
  if (jobs->len == 0) {
    return 0;
  }
  s->jobs = calloc(jobs->len, sizeof(*s->jobs));
  if (!s->jobs) {
    return -ENOMEM;
  }
  for (size_t i = 0; i < jobs->len; i++) {
    int r = decode_job(d, &jobs->items[i], &s->jobs[i]);
    if (r < 0) {
      return r;
    }
    s->job_count = i + 1;
  }
  return 0;
}

static int decode_load(struct why *d, const struct json_value *doc,
                       struct stats *s)
{
  int                      r = 0;
  const struct json_value *load =
    get_container(d, doc, "load", false, JSON_ARRAY, &r);

  if (!load) {
    return r;
  }
  if (load->len != ARRAY_SIZE(s->load)) {
    return why_refuse(d, "member \"load\" does not hold 3 numbers");
  }
  for (size_t i = 0; r >= 0 && i < load->len; i++) {
    r = check_double(d, &load->items[i], "load", &s->load[i]);
  }
  return r;
}

static int decode(struct why *d, const struct json_value *doc, struct stats *s)
{
  const struct json_value *config, *results, *jobs, *rate;
  uint64_t                 format = 0;
  int                      r      = 0;

  if (doc->type != JSON_OBJECT) {
    return why_refuse(d, "the document is not an object");
  }
  if ((r = get_u64(d, doc, "format", true, UINT64_MAX, &format)) < 0) {
    return r;
  }
  if (format != STATS_JSON_VERSION) {
    return why_refuse(d, "format %llu, not %d", (unsigned long long)format,
                      STATS_JSON_VERSION);
  }
  if ((r = get_text(d, doc, "version", false, s->version, sizeof(s->version))) <
        0 ||
      (r = get_text(d, doc, "host", false, s->host, sizeof(s->host))) < 0 ||
      (r = get_i64(d, doc, "now", true, INT64_MIN, &s->now)) < 0 ||
      (r = get_i64(d, doc, "uptime_s", true, 0, &s->uptime_s)) < 0 ||
      (r = get_u64(d, doc, "jobs_done", true, UINT64_MAX, &s->jobs_done)) < 0 ||
      (r = get_u64(d, doc, "bytes_in", false, UINT64_MAX, &s->bytes_in)) < 0 ||
      (r = get_u64(d, doc, "bytes_out", false, UINT64_MAX, &s->bytes_out)) <
        0 ||
      (r = get_unsigned(d, doc, "cpus", false, 1u << 20, &s->cpus)) < 0 ||
      (r = get_unsigned(d, doc, "running", true, 1u << 20, &s->running)) < 0 ||
      (r = decode_load(d, doc, s)) < 0 ||
      (r = decode_cache(d, doc, &s->cache)) < 0 ||

      (r = decode_phase_ms(d, doc, s)) < 0 ||
      (r = get_u64(d, doc, "accepted", false, UINT64_MAX, &s->accepted)) < 0 ||
      (r = get_u64(d, doc, "longest_ms", false, UINT64_MAX, &s->longest_ms)) <
        0 ||
      (r = get_text(d, doc, "longest_source", false, s->longest_source,
                    sizeof(s->longest_source))) < 0 ||
      (r = get_u64(d, doc, "max_rss_kb", false, UINT64_MAX, &s->max_rss_kb)) <
        0) {
    return r;
  }
  rate = json_get(doc, "jobs_per_min");
  if (rate &&
      (r = check_double(d, rate, "jobs_per_min", &s->jobs_per_min)) < 0) {
    return r;
  }
  config = get_container(d, doc, "config", true, JSON_OBJECT, &r);
  if (!config || (r = decode_config(d, config, &s->config)) < 0) {
    return r;
  }
  results = get_container(d, doc, "results", true, JSON_OBJECT, &r);
  if (!results || (r = decode_results(d, results, s)) < 0) {
    return r;
  }
  jobs = get_container(d, doc, "jobs", true, JSON_ARRAY, &r);
  if (!jobs) {
    return r;
  }
  return decode_jobs(d, jobs, s);
}

int stats_from_json(const char *text, size_t len, struct stats *ret_stats,
                    char *why, size_t why_len)
{
  struct why        d   = { .buf = why, .len = why_len };
  struct json_value doc = { 0 };
  struct stats      s   = { 0 };

  if (len > STATS_JSON_MAX) {
    return why_refuse(&d, "document larger than %d bytes", STATS_JSON_MAX);
  }
  int r = json_parse(text, len, &doc, why, why_len);
  if (r < 0) {
    return r;
  }
  r = decode(&d, &doc, &s);
  json_value_clear(&doc);
  if (r < 0) {
    stats_clear(&s);
    return r;
  }
  *ret_stats = s;
  return 0;
}

/* Whether the request line at buf (len bytes) is "GET PATH", then a
 * space, '?' or the end of the line. */
static bool requests(const char *buf, size_t len, const char *path)
{
  size_t n = strlen(path);

  if (len < 4 + n || memcmp(buf, "GET ", 4) != 0 ||
      memcmp(buf + 4, path, n) != 0) {
    return false;
  }
  n += 4;
  return len == n || buf[n] == ' ' || buf[n] == '?' || buf[n] == '\r' ||
         buf[n] == '\n';
}

enum stats_form stats_request_form(const char *buf, size_t len)
{
  return requests(buf, len, STATS_JSON_PATH)   ? STATS_FORM_JSON
         : requests(buf, len, STATS_TEXT_PATH) ? STATS_FORM_TEXT_OURS
                                               : STATS_FORM_TEXT;
}
