/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: the status document a stats port sends
 * (stats_from_json, and under it json_parse), which herdcc-top and
 * herdcc-monitor read from any server they discover. The input is the
 * document's bytes. A document is refused with a reason, or it decodes
 * into a model that is within its caps and whose strings are valid UTF-8;
 * that model encodes again, and the encoding decodes to the same model. */

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz-check.h"
#include "json.h"
#include "macro.h"
#include "stats.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool text_ok(const char *text, size_t size)
{
  size_t len = strnlen(text, size);

  return len < size && json_utf8_valid(text, len);
}

static void check_model(const struct stats *s)
{
  FUZZ_CHECK(text_ok(s->version, sizeof(s->version)));
  FUZZ_CHECK(text_ok(s->host, sizeof(s->host)));
  FUZZ_CHECK(s->uptime_s >= 0);
  FUZZ_CHECK(s->config.allow_count <= STATS_ALLOW_MAX);
  for (size_t i = 0; i < s->config.allow_count; i++) {
    FUZZ_CHECK(text_ok(s->config.allow[i], sizeof(s->config.allow[i])));
  }
  FUZZ_CHECK(s->job_count <= STATS_JOBS_MAX);
  FUZZ_CHECK(s->job_count == 0 || s->jobs);
  for (size_t i = 0; i < s->job_count; i++) {
    const struct stats_job *j = &s->jobs[i];
    FUZZ_CHECK(text_ok(j->client, sizeof(j->client)));
    FUZZ_CHECK(text_ok(j->source, sizeof(j->source)));
    FUZZ_CHECK(text_ok(j->compiler, sizeof(j->compiler)));
    FUZZ_CHECK((unsigned)j->phase < STATS_PHASE_COUNT_);
  }
  FUZZ_CHECK(s->jobs_per_min >= 0);
  for (size_t i = 0; i < 3; i++) {
    FUZZ_CHECK(s->load[i] >= 0);
  }
}

static void check_same(const struct stats *a, const struct stats *b)
{
  FUZZ_CHECK(strcmp(a->version, b->version) == 0);
  FUZZ_CHECK(strcmp(a->host, b->host) == 0);
  FUZZ_CHECK(a->now == b->now && a->uptime_s == b->uptime_s);
  FUZZ_CHECK(a->config.port == b->config.port);
  FUZZ_CHECK(a->config.jobs == b->config.jobs);
  FUZZ_CHECK(a->config.allow_count == b->config.allow_count);
  FUZZ_CHECK(memcmp(a->results, b->results, sizeof(a->results)) == 0);
  FUZZ_CHECK(a->jobs_done == b->jobs_done && a->running == b->running);
  FUZZ_CHECK(a->jobs_per_min == b->jobs_per_min);
  FUZZ_CHECK(a->job_count == b->job_count);
  for (size_t i = 0; i < a->job_count; i++) {
    FUZZ_CHECK(strcmp(a->jobs[i].client, b->jobs[i].client) == 0);
    FUZZ_CHECK(strcmp(a->jobs[i].source, b->jobs[i].source) == 0);
    FUZZ_CHECK(a->jobs[i].size == b->jobs[i].size);
    FUZZ_CHECK(a->jobs[i].phase == b->jobs[i].phase);
    FUZZ_CHECK(a->jobs[i].started == b->jobs[i].started);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  struct stats s        = { 0 };
  struct stats back     = { 0 };
  char         why[256] = "";
  char        *text;
  size_t       len;

  int r = stats_from_json((const char *)data, size, &s, why, sizeof(why));
  if (r < 0) {
    FUZZ_CHECK(r == -EBADMSG || r == -ENOMEM);
    FUZZ_CHECK(r == -ENOMEM || why[0]);
    return 0;
  }
  check_model(&s);
  r = stats_to_json(&s, &text, &len);
  FUZZ_CHECK(r == 0 || r == -ENOMEM);
  if (r == 0) {
    FUZZ_CHECK(json_utf8_valid(text, len));
    r = stats_from_json(text, len, &back, why, sizeof(why));
    if (r != 0) {
      fprintf(stderr, "own encoding refused: %s\n%s\n", why, text);
    }
    FUZZ_CHECK(r == 0 || r == -ENOMEM);
    if (r == 0) {
      check_same(&s, &back);
    }
    free(text);
  }
  stats_clear(&back);
  stats_clear(&s);
  return 0;
}
