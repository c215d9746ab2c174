/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tests of the files rebuilt without line markers from gcc's
 * -fdirectives-only text: one file per inclusion, each line at its own
 * number, the #include of the next where the includer had its own (a
 * system header's through the -isystem directory); the command line's
 * macros and includes as options; what the text cannot be rebuilt from
 * (the source's own #line, two lines at one number, a name a prefix map
 * cannot hold) refused with its line; the words given the client's names
 * back. */
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

#include "fixture.h"
#include "io.h"
#include "macro.h"
#include "strv.h"
#include "wordtree.h"

/* The tree of text (len bytes) under dir, parsed and written. */
static struct wordtree *written(const char *dir, const char *text, size_t len)
{
  struct wordtree *tree = NULL;
  size_t           line;

  assert_int_equal(wordtree_parse(dir, text, len, &tree, &line), 0);
  assert_int_equal(wordtree_write(tree), 0);
  return tree;
}

/* The file dir/nm/N.h holds want. */
static void file_is(const char *dir, unsigned n, const char *want)
{
  _cleanup_free_ char *path = NULL, *buf = NULL;
  size_t               len = 0;

  assert_true(asprintf(&path, "%s/nm/%u.h", dir, n) > 0);
  assert_int_equal(io_read_file(path, 1 << 20, &buf, &len), 0);
  if (len != strlen(want) || memcmp(buf, want, len) != 0) {
    print_error("%s is\n%.*s\nwant\n%s\n", path, (int)len, buf, want);
    fail();
  }
}

/* The text as gcc 12 writes it (the built-in file left out, as the
 * server's filter leaves it): the command line's macros and
 * stdc-predef.h, a header, a system header, a skipped block. */
static const char text[] = "# 0 \"x.c\"\n"
                           "# 0 \"<command-line>\"\n"
                           "#define A 1\n"
                           "#define F(a,b) a + b\n"
                           "#undef B\n"
                           "# 1 \"/usr/include/stdc-predef.h\" 1 3 4\n"
                           "#define __STDC_IEC_559__ 1\n"
                           "# 0 \"<command-line>\" 2\n"
                           "# 1 \"x.c\"\n"
                           "# 1 \"sub/h.h\" 1\n"
                           "\n"
                           "int h;\n"
                           "# 2 \"x.c\" 2\n"
                           "# 1 \"/usr/include/s.h\" 1 3 4\n"
                           "int s;\n"
                           "# 3 \"x.c\" 2\n"
                           "int main(void)\n"
                           "{\n"
                           "# 9 \"x.c\"\n"
                           "  return 0;\n"
                           "}\n";

static void test_build(void **state)
{
  const char          *dir       = *state;
  struct wordtree     *tree      = written(dir, text, strlen(text));
  _cleanup_free_ char *main_path = NULL;
  assert_true(asprintf(&main_path, "%s/nm/0.h", dir) > 0);
  assert_string_equal(wordtree_main(tree), main_path);
  /* 0: x.c, 1: stdc-predef.h, 2: sub/h.h, 3: s.h */
  _cleanup_free_ char *want = NULL;
  assert_true(asprintf(&want,
                       "#include \"%s/nm/2.h\"\n"
                       "#include <3.h>\n"
                       "int main(void)\n"
                       "{\n"
                       "\n\n\n\n"
                       "  return 0;\n"
                       "}\n",
                       dir) > 0);
  file_is(dir, 0, want);
  file_is(dir, 1, "#define __STDC_IEC_559__ 1\n");
  file_is(dir, 2, "\nint h;\n");
  file_is(dir, 3, "int s;\n");

  _cleanup_strv_free_ char **argv = NULL;
  assert_int_equal(wordtree_push_options(tree, &argv), 0);
  _cleanup_free_ char *joined       = strv_join(argv);
  _cleanup_free_ char *want_options = NULL;
  assert_true(
    asprintf(&want_options,
             "-DA=1 -DF(a,b)=a + b -UB -isystem %s/nm -include 1.h "
             "-fmacro-prefix-map=%s/nm/0.h=x.c "
             "-fmacro-prefix-map=%s/nm/1.h=/usr/include/stdc-predef.h "
             "-fmacro-prefix-map=%s/nm/2.h=sub/h.h "
             "-fmacro-prefix-map=%s/nm/3.h=/usr/include/s.h",
             dir, dir, dir, dir, dir) > 0);
  assert_string_equal(joined, want_options);
  wordtree_free(tree);
}

/* The words of a compile of the files, the client's names put back: a
 * path of the tree wherever it stands, in colour too; a path that only
 * looks like one (another number, another directory) stays. */
static void test_unname(void **state)
{
  const char          *dir   = *state;
  struct wordtree     *tree  = written(dir, text, strlen(text));
  _cleanup_free_ char *words = NULL, *want = NULL;
  assert_true(asprintf(&words,
                       "In file included from %s/nm/0.h:1:\n"
                       "\033[01m\033[K%s/nm/2.h:2:5:\033[m\033[K warning\n"
                       "%s/nm/3.h:1: note\n%s/nm/9.h %s/nm/22.h %s/nmx/1.h "
                       "%s/nm/1.hh",
                       dir, dir, dir, dir, dir, dir, dir) > 0);
  assert_true(asprintf(&want,
                       "In file included from x.c:1:\n"
                       "\033[01m\033[Ksub/h.h:2:5:\033[m\033[K warning\n"
                       "/usr/include/s.h:1: note\n%s/nm/9.h %s/nm/22.h "
                       "%s/nmx/1.h /usr/include/stdc-predef.hh",
                       dir, dir, dir) > 0);
  size_t len = strlen(words);
  assert_int_equal(wordtree_unname(tree, &words, &len), 0);
  assert_int_equal(len, strlen(want));
  assert_memory_equal(words, want, len);
  wordtree_free(tree);
}

/* What the files cannot be rebuilt from, refused with the line. */
static void test_refused(void **state)
{
  static const struct {
    const char *text;
    size_t      line;
  } cases[] = {
    /* the source's own #line: another name, or back */
    { "# 1 \"x.c\"\nint a;\n# 1 \"gram.y\"\nint b;\n",       3 },
    { "# 1 \"x.c\"\nint a;\nint b;\n# 2 \"x.c\"\nint c;\n",  4 },
    /* the includer's line taken before the header returns */
    { "# 1 \"x.c\"\n# 1 \"h.h\" 1\nint h;\n# 1 \"x.c\" 2\n", 4 },
    /* a return to another file than the includer */
    { "# 1 \"x.c\"\n# 1 \"h.h\" 1\nint h;\n# 2 \"y.c\" 2\n", 4 },
    /* a return with nothing entered */
    { "# 1 \"x.c\"\n# 2 \"x.c\" 2\n",                        2 },
    /* a name gcc's prefix map cannot hold */
    { "# 1 \"x.c\"\n# 1 \"a=b.h\" 1\n",                      2 },
    /* more blank lines than the caps */
    { "# 1 \"x.c\"\n# 4294967295 \"x.c\"\nint a;\n",         3 },
    /* a header never left, no main file */
    { "# 1 \"x.c\"\n# 1 \"h.h\" 1\nint h;\n",                4 },
    { "# 0 \"<command-line>\"\n#define A 1\n",               3 },
  };

  for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
    struct wordtree *tree = NULL;
    size_t           line = 0;
    int r = wordtree_parse(*state, cases[i].text, strlen(cases[i].text), &tree,
                           &line);
    if (r != -EILSEQ || line != cases[i].line) {
      print_error("case %zu: %d at line %zu, want -EILSEQ at %zu\n", i, r, line,
                  cases[i].line);
      fail();
    }
    assert_null(tree);
  }
}

/* A text without its last newline, and a line marker of CRLF text. */
static void test_line_ends(void **state)
{
  static const char in[] = "# 1 \"x.c\"\r\nint a;\r\n# 3 \"x.c\"\nint b;";
  struct wordtree  *tree = written(*state, in, strlen(in));

  file_is(*state, 0, "int a;\r\n\nint b;\n");
  wordtree_free(tree);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(test_build, fixture_dir_make,
                                    fixture_dir_remove),
    cmocka_unit_test_setup_teardown(test_unname, fixture_dir_make,
                                    fixture_dir_remove),
    cmocka_unit_test_setup_teardown(test_refused, fixture_dir_make,
                                    fixture_dir_remove),
    cmocka_unit_test_setup_teardown(test_line_ends, fixture_dir_make,
                                    fixture_dir_remove),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
