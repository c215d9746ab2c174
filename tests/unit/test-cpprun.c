/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tests of the preprocessor's words that the server says again: the lines
 * that name a program (not a source) and that the server's words hold are
 * dropped; every other line stands, in its order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "cpprun.h"
#include "io.h"
#include "macro.h"

/* What is left of words (the preprocessor's) once the server said server. */
static char *left_of_as(const char *words, const char *server,
                        bool only_programs)
{
  struct cpprun cpp  = { .err_fd = memfd_create("test-cpprun", MFD_CLOEXEC) };
  char         *left = NULL;
  size_t        len;

  assert_true(cpp.err_fd >= 0);
  assert_int_equal(io_write_all(cpp.err_fd, words, strlen(words), -1), 0);
  assert_int_equal(
    cpprun_drop_repeated(&cpp, server, strlen(server), only_programs), 0);
  assert_int_equal(lseek(cpp.err_fd, 0, SEEK_SET), 0);
  assert_int_equal(io_read_fd(cpp.err_fd, 1 << 20, &left, &len), 0);
  close(cpp.err_fd);
  return left ? left : strdup("");
}

static char *left_of(const char *words, const char *server)
{
  return left_of_as(words, server, false);
}

static const char option[] =
  "cc1: warning: command-line option '-Wctor-dtor-privacy' is valid for "
  "C++/ObjC++ but not for C\n";

static void test_option_said_once(void **state)
{
  (void)state;
  _cleanup_free_ char *server = NULL;
  assert_true(
    asprintf(&server, "%sx.c:3:5: warning: unused [-Wunused]\n", option) > 0);
  _cleanup_free_ char *left = left_of(option, server);
  assert_string_equal(left, "");
}

/* A source's words stand, even when the server's hold the same line; so
 * does a program's line the server did not say. */
static void test_others_stand(void **state)
{
  (void)state;
  const char           words[]  = "x.c:5:2: warning: #warning \"old\" [-Wcpp]\n"
                                  "    5 | #warning \"old\"\n"
                                  "gcc: warning: only here\n"
                                  "x.c: In function 'f':\n"
                                  "<command-line>: warning: \"X\" redefined\n";
  const char           server[] = "x.c:5:2: warning: #warning \"old\" [-Wcpp]\n"
                                  "x.c: In function 'f':\n"
                                  "<command-line>: warning: \"X\" redefined\n";
  _cleanup_free_ char *left     = left_of(words, server);
  assert_string_equal(left, "x.c:5:2: warning: #warning \"old\" [-Wcpp]\n"
                            "    5 | #warning \"old\"\n"
                            "gcc: warning: only here\n"
                            "x.c: In function 'f':\n");
}

/* A line is matched whole: a longer server line is not it. */
static void test_whole_lines(void **state)
{
  (void)state;
  _cleanup_free_ char *left =
    left_of("cc1: note: a\n", "cc1: note: ab\nxcc1: note: a\n");
  assert_string_equal(left, "cc1: note: a\n");
  _cleanup_free_ char *none = left_of("cc1: note: a\n", "");
  assert_string_equal(none, "cc1: note: a\n");
}

/* clang's text: the server says the source's words again, so only the
 * driver's lines of the preprocessor stand, and not those the server's
 * driver said too. */
static void test_only_programs(void **state)
{
  (void)state;
  const char words[] =
    "clang: warning: -lm: 'linker' input unused "
    "[-Wunused-command-line-argument]\n"
    "clang: warning: argument unused during compilation: '-pthread' "
    "[-Wunused-command-line-argument]\n"
    "x.c:1:2: warning: hi [-W#warnings]\n"
    "#warning hi\n"
    " ^\n";
  const char server[] =
    "clang: warning: argument unused during compilation: '-pthread' "
    "[-Wunused-command-line-argument]\n"
    "x.c:1:2: warning: hi [-W#warnings]\n";
  _cleanup_free_ char *left = left_of_as(words, server, true);
  assert_string_equal(left, "clang: warning: -lm: 'linker' input unused "
                            "[-Wunused-command-line-argument]\n");
  _cleanup_free_ char *none = left_of_as("x.c:1:2: warning: hi\n", "", true);
  assert_string_equal(none, "");
}

/* What clang's preprocessor said of an #if its text evaluated is said
 * again by no server: found; a #warning the server said too, the driver's
 * lines and the count are not. */
static void test_said_more(void **state)
{
  (void)state;
  const char undef[]  = "x.c:1:5: warning: 'FOO' is not defined, evaluates "
                        "to 0 [-Wundef]\n#if FOO\n    ^\n1 warning generated.\n";
  const char again[]  = "x.c:2:2: warning: hi [-W#warnings]\n#warning hi\n ^\n"
                        "clang: warning: -lm: 'linker' input unused\n"
                        "2 warnings generated.\n";
  const char server[] = "x.c:2:2: warning: hi [-W#warnings]\n#warning hi\n ^\n"
                        "1 warning generated.\n";
  struct cpprun cpp   = { .err_fd = memfd_create("test-cpprun", MFD_CLOEXEC) };

  assert_true(cpp.err_fd >= 0);
  assert_int_equal(io_write_all(cpp.err_fd, undef, strlen(undef), -1), 0);
  assert_true(cpprun_said_more(&cpp, server, strlen(server)));
  assert_true(cpprun_said_more(&cpp, "", 0));
  assert_int_equal(ftruncate(cpp.err_fd, 0), 0);
  assert_int_equal(lseek(cpp.err_fd, 0, SEEK_SET), 0);
  assert_int_equal(io_write_all(cpp.err_fd, again, strlen(again), -1), 0);
  assert_false(cpprun_said_more(&cpp, server, strlen(server)));
  close(cpp.err_fd);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_option_said_once),
    cmocka_unit_test(test_others_stand),
    cmocka_unit_test(test_only_programs),
    cmocka_unit_test(test_said_more),
    cmocka_unit_test(test_whole_lines),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
