/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tests of the source files rebuilt from preprocessed text: which names
 * are written where, with which lines, and which are left out; the files
 * named absolutely, rebuilt below the job's root for them, the text that
 * names them there and the words given the client's names back. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "io.h"
#include "macro.h"
#include "srcfiles.h"

static char *tmp_dir(void)
{
  char *dir = strdup("/tmp/test-srcfiles-XXXXXX");
  assert_non_null(dir);
  assert_non_null(mkdtemp(dir));
  return dir;
}

static char *read_at(const char *dir, const char *name)
{
  _cleanup_free_ char *path = NULL;
  char                *buf  = NULL;
  size_t               len;

  assert_true(asprintf(&path, "%s/%s", dir, name) > 0);
  if (io_read_file(path, 1 << 20, &buf, &len) < 0) {
    return NULL;
  }
  return buf;
}

static void remove_tree(const char *dir)
{
  _cleanup_free_ char *cmd = NULL;
  assert_true(asprintf(&cmd, "rm -rf '%s'", dir) > 0);
  assert_int_equal(system(cmd), 0);
}

static const char text[] = "# 0 \"x.c\"\n"
                           "# 0 \"<built-in>\"\n"
                           "int builtin_line;\n"
                           "# 1 \"x.c\"\n"
                           "int a;\n"
                           "# 1 \"../inc/h.h\" 1\n"
                           "\tint h(void);\n"
                           "# 3 \"../inc/h.h\"\n"
                           "int h3;\n"
                           "# 3 \"x.c\" 2\n"
                           "int c;\n"
                           "# 1 \"/usr/include/abs.h\" 1 3 4\n"
                           "int abs_line;\n"
                           "# 1 \"sub/../../escape.h\" 1\n"
                           "int escape;\n"
                           "# 1 \"./sub//deep.h\" 1\n"
                           "int deep;";

static void check_tree(const char *dir, const char *cwd)
{
  _cleanup_free_ char *want_cwd = NULL;
  assert_true(asprintf(&want_cwd, "%s/src/d", dir) > 0);
  assert_string_equal(cwd, want_cwd);

  _cleanup_free_ char *x = read_at(cwd, "x.c");
  assert_non_null(x);
  assert_string_equal(x, "int a;\n\nint c;\n");
  _cleanup_free_ char *h = read_at(dir, "src/inc/h.h");
  assert_non_null(h);
  assert_string_equal(h, "\tint h(void);\n\nint h3;\n");
  _cleanup_free_ char *deep = read_at(cwd, "sub/deep.h");
  assert_non_null(deep);
  assert_string_equal(deep, "int deep;\n");
  /* absolute, pseudo and escaping names are left out */
  assert_null(read_at(dir, "src/escape.h"));
  assert_null(read_at(dir, "escape.h"));
  assert_null(read_at(cwd, "usr/include/abs.h"));
}

static void test_rebuild(void **state)
{
  (void)state;
  for (size_t step = 1; step <= sizeof(text); step += 5) {
    _cleanup_free_ char *dir   = tmp_dir();
    _cleanup_free_ char *cwd   = NULL;
    struct srcfiles     *files = srcfiles_new();
    assert_non_null(files);
    for (size_t at = 0; at < sizeof(text) - 1; at += step) {
      size_t n = sizeof(text) - 1 - at < step ? sizeof(text) - 1 - at : step;
      assert_int_equal(srcfiles_feed(files, text + at, n), 0);
    }
    assert_int_equal(srcfiles_feed(files, "\n", 1), 0);
    assert_int_equal(srcfiles_write(files, dir, &cwd), 0);
    check_tree(dir, cwd);
    srcfiles_free(files);
    remove_tree(dir);
  }
}

/* Line numbers past the cap and absurd ones are not kept. */
static void test_caps(void **state)
{
  (void)state;
  _cleanup_free_ char *dir   = tmp_dir();
  _cleanup_free_ char *cwd   = NULL;
  struct srcfiles     *files = srcfiles_new();
  const char           big[] = "# 99999999999999999999 \"big.c\"\nint x;\n"
                               "# 2 \"big.c\"\nint y;\n";

  assert_int_equal(srcfiles_feed(files, big, strlen(big)), 0);
  assert_int_equal(srcfiles_write(files, dir, &cwd), 0);
  _cleanup_free_ char *b = read_at(cwd, "big.c");
  assert_non_null(b);
  assert_string_equal(b, "\nint y;\n");
  srcfiles_free(files);
  remove_tree(dir);
}

static const char abs_text[] =
  "# 0 \"/src/p/x.c\"\n"
  "# 0 \"<built-in>\"\n"
  "# 1 \"/src/p/x.c\"\n"
  "int a;\n"
  "# 1 \"/usr/include/sys.h\" 1 3 4\n"
  "int sys;\n"
  "# 1 \"/src/p/odd\\\\name.h\" 1\n" /* escaped: still rooted */
  "int odd;\n"
  "# 1 \"/src/p/../up.h\" 1\n" /* not plain: left as it is */
  "int up;\n"
  "# 1 \"/src/p//twice.h\" 1\n"
  "int twice;\n"
  "# 1 \"rel.h\" 1\n"
  "int rel;\n"
  "# 3 \"/src/p/x.c\" 2\n"
  "int c;\n";

/* Only a plain absolute name that is no system header asks for a second
 * compile; a text naming only system headers does not. */
static void test_saw_absolute(void **state)
{
  (void)state;
  static const char sys_only[] = "# 0 \"x.c\"\n"
                                 "# 1 \"/usr/include/sys.h\" 1 3 4\n"
                                 "int sys;\n"
                                 "# 1 \"/src/../bad.h\" 1\n"
                                 "int bad;\n";
  struct srcfiles  *files      = srcfiles_new();

  assert_int_equal(srcfiles_feed(files, sys_only, strlen(sys_only)), 0);
  assert_false(srcfiles_saw_absolute(files));
  assert_int_equal(srcfiles_feed(files, abs_text, strlen(abs_text)), 0);
  assert_true(srcfiles_saw_absolute(files));
  srcfiles_free(files);
}

static void test_absolute(void **state)
{
  (void)state;
  _cleanup_free_ char *dir = tmp_dir();

  assert_int_equal(srcfiles_write_absolute(dir, abs_text, strlen(abs_text)), 0);
  _cleanup_free_ char *x = read_at(dir, "a/src/p/x.c");
  assert_non_null(x);
  assert_string_equal(x, "int a;\n\nint c;\n");
  _cleanup_free_ char *sys = read_at(dir, "a/usr/include/sys.h");
  assert_non_null(sys);
  assert_string_equal(sys, "int sys;\n");
  _cleanup_free_ char *odd = read_at(dir, "a/src/p/odd\\name.h");
  assert_non_null(odd);
  assert_string_equal(odd, "int odd;\n");
  assert_null(read_at(dir, "a/src/up.h"));
  assert_null(read_at(dir, "a/src/p/twice.h"));
  assert_null(read_at(dir, "a/rel.h"));

  /* the text names the rebuilt files; a name that is not plain stays */
  _cleanup_free_ char *rooted = NULL, *want = NULL;
  size_t               len;
  assert_int_equal(
    srcfiles_root_text(dir, abs_text, strlen(abs_text), &rooted, &len), 0);
  assert_true(asprintf(&want,
                       "# 0 \"%1$s/a/src/p/x.c\"\n"
                       "# 0 \"<built-in>\"\n"
                       "# 1 \"%1$s/a/src/p/x.c\"\n"
                       "int a;\n"
                       "# 1 \"%1$s/a/usr/include/sys.h\" 1 3 4\n"
                       "int sys;\n"
                       "# 1 \"%1$s/a/src/p/odd\\\\name.h\" 1\n"
                       "int odd;\n"
                       "# 1 \"/src/p/../up.h\" 1\n"
                       "int up;\n"
                       "# 1 \"/src/p//twice.h\" 1\n"
                       "int twice;\n"
                       "# 1 \"rel.h\" 1\n"
                       "int rel;\n"
                       "# 3 \"%1$s/a/src/p/x.c\" 2\n"
                       "int c;\n",
                       dir) > 0);
  assert_int_equal(len, strlen(want));
  assert_memory_equal(rooted, want, len);
  remove_tree(dir);
}

/* What the rooted compile says names the client's files again. */
static void test_unroot(void **state)
{
  (void)state;
  const char          *dir = "/tmp/job";
  _cleanup_free_ char *words =
    strdup("In file included from /tmp/job/a/src/p/x.c:2:\n"
           "/tmp/job/a/src/p/h.h:1:5: warning: x\n"
           "/tmp/job/ab/c.c: /tmp/job/a:2 /tmp/job/a/");
  size_t len = strlen(words);

  assert_int_equal(srcfiles_unroot(dir, words, &len), 0);
  assert_int_equal(len, strlen("In file included from /src/p/x.c:2:\n"
                               "/src/p/h.h:1:5: warning: x\n"
                               "/tmp/job/ab/c.c: /tmp/job/a:2 /"));
  assert_memory_equal(words,
                      "In file included from /src/p/x.c:2:\n"
                      "/src/p/h.h:1:5: warning: x\n"
                      "/tmp/job/ab/c.c: /tmp/job/a:2 /",
                      len);
}

/* A job directory a marker cannot hold as it is roots nothing. */
static void test_unmarkable_dir(void **state)
{
  (void)state;
  char  *rooted = NULL;
  size_t len;

  assert_int_equal(
    srcfiles_root_text("/tmp/a\"b", abs_text, strlen(abs_text), &rooted, &len),
    -EINVAL);
  assert_int_equal(srcfiles_write_absolute("/tmp/a\\b", abs_text, 10), -EINVAL);
  assert_null(rooted);
}

/* The markers as linemarker reads them: names unescaped as C strings,
 * flag 3 among any of gcc's flags and at a CRLF line's end, no "#line"
 * and no marker cut off before its closing quote. */
static void test_marker_forms(void **state)
{
  (void)state;
  static const char    forms[] = "# 1 \"t\\tab\\101.h\" 1\n"
                                 "int tab;\n"
                                 "# 1 \"q\\\"b\\\\s.h\" 1\n"
                                 "int quote;\n"
                                 "#line 1 \"line.h\"\n"
                                 "int after_line;\n"
                                 "# 1 \"open.h\n"
                                 "int after_open;\n"
                                 "# 1 \"/usr/include/s.h\" 2 3 4\r\n"
                                 "int sys;\n"
                                 "# 1 \"/usr/include/c.h\" 3\r\n"
                                 "int crlf;\n";
  _cleanup_free_ char *dir     = tmp_dir();
  _cleanup_free_ char *cwd     = NULL;
  struct srcfiles     *files   = srcfiles_new();

  assert_int_equal(srcfiles_feed(files, forms, strlen(forms)), 0);
  assert_false(srcfiles_saw_absolute(files)); /* both are system headers */
  assert_int_equal(srcfiles_write(files, dir, &cwd), 0);
  _cleanup_free_ char *tab = read_at(cwd, "t\tabA.h");
  assert_non_null(tab);
  assert_string_equal(tab, "int tab;\n");
  _cleanup_free_ char *quote = read_at(cwd, "q\"b\\s.h");
  assert_non_null(quote);
  /* (a file's lines are kept in a table of doubling size: blank after) */
  const char want[] = "int quote;\n#line 1 \"line.h\"\nint after_line;\n"
                      "# 1 \"open.h\nint after_open;\n";
  assert_true(strlen(quote) >= strlen(want));
  assert_memory_equal(quote, want, strlen(want));
  assert_null(read_at(cwd, "line.h"));
  assert_null(read_at(cwd, "open.h"));
  srcfiles_free(files);
  remove_tree(dir);
}

/* A rooted name is written escaped as gcc escapes it, whatever escapes
 * it came with (clang's octal); one with a NUL is no marker's. */
static void test_root_escapes(void **state)
{
  (void)state;
  static const char    in[]   = "# 1 \"/p/\\303\\251\\t\\\"x.c\" 1 3\r\n"
                                "# 2 \"/p/a\\0b.c\"\n";
  _cleanup_free_ char *rooted = NULL;
  size_t               len;

  assert_int_equal(
    srcfiles_root_text("/tmp/job", in, strlen(in), &rooted, &len), 0);
  const char want[] = "# 1 \"/tmp/job/a/p/\303\251\t\\\"x.c\" 1 3\r\n"
                      "# 2 \"/p/a\\0b.c\"\n";
  assert_int_equal(len, strlen(want));
  assert_memory_equal(rooted, want, len);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_rebuild),      cmocka_unit_test(test_caps),
    cmocka_unit_test(test_saw_absolute), cmocka_unit_test(test_absolute),
    cmocka_unit_test(test_unroot),       cmocka_unit_test(test_unmarkable_dir),
    cmocka_unit_test(test_marker_forms), cmocka_unit_test(test_root_escapes),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
