/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tests of the -fdirectives-only text filter: each case is fed whole, then
 * byte by byte (lines split across every boundary), and must give the
 * same text and working directory both ways. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cpptext.h"
#include "macro.h"

/* clang-format off */
static const struct {
  const char *name;
  const char *in;
  const char *out;
  const char *cwd;
} cases[] = {
  { "gcc 12 head",
    "# 0 \"x.c\"\n# 1 \"/src/dir//\"\n# 0 \"<built-in>\"\n#define __STDC__ 1\n"
    "# 0 \"<built-in>\"\n#define __GNUC__ 12\n# 0 \"<command-line>\"\n"
    "#define X 1\n# 1 \"x.c\"\nint x = X;\n",
    "# 0 \"x.c\"\n# 0 \"<command-line>\"\n#define X 1\n# 1 \"x.c\"\nint x = X;\n",
    "/src/dir" },
  { "quoted directory",
    "# 0 \"x.c\"\n# 1 \"/a \\\"b\\\\c\\101//\"\nint x;\n",
    "# 0 \"x.c\"\nint x;\n",
    "/a \"b\\cA" },
  { "no directory: the second line stays",
    "# 0 \"x.c\"\n# 0 \"<built-in>\"\n#define A 1\nint x;\n",
    "# 0 \"x.c\"\nint x;\n",
    NULL },
  { "a relative directory is not one",
    "# 0 \"x.c\"\n# 1 \"dir//\"\n",
    "# 0 \"x.c\"\n# 1 \"dir//\"\n",
    NULL },
  { "a built-in marker before other text stays",
    "a\nb\n# 0 \"<built-in>\"\nint y;\n# 0 \"<built-in>\"\n",
    "a\nb\n# 0 \"<built-in>\"\nint y;\n# 0 \"<built-in>\"\n",
    NULL },
  { "only the marker line itself",
    "a\nb\n# 0 \"<built-in>\" 1\n#define A\n",
    "a\nb\n# 0 \"<built-in>\" 1\n#define A\n",
    NULL },
  { "no newline at the end",
    "# 0 \"x.c\"\n# 1 \"/d//\"\nint x;",
    "# 0 \"x.c\"\nint x;",
    "/d" },
  { "a directory marker with flags is not one",
    "# 0 \"x.c\"\n# 1 \"/d//\" 1\n",
    "# 0 \"x.c\"\n# 1 \"/d//\" 1\n",
    NULL },
  { "nor one with a NUL",
    "# 0 \"x.c\"\n# 1 \"/d\\0e//\"\n",
    "# 0 \"x.c\"\n# 1 \"/d\\0e//\"\n",
    NULL },
  { "nor one cut off before its quote",
    "# 0 \"x.c\"\n# 1 \"/d//",
    "# 0 \"x.c\"\n# 1 \"/d//",
    NULL },
  { "the root directory",
    "# 0 \"x.c\"\n# 1 \"///\"\nint x;\n",
    "# 0 \"x.c\"\nint x;\n",
    "/" },
  { "empty", "", "", NULL },
};

/* clang-format on */

struct collected {
  char  *text;
  size_t len;
};

static void append(struct collected *c, const char *out, size_t len)
{
  c->text = realloc(c->text, c->len + len + 1);
  assert_non_null(c->text);
  if (len > 0) {
    memcpy(c->text + c->len, out, len);
  }
  c->len += len;
  c->text[c->len] = '\0';
}

static void check(size_t i, size_t step)
{
  struct cpptext  *text = cpptext_new();
  struct collected got  = { .text = strdup("") };
  size_t           len  = strlen(cases[i].in);
  const char      *out;
  size_t           out_len;

  assert_non_null(text);
  for (size_t at = 0; at < len; at += step) {
    size_t n = len - at < step ? len - at : step;
    assert_int_equal(
      cpptext_feed(text, cases[i].in + at, n, false, &out, &out_len), 0);
    append(&got, out, out_len);
  }
  assert_int_equal(cpptext_feed(text, NULL, 0, true, &out, &out_len), 0);
  append(&got, out, out_len);
  if (strcmp(got.text, cases[i].out) != 0) {
    fail_msg("case \"%s\" (step %zu): got \"%s\"", cases[i].name, step,
             got.text);
  }
  const char *cwd = cpptext_cwd(text);
  if (!cpptext_head_done(text) || (cwd == NULL) != (cases[i].cwd == NULL) ||
      (cwd && strcmp(cwd, cases[i].cwd) != 0)) {
    fail_msg("case \"%s\" (step %zu): directory \"%s\"", cases[i].name, step,
             cwd ? cwd : "(none)");
  }
  free(got.text);
  cpptext_free(text);
}

static void test_filter(void **state)
{
  (void)state;
  for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
    check(i, 1 << 20);
    check(i, 1);
    check(i, 7);
  }
}

/* The head is done at the second line, before the rest arrives. */
static void test_head_early(void **state)
{
  (void)state;
  struct cpptext *text = cpptext_new();
  const char     *out;
  size_t          out_len;
  const char     *in = "# 0 \"x.c\"\n# 1 \"/w//\"\nint";

  assert_int_equal(cpptext_feed(text, in, 12, false, &out, &out_len), 0);
  assert_false(cpptext_head_done(text));
  assert_int_equal(
    cpptext_feed(text, in + 12, strlen(in) - 12, false, &out, &out_len), 0);
  assert_true(cpptext_head_done(text));
  assert_string_equal(cpptext_cwd(text), "/w");
  cpptext_free(text);
}

/* gcc -g3: the command line's macros leave the text as options, in their
 * order; a line of another shape after the marker stays. */
static void test_lift_command_line(void **state)
{
  (void)state;
  static const char in[] =
    "# 0 \"x.c\"\n# 1 \"/w//\"\n"
    "# 0 \"<command-line>\"\n#define FOO 2\n"
    "# 0 \"<command-line>\"\n#undef BAR\n"
    "# 0 \"<command-line>\"\n#define F(a,b) a+b\n"
    "# 0 \"<command-line>\"\n#define E \n"
    "# 0 \"<command-line>\"\n# 1 \"/usr/include/stdc-predef.h\" 1 3 4\n"
    "# 0 \"<command-line>\" 2\n# 1 \"x.c\"\nint x;\n";
  static const char want[] =
    "# 0 \"x.c\"\n"
    "# 0 \"<command-line>\"\n# 1 \"/usr/include/stdc-predef.h\" 1 3 4\n"
    "# 0 \"<command-line>\" 2\n# 1 \"x.c\"\nint x;\n";
  static const char *const opts[] = { "-DFOO=2", "-UBAR", "-DF(a,b)=a+b",
                                      "-DE=" };
  struct cpptext          *text   = cpptext_new();
  struct collected         got    = { .text = strdup("") };
  const char              *out;
  size_t                   out_len;

  assert_non_null(text);
  cpptext_lift_command_line(text);
  for (size_t at = 0; at < sizeof(in) - 1; at += 5) {
    size_t n = sizeof(in) - 1 - at < 5 ? sizeof(in) - 1 - at : 5;
    assert_int_equal(cpptext_feed(text, in + at, n, false, &out, &out_len), 0);
    append(&got, out, out_len);
  }
  assert_int_equal(cpptext_feed(text, NULL, 0, true, &out, &out_len), 0);
  append(&got, out, out_len);
  assert_string_equal(got.text, want);
  char *const *lifted = cpptext_command_line(text);
  assert_non_null(lifted);
  for (size_t i = 0; i < ARRAY_SIZE(opts); i++) {
    assert_non_null(lifted[i]);
    assert_string_equal(lifted[i], opts[i]);
  }
  assert_null(lifted[ARRAY_SIZE(opts)]);
  free(got.text);
  cpptext_free(text);
}

/* clang-format off */
static const struct {
  const char *name;
  const char *in;
  const char *out;
} renames[] = {
  { "the main file's markers, flags and line ends kept",
    "# 0 \"/s/x.c\"\n# 1 \"/s/x.c\"\nint x;\n# 1 \"/s/h.h\" 1\n"
    "# 2 \"/s/x.c\" 2\r\n# 3 \"/s/x.c\"",
    "# 0 \"/j/x.c\"\n# 1 \"/j/x.c\"\nint x;\n# 1 \"/s/h.h\" 1\n"
    "# 2 \"/j/x.c\" 2\r\n# 3 \"/j/x.c\"" },
  { "the name read through its escapes",
    "# 1 \"/s/\\170.c\" 1 3 4\n",
    "# 1 \"/j/x.c\" 1 3 4\n" },
  { "only that name, and only in markers",
    "# 1 \"/s/x.c.h\"\n# 1 \"/s/x\"\n#line 1 \"/s/x.c\"\n"
    "# 1 \"/s/x.c\" 9\n# 1 \"/s/x.c\nint a = \"/s/x.c\";\n",
    "# 1 \"/s/x.c.h\"\n# 1 \"/s/x\"\n#line 1 \"/s/x.c\"\n"
    "# 1 \"/s/x.c\" 9\n# 1 \"/s/x.c\nint a = \"/s/x.c\";\n" },
  { "empty", "", NULL },
};

/* clang-format on */

/* cpptext_rename_file renames the markers of one name, as linemarker
 * reads them, and nothing else. */
static void test_rename_file(void **state)
{
  (void)state;
  for (size_t i = 0; i < ARRAY_SIZE(renames); i++) {
    _cleanup_free_ char *out = NULL;
    size_t               len = 0;
    assert_int_equal(cpptext_rename_file(renames[i].in, strlen(renames[i].in),
                                         "/s/x.c", "/j/x.c", &out, &len),
                     0);
    if ((out == NULL) != (renames[i].out == NULL) ||
        (out && (len != strlen(renames[i].out) ||
                 memcmp(out, renames[i].out, len) != 0))) {
      fail_msg("case \"%s\": \"%.*s\"", renames[i].name, (int)len,
               out ? out : "");
    }
  }
  /* a new name is escaped as gcc escapes it */
  _cleanup_free_ char *out = NULL;
  size_t               len;
  assert_int_equal(
    cpptext_rename_file("# 1 \"x.c\"\n", 10, "x.c", "/j/a\"b\\c", &out, &len),
    0);
  assert_int_equal(len, strlen("# 1 \"/j/a\\\"b\\\\c\"\n"));
  assert_memory_equal(out, "# 1 \"/j/a\\\"b\\\\c\"\n", len);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_filter),
    cmocka_unit_test(test_head_early),
    cmocka_unit_test(test_lift_command_line),
    cmocka_unit_test(test_rename_file),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
