/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tests of the compile-size history: a job's size over the running mean
 * after its compiles, the slot speed it ran on, what makes keys differ,
 * damaged and missing files (no history), figures out of bounds, and the
 * removal of old entries. Each test works in a fresh state directory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "fixture.h"
#include "history.h"
#include "io.h"

static char *argv_a[] = { (char *)"gcc", (char *)"-c", (char *)"a.c", NULL };
static char *argv_b[] = { (char *)"gcc", (char *)"-c", (char *)"b.c", NULL };

static void write_entry(const char *dir, uint64_t key, const char *text)
{
  char path[4096];

  snprintf(path, sizeof(path), "%s/history/%016llx", dir,
           (unsigned long long)key);
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
}

/* Unknown first; then the size over the mean, with the slot's speed. */
static void test_size_over_mean(void **state)
{
  const char *dir = *state;
  uint64_t    a   = history_key(argv_a, "/src");
  uint64_t    b   = history_key(argv_b, "/src");

  assert_true(history_size(dir, a, history_mean(dir)) == 0);
  history_record(dir, a, 1000, 1.0); /* the mean is a's work: size 1 */
  assert_float_equal(history_size(dir, a, history_mean(dir)), 1.0, 1e-9);
  history_record(dir, b, 100, 2.0); /* work 200: mean 1000 - 800/16 */
  double mean = 1000 - 800.0 / 16;
  assert_float_equal(history_size(dir, b, history_mean(dir)), 200 / mean, 1e-3);
  assert_float_equal(history_size(dir, a, history_mean(dir)), 1000 / mean,
                     1e-3);
  history_record(dir, a, 250, 4.0); /* the last compile counts: work 1000 */
  assert_float_equal(history_size(dir, a, history_mean(dir)),
                     1000 / (mean + (1000 - mean) / 16), 1e-3);
}

/* The command line and the working directory make the key. */
static void test_keys(void **state)
{
  (void)state;
  assert_true(history_key(argv_a, "/src") != history_key(argv_b, "/src"));
  assert_true(history_key(argv_a, "/src") != history_key(argv_a, "/other"));
  assert_true(history_key(argv_a, "/src") == history_key(argv_a, "/src"));
}

/* Not a figure, no newline, out of bounds, empty, too long: no history.
 * An unknown speed or a zero time records nothing. */
static void test_damaged(void **state)
{
  const char              *dir   = *state;
  uint64_t                 a     = history_key(argv_a, "/src");
  uint64_t                 b     = history_key(argv_b, "/src");
  static const char *const bad[] = {
    "abc\n",   "100",
    "-5\n",    "1e300\n",
    "\n",      "",
    "nan\n",   "inf\n",
    "1000 \n", "100000000000000000000000000000000000000000000\n",
  };

  history_record(dir, b, 1000, 1.0); /* a mean, so only a's entry matters */
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    write_entry(dir, a, bad[i]);
    assert_true(history_size(dir, a, history_mean(dir)) == 0);
  }
  write_entry(dir, a, "500.0\n");
  assert_float_equal(history_size(dir, a, history_mean(dir)), 0.5, 1e-9);
  history_record(dir, a, 700, 0);
  history_record(dir, a, 0, 1.0);
  assert_float_equal(history_size(dir, a, history_mean(dir)), 0.5, 1e-9);
}

/* A damaged mean is no history either, and is started again. */
static void test_damaged_mean(void **state)
{
  const char *dir = *state;
  uint64_t    a   = history_key(argv_a, "/src");
  char        path[4096];

  history_record(dir, a, 1000, 1.0);
  snprintf(path, sizeof(path), "%s/history/mean", dir);
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs("garbage\n", f);
  fclose(f);
  assert_true(history_size(dir, a, history_mean(dir)) == 0);
  history_record(dir, a, 400, 1.0);
  assert_float_equal(history_size(dir, a, history_mean(dir)), 1.0, 1e-9);
}

/* An entry not written for HISTORY_MAX_AGE_S goes when a new job in 256
 * is recorded: recording new keys until one prunes. */
static void test_prune(void **state)
{
  const char *dir = *state;
  uint64_t    old = history_key(argv_a, "/old");
  char        path[4096];

  history_record(dir, old, 1000, 1.0);
  snprintf(path, sizeof(path), "%s/history/%016llx", dir,
           (unsigned long long)old);
  struct timeval past[2] = { { .tv_sec = time(NULL) - HISTORY_MAX_AGE_S - 60 },
                             { .tv_sec =
                                 time(NULL) - HISTORY_MAX_AGE_S - 60 } };
  assert_int_equal(utimes(path, past), 0);
  for (unsigned i = 0; i < 4096 && access(path, F_OK) == 0; i++) {
    char  cwd[32];
    char *argv[] = { (char *)"gcc", (char *)"-c", cwd, NULL };
    snprintf(cwd, sizeof(cwd), "/new/%u", i);
    history_record(dir, history_key(argv, cwd), 100, 1.0);
  }
  assert_int_equal(access(path, F_OK), -1);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(test_size_over_mean, fixture_dir_make,
                                    fixture_dir_remove),
    cmocka_unit_test(test_keys),
    cmocka_unit_test_setup_teardown(test_damaged, fixture_dir_make,
                                    fixture_dir_remove),
    cmocka_unit_test_setup_teardown(test_damaged_mean, fixture_dir_make,
                                    fixture_dir_remove),
    cmocka_unit_test_setup_teardown(test_prune, fixture_dir_make,
                                    fixture_dir_remove),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
