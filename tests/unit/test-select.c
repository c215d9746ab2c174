/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tests of host choice (select.h): which offer a compile takes, as a
 * table of situations. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "select.h"

#define FREE(speed, slots, free)  { SELECT_FREE, speed, slots, 0, free }
#define WAIT(speed, slots, ahead) { SELECT_WAITING, speed, slots, ahead, 0 }
#define PEND(speed, slots)        { SELECT_PENDING, speed, slots, 0, 0 }
#define GONE                      { SELECT_GONE, 1, 1, 0, 0 }

static void test_best(void **state)
{
  static const struct {
    const char         *name;
    struct select_offer offers[4];
    size_t              n;
    int                 best;
  } cases[] = {
    { "nothing",                                               { GONE, GONE },                   2, -1 },
    { "the only free one",                                     { GONE, FREE(1, 1, 0) },          2, 1  },
    { "the faster free slot",                                  { FREE(1, 2, 1), FREE(4, 2, 1) }, 2, 1  },
    { "a fast slot soon beats a slow one now",
     { FREE(0.5, 3, 0), WAIT(4, 2, 0) },
     2,                                                                                             1  },
    { "a long queue on a fast host loses to a free slow slot",
     { FREE(1, 3, 0), WAIT(4, 2, 12) },
     2,                                                                                             0  },
    { "a fast server not answered yet is waited for",
     { FREE(1, 1, 0), PEND(4, 2) },
     2,                                                                                             1  },
    { "equal speeds within the tie: more free slots win",
     { FREE(1.0, 4, 0), FREE(1.05, 4, 3) },
     2,                                                                                             1  },
    { "equal speeds: free beats pending",                      { PEND(1, 2), FREE(1, 2, 0) },    2, 1  },
    { "equal everything: the first",                           { FREE(2, 2, 1), FREE(2, 2, 1) }, 2, 0  },
    { "waiting rooms: the shorter wait",
     { WAIT(2, 2, 5), WAIT(2, 2, 1), GONE },
     3,                                                                                             1  },
  };

  (void)state;
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    int best = select_best(cases[i].offers, cases[i].n);
    if (best != cases[i].best) {
      fail_msg("case \"%s\": got %d, want %d", cases[i].name, best,
               cases[i].best);
    }
  }
}

static void test_default_speed(void **state)
{
  static const struct {
    double speeds[4];
    size_t n;
    double want;
  } cases[] = {
    { { 0, 0 },    2, 1 },
    { { 3, 0, 1 }, 3, 2 },
    { { 5, 1, 3 }, 3, 3 },
  };

  (void)state;
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    double got = select_default_speed(cases[i].speeds, cases[i].n);
    if (got != cases[i].want) {
      fail_msg("case %zu: got %g, want %g", i, got, cases[i].want);
    }
  }
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_best),
    cmocka_unit_test(test_default_speed),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
