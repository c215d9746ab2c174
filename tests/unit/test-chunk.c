/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tests of where a source is cut into chunks (chunk.h): the bounds, the
 * same cuts for the same bytes, and equal text meeting in equal chunks
 * after an edit before it, as the server's chunk store needs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "chunk.h"
#include "macro.h"
#include "sha256.h"

/* Text like a header's: lines of C from a fixed pseudo-random choice. */
static char *make_text(size_t len, unsigned seed)
{
  static const char *const lines[] = {
    "extern int printf (const char *__restrict __format, ...);\n",
    "# 42 \"/usr/include/stdio.h\" 3 4\n",
    "typedef unsigned long size_t;\n",
    "#define LUA_IDSIZE 60\n",
    "  if (l_unlikely(!ttisnil(o))) return luaH_get(t, key);\n",
    "\n",
    "struct lua_State { CommonHeader; lu_byte status; };\n",
  };
  char    *text = malloc(len + 1);
  uint32_t x    = seed;

  assert_non_null(text);
  for (size_t at = 0; at < len;) {
    x              = x * 1103515245u + 12345u;
    const char *ln = lines[(x >> 16) % ARRAY_SIZE(lines)];
    size_t      n  = strlen(ln) < len - at ? strlen(ln) : len - at;
    memcpy(text + at, ln, n);
    at += n;
    if (at < len && ((x >> 8) & 3) == 0) {
      text[at++] = (char)('a' + (x >> 24) % 26); /* not only repeats */
    }
  }
  text[len] = '\0';
  return text;
}

/* The cuts of buf, as ends, into ends (at most max); their count. */
static size_t cuts(const char *buf, size_t len, size_t *ends, size_t max)
{
  size_t n = 0;

  for (size_t at = 0; at < len && n < max;) {
    size_t c = chunk_cut(buf + at, len - at);
    assert_true(c > 0);
    assert_true(c <= CHUNK_MAX);
    assert_true(c >= CHUNK_MIN || at + c == len);
    at += c;
    ends[n++] = at;
  }
  return n;
}

static void test_bounds(void **state)
{
  char *text                 = make_text(1 << 20, 1);
  char  zeros[3 * CHUNK_MAX] = { 0 };

  (void)state;
  assert_int_equal(chunk_cut(text, 0), 0);
  assert_int_equal(chunk_cut(text, 1), 1);
  assert_int_equal(chunk_cut(text, CHUNK_MIN), CHUNK_MIN);
  size_t ends[2048];
  size_t n = cuts(text, 1 << 20, ends, ARRAY_SIZE(ends));
  assert_int_equal(ends[n - 1], 1 << 20);
  /* about 2 KiB past the minimum on average: neither one per minimum nor
     one per maximum */
  assert_true(n > (1 << 20) / (CHUNK_MIN + 8192));
  assert_true(n < (1 << 20) / CHUNK_MIN);
  /* a run of one byte never matches: cut at the maximum */
  assert_int_equal(chunk_cut(zeros, sizeof(zeros)), CHUNK_MAX);
  free(text);
}

/* An edit near the start of a text: after a few chunks the cuts are the
 * same as the unedited text's, so its chunks are the same. */
static void test_resync(void **state)
{
  size_t len  = 256 * 1024;
  char  *text = make_text(len, 7);
  char  *edit = malloc(len + 100);
  size_t a[1024], b[1024];

  (void)state;
  assert_non_null(edit);
  memcpy(edit, "int added_by_an_edit;\n", 22);
  memcpy(edit + 22, text + 10, len - 10);
  size_t na     = cuts(text, len, a, ARRAY_SIZE(a));
  size_t nb     = cuts(edit, len + 12, b, ARRAY_SIZE(b));
  size_t shared = 0;
  for (size_t i = 0, j = 0; i < na && j < nb;) {
    size_t bj = b[j] - 12; /* b's ends in a's offsets */
    if (a[i] == bj) {
      shared++, i++, j++;
    } else if (a[i] < bj) {
      i++;
    } else {
      j++;
    }
  }
  assert_true(shared + 3 >= na);
  free(text);
  free(edit);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_bounds),
    cmocka_unit_test(test_resync),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
