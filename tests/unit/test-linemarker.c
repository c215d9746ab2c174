/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tests of the one reader of line markers (a table of lines gcc and clang
 * write and lines that are not markers, each read from a buffer of exactly
 * its length) and of the one rewriter (names given, escaped as gcc escapes
 * them, the rest of the text as it was). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "linemarker.h"
#include "macro.h"

#define ENTER  LINEMARKER_ENTER
#define LEAVE  LINEMARKER_LEAVE
#define SYSTEM LINEMARKER_SYSTEM
#define EXTERN LINEMARKER_EXTERN_C

/* clang-format off */
static const struct {
  const char *what;
  const char *line;
  size_t      len;     /* 0: strlen(line) */
  bool        marker;
  size_t      number;
  const char *name;
  size_t      name_len; /* 0: strlen(name) */
  unsigned    flags;
} cases[] = {
  { "gcc's main file", "# 1 \"x.c\"", 0, true, 1, "x.c", 0, 0 },
  { "with its newline", "# 12 \"x.c\"\n", 0, true, 12, "x.c", 0, 0 },
  { "a CRLF line (clang)", "# 2 \"x.c\" 3\r\n", 0, true, 2, "x.c", 0, SYSTEM },
  { "a pseudo file", "# 0 \"<built-in>\"", 0, true, 0, "<built-in>", 0, 0 },
  { "an empty name", "# 1 \"\"", 0, true, 1, "", 0, 0 },
  /* flags, in gcc's order */
  { "flag 1", "# 1 \"h.h\" 1", 0, true, 1, "h.h", 0, ENTER },
  { "flag 2", "# 3 \"x.c\" 2", 0, true, 3, "x.c", 0, LEAVE },
  { "flag 3", "# 1 \"s.h\" 3", 0, true, 1, "s.h", 0, SYSTEM },
  { "flags 3 4", "# 1 \"s.h\" 3 4", 0, true, 1, "s.h", 0, SYSTEM | EXTERN },
  { "flags 1 3 4 (gcc)", "# 1 \"s.h\" 1 3 4", 0, true, 1, "s.h", 0,
    ENTER | SYSTEM | EXTERN },
  { "flags 2 3 4", "# 9 \"s.h\" 2 3 4", 0, true, 9, "s.h", 0,
    LEAVE | SYSTEM | EXTERN },
  { "flags 1 3 (clang)", "# 1 \"s.h\" 1 3", 0, true, 1, "s.h", 0,
    ENTER | SYSTEM },
  { "flags out of order", "# 1 \"s.h\" 3 1", 0, false, 0, NULL, 0, 0 },
  { "flags 1 2", "# 1 \"s.h\" 1 2", 0, false, 0, NULL, 0, 0 },
  { "flag 4 alone", "# 1 \"s.h\" 4", 0, false, 0, NULL, 0, 0 },
  { "flags 1 4", "# 1 \"s.h\" 1 4", 0, false, 0, NULL, 0, 0 },
  { "flag 3 twice", "# 1 \"s.h\" 3 3", 0, false, 0, NULL, 0, 0 },
  { "flag 5", "# 1 \"s.h\" 5", 0, false, 0, NULL, 0, 0 },
  { "flag 0", "# 1 \"s.h\" 0", 0, false, 0, NULL, 0, 0 },
  { "flag 33", "# 1 \"s.h\" 33", 0, false, 0, NULL, 0, 0 },
  { "a space after the flags", "# 1 \"s.h\" 3 ", 0, false, 0, NULL, 0, 0 },
  { "a word after the name", "# 1 \"s.h\" x", 0, false, 0, NULL, 0, 0 },
  { "a flag without its space", "# 1 \"s.h\"3", 0, false, 0, NULL, 0, 0 },
  /* escapes */
  { "\\\" and \\\\ (gcc)", "# 1 \"a\\\"b\\\\c\"", 0, true, 1, "a\"b\\c", 0, 0 },
  { "a newline (gcc)", "# 1 \"n\\nl.h\" 1", 0, true, 1, "n\nl.h", 0, ENTER },
  { "octal (clang)", "# 1 \"\\303\\251/h.h\" 1", 0, true, 1, "\303\251/h.h",
    0, ENTER },
  { "octal of one and two digits", "# 1 \"\\101\\62\\7x\"", 0, true, 1,
    "A2\ax", 0, 0 },
  { "octal stops at three digits", "# 1 \"\\1012\"", 0, true, 1, "A2", 0, 0 },
  { "a tab and a return (clang)", "# 1 \"t\\tab\\015r\"", 0, true, 1,
    "t\tab\rr", 0, 0 },
  { "hex", "# 1 \"\\x41\\x0042\"", 0, true, 1, "AB", 0, 0 },
  { "letters for themselves", "# 1 \"\\q\\'\\?\"", 0, true, 1, "q'?", 0, 0 },
  { "octal past a byte", "# 1 \"\\400\"", 0, false, 0, NULL, 0, 0 },
  { "hex past a byte", "# 1 \"\\x100\"", 0, false, 0, NULL, 0, 0 },
  { "hex without digits", "# 1 \"\\xg\"", 0, false, 0, NULL, 0, 0 },
  { "a universal character name", "# 1 \"\\u00e9\"", 0, false, 0, NULL, 0, 0 },
  { "an escaped NUL", "# 1 \"a\\0b\"", 0, false, 0, NULL, 0, 0 },
  { "a NUL in the name", "# 1 \"a\0b\"", 9, false, 0, NULL, 0, 0 },
  { "raw bytes as they are (gcc)", "# 1 \"t\tab\303\251\"", 0, true, 1,
    "t\tab\303\251", 0, 0 },
  /* the line cut off at len */
  { "cut inside the name", "# 1 \"x.c\" 3", 7, false, 0, NULL, 0, 0 },
  { "cut before the flags", "# 1 \"x.c\" 3", 9, true, 1, "x.c", 0, 0 },
  { "cut between flags", "# 1 \"x.c\" 3 4", 11, true, 1, "x.c", 0, SYSTEM },
  { "cut at a flag's space", "# 1 \"x.c\" 3", 10, false, 0, NULL, 0, 0 },
  { "cut in the number", "# 12 \"x.c\"", 3, false, 0, NULL, 0, 0 },
  /* no closing quote */
  { "no closing quote", "# 1 \"x.c", 0, false, 0, NULL, 0, 0 },
  { "the closing quote escaped", "# 1 \"x.c\\\"", 0, false, 0, NULL, 0, 0 },
  { "a backslash last", "# 1 \"x.c\\", 0, false, 0, NULL, 0, 0 },
  { "no closing quote, a newline", "# 1 \"x.c\n", 0, false, 0, NULL, 0, 0 },
  /* other shapes */
  { "#line (neither compiler's marker)", "#line 5 \"x.c\"", 0, false, 0, NULL,
    0, 0 },
  { "no name", "# 5", 0, false, 0, NULL, 0, 0 },
  { "no number", "# \"x.c\"", 0, false, 0, NULL, 0, 0 },
  { "two spaces", "#  1 \"x.c\"", 0, false, 0, NULL, 0, 0 },
  { "no space after #", "#1 \"x.c\"", 0, false, 0, NULL, 0, 0 },
  { "no space before the name", "# 1\"x.c\"", 0, false, 0, NULL, 0, 0 },
  { "a directive", "#define A 1", 0, false, 0, NULL, 0, 0 },
  { "source", "int x;", 0, false, 0, NULL, 0, 0 },
  { "empty", "", 0, false, 0, NULL, 0, 0 },
  { "a number past 32 bits", "# 99999999999999999999 \"x.c\"", 0, true,
    LINEMARKER_NUMBER_MAX, "x.c", 0, 0 },
  { "the largest number", "# 4294967295 \"x.c\"", 0, true,
    LINEMARKER_NUMBER_MAX, "x.c", 0, 0 },
  { "one below it", "# 4294967294 \"x.c\"", 0, true, 4294967294u, "x.c", 0,
    0 },
};

/* clang-format on */

static void test_parse(void **state)
{
  (void)state;
  for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
    size_t len = cases[i].len ? cases[i].len : strlen(cases[i].line);
    /* exactly len bytes, no NUL after them */
    _cleanup_free_ char *line = malloc(len ? len : 1);
    struct linemarker    m    = { .name = NULL };
    assert_non_null(line);
    memcpy(line, cases[i].line, len);
    int r = linemarker_parse(line, len, &m);
    if (r != (cases[i].marker ? 1 : 0)) {
      fail_msg("case \"%s\": %d", cases[i].what, r);
    }
    if (!cases[i].marker) {
      assert_null(m.name);
      continue;
    }
    size_t name_len =
      cases[i].name_len ? cases[i].name_len : strlen(cases[i].name);
    if (m.number != cases[i].number || m.flags != cases[i].flags ||
        m.name_len != name_len || strlen(m.name) != name_len ||
        memcmp(m.name, cases[i].name, name_len) != 0) {
      fail_msg("case \"%s\": %zu \"%s\" flags %u", cases[i].what, m.number,
               m.name, m.flags);
    }
    if (m.name_at != strcspn(cases[i].line, "\"") + 1 || m.name_end >= len ||
        line[m.name_end] != '"') {
      fail_msg("case \"%s\": name at %zu to %zu", cases[i].what, m.name_at,
               m.name_end);
    }
    linemarker_done(&m);
  }
}

/* A very long line is read whole, to its length and no further. */
static void test_long_line(void **state)
{
  (void)state;
  size_t               n    = (size_t)1 << 20;
  _cleanup_free_ char *line = malloc(n + 16);
  struct linemarker    m;

  assert_non_null(line);
  memcpy(line, "# 7 \"", 5);
  memset(line + 5, 'a', n);
  memcpy(line + 5 + n, "\" 1 3", 5);
  assert_int_equal(linemarker_parse(line, n + 10, &m), 1);
  assert_int_equal(m.number, 7);
  assert_int_equal(m.name_len, n);
  assert_int_equal(strlen(m.name), n);
  assert_int_equal(m.flags, ENTER | SYSTEM);
  linemarker_done(&m);
  /* without its closing quote, or as the source it might be */
  assert_int_equal(linemarker_parse(line, n + 5, &m), 0);
  line[1] = 'x';
  assert_int_equal(linemarker_parse(line, n + 10, &m), 0);
  /* digits all the way */
  memset(line + 2, '9', n);
  memcpy(line + 2 + n, " \"x\"", 4);
  line[1] = ' ';
  assert_int_equal(linemarker_parse(line, n + 6, &m), 1);
  assert_int_equal(m.number, LINEMARKER_NUMBER_MAX);
  assert_string_equal(m.name, "x");
  linemarker_done(&m);
}

/* The test's rename: each name in pairs[0], pairs[2], ... becomes the
 * next; "fail" fails. */
static int rename_pairs(const struct linemarker *marker, void *userdata,
                        char **ret_name)
{
  const char *const *pairs = userdata;

  if (strcmp(marker->name, "fail") == 0) {
    return -EIO;
  }
  for (size_t i = 0; pairs[i]; i += 2) {
    if (strcmp(marker->name, pairs[i]) == 0) {
      *ret_name = strdup(pairs[i + 1]);
      return *ret_name ? 0 : -ENOMEM;
    }
  }
  return 0;
}

static int rename_same(const struct linemarker *marker, void *userdata,
                       char **ret_name)
{
  (void)userdata;
  *ret_name = strdup(marker->name);
  return *ret_name ? 0 : -ENOMEM;
}

/* clang-format off */
static const struct {
  const char         *what;
  const char         *in;
  const char         *out;
  linemarker_rename_fn rename;
} rewrites[] = {
  { "a name renamed, its flags and the rest kept",
    "# 1 \"x.c\"\nint x;\n# 1 \"k.h\" 1 3 4\n# 2 \"x.c\" 2\n#line 3 \"x.c\"\n",
    "# 1 \"/j/x.c\"\nint x;\n# 1 \"k.h\" 1 3 4\n# 2 \"/j/x.c\" 2\n"
    "#line 3 \"x.c\"\n", rename_pairs },
  { "escaped as gcc escapes",
    "# 1 \"h.h\" 1\n# 1 \"x.c\"",
    "# 1 \"a\\\"b\\\\c\\nd\\re\tf\303\251\" 1\n# 1 \"/j/x.c\"", rename_pairs },
  { "a CRLF line keeps its end",
    "# 1 \"x.c\" 3\r\nint x;\r\n",
    "# 1 \"/j/x.c\" 3\r\nint x;\r\n", rename_pairs },
  { "escapes read, then matched",
    "# 1 \"\\170.c\"\n# 1 \"x.c",
    "# 1 \"/j/x.c\"\n# 1 \"x.c", rename_pairs },
  { "gcc's own escapes come back as they were",
    "# 1 \"a\\\"b\\\\c\\nd\tf\303\251\" 1 3 4\n",
    "# 1 \"a\\\"b\\\\c\\nd\tf\303\251\" 1 3 4\n", rename_same },
  { "clang's escapes in gcc's form",
    "# 1 \"t\\tab\\303\\251\\015\" 1 3\n",
    "# 1 \"t\tab\303\251\\r\" 1 3\n", rename_same },
  { "not markers: kept",
    "# 1 \"x.c\" 5\n# 1 \"x.c\n#  1 \"x.c\"\n",
    "# 1 \"x.c\" 5\n# 1 \"x.c\n#  1 \"x.c\"\n", rename_same },
};

/* clang-format on */

static const char *const pairs[] = {
  "x.c", "/j/x.c", "h.h", "a\"b\\c\nd\re\tf\303\251", NULL,
};

static void test_rewrite(void **state)
{
  (void)state;
  for (size_t i = 0; i < ARRAY_SIZE(rewrites); i++) {
    _cleanup_free_ char *out = NULL;
    size_t               len = 0;
    int r = linemarker_rewrite(rewrites[i].in, strlen(rewrites[i].in),
                               rewrites[i].rename, (void *)pairs, &out, &len);
    if (r != 0 || len != strlen(rewrites[i].out) ||
        memcmp(out, rewrites[i].out, len) != 0) {
      fail_msg("case \"%s\": %d \"%.*s\"", rewrites[i].what, r, (int)len,
               out ? out : "");
    }
  }
}

/* An empty text is NULL; the rename's error ends the rewrite. */
static void test_rewrite_edges(void **state)
{
  (void)state;
  char  *out = (char *)"unset";
  size_t len = 1;

  assert_int_equal(
    linemarker_rewrite("", 0, rename_pairs, (void *)pairs, &out, &len), 0);
  assert_null(out);
  assert_int_equal(len, 0);
  const char *in = "# 1 \"x.c\"\n# 2 \"fail\"\n";
  out            = (char *)"unset";
  assert_int_equal(
    linemarker_rewrite(in, strlen(in), rename_pairs, (void *)pairs, &out, &len),
    -EIO);
  assert_string_equal(out, "unset");
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_parse),
    cmocka_unit_test(test_long_line),
    cmocka_unit_test(test_rewrite),
    cmocka_unit_test(test_rewrite_edges),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
