/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tests of the scan that decides whether gcc could say
 * -Wmisleading-indentation of a text (indentscan.h). Each gcc row's text
 * is what gcc 12 -fdirectives-only writes for a small source (a #define
 * on lines of its own as the source has it, which the client puts back),
 * and its verdict what gcc 12 -Wmisleading-indentation said of that
 * source: the
 * scan must say "maybe" wherever gcc warns, and "no" for the sources
 * here where gcc does not. Then what only the scan can be asked: system
 * headers and their macros, -Wsystem-headers, text it cannot read, and
 * the line it names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "indentscan.h"
#include "macro.h"

struct scan_case {
  const char *name;
  unsigned    tab_width;
  bool        system_headers;
  bool        maybe;
  const char *text;
};

static void check_case(const struct scan_case *c)
{
  struct indentscan_opts opts = { .tab_width      = c->tab_width,
                                  .system_headers = c->system_headers };
  size_t                 line = 0;
  int r = indentscan_text(c->text, strlen(c->text), &opts, &line);

  if (r != (c->maybe ? 1 : 0)) {
    print_error("%s: the scan says %d, want %d\n", c->name, r, c->maybe);
    fail();
  }
}

/* gcc 12's verdicts. */
/* CHK misleadingly indented inside its definition, OK well. */
#define TWO_MACROS               \
  "#define CHK(v) do {     \\\n" \
  "    if (v)              \\\n" \
  "      y++;              \\\n" \
  "      y--;              \\\n" \
  "  } while (0)\n"              \
  "#define OK(v) do {      \\\n" \
  "    if (v)              \\\n" \
  "      y++;              \\\n" \
  "    y--;                \\\n" \
  "  } while (0)\n"

static const struct scan_case gcc_cases[] = {
  { "body and next aligned",                            8, false, true,
   "# 1 \"x.c\"\n"
    "void g(int x) {\n"
    "  if (x)\n"
    "    x++;\n"
    "    x--;\n"
    "}\n"                           },
  { "next outdented",                                   8, false, false,
   "# 1 \"x.c\"\n"
    "void g(int x) {\n"
    "  if (x)\n"
    "    x++;\n"
    "  x--;\n"
    "}\n"                           },
  { "body a block",                                     8, false, false,
   "# 1 \"x.c\"\n"
    "void g(int x) {\n"
    "  if (x)\n"
    "    { x++; }\n"
    "    x--;\n"
    "}\n"                           },
  { "next an else",                                     8, false, false,
   "# 1 \"x.c\"\n"
    "void g(int x) {\n"
    "  if (x)\n"
    "    x++;\n"
    "    else x--;\n"
    "}\n"                           },
  { "next on the body's line",                          8, false, true,
   "# 1 \"x.c\"\n"
    "void g(int x) {\n"
    "  if (x)\n"
    "    x++; x--;\n"
    "}\n"                           },
  { "all on one line, code first",                      8, false, false,
   "# 1 \"x.c\"\n"
    "void g(int x) {\n"
    "  x = 1; if (x) x++; x--;\n"
    "}\n"                           },
  { "all on one line, guard first",                     8, false, true,
   "# 1 \"x.c\"\n"
    "void g(int x) {\n"
    "  if (x) x++; x--;\n"
    "}\n"                           },
  { "tabs at width 8",                                  8, false, false,
   "# 1 \"x.c\"\n"
    "void g(int x) {\n"
    "\tif (x)\n"
    "\t\tx++;\n"
    "        x--;\n"
    "}\n"                           },
  { "tabs at width 4",                                  4, false, true,
   "# 1 \"x.c\"\n"
    "void g(int x) {\n"
    "\tif (x)\n"
    "\t\tx++;\n"
    "        x--;\n"
    "}\n"                           },
  { "a macro's for",                                    8, false, true,
   "# 1 \"x.c\"\n"
    "#define EACH(i) for (i = 0; i < 3; i++)\n"
    "void g(int x) {\n"
    "  int i;\n"
    "  EACH(i)\n"
    "    x++;\n"
    "    x--;\n"
    "}\n"                           },
  { "a do statement's while",                           8, false, false,
   "# 1 \"x.c\"\n"
    "void g(int x) {\n"
    "  do x++; while (x);\n"
    "    x--;\n"
    "}\n"                           },
  { "a pasted if",                                      8, false, true,
   "# 1 \"x.c\"\n"
    "#define CAT(a,b) a ##b\n"
    "void g(int x) {\n"
    "  CAT(i, f) (x)\n"
    "    x++;\n"
    "    x--;\n"
    "}\n"                           },
  { "an empty macro before next",                       8, false, false,
   "# 1 \"x.c\"\n"
    "#define EMIT \n"
    "void g(int x) {\n"
    "  if (x)\n"
    "       x++;\n"
    "  EMIT x--;\n"
    "}\n"                           },
  { "guards in a comment and a string",                 8, false, false,
   "# 1 \"x.c\"\n"
    "void g(int x) {\n"
    "  /* if (x)\n"
    "       x++;\n"
    "       x--; */\n"
    "  const char *s = \"if (x) x++; x--;\";\n"
    "  (void)s;\n"
    "}\n"                           },
  { "an unindent between",                              8, false, false,
   "# 1 \"x.c\"\n"
    "void g(int x) {\n"
    "  if (x)\n"
    "    x++;\n"
    " x;\n"
    "    x--;\n"
    "}\n"                           },
  { "an empty body on the guard's line",                8, false, true,
   "# 1 \"x.c\"\n"
    "void g(int x) {\n"
    "  if (x);\n"
    "    x--;\n"
    "}\n"                           },
  { "else, body and next aligned",                      8, false, true,
   "# 1 \"x.c\"\n"
    "void g(int x) {\n"
    "  if (x) {\n"
    "    x++;\n"
    "  } else\n"
    "    x--;\n"
    "    x++;\n"
    "}\n"                           },
  { "an else-if chain",                                 8, false, false,
   "# 1 \"x.c\"\n"
    "void g(int x) {\n"
    "  if (x == 1)\n"
    "    x++;\n"
    "  else if (x == 2)\n"
    "    x--;\n"
    "  else\n"
    "    x = 0;\n"
    "  x++;\n"
    "}\n"                           },
  { "an undefined macro",                               8, false, false,
   "# 1 \"x.c\"\n"
    "#define EACH(i) for (i = 0; i < 3; i++)\n"
    "#undef EACH\n"
    "void EACH(int i);\n"
    "void g(int x) {\n"
    "  EACH(x);\n"
    "    x--;\n"
    "}\n"                           },
  { "a while guard",                                    8, false, true,
   "# 1 \"x.c\"\n"
    "void g(int x) {\n"
    "  while (x)\n"
    "    x--;\n"
    "    x++;\n"
    "}\n"                           },
  { "a macro body then a statement",                    8, false, true,
   "# 1 \"x.c\"\n"
    "#define BUMP(v) v++\n"
    "void g(int x) {\n"
    "  if (x)\n"
    "    BUMP(x);\n"
    "    x--;\n"
    "}\n"                           },
  { "a statement macro as the next",                    8, false, true,
   "# 1 \"x.c\"\n"
    "#define BLOCK { }\n"
    "void g(int x) {\n"
    "  for (;;)\n"
    "    x++; BLOCK\n"
    "}\n"                           },
  { "a guard inside one macro",                         8, false, false,
   "# 1 \"x.c\"\n"
    "int y;\n"
    "#define CHK(v) do { if (v) y++; y--; } while (0)\n"
    "void g(int x) {\n"
    "  CHK(x);\n"
    "  x--;\n"
    "}\n"                           },
  { "a macro defined on lines of its own",              8, false, true,
   "# 1 \"x.c\"\n"
    "int y;\n" TWO_MACROS "void g(int x) {\n"
    "  CHK(x);\n"
    "  OK(x);\n"
    "}\n"                           },
  { "a macro on lines of its own, well indented",       8, false, false,
   "# 1 \"x.c\"\n"
    "int y;\n" TWO_MACROS "void g(int x) {\n"
    "\n"
    "  OK(x);\n"
    "}\n"                           },
  { "three from a macro used in a macro's body",        8, false, true,
   "# 1 \"x.c\"\n"
    "int y;\n"
    "#define INNER(v) if (v)    \\\n"
    "                   y++;    \\\n"
    "                   y--;\n"
    "#define OUTER(v) { INNER(v) }\n"
    "void g(int x) { OUTER(x); }\n" },
  { "a guard in one body, its statements in another",   8, false, false,
   "# 1 \"x.c\"\n"
    "int y;\n"
    "#define STEP y++;          \\\n"
    "             y--;\n"
    "#define GUARD(v) if (v) STEP\n"
    "void g(int x) {\n"
    "  GUARD(x)\n"
    "}\n"                           },
  { "one macro's statements, used twice in another",    8, false, true,
   "# 1 \"x.c\"\n"
    "int y;\n"
    "#define STEP(v) if (v)     \\\n"
    "                  y++;     \\\n"
    "                  y--;\n"
    "#define TWICE(v) STEP(v) STEP(v)\n"
    "void g(int x) {\n"
    "  TWICE(x)\n"
    "}\n"                           },
  { "a body from a macro used in the guard's body",     8, false, true,
   "# 1 \"x.c\"\n"
    "int y;\n"
    "#define BUMP y++\n"
    "#define STEP(v) if (v)     \\\n"
    "                  BUMP;    \\\n"
    "                  y--;\n"
    "void g(int x) {\n"
    "  STEP(x)\n"
    "}\n"                           },
  { "an argument measured where its parameter is",      8, false, true,
   "# 1 \"x.c\"\n"
    "void y(void); void t(void);\n"
    "#define G(s) if (c)  \\\n"
    "    s;               \\\n"
    "    t();\n"
    "void f(int c) {\n"
    "  G(y());\n"
    "}\n"                           },
  { "an argument misplaced, its parameter well",        8, false, false,
   "# 1 \"x.c\"\n"
    "void y(void); void t(void);\n"
    "#define G(s) if (c) s; \\\n"
    "  t();\n"
    "void f(int c) {\n"
    "  G(\n"
    "          y());\n"
    "}\n"                           },
  { "a macro #undef'd after its use",                   8, false, true,
   "# 1 \"x.c\"\n"
    "int y;\n"
    "#define STEP(v) if (v)     \\\n"
    "                  y++;     \\\n"
    "                  y--;\n"
    "void g(int x) {\n"
    "  STEP(x)\n"
    "}\n"
    "#undef STEP\n"                 },
  /* a macro whose body ends in a function-like macro's name: the '(' is
     read past the use, every token at the outer use's place */
  { "a body ending in a macro's name, next aligned",    8, false, true,
   "# 1 \"x.c\"\n"
    "#define F(a) (a)\n"
    "#define G F\n"
    "int y;\n"
    "void f(int x) {\n"
    "  if (x)\n"
    "    G(y++);\n"
    "    y--;\n"
    "}\n"                           },
  { "a body ending in a macro's name, next outdented",  8, false, false,
   "# 1 \"x.c\"\n"
    "#define F(a) (a)\n"
    "#define G F\n"
    "int y;\n"
    "void f(int x) {\n"
    "  if (x)\n"
    "    G(y++);\n"
    "  y--;\n"
    "}\n"                           },
  { "a use's result that takes the arguments after it", 8, false, true,
   "# 1 \"x.c\"\n"
    "#define F(a) do { (a); } while (0)\n"
    "#define G(x) F\n"
    "int y;\n"
    "void f(int x) {\n"
    "  if (x)\n"
    "    G(1)(y++);\n"
    "    y--;\n"
    "}\n"                           },
  { "the guard, body and next in a macro a name gives", 8, false, false,
   "# 1 \"x.c\"\n"
    "#define F(a) if (a) y++; y--\n"
    "#define G F\n"
    "int y;\n"
    "void f(int x) {\n"
    "  G(x);\n"
    "}\n"                           },
};

static void test_gcc_verdicts(void **state)
{
  (void)state;
  for (size_t i = 0; i < ARRAY_SIZE(gcc_cases); i++) {
    check_case(&gcc_cases[i]);
  }
}

/* A system header's guards, its macros' guards used in the source: gcc
 * says nothing of them unless -Wsystem-headers; a source's guard in a
 * header of its own counts. */
static const struct scan_case system_cases[] = {
  { "a system header's guard",                   8, false, false,
   "# 1 \"x.c\"\n"
    "# 1 \"/usr/include/s.h\" 1 3 4\n"
    "static inline void s(int x) {\n"
    "  if (x)\n"
    "    x++;\n"
    "    x--;\n"
    "}\n"
    "# 2 \"x.c\" 2\n" },
  { "a system header's guard, -Wsystem-headers", 8, true,  true,
   "# 1 \"x.c\"\n"
    "# 1 \"/usr/include/s.h\" 1 3 4\n"
    "static inline void s(int x) {\n"
    "  if (x)\n"
    "    x++;\n"
    "    x--;\n"
    "}\n"
    "# 2 \"x.c\" 2\n" },
  { "a system header's macro",                   8, false, false,
   "# 1 \"x.c\"\n"
    "# 1 \"/usr/include/s.h\" 1 3 4\n"
    "#define EACH(i) for (i = 0; i < 3; i++)\n"
    "# 2 \"x.c\" 2\n"
    "void g(int x) {\n"
    "  int i;\n"
    "  EACH(i)\n"
    "    x++;\n"
    "    x--;\n"
    "}\n"             },
  { "a user header's guard",                     8, false, true,
   "# 1 \"x.c\"\n"
    "# 1 \"h.h\" 1\n"
    "static inline void s(int x) {\n"
    "  while (x)\n"
    "    x++;\n"
    "    x--;\n"
    "}\n"
    "# 2 \"x.c\" 2\n" },
  { "body and next in two files",                8, false, false,
   "# 1 \"x.c\"\n"
    "void g(int x) {\n"
    "  if (x)\n"
    "    x++;\n"
    "# 1 \"h.h\" 1\n"
    "    x--;\n"
    "# 5 \"x.c\" 2\n"
    "}\n"             },
};

static void test_system_headers(void **state)
{
  (void)state;
  for (size_t i = 0; i < ARRAY_SIZE(system_cases); i++) {
    check_case(&system_cases[i]);
  }
}

/* What the scan cannot read, it cannot vouch for. */
static const struct scan_case unread_cases[] = {
  { "a tab width gcc refuses",                      0, false, true,  "# 1 \"x.c\"\nint x;\n"       },
  { "a splice in code",                             8, false, true,  "# 1 \"x.c\"\nint \\\nx;\n"   },
  { "a splice in code, CRLF",                       8, false, true,  "# 1 \"x.c\"\nint \\\r\nx;\n" },
  { "an unterminated string",                       8, false, true,
   "# 1 \"x.c\"\nconst char *s = \"abc;\n"                                                         },
  { "a raw string past its line",                   8, false, true,
   "# 1 \"x.c\"\nconst char *s = R\"(abc\n)\";\n"                                                  },
  { "brackets that do not pair",                    8, false, true,
   "# 1 \"x.c\"\nvoid g(int x) {\n  if (x) { x++;\n}\n"                                            },
  { "a macro whose arguments come after a #define", 8, false, true,
   "# 1 \"x.c\"\n#define F(a) a\n#define G F\nint y = G\n#define Z 1\n(1);\n"                      },
  { "a use whose ')' never comes",                  8, false, true,
   "# 1 \"x.c\"\n#define F(a) a\nint y = F(1;\n"                                                   },
  { "a macro that expands itself",                  8, false, false,
   "# 1 \"x.c\"\n#define stdin stdin\n#define X X + X\nint y = X, stdin;\n"                        },
  { "a // comment past a splice",                   8, false, false,
   "# 1 \"x.c\"\nvoid g(int x) {\n  // note \\\n  if (x)\n    x++;\n    x--;\n}\n"                 },
  { "a raw string on its line",                     8, false, false,
   "# 1 \"x.c\"\nconst char *s = R\"x(if (a) b; c;)x\";\n"                                         },
  { "digraphs",                                     8, false, false,
   "# 1 \"x.c\"\nvoid g(int x) <%\n  int a<:2:> = <% 1, 2 %>;\n  if (x)\n"
    "    x++;\n  x--;\n%>\n"                                                                       },
};

static void test_unread(void **state)
{
  (void)state;
  for (size_t i = 0; i < ARRAY_SIZE(unread_cases); i++) {
    check_case(&unread_cases[i]);
  }
}

/* A "maybe" names the guard's line in the text. */
static void test_line(void **state)
{
  static const char      text[] = "# 1 \"x.c\"\n"
                                  "void g(int x) {\n"
                                  "  x++;\n"
                                  "  for (;;)\n"
                                  "    x++;\n"
                                  "    x--;\n"
                                  "}\n";
  struct indentscan_opts opts   = { .tab_width = 8 };
  size_t                 line   = 0;

  (void)state;
  assert_int_equal(indentscan_text(text, strlen(text), &opts, &line), 1);
  assert_int_equal(line, 4);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_gcc_verdicts),
    cmocka_unit_test(test_system_headers),
    cmocka_unit_test(test_unread),
    cmocka_unit_test(test_line),
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}
