/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tests of the comment filter for gcc's expanded text (cppstrip.h): what
 * stays (fall-through marks, literals, line numbers), what goes, and the
 * edges: literals that hold comment marks, escapes, text cut short, and a
 * memory file filtered in place. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "cppstrip.h"
#include "macro.h"

static const struct {
  const char *in;
  const char *out;
} cases[] = {
  { "int a; /* a comment */ int b;\n",           "int a;   int b;\n"            },
  { "int a; // to the end\nint b;\n",            "int a;  \nint b;\n"           },
  { "/* two\nlines */x\n",                       " \nx\n"                       },
  { "case 1: f(); /* falls through */\ncase 2:",
   "case 1: f(); /* falls through */\ncase 2:"                                  },
  { "f(); // FALLTHRU\n",                        "f(); // FALLTHRU\n"           },
  { "f(); /* -fallthrough */",                   "f(); /* -fallthrough */"      },
  { "f(); /* Fall Through. */",                  "f(); /* Fall Through. */"     },
  { "s = \"/* not a comment */\";",              "s = \"/* not a comment */\";" },
  { "s = \"a\\\"/* x */\" /* y */;",             "s = \"a\\\"/* x */\"  ;"      },
  { "c = '/'; d = '\\''; /* z */",               "c = '/'; d = '\\'';  "        },
  { "x / y /= 2;",                               "x / y /= 2;"                  },
  { "# 1 \"a.c\"\n/* c */\n",                    "# 1 \"a.c\"\n \n"             },
  { "a /* cut short",                            "a  "                          },
  { "a // no newline",                           "a  "                          },
  { "s = \"cut short",                           "s = \"cut short"              },
  { "/",                                         "/"                            },
  { "",                                          ""                             },
};

static void test_cases(void **state)
{
  (void)state;
  for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
    size_t len  = strlen(cases[i].in);
    char  *text = malloc(len ? len : 1); /* no NUL after it */
    assert_non_null(text);
    memcpy(text, cases[i].in, len);
    size_t n = cppstrip_comments(text, len);
    if (n != strlen(cases[i].out) || memcmp(text, cases[i].out, n) != 0) {
      fail_msg("case %zu: \"%.*s\", expected \"%s\"", i, (int)n, text,
               cases[i].out);
    }
    free(text);
  }
}

/* The line count never changes. */
static void test_lines_kept(void **state)
{
  char   text[] = "a /* 1\n2\n3 */ b // 4\nc \"5\n\" /* 6\n*/\n";
  size_t lines = 0, after = 0;

  (void)state;
  for (char *p = text; *p; p++) {
    lines += *p == '\n';
  }
  size_t n = cppstrip_comments(text, strlen(text));
  for (size_t i = 0; i < n; i++) {
    after += text[i] == '\n';
  }
  assert_int_equal(after, lines);
}

static void test_file(void **state)
{
  static const char in[]  = "int a; /* x */ /* fallthrough */\n";
  static const char out[] = "int a;   /* fallthrough */\n";
  char              got[sizeof(in)];
  int               fd = memfd_create("test-cppstrip", MFD_CLOEXEC);

  (void)state;
  assert_true(fd >= 0);
  assert_int_equal(write(fd, in, sizeof(in) - 1), (ssize_t)sizeof(in) - 1);
  assert_int_equal(cppstrip_file(fd), 0);
  assert_int_equal(lseek(fd, 0, SEEK_END), (off_t)sizeof(out) - 1);
  assert_int_equal(pread(fd, got, sizeof(got), 0), (ssize_t)sizeof(out) - 1);
  assert_memory_equal(got, out, sizeof(out) - 1);
  close(fd);
  fd = memfd_create("test-cppstrip-empty", MFD_CLOEXEC);
  assert_int_equal(cppstrip_file(fd), 0);
  close(fd);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_cases),
    cmocka_unit_test(test_lines_kept),
    cmocka_unit_test(test_file),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
