/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tests of the files rebuilt from clang's -frewrite-includes text: texts
 * in the exact form clang 14 writes them (an include entered and one
 * skipped, #if and #elif evaluated, directives indented, a pragma, a file
 * without a final newline, -include), each rebuilt to the files it came
 * from; the names in order; texts that are not clang's refused; the sizes'
 * line, written and read back, and what is not one. */
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

#include "macro.h"
#include "rebuild.h"
#include "strv.h"

#define EXPANDED_OPEN  "#if 0 /* expanded by -frewrite-includes */\n"
#define EXPANDED_CLOSE "#endif /* expanded by -frewrite-includes */\n"
#define DISABLED_OPEN  "#if 0 /* disabled by -frewrite-includes */\n"
#define DISABLED_CLOSE "#endif /* disabled by -frewrite-includes */\n"
#define EVAL(d, v)     d " " v " /* evaluated by -frewrite-includes */\n"

/* m.c:
 *   1 #include "a.h"
 *   2 #include "a.h"
 *   3   #if X
 *   4 int x;
 *   5 #elif defined(Y) && \
 *   6   1
 *   7 int y;
 *   8 #endif
 *   9 int main(void) { return twice(1); }     (no final newline)
 * inc/a.h:
 *   1 #pragma once
 *   2   #include <stddef.h>
 *   3 static inline int twice(int v) { return 2 * v; }
 */
static const char m_c[]      = "#include \"a.h\"\n"
                               "#include \"a.h\"\n"
                               "  #if X\n"
                               "int x;\n"
                               "#elif defined(Y) && \\\n"
                               "  1\n"
                               "int y;\n"
                               "#endif\n"
                               "int main(void) { return twice(1); }";
static const char a_h[]      = "#pragma once\n"
                               "  #include <stddef.h>\n"
                               "static inline int twice(int v) { return 2 * v; }\n";
static const char stddef_h[] = "typedef unsigned long size_t;\n";

static const char text[] =
  "# 1 \"<built-in>\"\n"
  "# 1 \"m.c\"\n" EXPANDED_OPEN "#include \"a.h\"\n" EXPANDED_CLOSE
  "# 1 \"m.c\"\n"
  "# 1 \"inc/a.h\" 1\n" EXPANDED_OPEN "#pragma once\n" EXPANDED_CLOSE
  "# 2 \"inc/a.h\"\n"
  "  " EXPANDED_OPEN "#include <stddef.h>\n" EXPANDED_CLOSE "# 2 \"inc/a.h\"\n"
  "# 1 \"/usr/include/stddef.h\" 1 3 4\n"
  "typedef unsigned long size_t;\n"
  "# 3 \"inc/a.h\" 2\n"
  "static inline int twice(int v) { return 2 * v; }\n"
  "# 2 \"m.c\" 2\n" EXPANDED_OPEN "#include \"a.h\"\n" EXPANDED_CLOSE
  "# 2 \"m.c\"\n"
  "# 3 \"m.c\"\n"
  "  \n" /* the indent of #if X: clang ends the line */
  DISABLED_OPEN "#if X\n#endif\n" DISABLED_CLOSE EVAL(
    "#if",
    "0") "# 4 \"m.c\"\n"
         "int x;\n" DISABLED_OPEN
         "#if 0\n#elif defined(Y) && \\\n  1\n#endif\n" DISABLED_CLOSE EVAL(
           "#elif", "1") "# 7 \"m.c\"\n"
                         "int y;\n"
                         "#endif\n"
                         "int main(void) { return twice(1); }\n";

static void check_file(const struct rebuild *rebuild, size_t i,
                       const char *name, const char *want)
{
  assert_true(i < rebuild->count);
  assert_string_equal(rebuild->files[i].name, name);
  if (rebuild->files[i].len != strlen(want) ||
      memcmp(rebuild->files[i].text, want, strlen(want)) != 0) {
    fail_msg("%s: rebuilt as \"%.*s\", expected \"%s\"", name,
             (int)rebuild->files[i].len, rebuild->files[i].text, want);
  }
}

static void test_rebuilds(void **state)
{
  (void)state;
  struct rebuild rebuild;
  uint64_t sizes[] = { sizeof(m_c) - 1, sizeof(a_h) - 1, sizeof(stddef_h) - 1 };

  assert_int_equal(rebuild_files(text, sizeof(text) - 1, &rebuild), 0);
  assert_int_equal(rebuild.count, 3);
  /* before the sizes: m.c with the newline clang gave its last line */
  assert_int_equal(rebuild.files[0].len, sizeof(m_c));
  assert_int_equal(rebuild_fit(&rebuild, sizes, ARRAY_SIZE(sizes)), 0);
  check_file(&rebuild, 0, "m.c", m_c);
  check_file(&rebuild, 1, "inc/a.h", a_h);
  check_file(&rebuild, 2, "/usr/include/stddef.h", stddef_h);
  rebuild_clear(&rebuild);
}

/* A line before a disabled block that is a line of its own (not the
 * directive's indent): the marker after the block says which. */
static void test_line_of_its_own(void **state)
{
  (void)state;
  static const char own[] =
    "# 1 \"x.c\"\n"
    "  \n" DISABLED_OPEN
    "#if A\n#endif\n" DISABLED_CLOSE EVAL("#if", "1") "# 3 \"x.c\"\n"
                                                      "int a;\n"
                                                      "#endif\n";
  struct rebuild                     rebuild;
  uint64_t size = strlen("  \n#if A\nint a;\n#endif\n");

  assert_int_equal(rebuild_files(own, sizeof(own) - 1, &rebuild), 0);
  assert_int_equal(rebuild_fit(&rebuild, &size, 1), 0);
  check_file(&rebuild, 0, "x.c", "  \n#if A\nint a;\n#endif\n");
  rebuild_clear(&rebuild);
}

/* -include: the file is entered from <built-in>, with no block. */
static void test_include_option(void **state)
{
  (void)state;
  static const char pre[] = "# 1 \"<built-in>\"\n"
                            "# 1 \"inc/i.h\" 1\n"
                            "int i;\n"
                            "# 1 \"<built-in>\" 2\n"
                            "# 1 \"x.c\"\n"
                            "int x;\n";
  struct rebuild    rebuild;

  assert_int_equal(rebuild_files(pre, sizeof(pre) - 1, &rebuild), 0);
  assert_int_equal(rebuild.count, 2);
  check_file(&rebuild, 0, "inc/i.h", "int i;\n");
  check_file(&rebuild, 1, "x.c", "int x;\n");
  rebuild_clear(&rebuild);
}

/* An included file without a final newline: clang ends its last line and
 * says the line it was on before going back. */
static void test_no_final_newline(void **state)
{
  (void)state;
  static const char nonl[] = "# 1 \"x.c\"\n"
                             "# 1 \"b.h\" 1\n"
                             "int b;\n"
                             "int c;\n"
                             "# 2 \"b.h\"\n"
                             "# 1 \"x.c\" 2\n"
                             "int x;\n";
  struct rebuild    rebuild;
  uint64_t          sizes[] = { 7, 13 };

  assert_int_equal(rebuild_files(nonl, sizeof(nonl) - 1, &rebuild), 0);
  assert_int_equal(rebuild_fit(&rebuild, sizes, 2), 0);
  check_file(&rebuild, 1, "b.h", "int b;\nint c;");
  rebuild_clear(&rebuild);
}

/* An #include clang resolved but did not enter is told, with its
 * includer and its name as spelled; an entered one, an angled one and one
 * through a macro are not. */
static void test_skips(void **state)
{
  (void)state;
  static const char skipped[] =
    "# 1 \"x.c\"\n" EXPANDED_OPEN "#include \"a/h.h\"\n" EXPANDED_CLOSE
    "# 1 \"x.c\"\n"
    "# 1 \"./a/h.h\" 1\n"
    "#pragma once\n"
    "# 2 \"x.c\" 2\n" EXPANDED_OPEN
    "#  include \"b/h.h\" // again\n" EXPANDED_CLOSE "# 2 \"x.c\"\n"
    "# 3 \"x.c\"\n" EXPANDED_OPEN "#include <h.h>\n" EXPANDED_CLOSE
    "# 3 \"x.c\"\n"
    "# 4 \"x.c\"\n" EXPANDED_OPEN "#include H\n" EXPANDED_CLOSE "# 4 \"x.c\"\n"
    "# 5 \"x.c\"\n"
    "int x;\n";
  struct rebuild rebuild;

  assert_int_equal(rebuild_files(skipped, sizeof(skipped) - 1, &rebuild), 0);
  assert_int_equal(rebuild.count, 2);
  assert_int_equal(rebuild.skip_count, 1);
  assert_int_equal(rebuild.skips[0].includer, 0);
  assert_string_equal(rebuild.skips[0].name, "b/h.h");
  check_file(&rebuild, 0, "x.c",
             "#include \"a/h.h\"\n#  include \"b/h.h\" // again\n"
             "#include <h.h>\n#include H\nint x;\n");
  rebuild_clear(&rebuild);
}

static void test_names(void **state)
{
  (void)state;
  _cleanup_strv_free_ char **names = NULL;

  assert_int_equal(rebuild_names(text, sizeof(text) - 1, &names), 0);
  assert_int_equal(strv_length(names), 3);
  assert_string_equal(names[0], "m.c");
  assert_string_equal(names[1], "inc/a.h");
  assert_string_equal(names[2], "/usr/include/stddef.h");
}

/* What clang does not write is refused, never rebuilt into another file. */
static void test_refuses(void **state)
{
  (void)state;

  static const struct {
    const char *what;
    const char *text;
  } cases[] = {
    { "a block never closed",
     "# 1 \"x.c\"\n" EXPANDED_OPEN "#include <a.h>\n" },
    { "a disabled block with no value after it",
     "# 1 \"x.c\"\n" DISABLED_OPEN "#if A\n#endif\n" DISABLED_CLOSE
      "int a;\n" },
    { "a value with no disabled block", "# 1 \"x.c\"\n" EVAL("#if", "1") },
    { "a disabled block without its #endif",
     "# 1 \"x.c\"\n" DISABLED_OPEN
      "#if A\n" DISABLED_CLOSE EVAL("#if", "1") "# 2 \"x.c\"\n" },
    { "an #elif without its #if 0",
     "# 1 \"x.c\"\n" DISABLED_OPEN
      "#elif A\n#endif\n" DISABLED_CLOSE EVAL("#elif", "1") "# 2 \"x.c\"\n" },
    { "no marker after a block", "# 1 \"x.c\"\n" EXPANDED_OPEN
                                 "#include <a.h>\n" EXPANDED_CLOSE "int a;\n" },
    { "a marker number the lines do not give",
     "# 1 \"x.c\"\nint a;\n# 5 \"x.c\"\n" },
    { "a file left that was not entered", "# 1 \"x.c\"\n# 2 \"x.c\" 2\n" },
    { "a file entered twice unalike",
     "# 1 \"x.c\"\n"
      "# 1 \"a.h\" 1\nint a;\n# 1 \"x.c\" 2\n"
      "# 1 \"a.h\" 1\nint b;\n# 1 \"x.c\" 2\n" },
    { "another name in the middle of a file",
     "# 1 \"x.c\"\nint a;\n# 2 \"y.c\"\n" },
    { "a file's last line said, then more of it",
     "# 1 \"x.c\"\n# 1 \"b.h\" 1\nint b;\n# 1 \"b.h\"\nint c;\n# 1 \"x.c\" 2\n" },
  };
  struct rebuild rebuild;

  for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
    int r = rebuild_files(cases[i].text, strlen(cases[i].text), &rebuild);
    if (r != -EBADMSG) {
      fail_msg("%s: %d, expected -EBADMSG", cases[i].what, r);
    }
    assert_null(rebuild.files);
  }
}

/* A size the rebuilt file does not have: refused (CRLF lines, which
 * clang writes as LF, or another file). */
static void test_fit_refuses(void **state)
{
  (void)state;
  static const char lf[] = "# 1 \"x.c\"\nint a;\nint b;\n";
  struct rebuild    rebuild;
  uint64_t          crlf = strlen("int a;\r\nint b;\r\n"), two[] = { 14, 1 };

  assert_int_equal(rebuild_files(lf, sizeof(lf) - 1, &rebuild), 0);
  assert_int_equal(rebuild_fit(&rebuild, &crlf, 1), -EBADMSG);
  assert_int_equal(rebuild_fit(&rebuild, two, 2), -EBADMSG);
  rebuild_clear(&rebuild);
}

static void test_sizes_line(void **state)
{
  (void)state;
  const uint64_t       sizes[] = { 0, 12, UINT64_C(1) << 40 };
  _cleanup_free_ char *line    = NULL;
  size_t               len     = 0;

  assert_int_equal(rebuild_sizes_line(sizes, 3, &line, &len), 0);
  assert_string_equal(line, "#herdcc-sizes 0 12 1099511627776\n");

  char                     body[128];
  int                      n = snprintf(body, sizeof(body), "int x;\n%s", line);
  size_t                   text_len = 0, count = 0;
  _cleanup_free_ uint64_t *got = NULL;
  assert_int_equal(
    rebuild_sizes_split(body, (size_t)n, &text_len, &got, &count), 0);
  assert_int_equal(text_len, 7);
  assert_int_equal(count, 3);
  assert_memory_equal(got, sizes, sizeof(sizes));

  static const char *const bad[] = {
    "int x;\n",
    "int x;\n#herdcc-sizes 1 2",
    "#herdcc-sizes 1  2\n",
    "#herdcc-sizes 1 x\n",
    "#herdcc-sizes 1 \n",
    "#herdcc-sizes 281474976710657\n",
    "#herdcc-sizes1\n",
    "",
  };
  for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
    uint64_t *none = NULL;
    if (rebuild_sizes_split(bad[i], strlen(bad[i]), &text_len, &none, &count) !=
        -EBADMSG) {
      fail_msg("\"%s\" read as a sizes' line", bad[i]);
    }
    free(none);
  }
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_rebuilds),
    cmocka_unit_test(test_line_of_its_own),
    cmocka_unit_test(test_include_option),
    cmocka_unit_test(test_no_final_newline),
    cmocka_unit_test(test_skips),
    cmocka_unit_test(test_names),
    cmocka_unit_test(test_refuses),
    cmocka_unit_test(test_fit_refuses),
    cmocka_unit_test(test_sizes_line),
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}
