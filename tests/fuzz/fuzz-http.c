/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: a stats port's whole HTTP reply as herdcc-top and
 * herdcc-monitor read it (stats_from_http: the status line, the headers,
 * a 403's reason, then the JSON document). The input is the reply's
 * bytes, in a buffer of exactly their length with no NUL after it, as the
 * GTK monitor hands it over: the reader must go by the length alone. A
 * reply is refused with a reason, or decodes into a model. */

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz-check.h"
#include "statsfetch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  struct stats s        = { 0 };
  char         why[256] = "";
  char        *exact    = malloc(size ? size : 1);

  if (!exact) {
    return 0;
  }
  memcpy(exact, data, size);
  int r = stats_from_http(exact, size, &s, why, sizeof(why));
  if (r < 0) {
    FUZZ_CHECK(r == -EBADMSG || r == -ENOMEM || r == -EACCES ||
               r == -ECONNRESET);
    FUZZ_CHECK(r == -ENOMEM || why[0]);
  }
  FUZZ_CHECK(memchr(why, '\0', sizeof(why)) != NULL);
  stats_clear(&s);
  free(exact);
  return 0;
}
