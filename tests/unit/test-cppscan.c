/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tests of the mending of gcc -fdirectives-only text: each case writes a
 * source file, gives the text gcc 12 writes for it, and the text and
 * preprocessor words that must come out. "@F@" stands for the file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "cppscan.h"
#include "io.h"
#include "macro.h"

/* clang-format off */
static const struct {
  const char *name;
  const char *source;
  const char *text;   /* what gcc wrote */
  const char *want;   /* what goes to the server */
  const char *err;    /* the preprocessor's words */
  const char *err_want;
  bool        lost;
} cases[] = {
  { "a #define put back as written",
    "#define  A(x,  y)  x /* c */\nint a;\n",
    "# 1 \"@F@\"\n#define A(x,y) x\nint a;\n",
    "# 1 \"@F@\"\n#define  A(x,  y)  x /* c */\nint a;\n", "", "", false },
  { "continuation lines too, for the blank lines gcc wrote",
    "#define B(x) \\\n  (x)\nint b;\n",
    "# 1 \"@F@\"\n#define B(x) (x)\n\nint b;\n",
    "# 1 \"@F@\"\n#define B(x) \\\n  (x)\nint b;\n", "", "", false },
  { "not a comment that goes on below (its line's indentation is put back)",
    "#define C 1 /* a\n  b */\nint c;\n",
    "# 1 \"@F@\"\n#define C 1\n\nint c;\n",
    "# 1 \"@F@\"\n#define C 1\n  //\nint c;\n", "", "", false },
  { "a skipped block's lines: their indentation, for gcc's unindent test",
    "int f(int a) {\n  if (a)\n    a++;\n#if 0\n  x\n\n#endif\n    a--;\n}\n",
    "# 1 \"@F@\"\nint f(int a) {\n  if (a)\n    a++;\n\n\n\n\n    a--;\n}\n",
    "# 1 \"@F@\"\nint f(int a) {\n  if (a)\n    a++;\n//\n  //\n\n//\n    a--;\n}\n",
    "", "", false },
  { "not when the source line is another",
    "int d;\n#define D 1\n",
    "# 1 \"@F@\"\n#define D 1\n",
    "# 1 \"@F@\"\n#define D 1\n", "", "", false },
  { "a lost #pragma message put back",
    "int e;\n#pragma message \"hi\"\nint f;\n",
    "# 1 \"@F@\"\nint e;\nint f;\n",
    "# 1 \"@F@\"\nint e;\n#pragma message \"hi\"\nint f;\n", "", "", false },
  { "a pragma in a skipped block is not put back",
    "#if 0\n#pragma message \"no\"\n#endif\nint g;\n",
    "# 1 \"@F@\"\n\n\n\nint g;\n",
    "# 1 \"@F@\"\n//\n//\n//\nint g;\n", "", "", false },
  { "a pragma lost at the end: preprocess fully",
    "int h;\n#pragma redefine_extname a b\n",
    "# 1 \"@F@\"\nint h;\n",
    NULL, "", "", true },
  { "the redefinition is the server's to say",
    "#define X 1\n#define X 2\nint x = X;\n",
    "# 1 \"@F@\"\n#define X 1\n#define X 2\nint x = X;\n",
    "# 1 \"@F@\"\n#define X 1\n#define X 2\nint x = X;\n",
    "@F@:2: warning: \"X\" redefined\n    2 | #define X 2\n      | \n"
    "@F@:1: note: this is the location of the previous definition\n"
    "    1 | #define X 1\n      | \n"
    "@F@:3:2: warning: #warning kept [-Wcpp]\n",
    "@F@:3:2: warning: #warning kept [-Wcpp]\n", false },
};

/* clang-format on */

static char *with_file(const char *s, const char *file)
{
  size_t len = 1;
  for (const char *p = s; *p; p++) {
    len += strncmp(p, "@F@", 3) == 0 ? strlen(file) : 1;
  }
  char *out = malloc(len), *o = out;
  assert_non_null(out);
  for (const char *p = s; *p;) {
    if (strncmp(p, "@F@", 3) == 0) {
      o = stpcpy(o, file);
      p += 3;
    } else {
      *o++ = *p++;
    }
  }
  *o = '\0';
  return out;
}

static int memfd_with(const char *s)
{
  int fd = memfd_create("test", MFD_CLOEXEC);
  assert_true(fd >= 0);
  assert_int_equal(io_write_all(fd, s, strlen(s), -1), 0);
  return fd;
}

static char *contents(int fd)
{
  char  *buf;
  size_t len;
  assert_true(lseek(fd, 0, SEEK_SET) == 0);
  assert_int_equal(io_read_fd(fd, 1 << 20, &buf, &len), 0);
  return buf;
}

static void test_mend(void **state)
{
  (void)state;
  char dir[] = "/tmp/test-cppscan-XXXXXX";
  assert_non_null(mkdtemp(dir));
  for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
    _cleanup_free_ char *file = NULL;
    assert_true(asprintf(&file, "%s/src%zu.c", dir, i) > 0);
    assert_int_equal(
      io_write_file_atomic(file, cases[i].source, strlen(cases[i].source)), 0);
    _cleanup_free_ char *text = with_file(cases[i].text, file);
    _cleanup_free_ char *err  = with_file(cases[i].err, file);
    int                  fd   = memfd_with(text);
    int                  efd  = memfd_with(err);
    bool                 lost = !cases[i].lost;
    assert_int_equal(cppscan_mend(&fd, efd, &lost), 0);
    if (lost != cases[i].lost) {
      fail_msg("case \"%s\": lost %d", cases[i].name, lost);
    }
    _cleanup_free_ char *got     = contents(fd);
    _cleanup_free_ char *got_err = contents(efd);
    _cleanup_free_ char *want =
      with_file(cases[i].want ? cases[i].want : cases[i].text, file);
    _cleanup_free_ char *want_err = with_file(cases[i].err_want, file);
    if (strcmp(got, want) != 0) {
      fail_msg("case \"%s\": text \"%s\"", cases[i].name, got);
    }
    if (!cases[i].lost && strcmp(got_err, want_err) != 0) {
      fail_msg("case \"%s\": words \"%s\"", cases[i].name, got_err);
    }
    close(fd);
    close(efd);
    unlink(file);
  }
  rmdir(dir);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_mend),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
