/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tests of the job slots on this machine: local compiles and preprocessors
 * draw on one budget ($HERDCC_LOCAL_CPUS), each within its own cap; a slot
 * is taken with its budget slot or not at all (nothing left held); the
 * release frees both; a waiting local compile keeps the lowest budget slot
 * from the preprocessors; a server's slots know no budget. The slot files
 * are looked at from another open file, as another process would. Each
 * test works in a fresh state directory. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include <cmocka.h>

#include "fixture.h"
#include "slots.h"

static int make_state_dir(void **state)
{
  return fixture_dir_make(state);
}

static int remove_state_dir(void **state)
{
  unsetenv("HERDCC_LOCAL_CPUS");
  return fixture_dir_remove(state);
}

/* Whether lock/NAME is held by someone, seen from a file of its own. */
static bool held(const char *dir, const char *name)
{
  char path[4096];

  snprintf(path, sizeof(path), "%s/lock/%s", dir, name);
  int fd = open(path, O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    return false; /* never taken */
  }
  bool taken = flock(fd, LOCK_EX | LOCK_NB) < 0;
  close(fd);
  return taken;
}

/* One slot of name (limit slots), or -EAGAIN; *fd holds it. */
static int take(const char *dir, const char *name, unsigned limit, int *fd)
{
  char    *names[] = { (char *)name, NULL };
  unsigned index;

  return slots_try(dir, names, &limit, 1, false, &index, fd);
}

static void test_budget_shared(void **state)
{
  const char *dir = *state;
  int         cpp, local, other;

  setenv("HERDCC_LOCAL_CPUS", "2", 1);
  assert_int_equal(slots_budget(), 2);
  assert_int_equal(take(dir, "cpp_localhost", 16, &cpp), 0);
  assert_int_equal(take(dir, "localhost", 2, &local), 0);
  assert_true(held(dir, "cpu_0") && held(dir, "cpu_1"));
  /* the budget is spent: neither kind gets more, whatever its cap */
  assert_int_equal(take(dir, "cpp_localhost", 16, &other), -EAGAIN);
  assert_int_equal(take(dir, "localhost", 2, &other), -EAGAIN);
  /* and the kind's slot tried is not left held */
  assert_false(held(dir, "cpp_localhost_1"));
  assert_false(held(dir, "localhost_1"));
  /* a release frees the slot and its budget slot */
  slots_release(dir, cpp);
  assert_false(held(dir, "cpp_localhost_0"));
  assert_int_equal(take(dir, "localhost", 2, &other), 1);
  assert_true(held(dir, "localhost_1"));
  slots_release(dir, other);
  slots_release(dir, local);
  assert_false(held(dir, "cpu_0") || held(dir, "cpu_1"));
  assert_false(held(dir, "localhost_0") || held(dir, "localhost_1"));
}

static void test_caps_kept(void **state)
{
  const char *dir = *state;
  int         a, b, c;

  setenv("HERDCC_LOCAL_CPUS", "8", 1);
  /* --localslots_cpp=1 and localhost/1 stay caps under a larger budget */
  assert_int_equal(take(dir, "cpp_localhost", 1, &a), 0);
  assert_int_equal(take(dir, "cpp_localhost", 1, &b), -EAGAIN);
  assert_int_equal(take(dir, "localhost", 1, &b), 0);
  assert_int_equal(take(dir, "localhost", 1, &c), -EAGAIN);
  slots_release(dir, a);
  slots_release(dir, b);
}

static void test_waiting_compile_first(void **state)
{
  const char *dir      = *state;
  char       *names[]  = { (char *)"localhost", NULL };
  unsigned    limits[] = { 2 };
  int         cpp, other, local;

  setenv("HERDCC_LOCAL_CPUS", "2", 1);
  assert_false(slots_local_waiting(dir));
  int want = slots_want(dir, names, limits, 1);
  assert_true(want >= 0);
  assert_true(slots_local_waiting(dir));
  /* preprocessors leave cpu_0 to the compile that waits */
  assert_int_equal(take(dir, "cpp_localhost", 16, &cpp), 0);
  assert_true(held(dir, "cpu_1"));
  assert_false(held(dir, "cpu_0"));
  assert_int_equal(take(dir, "cpp_localhost", 16, &other), -EAGAIN);
  assert_int_equal(take(dir, "localhost", 2, &local), 0);
  assert_true(held(dir, "cpu_0"));
  close(want);
  assert_false(slots_local_waiting(dir));
  slots_release(dir, local);
  /* no one waits: a preprocessor may take cpu_0 again */
  assert_int_equal(take(dir, "cpp_localhost", 16, &other), 1);
  assert_true(held(dir, "cpu_0"));
  slots_release(dir, other);
  slots_release(dir, cpp);
}

static void test_waiting_cpp_keeps_one(void **state)
{
  const char *dir      = *state;
  char       *names[]  = { (char *)"cpp_localhost", NULL };
  unsigned    limits[] = { 16 };
  int         a, b, cpp;

  setenv("HERDCC_LOCAL_CPUS", "2", 1);
  int want = slots_want(dir, names, limits, 1);
  assert_true(want >= 0);
  assert_false(slots_local_waiting(dir)); /* a preprocessor's flag */
  /* local compiles leave the highest slot to the preprocessor that waits */
  assert_int_equal(take(dir, "localhost", 2, &a), 0);
  assert_true(held(dir, "cpu_0"));
  assert_int_equal(take(dir, "localhost", 2, &b), -EAGAIN);
  assert_false(held(dir, "cpu_1"));
  assert_int_equal(take(dir, "cpp_localhost", 16, &cpp), 0);
  assert_true(held(dir, "cpu_1"));
  close(want);
  slots_release(dir, cpp);
  /* no one waits: a second local compile may take cpu_1 */
  assert_int_equal(take(dir, "localhost", 2, &b), 1);
  slots_release(dir, b);
  slots_release(dir, a);
}

static void test_want_only_for_local(void **state)
{
  const char *dir      = *state;
  char       *names[]  = { (char *)"build1:3632", (char *)"localhost", NULL };
  unsigned    limits[] = { 4, 0 };

  /* a wait for servers only, or localhost with no slot, raises no flag */
  assert_int_equal(slots_want(dir, names, limits, 2), -1);
  limits[1] = 1;
  int want  = slots_want(dir, names, limits, 2);
  assert_true(want >= 0);
  assert_true(slots_local_waiting(dir));
  close(want);
}

static void test_budget_of_one(void **state)
{
  const char *dir      = *state;
  char       *names[]  = { (char *)"localhost", NULL };
  unsigned    limits[] = { 2 };
  int         cpp, local;

  setenv("HERDCC_LOCAL_CPUS", "1", 1);
  int want = slots_want(dir, names, limits, 1);
  assert_int_equal(take(dir, "cpp_localhost", 16, &cpp), -EAGAIN);
  assert_int_equal(take(dir, "localhost", 2, &local), 0);
  assert_int_equal(take(dir, "localhost", 2, &cpp), -EAGAIN);
  close(want);
  slots_release(dir, local);
  assert_int_equal(take(dir, "cpp_localhost", 16, &cpp), 0);
  slots_release(dir, cpp);
}

static void test_servers_unbudgeted(void **state)
{
  const char *dir = *state;
  int         fds[4];

  setenv("HERDCC_LOCAL_CPUS", "1", 1);
  int local;
  assert_int_equal(take(dir, "localhost", 2, &local), 0);
  for (int i = 0; i < 4; i++) {
    assert_int_equal(take(dir, "build1:3632", 4, &fds[i]), i);
  }
  assert_false(held(dir, "cpu_1"));
  for (int i = 0; i < 4; i++) {
    slots_release(dir, fds[i]);
  }
  slots_release(dir, local);
  assert_false(held(dir, "cpu_0"));
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(test_budget_shared, make_state_dir,
                                    remove_state_dir),
    cmocka_unit_test_setup_teardown(test_caps_kept, make_state_dir,
                                    remove_state_dir),
    cmocka_unit_test_setup_teardown(test_waiting_compile_first, make_state_dir,
                                    remove_state_dir),
    cmocka_unit_test_setup_teardown(test_waiting_cpp_keeps_one, make_state_dir,
                                    remove_state_dir),
    cmocka_unit_test_setup_teardown(test_want_only_for_local, make_state_dir,
                                    remove_state_dir),
    cmocka_unit_test_setup_teardown(test_budget_of_one, make_state_dir,
                                    remove_state_dir),
    cmocka_unit_test_setup_teardown(test_servers_unbudgeted, make_state_dir,
                                    remove_state_dir),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
