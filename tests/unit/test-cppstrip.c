/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tests of the comment filter for gcc's expanded text (cppstrip.h): what
 * stays (fall-through marks, literals, line numbers), what goes, the
 * blank runs it leaves made markers, and the
 * edges: literals that hold comment marks, escapes, text cut short, and a
 * memory file filtered in place. */
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

#include "cppstrip.h"
#include "macro.h"

/* A text the comment filter is given, and what it is to give. */
struct filter_case {
  const char *in;
  const char *out;
};

static const struct filter_case cases[] = {
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

/* filter on a copy of in (no NUL after it) gives out; what says which. */
static void check_filter(size_t (*filter)(char *, size_t), const char *what,
                         const char *in, const char *out)
{
  size_t len  = strlen(in);
  char  *text = malloc(len ? len : 1);

  assert_non_null(text);
  memcpy(text, in, len);
  size_t n = filter(text, len);
  if (n != strlen(out) || memcmp(text, out, n) != 0) {
    fail_msg("%s: \"%.*s\", expected \"%s\"", what, (int)n, text, out);
  }
  free(text);
}

/* cppstrip_comments on each of table[0..n); label names the table. */
static void check_comment_cases(const struct filter_case *table, size_t n,
                                const char *label)
{
  for (size_t i = 0; i < n; i++) {
    char what[32];
    snprintf(what, sizeof(what), "%s %zu", label, i);
    check_filter(cppstrip_comments, what, table[i].in, table[i].out);
  }
}

static void test_cases(void **state)
{
  (void)state;
  check_comment_cases(cases, ARRAY_SIZE(cases), "case");
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

/* The blank lines the comments leave: a run longer than a marker is one
 * marker, as gcc -E writes (flags 3 and 4 kept, 1 and 2 not), a run
 * before a marker goes, as does a marker that only resyncs before
 * another; what a kept comment holds, a run before any marker and a
 * marker that names another file stay. */
#define TEN_BLANK "\n\n\n\n\n\n\n\n\n\n"

static const struct filter_case blank_runs[] = {
  { "# 1 \"a.c\"\n/* 1 */\n/* 2 */\n" TEN_BLANK "int x;\n",
   "# 1 \"a.c\"\n# 13 \"a.c\"\nint x;\n"                                                                                                  },
  { "# 1 \"/usr/include/s.h\" 1 3 4\n" TEN_BLANK TEN_BLANK TEN_BLANK
    " \t\nint x;\n",                                         "# 1 \"/usr/include/s.h\" 1 3 4\n# 32 \"/usr/include/s.h\" 3 4\nint x;\n" },
  { "# 1 \"a.c\"\nint y;\n" TEN_BLANK "# 40 \"a.c\"\nint x;\n",
   "# 1 \"a.c\"\nint y;\n# 40 \"a.c\"\nint x;\n"                                                                                          },
  { "# 1 \"a.c\"\nint y;\n# 5 \"a.c\"\n# 9 \"a.c\"\nint x;\n",
   "# 1 \"a.c\"\nint y;\n# 9 \"a.c\"\nint x;\n"                                                                                           },
  { "# 1 \"a.c\"\n# 1 \"b.c\"\n# 3 \"b.c\" 1\nint x;\n",
   "# 1 \"a.c\"\n# 1 \"b.c\"\n# 3 \"b.c\" 1\nint x;\n"                                                                                    },
  { "# 1 \"a.c\"\n/* falls through" TEN_BLANK "*/\nint x;\n",
   "# 1 \"a.c\"\n/* falls through" TEN_BLANK "*/\nint x;\n"                                                                               },
  { "# 1 \"a.c\"\n\n\nint x;\n",                                "# 1 \"a.c\"\n\n\nint x;\n"                                               },
  { TEN_BLANK "int x;\n",                                       TEN_BLANK "int x;\n"                                                      },
  { "# 1 \"a.c\"\nint x;\n" TEN_BLANK,                          "# 1 \"a.c\"\nint x;\n" TEN_BLANK                                         },
};

static void test_blank_runs(void **state)
{
  (void)state;
  check_comment_cases(blank_runs, ARRAY_SIZE(blank_runs), "blank run");
}

/* A system header's comments alone on their lines go (their newlines
 * stay); everything else of the text stays as it is. */
#define SYS "# 1 \"/usr/include/s.h\" 1 3 4\n"
#define USR "# 2 \"a.c\" 2\n"

static const struct {
  const char *name, *in, *out;
} system_cases[] = {
  { "alone on its line",                     SYS "  /* doc */  \nint a;\n",             SYS "\nint a;\n"     },
  { "over lines",                            SYS "/* one\n * two\n */\nint a;\n",       SYS "\n\n\nint a;\n" },
  { "a // comment",                          SYS "\t// doc\nint a;\n",                  SYS "\nint a;\n"     },
  { "beside a token: kept",                  SYS "int a; /* x */\n/* y */ int b;\n",
   SYS "int a; /* x */\n/* y */ int b;\n"                                                                    },
  { "a comment begun on code",               SYS "int a; /* x\n/* y */\nint b;\n",
   SYS "int a; /* x\n/* y */\nint b;\n"                                                                      },
  { "the source's own: kept",                SYS "int a;\n" USR "/* mine */\nint b;\n",
   SYS "int a;\n" USR "/* mine */\nint b;\n"                                                                 },
  { "a fall through: kept",                  SYS "  /* FALLTHRU */\n",
   SYS "  /* FALLTHRU */\n"                                                                                  },
  { "in a literal: kept",                    SYS "s = \"/* x */\";\n/* y */\n",
   SYS "s = \"/* x */\";\n\n"                                                                                },
  { "a literal cut at its line: none after", SYS "s = \"\n/* x */\";\n",
   SYS "s = \"\n/* x */\";\n"                                                                                },
  { "after a // splice: none",               SYS "// a \\\n/* x */\n/* y */\n",
   SYS "// a \\\n/* x */\n/* y */\n"                                                                         },
  { "after a raw string: none",              SYS "auto s = R\"(\n)\";\n/* x */\n",
   SYS "auto s = R\"(\n)\";\n/* x */\n"                                                                      },
  { "a new section: again",                  SYS "// a \\\n/* x */\n" SYS "/* y */\n",
   SYS "// a \\\n/* x */\n" SYS "\n"                                                                         },
  { "a marker inside a comment",             SYS "/* x\n# 3 \"a.c\"\n*/\n/* y */\n",
   SYS "\n\n\n\n"                                                                                            },
  { "cut short",                             SYS "/* open",                             SYS ""               },
  { "no marker yet",                         "/* x */\n",                               "/* x */\n"          },
};

static void test_system_comments(void **state)
{
  (void)state;
  for (size_t i = 0; i < ARRAY_SIZE(system_cases); i++) {
    check_filter(cppstrip_system_comments, system_cases[i].name,
                 system_cases[i].in, system_cases[i].out);
  }
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
    cmocka_unit_test(test_cases),      cmocka_unit_test(test_lines_kept),
    cmocka_unit_test(test_blank_runs), cmocka_unit_test(test_system_comments),
    cmocka_unit_test(test_file),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
