/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tests of the client's compile policy (policy.h): every situation a
 * compile meets, as a table, and what it decides. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "exitcode.h"
#include "policy.h"

static const struct policy_settings FALLBACK    = { .fallback         = true,
                                                    .skip_local_retry = true,
                                                    .max_attempts     = 3 };
static const struct policy_settings NO_FALLBACK = { .fallback         = false,
                                                    .skip_local_retry = true,
                                                    .max_attempts     = 3 };
static const struct policy_settings LOCAL_RETRY = { .fallback         = true,
                                                    .skip_local_retry = false,
                                                    .max_attempts     = 3 };

#define SEND   { .action = POLICY_SEND }
#define RETRY  { .action = POLICY_RETRY }
#define HERE   { .action = POLICY_RUN_HERE }
#define SLOT   { .action = POLICY_RUN_HERE, .in_slot = true }
#define END(c) { .action = POLICY_RETURN, .exit_code = (c) }

static void check(const char *name, struct policy_decision got,
                  struct policy_decision want)
{
  if (got.action != want.action || got.in_slot != want.in_slot ||
      (want.action == POLICY_RETURN && got.exit_code != want.exit_code)) {
    fail_msg("%s: action %d slot %d exit %d; expected %d %d %d", name,
             got.action, got.in_slot, got.exit_code, want.action, want.in_slot,
             want.exit_code);
  }
}

static void test_hosts(void **state)
{
  static const struct {
    const char                   *name;
    enum policy_hosts             hosts;
    const struct policy_settings *s;
    struct policy_decision        want;
  } cases[] = {
    { "a bad host spec ends the compile",  POLICY_HOSTS_BAD_SPEC,    &FALLBACK,
     END(EXIT_BAD_HOSTSPEC)                                                             },
    { "no host list: here, at once",       POLICY_HOSTS_UNSET,       &NO_FALLBACK, HERE },
    { "an unreadable list: here",          POLICY_HOSTS_UNREADABLE,  &FALLBACK,    HERE },
    { "nothing usable: here",              POLICY_HOSTS_NONE_USABLE, &NO_FALLBACK, HERE },
    { "all backed off: here, in a slot",   POLICY_HOSTS_BACKED_OFF,  &FALLBACK,
     SLOT                                                                               },
    { "all backed off, no fallback: here", POLICY_HOSTS_BACKED_OFF,
     &NO_FALLBACK,                                                                 SLOT },
    { "unresolved: the fallback",          POLICY_HOSTS_UNRESOLVED,  &FALLBACK,    SLOT },
    { "unresolved, no fallback: fails",    POLICY_HOSTS_UNRESOLVED,  &NO_FALLBACK,
     END(EXIT_CONNECT_FAILED)                                                           },
    { "candidates: send it",               POLICY_HOSTS_SOME,        &NO_FALLBACK, SEND },
  };

  (void)state;
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    check(cases[i].name, policy_for_hosts(cases[i].hosts, false, cases[i].s),
          cases[i].want);
  }
}

static void test_unresolved_told_once(void **state)
{
  (void)state;
  assert_int_equal(
    policy_for_hosts(POLICY_HOSTS_UNRESOLVED, true, &FALLBACK).level,
    LOG_LEVEL_WARNING);
  assert_int_equal(
    policy_for_hosts(POLICY_HOSTS_UNRESOLVED, false, &FALLBACK).level,
    LOG_LEVEL_INFO);
}

#define DONE(code) .outcome = REMOTE_DONE, .exit_code = (code)
#define CPP(code)  .outcome = REMOTE_CPP_FAILED, .exit_code = (code)
#define NOT(code)  .outcome = REMOTE_NOT_DISTRIBUTED, .exit_code = (code)

static void test_after_attempt(void **state)
{
  static const struct {
    const char                   *name;
    struct policy_attempt         a;
    const struct policy_settings *s;
    struct policy_decision        want;
  } cases[] = {
    { "compiled: its exit code",                              { DONE(0), .attempt = 1 }, &FALLBACK, END(0) },
    { "a compile error is the result",
     { DONE(1), .attempt = 1 },
     &FALLBACK,
     END(1)                                                                                                },
    { "a compile error checked here if asked",
     { DONE(1), .attempt = 1 },
     &LOCAL_RETRY,
     SLOT                                                                                                  },
    { "success is not checked",
     { DONE(0), .attempt = 1 },
     &LOCAL_RETRY,
     END(0)                                                                                                },
    { "cpp failed: here, for all a local compile says",
     { CPP(1), .attempt = 1 },
     &FALLBACK,
     SLOT                                                                                                  },
    { "cpp failed: here, fallback or not",
     { CPP(1), .attempt = 1 },
     &NO_FALLBACK,
     SLOT                                                                                                  },
    { "words only a local compile orders: here, not another",
     { NOT(EXIT_GENERAL), .here = true, .attempt = 1 },
     &NO_FALLBACK,
     SLOT                                                                                                  },
    { "a failed server: another",
     { NOT(EXIT_CONNECT_FAILED), .attempt = 1 },
     &NO_FALLBACK,
     RETRY                                                                                                 },
    { "the second failed: a third",
     { NOT(EXIT_BUSY), .attempt = 2 },
     &FALLBACK,
     RETRY                                                                                                 },
    { "the last failed: here",
     { NOT(EXIT_BUSY), .attempt = 3 },
     &FALLBACK,
     SLOT                                                                                                  },
    { "the last failed, no fallback: its code",
     { NOT(EXIT_BUSY), .attempt = 3 },
     &NO_FALLBACK,
     END(EXIT_BUSY)                                                                                        },
    { "no other free: here",
     { NOT(EXIT_GONE), .attempt = 1, .no_other = true },
     &FALLBACK,
     SLOT                                                                                                  },
    { "no other, no fallback: fails",
     { NOT(EXIT_GONE), .attempt = 1, .no_other = true },
     &NO_FALLBACK,
     END(EXIT_GONE)                                                                                        },
    { "no server takes such a job: another",
     { NOT(EXIT_GENERAL), .attempt = 1, .passed_over = true, .unfit = true },
     &NO_FALLBACK,
     RETRY                                                                                                 },
    { "no server takes such a job, no fallback: here",
     { NOT(EXIT_GENERAL), .attempt = 3, .passed_over = true, .unfit = true },
     &NO_FALLBACK,
     SLOT                                                                                                  },
    { "none other takes it, no fallback: here",
     { NOT(EXIT_GENERAL), .attempt = 1, .no_other = true, .unfit = true },
     &NO_FALLBACK,
     SLOT                                                                                                  },
    { "a local error runs here anyway",
     { .local_error = -EMFILE, .attempt = 1 },
     &NO_FALLBACK,
     SLOT                                                                                                  },
    { "out of memory ends it",
     { .local_error = -ENOMEM, .attempt = 1 },
     &FALLBACK,
     END(EXIT_OUT_OF_MEMORY)                                                                               },
  };

  (void)state;
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    check(cases[i].name, policy_after_attempt(&cases[i].a, cases[i].s),
          cases[i].want);
  }
}

static void test_passed_over_is_quiet(void **state)
{
  struct policy_attempt a = { NOT(EXIT_CONNECT_FAILED), .attempt = 3 };

  (void)state;
  assert_int_equal(policy_after_attempt(&a, &FALLBACK).level,
                   LOG_LEVEL_WARNING);
  a.passed_over = true;
  assert_int_equal(policy_after_attempt(&a, &FALLBACK).level, LOG_LEVEL_INFO);
  assert_int_equal(policy_after_attempt(&a, &NO_FALLBACK).level,
                   LOG_LEVEL_ERROR);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_hosts),
    cmocka_unit_test(test_unresolved_told_once),
    cmocka_unit_test(test_after_attempt),
    cmocka_unit_test(test_passed_over_is_quiet),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
