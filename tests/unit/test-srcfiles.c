/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tests of the source files rebuilt from preprocessed text: which names
 * are written where, with which lines, and which are left out. */
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

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_rebuild),
    cmocka_unit_test(test_caps),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
