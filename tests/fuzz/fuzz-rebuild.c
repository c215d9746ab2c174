/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: the files a daemon rebuilds from the clang
 * -frewrite-includes text a client sends (rebuild.h), and the sizes' line
 * that ends it. Beyond crashes: what rebuilds has the names
 * rebuild_names gives, in the same order (the client states sizes in that
 * order); a skipped #include names one of the files as its includer; no
 * file is longer than the text; each fits its own size, and
 * one line end less when it ends in one; the sizes of the files, written
 * as a sizes' line after the text, read back as they were. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz-check.h"
#include "macro.h"
#include "rebuild.h"
#include "strv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_sizes_line(const uint64_t *sizes, size_t count)
{
  char     *line = NULL, *body = NULL;
  size_t    len = 0, text_len = 0, got_count = 0;
  uint64_t *got = NULL;

  FUZZ_CHECK(rebuild_sizes_line(sizes, count, &line, &len) == 0);
  body = malloc(len + 2);
  FUZZ_CHECK(body);
  memcpy(body, "x\n", 2);
  memcpy(body + 2, line, len);
  FUZZ_CHECK(rebuild_sizes_split(body, len + 2, &text_len, &got, &got_count) ==
             0);
  FUZZ_CHECK(text_len == 2 && got_count == count);
  FUZZ_CHECK(count == 0 || memcmp(got, sizes, count * sizeof(*sizes)) == 0);
  free(got);
  free(body);
  free(line);
}

static void check_rebuild(const char *text, size_t size)
{
  struct rebuild rebuild;
  char         **names = NULL;

  if (rebuild_files(text, size, &rebuild) < 0) {
    FUZZ_CHECK(rebuild.files == NULL && rebuild.count == 0);
    return;
  }
  FUZZ_CHECK(rebuild_names(text, size, &names) == 0);
  FUZZ_CHECK(strv_length(names) == rebuild.count);
  for (size_t i = 0; i < rebuild.skip_count; i++) {
    /* a skipped #include names its includer and a name of its own */
    FUZZ_CHECK(rebuild.skips[i].includer < rebuild.count);
    FUZZ_CHECK(rebuild.skips[i].name && rebuild.skips[i].name[0]);
  }
  uint64_t *sizes = calloc(rebuild.count + 1, sizeof(*sizes));
  FUZZ_CHECK(sizes);
  for (size_t i = 0; i < rebuild.count; i++) {
    const struct rebuild_file *file = &rebuild.files[i];
    FUZZ_CHECK(strcmp(names[i], file->name) == 0);
    FUZZ_CHECK(file->len <= size);
    bool ends_in_newline = file->len && file->text[file->len - 1] == '\n';
    sizes[i]             = file->len - (ends_in_newline ? 1 : 0);
  }
  /* one line end less fits, the last one dropped; then the sizes hold */
  FUZZ_CHECK(rebuild_fit(&rebuild, sizes, rebuild.count) == 0);
  for (size_t i = 0; i < rebuild.count; i++) {
    FUZZ_CHECK(rebuild.files[i].len == sizes[i]);
  }
  FUZZ_CHECK(rebuild_fit(&rebuild, sizes, rebuild.count + 1) < 0);
  check_sizes_line(sizes, rebuild.count);
  free(sizes);
  strv_free(names);
  rebuild_clear(&rebuild);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  const char *text     = (const char *)data;
  size_t      text_len = 0, count = 0;
  uint64_t   *sizes = NULL;

  check_rebuild(text, size);
  if (rebuild_sizes_split(text, size, &text_len, &sizes, &count) == 0) {
    FUZZ_CHECK(text_len < size && count <= size);
    free(sizes);
  }
  return 0;
}
