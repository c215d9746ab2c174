/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: the scan of a text's guards the daemon makes before it
 * decides to check -Wmisleading-indentation (indentscan.h). The first byte
 * gives the tab width (0 too, which the scan must answer "maybe" for) and
 * -Wsystem-headers; the rest is the text. Beyond crashes and the caps'
 * bounds: a verdict is 0, 1 or -ENOMEM; a "maybe" names a line of the
 * text (or the one after its end); the same text gets the same verdict
 * twice. */

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fuzz-check.h"
#include "indentscan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t lines_of(const uint8_t *data, size_t size)
{
  size_t n = 1;

  for (size_t i = 0; i < size; i++) {
    n += data[i] == '\n';
  }
  return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (size < 1) {
    return 0;
  }
  struct indentscan_opts opts = { .tab_width      = data[0] % 17,
                                  .system_headers = data[0] & 0x80 };
  const char            *text = (const char *)data + 1;
  size_t                 len = size - 1, line = 0;
  int                    r = indentscan_text(text, len, &opts, &line);

  FUZZ_CHECK(r == 0 || r == 1 || r == -ENOMEM);
  FUZZ_CHECK(r != 1 || (line >= 1 && line <= lines_of(data + 1, len)));
  FUZZ_CHECK(opts.tab_width || r != 0);
  opts.system_headers = data[0] & 0x80;
  if (r != -ENOMEM) {
    int again = indentscan_text(text, len, &opts, &line);
    FUZZ_CHECK(again == r || again == -ENOMEM);
  }
  return 0;
}
