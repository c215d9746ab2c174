/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tests of a compile's candidate hosts: collected from a parsed host list
 * in its order, less an entry this build cannot use and a backed-off
 * numeric address (counted); --randomize keeps the same hosts; a slot is
 * taken in list order, and a retry picks neither a server tried already
 * nor localhost. Each test works in a fresh state directory. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "backoff.h"
#include "candidates.h"
#include "fixture.h"
#include "hosts.h"
#include "slots.h"

static struct hosts_list *parse(const char *text)
{
  struct hosts_list *list = NULL;
  char              *bad  = NULL;

  assert_int_equal(hosts_parse(text, &list, &bad), 0);
  assert_null(bad);
  return list;
}

/* Whether a collected candidate is entry number index of the list. */
static void assert_is(const struct candidates *c, unsigned i,
                      const struct hosts_list *list, size_t index)
{
  char *name = hosts_entry_describe(&list->entries[index]);

  assert_non_null(name);
  assert_ptr_equal(c->entries[i], &list->entries[index]);
  assert_string_equal(c->names[i], name);
  assert_int_equal(c->limits[i], list->entries[index].limit);
  assert_false(c->tried[i]);
  free(name);
}

static void test_collect_in_order(void **state)
{
  const char        *dir  = *state;
  struct hosts_list *list = parse("10.0.0.1/3,herd +zeroconf 10.0.0.2/2 "
                                  "localhost/1 10.0.0.3");
  struct backoff    *b    = NULL;
  struct candidates  c;

  assert_int_equal(backoff_new(dir, "gcc", 60, &b), 0);
  assert_int_equal(
    backoff_mark(b, "10.0.0.2:3632", BACKOFF_ADDRESS, "Connection refused"), 0);
  assert_int_equal(candidates_collect(list, dir, b, &c), 0);
  assert_int_equal(c.count, 3);
  assert_is(&c, 0, list, 0);
  assert_is(&c, 1, list, 3);
  assert_is(&c, 2, list, 4);
  assert_null(c.names[3]);
  assert_int_equal(c.backed_off, 1);
  assert_null(c.unresolved);
  assert_true(candidates_any_native(&c));
  candidates_clear(&c);
  assert_int_equal(c.count, 0);
  backoff_free(b);
  hosts_list_free(list);
}

static void test_any_native(void **state)
{
  struct hosts_list *list = parse("10.0.0.1 localhost @ssh-host");
  struct backoff    *b    = NULL;
  struct candidates  c;

  assert_int_equal(backoff_new(*state, "gcc", 60, &b), 0);
  assert_int_equal(candidates_collect(list, *state, b, &c), 0);
  assert_int_equal(c.count, 3);
  assert_false(candidates_any_native(&c));
  candidates_clear(&c);
  backoff_free(b);
  hosts_list_free(list);
}

static void test_randomize_keeps_the_hosts(void **state)
{
  struct hosts_list *list =
    parse("--randomize 10.0.0.1 10.0.0.2 10.0.0.3 10.0.0.4 10.0.0.5");
  struct backoff   *b = NULL;
  struct candidates c;
  bool              seen[5] = { false };

  assert_int_equal(backoff_new(*state, "gcc", 60, &b), 0);
  assert_int_equal(candidates_collect(list, *state, b, &c), 0);
  assert_int_equal(c.count, 5);
  for (unsigned i = 0; i < c.count; i++) {
    size_t index = (size_t)(c.entries[i] - list->entries);
    assert_true(index < 5);
    assert_false(seen[index]);
    seen[index] = true;
    assert_is(&c, i, list, index);
  }
  candidates_clear(&c);
  backoff_free(b);
  hosts_list_free(list);
}

static void test_slots_in_order_and_retries(void **state)
{
  const char        *dir  = *state;
  struct hosts_list *list = parse("10.0.0.1/1 localhost/1 10.0.0.2/1 "
                                  "10.0.0.3/1");
  struct backoff    *b    = NULL;
  struct candidates  c;
  unsigned           index;
  int                fd[3];
  int                scratch = -1;

  setenv("HERDCC_LOCAL_CPUS", "1", 1);
  assert_int_equal(backoff_new(dir, "gcc", 60, &b), 0);
  assert_int_equal(candidates_collect(list, dir, b, &c), 0);
  assert_int_equal(
    candidates_acquire_slot(dir, c.names, c.limits, c.count, &index, &fd[0]),
    0);
  assert_int_equal(index, 0);
  c.tried[0] = true;
  /* a retry: not the server tried, not localhost */
  assert_int_equal(candidates_pick_another(dir, &c, &index, &fd[1]), 0);
  assert_int_equal(index, 2);
  c.tried[2] = true;
  assert_int_equal(candidates_pick_another(dir, &c, &index, &fd[2]), 0);
  assert_int_equal(index, 3);
  c.tried[3] = true;
  assert_int_equal(candidates_pick_another(dir, &c, &index, &fd[2]) < 0, true);
  slots_release(dir, fd[1]);
  /* 10.0.0.2 is free again, but it was tried */
  assert_int_equal(candidates_pick_another(dir, &c, &index, &scratch), -EAGAIN);
  /* the first free slot in list order: localhost, the first is held */
  int fd_local = -1;
  assert_int_equal(
    candidates_acquire_slot(dir, c.names, c.limits, c.count, &index, &fd_local),
    0);
  assert_int_equal(index, 1);
  slots_release(dir, fd_local);
  slots_release(dir, fd[0]);
  slots_release(dir, fd[2]);
  unsetenv("HERDCC_LOCAL_CPUS");
  candidates_clear(&c);
  backoff_free(b);
  hosts_list_free(list);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(test_collect_in_order, fixture_dir_make,
                                    fixture_dir_remove),
    cmocka_unit_test_setup_teardown(test_any_native, fixture_dir_make,
                                    fixture_dir_remove),
    cmocka_unit_test_setup_teardown(test_randomize_keeps_the_hosts,
                                    fixture_dir_make, fixture_dir_remove),
    cmocka_unit_test_setup_teardown(test_slots_in_order_and_retries,
                                    fixture_dir_make, fixture_dir_remove),
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}
