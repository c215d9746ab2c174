/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: the files without line markers the daemon rebuilds
 * from the text a client sends (wordtree.h), read, not written. Beyond
 * crashes: a tree has its main file, each file's path below the tree's
 * directory; its options hold a prefix map per file; the flattened text
 * keeps every line or blanks it; and the words that
 * name every path of the tree come back with the client's names only
 * (no path of the tree left), whatever else they hold. */

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz-check.h"
#include "macro.h"
#include "membuf.h"
#include "strv.h"
#include "wordtree.h"

#define FUZZ_DIR "/nonexistent/job"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Words naming the main file and every path of the tree the options map,
 * each after a byte of the input. */
static void check_unname(const struct wordtree *tree, char *const *options,
                         const uint8_t *data, size_t size)
{
  struct membuf words = { 0 };
  size_t        k     = 0;

  FUZZ_CHECK(
    membuf_add(&words, wordtree_main(tree), strlen(wordtree_main(tree))) == 0);
  for (size_t i = 0; options && options[i]; i++) {
    const char *map = "-fmacro-prefix-map=";
    if (strncmp(options[i], map, strlen(map)) != 0) {
      continue;
    }
    const char *path = options[i] + strlen(map);
    const char *eq   = strrchr(path, '=');
    FUZZ_CHECK(eq && strncmp(path, FUZZ_DIR "/nm/", 16) == 0);
    FUZZ_CHECK(
      membuf_add(&words, k < size ? &data[k++] : (const uint8_t *)":", 1) == 0);
    FUZZ_CHECK(membuf_add(&words, path, (size_t)(eq - path)) == 0);
  }
  size_t len = words.len;
  FUZZ_CHECK(wordtree_unname(tree, &words.data, &len) == 0);
  FUZZ_CHECK(!words.data || !memmem(words.data, len, FUZZ_DIR "/nm/", 16) ||
             memmem(data, size, FUZZ_DIR "/nm/", 16));
  free(words.data);
}

/* The flattened text has as many newlines, each line as it was or blank. */
static void check_flatten(const uint8_t *data, size_t size)
{
  char  *flat = NULL;
  size_t len = 0, in_lines = 0, out_lines = 0;

  FUZZ_CHECK(wordtree_flatten((const char *)data, size, &flat, &len) == 0);
  FUZZ_CHECK(len <= size + 1);
  for (size_t i = 0; i < size; i++) {
    in_lines += data[i] == '\n';
  }
  for (size_t i = 0; i < len; i++) {
    out_lines += flat[i] == '\n';
  }
  FUZZ_CHECK(out_lines == in_lines || out_lines == in_lines + 1);
  free(flat);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  struct wordtree *tree = NULL;
  size_t           line = 0;

  check_flatten(data, size);
  int r = wordtree_parse(FUZZ_DIR, (const char *)data, size, &tree, &line);

  if (r < 0) {
    FUZZ_CHECK(!tree && (r == -EILSEQ || r == -ENOMEM));
    return 0;
  }
  FUZZ_CHECK(strncmp(wordtree_main(tree), FUZZ_DIR "/nm/", 16) == 0);
  _cleanup_strv_free_ char **options = NULL;
  FUZZ_CHECK(wordtree_push_options(tree, &options) == 0);
  check_unname(tree, options, data, size);
  wordtree_free(tree);
  return 0;
}
