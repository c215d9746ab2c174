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

/* A host list, a compile's backoff state (backed_off, when not NULL,
 * backed off for every compiler) and the candidates collected from both. */
struct collected {
  struct hosts_list *list;
  struct backoff    *backoff;
  struct candidates  c;
};

static void collect(const char *dir, const char *text, const char *backed_off,
                    struct collected *k)
{
  char *bad = NULL;

  *k = (struct collected){ 0 };
  assert_int_equal(hosts_parse(text, &k->list, &bad), 0);
  assert_null(bad);
  assert_int_equal(backoff_new(dir, "gcc", 60, &k->backoff), 0);
  if (backed_off) {
    assert_int_equal(backoff_mark(k->backoff, backed_off, BACKOFF_ADDRESS,
                                  "Connection refused"),
                     0);
  }
  assert_int_equal(candidates_collect(k->list, dir, k->backoff, &k->c), 0);
}

static void collected_clear(struct collected *k)
{
  candidates_clear(&k->c);
  assert_int_equal(k->c.count, 0);
  backoff_free(k->backoff);
  hosts_list_free(k->list);
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
  struct collected k;

  collect(*state, "10.0.0.1/3,herd +zeroconf 10.0.0.2/2 localhost/1 10.0.0.3",
          "10.0.0.2:3632", &k);
  assert_int_equal(k.c.count, 3);
  assert_is(&k.c, 0, k.list, 0);
  assert_is(&k.c, 1, k.list, 3);
  assert_is(&k.c, 2, k.list, 4);
  assert_null(k.c.names[3]);
  assert_int_equal(k.c.backed_off, 1);
  assert_null(k.c.unresolved);
  assert_true(candidates_any_native(&k.c));
  collected_clear(&k);
}

static void test_any_native(void **state)
{
  struct collected k;

  collect(*state, "10.0.0.1 localhost @ssh-host", NULL, &k);
  assert_int_equal(k.c.count, 3);
  assert_false(candidates_any_native(&k.c));
  collected_clear(&k);
}

static void test_randomize_keeps_the_hosts(void **state)
{
  struct collected k;
  bool             seen[5] = { false };

  collect(*state, "--randomize 10.0.0.1 10.0.0.2 10.0.0.3 10.0.0.4 10.0.0.5",
          NULL, &k);
  assert_int_equal(k.c.count, 5);
  for (unsigned i = 0; i < k.c.count; i++) {
    size_t index = (size_t)(k.c.entries[i] - k.list->entries);
    assert_true(index < 5);
    assert_false(seen[index]);
    seen[index] = true;
    assert_is(&k.c, i, k.list, index);
  }
  collected_clear(&k);
}

static void test_slots_in_order_and_retries(void **state)
{
  const char        *dir = *state;
  struct collected   k;
  struct candidates *c = &k.c;
  unsigned           index;
  int                fd[3];
  int                scratch = -1;

  setenv("HERDCC_LOCAL_CPUS", "1", 1);
  collect(dir, "10.0.0.1/1 localhost/1 10.0.0.2/1 10.0.0.3/1", NULL, &k);
  assert_int_equal(
    candidates_acquire_slot(dir, c->names, c->limits, c->count, &index, &fd[0]),
    0);
  assert_int_equal(index, 0);
  c->tried[0] = true;
  /* a retry: not the server tried, not localhost */
  assert_int_equal(candidates_pick_another(dir, c, &index, &fd[1]), 0);
  assert_int_equal(index, 2);
  c->tried[2] = true;
  assert_int_equal(candidates_pick_another(dir, c, &index, &fd[2]), 0);
  assert_int_equal(index, 3);
  c->tried[3] = true;
  assert_int_equal(candidates_pick_another(dir, c, &index, &scratch), -EAGAIN);
  slots_release(dir, fd[1]);
  /* 10.0.0.2 is free again, but it was tried */
  assert_int_equal(candidates_pick_another(dir, c, &index, &scratch), -EAGAIN);
  /* the first free slot in list order: localhost, the first is held */
  assert_int_equal(
    candidates_acquire_slot(dir, c->names, c->limits, c->count, &index, &fd[1]),
    0);
  assert_int_equal(index, 1);
  for (size_t i = 0; i < 3; i++) {
    slots_release(dir, fd[i]);
  }
  unsetenv("HERDCC_LOCAL_CPUS");
  collected_clear(&k);
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
