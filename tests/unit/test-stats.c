/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tests of the status model (stats.h) and its JSON (json.h), as tables: a
 * full model round-trips; the writer escapes what must be escaped and
 * always writes valid UTF-8; hostile documents (deep nesting, numbers out
 * of range or fractional where integers belong, bad UTF-8, bad escapes,
 * unterminated text, trailing garbage, too many jobs, wrong types, missing
 * members, duplicates, empty) are refused with a reason; unknown members
 * are ignored. stats_fetch is run against canned HTTP responses served
 * from a forked process on loopback. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "json.h"
#include "macro.h"
#include "stats.h"
#include "statsfetch.h"

/* ---- a valid document and its edits ------------------------------------- */

static const char base_doc[] =
  "{\"format\":1,\"version\":\"0.1.0\",\"host\":\"h\",\"now\":1700000000,"
  "\"uptime_s\":5,"
  "\"config\":{\"port\":3632,\"stats_port\":3633,\"jobs\":4,"
  "\"zeroconf\":true,\"codecs\":[\"lzo\"],\"allow\":[\"private\"]},"
  "\"results\":{\"ok\":1,\"compile_error\":2,\"refused\":3,\"timeout\":4,"
  "\"client_gone\":5,\"busy\":6,\"protocol\":7,\"other\":8},"
  "\"jobs_done\":36,\"bytes_in\":10,\"bytes_out\":20,\"jobs_per_min\":0.5,"
  "\"load\":[0.1,0.2,0.3],\"cpus\":2,\"running\":1,"
  "\"jobs\":[{\"client\":\"127.0.0.1:5\",\"source\":\"x.c\","
  "\"compiler\":\"gcc\",\"size\":7,\"phase\":\"compile\","
  "\"started\":1699999999}]}";

/* base_doc with the first occurrence of find replaced. */
static char *edit(const char *find, const char *replace)
{
  const char *at = strstr(base_doc, find);
  char       *out;

  if (!at) {
    fail_msg("\"%s\" is not in the base document", find);
  }
  assert_true(asprintf(&out, "%.*s%s%s", (int)(at - base_doc), base_doc,
                       replace, at + strlen(find)) > 0);
  return out;
}

/* text repeated n times. */
static char *repeat(const char *text, size_t n)
{
  size_t len = strlen(text);
  char  *out = malloc(len * n + 1);

  assert_non_null(out);
  for (size_t i = 0; i < n; i++) {
    memcpy(out + i * len, text, len);
  }
  out[len * n] = '\0';
  return out;
}

/* ---- the base document decodes as written ------------------------------- */

static void test_decode_base(void **state)
{
  struct stats s = { 0 };
  char         why[256];

  (void)state;
  int r = stats_from_json(base_doc, strlen(base_doc), &s, why, sizeof(why));
  if (r < 0) {
    fail_msg("base document refused: %s", why);
  }
  assert_string_equal(s.version, "0.1.0");
  assert_string_equal(s.host, "h");
  assert_int_equal(s.now, 1700000000);
  assert_int_equal(s.uptime_s, 5);
  assert_int_equal(s.config.port, 3632);
  assert_int_equal(s.config.stats_port, 3633);
  assert_int_equal(s.config.jobs, 4);
  assert_true(s.config.zeroconf);
  assert_true(s.config.lzo);
  assert_int_equal(s.config.allow_count, 1);
  assert_string_equal(s.config.allow[0], "private");
  for (size_t i = 0; i < STATS_RESULT_COUNT_; i++) {
    assert_int_equal(s.results[i], i + 1);
  }
  assert_int_equal(s.jobs_done, 36);
  assert_false(s.cache.enabled); /* no "cache": an older server */
  assert_int_equal(s.bytes_in, 10);
  assert_int_equal(s.bytes_out, 20);
  assert_true(s.jobs_per_min == 0.5);
  assert_true(s.load[0] == 0.1 && s.load[1] == 0.2 && s.load[2] == 0.3);
  assert_int_equal(s.cpus, 2);
  assert_int_equal(s.running, 1);
  assert_int_equal(s.job_count, 1);
  assert_string_equal(s.jobs[0].client, "127.0.0.1:5");
  assert_string_equal(s.jobs[0].source, "x.c");
  assert_string_equal(s.jobs[0].compiler, "gcc");
  assert_int_equal(s.jobs[0].size, 7);
  assert_int_equal(s.jobs[0].phase, STATS_PHASE_COMPILE);
  assert_int_equal(s.jobs[0].started, 1699999999);
  stats_clear(&s);
}

/* ---- round trip --------------------------------------------------------- */

static void fill_model(struct stats *s, struct stats_job *jobs, size_t n)
{
  static const char *const sources[] = {
    "src/a.c",
    "dir with \"quotes\" and \\backslash\\.c",
    "tab\there\nnewline\x01\x1f\x7f.c",
    "unicod\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\x84.cc",
    "",
  };

  memset(s, 0, sizeof(*s));
  snprintf(s->version, sizeof(s->version), "0.1.0");
  snprintf(s->host, sizeof(s->host), "build-\xc3\xa9");
  s->now                = 1700000123;
  s->uptime_s           = 86400 * 400;
  s->config.port        = 3632;
  s->config.stats_port  = 65535;
  s->config.jobs        = 1024;
  s->config.zeroconf    = true;
  s->config.lzo         = true;
  s->config.allow_count = STATS_ALLOW_MAX;
  for (size_t i = 0; i < STATS_ALLOW_MAX; i++) {
    snprintf(s->config.allow[i], sizeof(s->config.allow[i]), "10.%zu.0.0/16",
             i);
  }
  snprintf(s->config.allow[1], sizeof(s->config.allow[1]),
           "fd00:1234:5678:9abc:def0:1234:5678:9abc/128");
  for (size_t i = 0; i < STATS_RESULT_COUNT_; i++) {
    s->results[i] = UINT64_MAX - i;
    s->jobs_done += i;
  }
  s->bytes_in     = UINT64_MAX;
  s->bytes_out    = 0;
  s->jobs_per_min = 123.456789012345;
  s->load[0]      = 0;
  s->load[1]      = 1.0 / 3.0;
  s->load[2]      = 1e6;
  s->cpus         = 64;
  s->running      = (unsigned)n;
  s->cache =
    (struct stats_cache){ true, 1, 2, 3, 4, UINT64_MAX, 5, UINT64_MAX - 1 };
  for (size_t i = 0; i < STATS_PHASE_COUNT_; i++) {
    s->phase_ms[i] = i ? (uint64_t)i * 1000 : UINT64_MAX;
  }
  s->accepted   = 77;
  s->longest_ms = 123456;
  snprintf(s->longest_source, sizeof(s->longest_source), "long\t\xc3\xa9.c");
  s->max_rss_kb = 51200;
  s->job_count  = n;
  s->jobs       = jobs;
  for (size_t i = 0; i < n; i++) {
    struct stats_job *j = &jobs[i];
    memset(j, 0, sizeof(*j));
    snprintf(j->client, sizeof(j->client),
             i % 2 ? "[fe80::1]:%zu" : "10.0.0.%zu:41234", i);
    snprintf(j->source, sizeof(j->source), "%s",
             sources[i % ARRAY_SIZE(sources)]);
    snprintf(j->compiler, sizeof(j->compiler),
             i % 3 ? "gcc" : "x86_64-linux-gnu-g++-12");
    j->size       = (uint64_t)i * 1000003;
    j->phase      = (enum stats_phase)(i % STATS_PHASE_COUNT_);
    j->started    = i % 2 ? -(int64_t)i : INT64_MAX - (int64_t)i;
    j->pid        = i % 2 ? INT32_MAX : (int32_t)i;
    j->phase_ms   = (uint64_t)i * 7;
    j->receive_ms = i % 3 ? UINT64_MAX : 0;
  }
}

static void assert_same(const struct stats *a, const struct stats *b)
{
  assert_string_equal(a->version, b->version);
  assert_string_equal(a->host, b->host);
  assert_int_equal(a->now, b->now);
  assert_int_equal(a->uptime_s, b->uptime_s);
  assert_int_equal(a->config.port, b->config.port);
  assert_int_equal(a->config.stats_port, b->config.stats_port);
  assert_int_equal(a->config.jobs, b->config.jobs);
  assert_int_equal(a->config.zeroconf, b->config.zeroconf);
  assert_int_equal(a->config.lzo, b->config.lzo);
  assert_int_equal(a->config.allow_count, b->config.allow_count);
  for (size_t i = 0; i < a->config.allow_count; i++) {
    assert_string_equal(a->config.allow[i], b->config.allow[i]);
  }
  assert_memory_equal(a->results, b->results, sizeof(a->results));
  assert_int_equal(a->jobs_done, b->jobs_done);
  assert_int_equal(a->bytes_in, b->bytes_in);
  assert_int_equal(a->bytes_out, b->bytes_out);
  assert_true(a->jobs_per_min == b->jobs_per_min);
  for (size_t i = 0; i < 3; i++) {
    assert_true(a->load[i] == b->load[i]);
  }
  assert_int_equal(a->cpus, b->cpus);
  assert_int_equal(a->running, b->running);
  assert_int_equal(a->cache.enabled, b->cache.enabled);
  assert_int_equal(a->cache.hits, b->cache.hits);
  assert_int_equal(a->cache.misses, b->cache.misses);
  assert_int_equal(a->cache.stores, b->cache.stores);
  assert_int_equal(a->cache.evictions, b->cache.evictions);
  assert_int_equal(a->cache.bytes, b->cache.bytes);
  assert_int_equal(a->cache.entries, b->cache.entries);
  assert_int_equal(a->cache.max_bytes, b->cache.max_bytes);
  assert_memory_equal(a->phase_ms, b->phase_ms, sizeof(a->phase_ms));
  assert_int_equal(a->accepted, b->accepted);
  assert_int_equal(a->longest_ms, b->longest_ms);
  assert_string_equal(a->longest_source, b->longest_source);
  assert_int_equal(a->max_rss_kb, b->max_rss_kb);
  assert_int_equal(a->job_count, b->job_count);
  for (size_t i = 0; i < a->job_count; i++) {
    const struct stats_job *x = &a->jobs[i], *y = &b->jobs[i];
    assert_string_equal(x->client, y->client);
    assert_string_equal(x->source, y->source);
    assert_string_equal(x->compiler, y->compiler);
    assert_int_equal(x->size, y->size);
    assert_int_equal(x->phase, y->phase);
    assert_int_equal(x->started, y->started);
    assert_int_equal(x->pid, y->pid);
    assert_int_equal(x->phase_ms, y->phase_ms);
    assert_int_equal(x->receive_ms, y->receive_ms);
  }
}

static void test_round_trip(void **state)
{
  static const size_t counts[] = { 0, 1, 5, STATS_JOBS_MAX };

  (void)state;
  for (size_t c = 0; c < ARRAY_SIZE(counts); c++) {
    struct stats_job *jobs = calloc(counts[c] + 1, sizeof(*jobs));
    struct stats      s, back = { 0 };
    char             *text;
    size_t            len;
    char              why[256];

    assert_non_null(jobs);
    fill_model(&s, jobs, counts[c]);
    assert_int_equal(stats_to_json(&s, &text, &len), 0);
    assert_int_equal(strlen(text), len);
    assert_true(json_utf8_valid(text, len));
    for (size_t i = 0; i < len; i++) {
      if ((unsigned char)text[i] < 0x20 || text[i] == 0x7f) {
        fail_msg("%zu jobs: raw control character at byte %zu", counts[c], i);
      }
    }
    int r = stats_from_json(text, len, &back, why, sizeof(why));
    if (r < 0) {
      fail_msg("%zu jobs: own document refused: %s", counts[c], why);
    }
    assert_same(&s, &back);
    stats_clear(&back);
    free(text);
    free(jobs);
  }
}

/* A string that is not UTF-8 goes out as valid UTF-8 (U+FFFD), and the
 * document still decodes. */
static void test_writer_repairs_text(void **state)
{
  struct stats_job job = { .phase = STATS_PHASE_SEND };
  struct stats s = { .now = 1, .config.jobs = 1, .jobs = &job, .job_count = 1 };
  struct stats back = { 0 };
  char        *text;
  size_t       len;

  (void)state;
  snprintf(job.client, sizeof(job.client), "1.2.3.4:5");
  snprintf(job.source, sizeof(job.source), "bad\xff\xc0\xaf\xed\xa0\x80.c");
  assert_int_equal(stats_to_json(&s, &text, &len), 0);
  assert_true(json_utf8_valid(text, len));
  assert_non_null(strstr(text, "bad\xef\xbf\xbd"));
  assert_int_equal(stats_from_json(text, len, &back, NULL, 0), 0);
  assert_true(
    json_utf8_valid(back.jobs[0].source, strlen(back.jobs[0].source)));
  stats_clear(&back);
  free(text);
}

/* ---- hostile documents -------------------------------------------------- */

static const struct {
  const char *name;
  const char *find; /* in base_doc; NULL: the document is replace itself */
  const char *replace;
  int         expect; /* 0: accepted */
} edit_cases[] = {
  /* accepted */
  { "unknown members ignored",       "\"host\":\"h\",",
   "\"host\":\"h\",\"future\":{\"a\":[1,2,{\"b\":null}]},\"x\":-1.5e3,",                                                                                        0        },
  { "unknown job member",            "\"size\":7,",                           "\"size\":7,\"cgroup\":[],",                                                      0        },
  { "unknown result kind",           "\"other\":8",                           "\"other\":8,\"later\":9",                                                        0        },
  { "unknown codec",                 "[\"lzo\"]",                             "[\"zstd\",\"lzo\"]",                                                             0        },
  { "optional members missing",      "\"version\":\"0.1.0\",\"host\":\"h\",", "",
   0                                                                                                                                                                     },
  { "white space everywhere",        "{\"format\":1,",                        " \t\r\n{ \"format\" : 1 ,",
   0                                                                                                                                                                     },
  { "negative zero counter",         "\"bytes_in\":10",                       "\"bytes_in\":-0",                                                                0        },
  { "escapes",                       "\"x.c\"",                               "\"\\u00e9\\ud83d\\udc04\\/\\b\\f\\n\\r\\t\"",                                    0        },
  { "no jobs",                       "[{\"client\"",                          "[],\"old\":[{\"client\"",                                                        0        },
  { "a job's pid and phase times",   "\"started\":1699999999}",
   "\"started\":1699999999,\"pid\":42,\"phase_ms\":7,\"receive_ms\":3}",                                                                                        0        },
  { "phase times, one unknown",      "\"running\":1",
   "\"running\":1,\"phase_ms\":{\"compile\":5,\"link\":1}",                                                                                                     0        },
  { "pid past int32",                "\"started\":1699999999}",
   "\"started\":1699999999,\"pid\":2147483648}",                                                                                                                -EBADMSG },
  { "negative pid",                  "\"started\":1699999999}",
   "\"started\":1699999999,\"pid\":-1}",                                                                                                                        -EBADMSG },
  { "phase times not an object",     "\"running\":1",
   "\"running\":1,\"phase_ms\":5",                                                                                                                              -EBADMSG },
  /* not documents */
  { "empty",                         NULL,                                    "",                                                                               -EBADMSG },
  { "only space",                    NULL,                                    " \n ",                                                                           -EBADMSG },
  { "an array",                      NULL,                                    "[]",                                                                             -EBADMSG },
  { "a number",                      NULL,                                    "1",                                                                              -EBADMSG },
  { "null",                          NULL,                                    "null",                                                                           -EBADMSG },
  { "single quotes",                 NULL,                                    "{'format':1}",                                                                   -EBADMSG },
  { "unterminated object",           "}]}",                                   "}]",                                                                             -EBADMSG },
  { "unterminated string",
   "\"gcc\",\"size\":7,\"phase\":\"compile\","
    "\"started\":1699999999}]}",                                              "\"gcc",                                                                          -EBADMSG },
  { "trailing garbage",              "}]}",                                   "}]} x",                                                                          -EBADMSG },
  { "two documents",                 "}]}",                                   "}]}{}",                                                                          -EBADMSG },
  { "trailing comma",                "\"other\":8",                           "\"other\":8,",                                                                   -EBADMSG },
  { "comment",                       "\"now\"",                               "/* c */\"now\"",                                                                 -EBADMSG },
  { "duplicate member",              "\"uptime_s\":5",                        "\"uptime_s\":5,\"uptime_s\":6",
   -EBADMSG                                                                                                                                                              },
  /* numbers */
  { "leading zero",                  "\"cpus\":2",                            "\"cpus\":02",                                                                    -EBADMSG },
  { "plus sign",                     "\"cpus\":2",                            "\"cpus\":+2",                                                                    -EBADMSG },
  { "NaN",                           "\"jobs_per_min\":0.5",                  "\"jobs_per_min\":NaN",                                                           -EBADMSG },
  { "Infinity",                      "\"jobs_per_min\":0.5",                  "\"jobs_per_min\":Infinity",                                                      -EBADMSG },
  { "overflowing double",            "\"jobs_per_min\":0.5",                  "\"jobs_per_min\":1e400",
   -EBADMSG                                                                                                                                                              },
  { "negative rate",                 "\"jobs_per_min\":0.5",                  "\"jobs_per_min\":-1",                                                            -EBADMSG },
  { "bare point",                    "\"jobs_per_min\":0.5",                  "\"jobs_per_min\":1.",                                                            -EBADMSG },
  { "bare exponent",                 "\"jobs_per_min\":0.5",                  "\"jobs_per_min\":1e",                                                            -EBADMSG },
  { "fraction for an integer",       "\"running\":1",                         "\"running\":1.5",                                                                -EBADMSG },
  { "exponent for an integer",       "\"running\":1",                         "\"running\":1e0",                                                                -EBADMSG },
  { "negative counter",              "\"jobs_done\":36",                      "\"jobs_done\":-1",                                                               -EBADMSG },
  { "counter past 2^64",             "\"jobs_done\":36",
   "\"jobs_done\":18446744073709551616",                                                                                                                        -EBADMSG },
  { "counter 2^64-1",                "\"jobs_done\":36",                      "\"jobs_done\":18446744073709551615",
   0                                                                                                                                                                     },
  { "port past 65535",               "\"port\":3632",                         "\"port\":65536",                                                                 -EBADMSG },
  { "negative uptime",               "\"uptime_s\":5",                        "\"uptime_s\":-5",                                                                -EBADMSG },
  { "started past int64",            "\"started\":1699999999",
   "\"started\":9223372036854775808",                                                                                                                           -EBADMSG },
  { "huge number text",              "\"cpus\":2",
   "\"cpus\":2000000000000000000000000000000000000000000000000000000000000"
    "00000000000",                                                                                                                                              -EBADMSG },
  /* strings */
  { "bad UTF-8",                     "\"x.c\"",                               "\"x\xff.c\"",                                                                    -EBADMSG },
  { "overlong UTF-8",                "\"x.c\"",                               "\"x\xc0\xaf.c\"",                                                                -EBADMSG },
  { "UTF-8 surrogate",               "\"x.c\"",                               "\"x\xed\xa0\x80.c\"",                                                            -EBADMSG },
  { "UTF-8 past U+10FFFF",           "\"x.c\"",                               "\"x\xf4\x90\x80\x80.c\"",                                                        -EBADMSG },
  { "truncated UTF-8",               "\"x.c\"",                               "\"x\xe2\x82\"",                                                                  -EBADMSG },
  { "bad escape",                    "\"x.c\"",                               "\"x\\q.c\"",                                                                     -EBADMSG },
  { "short \\u",                     "\"x.c\"",                               "\"x\\u12\"",                                                                     -EBADMSG },
  { "bad hex",                       "\"x.c\"",                               "\"x\\u12g4\"",                                                                   -EBADMSG },
  { "lone high surrogate",           "\"x.c\"",                               "\"x\\ud800.c\"",                                                                 -EBADMSG },
  { "lone low surrogate",            "\"x.c\"",                               "\"x\\udc00.c\"",                                                                 -EBADMSG },
  { "escaped NUL",                   "\"x.c\"",                               "\"x\\u0000.c\"",                                                                 -EBADMSG },
  { "raw control character",         "\"x.c\"",                               "\"x\t.c\"",                                                                      -EBADMSG },
  { "string too long for its field", "\"gcc\"",
   "\"gccgccgccgccgccgccgccgccgccgccgccgccgccgccgccgccgccgccgccgccgcc0\"",                                                                                      -EBADMSG },
  /* types */
  { "string for a number",           "\"running\":1",                         "\"running\":\"1\"",                                                              -EBADMSG },
  { "number for a boolean",          "\"zeroconf\":true",                     "\"zeroconf\":1",                                                                 -EBADMSG },
  { "array for config",              "\"config\":{",                          "\"config\":[],\"x\":{",                                                          -EBADMSG },
  { "object for jobs",               "\"jobs\":[",                            "\"jobs\":{},\"x\":[",                                                            -EBADMSG },
  { "number for a job",              "\"jobs\":[",                            "\"jobs\":[1,",                                                                   -EBADMSG },
  { "two loads",                     "[0.1,0.2,0.3]",                         "[0.1,0.2]",                                                                      -EBADMSG },
  { "unknown phase",                 "\"compile\"",                           "\"linking\"",                                                                    -EBADMSG },
  { "number for a codec",            "[\"lzo\"]",                             "[1]",                                                                            -EBADMSG },
  { "format 2",                      "\"format\":1",                          "\"format\":2",                                                                   -EBADMSG },
  /* missing required members */
  { "no format",                     "\"format\":1,",                         "",                                                                               -EBADMSG },
  { "no now",                        "\"now\":1700000000,",                   "",                                                                               -EBADMSG },
  { "no uptime",                     "\"uptime_s\":5,",                       "",                                                                               -EBADMSG },
  { "no port",                       "\"port\":3632,",                        "",                                                                               -EBADMSG },
  { "no jobs limit",                 "\"jobs\":4,",                           "",                                                                               -EBADMSG },
  { "no jobs_done",                  "\"jobs_done\":36,",                     "",                                                                               -EBADMSG },
  { "no running",                    "\"running\":1,",                        "",                                                                               -EBADMSG },
  { "no client",                     "\"client\":\"127.0.0.1:5\",",           "",                                                                               -EBADMSG },
  { "no phase",                      "\"phase\":\"compile\",",                "",                                                                               -EBADMSG },
  { "no started",                    ",\"started\":1699999999",               "",                                                                               -EBADMSG },
  /* the result cache: optional, as older servers send none */
  { "a cache",                       "\"running\":1,",
   "\"running\":1,\"cache\":{\"enabled\":true,\"hits\":3,\"misses\":4,\"stores\":4,\"evictions\":1,\"bytes\":9,\"entries\":2,\"max_bytes\":100,\"later\":[]},",
   0                                                                                                                                                                     },
  { "an empty cache",                "\"running\":1,",                        "\"running\":1,\"cache\":{},",                                                    0        },
  { "array for cache",               "\"running\":1,",                        "\"running\":1,\"cache\":[],",
   -EBADMSG                                                                                                                                                              },
  { "negative cache hits",           "\"running\":1,",
   "\"running\":1,\"cache\":{\"hits\":-1},",                                                                                                                    -EBADMSG },
  { "string for cache bytes",        "\"running\":1,",
   "\"running\":1,\"cache\":{\"bytes\":\"9\"},",                                                                                                                -EBADMSG },
  { "number for cache enabled",      "\"running\":1,",
   "\"running\":1,\"cache\":{\"enabled\":1},",                                                                                                                  -EBADMSG },
};

static void test_edits(void **state)
{
  (void)state;
  for (size_t i = 0; i < ARRAY_SIZE(edit_cases); i++) {
    char        *doc      = edit_cases[i].find
                              ? edit(edit_cases[i].find, edit_cases[i].replace)
                              : strdup(edit_cases[i].replace);
    struct stats s        = { 0 };
    char         why[256] = "";

    assert_non_null(doc);
    int r = stats_from_json(doc, strlen(doc), &s, why, sizeof(why));
    if (r != edit_cases[i].expect) {
      fail_msg("case \"%s\": got %d (%s), expected %d", edit_cases[i].name, r,
               why, edit_cases[i].expect);
    }
    if (r < 0 && !why[0]) {
      fail_msg("case \"%s\": refused without a reason", edit_cases[i].name);
    }
    if (r < 0 && (s.jobs || s.job_count)) {
      fail_msg("case \"%s\": output written on failure", edit_cases[i].name);
    }
    stats_clear(&s);
    free(doc);
  }
}

/* Generated documents: nesting, counts and sizes around the caps. */
static void test_caps(void **state)
{
  struct stats s = { 0 };
  char         why[256];
  char        *open, *close, *doc, *jobs;
  const char  *job;

  (void)state;
  /* Nesting within an ignored member: at the cap it parses, past it not. */
  for (int depth = JSON_DEPTH_MAX - 2; depth <= JSON_DEPTH_MAX + 50;
       depth += 52) {
    open  = repeat("[", (size_t)depth);
    close = repeat("]", (size_t)depth);
    char *nest;
    assert_true(asprintf(&nest, "\"deep\":%s%s,\"now\"", open, close) > 0);
    doc   = edit("\"now\"", nest);
    int r = stats_from_json(doc, strlen(doc), &s, why, sizeof(why));
    if (depth <= JSON_DEPTH_MAX - 2 ? r != 0 : r != -EBADMSG) {
      fail_msg("depth %d: got %d (%s)", depth, r, why);
    }
    stats_clear(&s);
    free(nest);
    free(open);
    free(close);
    free(doc);
  }
  /* 100000 unclosed brackets: refused, not a stack overflow. */
  open = repeat("[", 100000);
  assert_int_equal(stats_from_json(open, strlen(open), &s, why, sizeof(why)),
                   -EBADMSG);
  free(open);

  /* Jobs: STATS_JOBS_MAX is fine, one more is not. */
  job = "{\"client\":\"a\",\"phase\":\"send\",\"started\":0},";
  for (size_t n = STATS_JOBS_MAX; n <= STATS_JOBS_MAX + 1; n++) {
    jobs                   = repeat(job, n);
    jobs[strlen(jobs) - 1] = '\0'; /* the last comma */
    char *list;
    assert_true(asprintf(&list, "\"jobs\":[%s],\"x\":[", jobs) > 0);
    doc   = edit("\"jobs\":[", list);
    int r = stats_from_json(doc, strlen(doc), &s, why, sizeof(why));
    if (n == STATS_JOBS_MAX ? r != 0 || s.job_count != n : r != -EBADMSG) {
      fail_msg("%zu jobs: got %d (%s)", n, r, why);
    }
    stats_clear(&s);
    free(list);
    free(jobs);
    free(doc);
  }

  /* Members per object. */
  {
    char  *many = malloc(JSON_MEMBERS_MAX * 16 + 64);
    size_t len  = 0;
    assert_non_null(many);
    len += (size_t)sprintf(many + len, "{");
    for (int i = 0; i <= JSON_MEMBERS_MAX; i++) {
      len += (size_t)sprintf(many + len, "%s\"m%d\":0", i ? "," : "", i);
    }
    sprintf(many + len, "}");
    assert_int_equal(stats_from_json(many, strlen(many), &s, why, sizeof(why)),
                     -EBADMSG);
    assert_non_null(strstr(why, "members"));
    free(many);
  }

  /* A document over STATS_JSON_MAX is refused unread. */
  {
    size_t big = STATS_JSON_MAX + 1;
    char  *pad = malloc(big + 1);
    assert_non_null(pad);
    memset(pad, ' ', big);
    pad[big] = '\0';
    assert_int_equal(stats_from_json(pad, big, &s, why, sizeof(why)), -EBADMSG);
    free(pad);
  }

  /* A string past JSON_STRING_MAX in an ignored member. */
  {
    char *text = repeat("a", JSON_STRING_MAX + 1);
    char *member;
    assert_true(asprintf(&member, "\"long\":\"%s\",\"now\"", text) > 0);
    doc = edit("\"now\"", member);
    assert_int_equal(stats_from_json(doc, strlen(doc), &s, why, sizeof(why)),
                     -EBADMSG);
    free(text);
    free(member);
    free(doc);
  }
}

/* ---- names and text helpers --------------------------------------------- */

static void test_names(void **state)
{
  static const char *const results[] = { "ok",       "compile_error", "refused",
                                         "timeout",  "client_gone",   "busy",
                                         "protocol", "other" };
  static const char *const phases[]  = { "waiting", "receive", "compile",
                                         "send" };

  (void)state;
  assert_int_equal(ARRAY_SIZE(results), STATS_RESULT_COUNT_);
  assert_int_equal(ARRAY_SIZE(phases), STATS_PHASE_COUNT_);
  for (size_t i = 0; i < ARRAY_SIZE(results); i++) {
    assert_string_equal(stats_result_name((enum stats_result)i), results[i]);
  }
  for (size_t i = 0; i < ARRAY_SIZE(phases); i++) {
    assert_string_equal(stats_phase_name((enum stats_phase)i), phases[i]);
  }
  assert_string_equal(stats_result_name(STATS_RESULT_COUNT_), "?");
  assert_string_equal(stats_phase_name(STATS_PHASE_COUNT_), "?");
}

static const struct {
  const char *in;
  size_t      size;
  const char *out;
} copy_cases[] = {
  { "plain.c",           64, "plain.c"  },
  { "cut.c",             4,  "cut"      },
  { "tab\tnl\n\x7f",     64, "tab?nl??" },
  { "bad\xff\xfe",       64, "bad??"    },
  { "\xc3\xa9\xc3\xa9",  4,  "\xc3\xa9" }, /* not half an é */
  { "\xf0\x9f\x90\x84x", 4,  ""         }, /* the 4-byte one does not fit */
  { "\xed\xa0\x80",      64, "???"      }, /* a surrogate is not UTF-8 */
  { "",                  1,  ""         },
};

/* The hits' share: 0 before any lookup, exact at the ends, and no
 * overflow when the counters are near their limit. */
static void test_cache_hit_percent(void **state)
{
  struct stats_cache c = { .enabled = true };

  (void)state;
  assert_float_equal(stats_cache_hit_percent(&c), 0.0, 0);
  c.misses = 3;
  assert_float_equal(stats_cache_hit_percent(&c), 0.0, 0);
  c.hits = 1;
  assert_float_equal(stats_cache_hit_percent(&c), 25.0, 1e-9);
  c.misses = 0;
  assert_float_equal(stats_cache_hit_percent(&c), 100.0, 0);
  c.hits   = UINT64_MAX / 2;
  c.misses = UINT64_MAX / 2;
  assert_float_equal(stats_cache_hit_percent(&c), 50.0, 1e-9);
}

static void test_utf8_copy(void **state)
{
  (void)state;
  for (size_t i = 0; i < ARRAY_SIZE(copy_cases); i++) {
    char out[64];
    json_utf8_copy(out, copy_cases[i].size, copy_cases[i].in);
    if (strcmp(out, copy_cases[i].out) != 0) {
      fail_msg("case %zu: \"%s\", expected \"%s\"", i, out, copy_cases[i].out);
    }
    assert_true(json_utf8_valid(out, strlen(out)));
  }
}

/* Doubles keep their value through the writer, whatever the locale. */
static void test_doubles(void **state)
{
  static const double values[] = {
    0, 0.5, 0.1, 1.0 / 3.0, 123456789.125, 1e-300, 1.7976931348623157e308
  };

  (void)state;
  for (size_t i = 0; i < ARRAY_SIZE(values); i++) {
    struct json_writer w = { 0 };
    struct json_value  v;
    char              *text;
    size_t             len;
    double             back;
    json_double(&w, values[i]);
    assert_int_equal(json_writer_finish(&w, &text, &len), 0);
    assert_int_equal(json_parse(text, len, &v, NULL, 0), 0);
    assert_int_equal(json_get_double(&v, &back), 0);
    if (back != values[i]) {
      fail_msg("%.17g came back as %.17g (\"%s\")", values[i], back, text);
    }
    json_value_clear(&v);
    free(text);
  }
}

/* ---- stats_fetch against canned responses ------------------------------- */

static const struct {
  const char *name;
  const char *head; /* the body (base_doc) follows unless no_body */
  bool        no_body;
  int         expect;
} fetch_cases[] = {
  { "200 with JSON",
   "HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n"
    "Connection: close\r\n\r\n",                                              false, 0           },
  { "bare newlines",
   "HTTP/1.1 200 OK\ncontent-type: Application/JSON; "
    "charset=utf-8\n\n",                                                      false, 0           },
  { "plain text",        "HTTP/1.0 200 OK\nContent-Type: text/plain\n\n",     false,
   -EBADMSG                                                                                      },
  { "no content type",   "HTTP/1.0 200 OK\r\n\r\n",                           false, -EBADMSG    },
  { "forbidden",
   "HTTP/1.0 403 Forbidden\r\nContent-Type: text/plain\r\n\r\n"
    "herdccd: access denied for 127.0.0.1\n",                                 true,  -EACCES     },
  { "server error",      "HTTP/1.0 500 Oops\r\n\r\n",                         true,  -EBADMSG    },
  { "not HTTP",          "DONE00000001",                                      true,  -EBADMSG    },
  { "headers never end", "HTTP/1.0 200 OK\r\nContent-Type: application/json",
   true,                                                                             -EBADMSG    },
  { "nothing",           "",                                                  true,  -ECONNRESET },
  { "truncated body",
   "HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n"
    "\r\n{\"format\":1,",                                                     true,  -EBADMSG    },
};

/* A one-shot server on 127.0.0.1: reads the request line, answers with
 * response, closes. Returns its port. */
static uint16_t serve_once(const char *response, pid_t *ret_pid)
{
  struct sockaddr_in sa  = { .sin_family = AF_INET };
  socklen_t          len = sizeof(sa);
  int                fd  = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

  assert_true(fd >= 0);
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
  assert_int_equal(listen(fd, 1), 0);
  assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    char request[256] = "";
    int  c            = accept(fd, NULL, NULL);
    if (c < 0) {
      _exit(1);
    }
    ssize_t n = read(c, request, sizeof(request) - 1);
    int ok = n > 0 && strncmp(request, "GET /json HTTP/1.0\r\n\r\n", 22) == 0;
    size_t off = 0, total = strlen(response);
    while (off < total) {
      ssize_t w = write(c, response + off, total - off);
      if (w <= 0) {
        break;
      }
      off += (size_t)w;
    }
    close(c);
    _exit(ok ? 0 : 2);
  }
  close(fd);
  *ret_pid = pid;
  return ntohs(sa.sin_port);
}

static void test_fetch(void **state)
{
  (void)state;
  for (size_t i = 0; i < ARRAY_SIZE(fetch_cases); i++) {
    char        *response;
    struct stats s        = { 0 };
    char         why[256] = "";
    pid_t        pid;
    int          status;

    assert_true(asprintf(&response, "%s%s", fetch_cases[i].head,
                         fetch_cases[i].no_body ? "" : base_doc) >= 0);
    uint16_t port = serve_once(response, &pid);
    int      r    = stats_fetch("127.0.0.1", port, 5000, &s, why, sizeof(why));
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (r != fetch_cases[i].expect) {
      fail_msg("case \"%s\": got %d (%s), expected %d", fetch_cases[i].name, r,
               why, fetch_cases[i].expect);
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      fail_msg("case \"%s\": the request was not GET /json",
               fetch_cases[i].name);
    }
    if (r == 0) {
      assert_int_equal(s.job_count, 1);
      assert_string_equal(s.jobs[0].source, "x.c");
    } else {
      assert_true(why[0]);
    }
    if (r == -EACCES) {
      assert_non_null(strstr(why, "access denied"));
    }
    stats_clear(&s);
    free(response);
  }
}

/* The same replies through stats_from_http from a buffer of exactly their
 * length, with no NUL after it (as the GTK monitor hands them over): the
 * reader goes by the length alone (ASan sees any read beyond it). */
static void test_from_http_unterminated(void **state)
{
  (void)state;
  for (size_t i = 0; i < ARRAY_SIZE(fetch_cases); i++) {
    char        *response;
    struct stats s        = { 0 };
    char         why[256] = "";

    int len = asprintf(&response, "%s%s", fetch_cases[i].head,
                       fetch_cases[i].no_body ? "" : base_doc);
    assert_true(len >= 0);
    char *exact = malloc(len > 0 ? (size_t)len : 1);
    assert_non_null(exact);
    memcpy(exact, response, (size_t)len);
    int r = stats_from_http(exact, (size_t)len, &s, why, sizeof(why));
    if (r != fetch_cases[i].expect) {
      fail_msg("case \"%s\": got %d (%s), expected %d", fetch_cases[i].name, r,
               why, fetch_cases[i].expect);
    }
    if (r == -EACCES && !strstr(why, "access denied for 127.0.0.1")) {
      fail_msg("case \"%s\": the reason is lost: %s", fetch_cases[i].name, why);
    }
    stats_clear(&s);
    free(exact);
    free(response);
  }
}

/* Status lines the reader must refuse, by length. */
static void test_status_lines(void **state)
{
  static const char *const bad[] = {
    "HTTP/1.1 20\r\n\r\n",   "HTTP/1.2 200 OK\r\n\r\n",
    "HTTP/1.1 2000\r\n\r\n", "HTTP/1.1  200\r\n\r\n",
    "HTTP/1.1 0200\r\n\r\n", "HTTP/1.1 20x OK\r\n\r\n",
    "HTTP/1.1 200",
  };
  (void)state;
  for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
    struct stats s        = { 0 };
    char         why[256] = "";
    size_t       len      = strlen(bad[i]);
    char        *exact    = malloc(len);
    assert_non_null(exact);
    memcpy(exact, bad[i], len);
    if (stats_from_http(exact, len, &s, why, sizeof(why)) != -EBADMSG) {
      fail_msg("status line \"%s\" was not refused", bad[i]);
    }
    stats_clear(&s);
    free(exact);
  }
}

/* A server that accepts and never answers: the whole call is bounded. */
static void test_fetch_timeout(void **state)
{
  struct sockaddr_in sa  = { .sin_family = AF_INET };
  socklen_t          len = sizeof(sa);
  int                fd  = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct stats       s   = { 0 };
  char               why[128];
  struct timespec    t0, t1;

  (void)state;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
  assert_int_equal(listen(fd, 1), 0);
  assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
  clock_gettime(CLOCK_MONOTONIC, &t0);
  assert_int_equal(
    stats_fetch("127.0.0.1", ntohs(sa.sin_port), 300, &s, why, sizeof(why)),
    -ETIMEDOUT);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  long ms =
    (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
  assert_true(ms >= 250 && ms < 2000);
  close(fd);

  /* Nothing listening: refused at once. */
  assert_int_equal(
    stats_fetch("127.0.0.1", ntohs(sa.sin_port), 300, &s, why, sizeof(why)),
    -ECONNREFUSED);
  assert_int_equal(stats_fetch("not-an-address", 1, 300, &s, why, sizeof(why)),
                   -EINVAL);
}

/* The request line a stats port's peer sends picks the reply's form,
 * from exactly the bytes that came (no NUL after them). */
static void test_request_form(void **state)
{
  static const struct {
    const char     *line;
    enum stats_form want;
  } cases[] = {
    { "GET /json HTTP/1.0\r\n", STATS_FORM_JSON      },
    { "GET /json?x=1 HTTP/1.1", STATS_FORM_JSON      },
    { "GET /json",              STATS_FORM_JSON      },
    { "GET /json\n",            STATS_FORM_JSON      },
    { "GET /jsonx HTTP/1.0",    STATS_FORM_TEXT      },
    { "GET /text HTTP/1.0\r\n", STATS_FORM_TEXT_OURS },
    { "GET / HTTP/1.0\r\n",     STATS_FORM_TEXT      },
    { "",                       STATS_FORM_TEXT      },
    { "GET /js",                STATS_FORM_TEXT      },
    { "get /json",              STATS_FORM_TEXT      },
    { "POST /json",             STATS_FORM_TEXT      },
  };

  (void)state;
  for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
    size_t len  = strlen(cases[i].line);
    char  *copy = malloc(len ? len : 1);
    assert_non_null(copy);
    memcpy(copy, cases[i].line, len);
    enum stats_form got = stats_request_form(copy, len);
    free(copy);
    if (got != cases[i].want) {
      fail_msg("case %zu (%s): %d, expected %d", i, cases[i].line, (int)got,
               (int)cases[i].want);
    }
  }
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_decode_base),
    cmocka_unit_test(test_request_form),
    cmocka_unit_test(test_round_trip),
    cmocka_unit_test(test_writer_repairs_text),
    cmocka_unit_test(test_edits),
    cmocka_unit_test(test_caps),
    cmocka_unit_test(test_names),
    cmocka_unit_test(test_cache_hit_percent),
    cmocka_unit_test(test_utf8_copy),
    cmocka_unit_test(test_doubles),
    cmocka_unit_test(test_fetch),
    cmocka_unit_test(test_from_http_unterminated),
    cmocka_unit_test(test_status_lines),
    cmocka_unit_test(test_fetch_timeout),
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}
