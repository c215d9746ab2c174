/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tests of backoff by address: the text of an address, what a state file
 * means (active, expired, from the future, garbage), the compiler scope,
 * period 0, the addresses one compile has tried, and the file's own text.
 * Each test works in a fresh state directory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cmocka.h>

#include "backoff.h"
#include "fixture.h"
#include "io.h"
#include "macro.h"

/* ---- helpers ------------------------------------------------------------ */

static void write_file(const char *dir, const char *name, const char *text)
{
  char path[4096];

  snprintf(path, sizeof(path), "%s/backoff", dir);
  assert_int_equal(io_mkdir_p(path, 0755), 0);
  snprintf(path, sizeof(path), "%s/backoff/%s", dir, name);
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
}

static bool file_exists(const char *dir, const char *name)
{
  char path[4096];

  snprintf(path, sizeof(path), "%s/backoff/%s", dir, name);
  return access(path, F_OK) == 0;
}

/* A new backoff object, so that only the state files speak. */
static bool skipped(const char *dir, const char *compiler, unsigned period,
                    const char *address)
{
  struct backoff *b = NULL;

  assert_int_equal(backoff_new(dir, compiler, period, &b), 0);
  bool skip = backoff_skip(b, address);
  backoff_free(b);
  return skip;
}

/* ---- the text of an address --------------------------------------------- */

static void test_format_address(void **state)
{
  static const struct {
    int         family;
    const char *ip;
    uint16_t    port;
    const char *want;
  } cases[] = {
    { AF_INET,  "10.1.2.3",        3632,  "10.1.2.3:3632"           },
    { AF_INET,  "127.0.0.2",       1,     "127.0.0.2:1"             },
    { AF_INET6, "::1",             3632,  "[::1]:3632"              },
    { AF_INET6, "fe80:0:0::0:1",   4000,  "[fe80::1]:4000"          },
    { AF_INET6, "::ffff:10.0.0.1", 3632,  "[::ffff:10.0.0.1]:3632"  },
    { AF_INET6, "2001:db8::ab:cd", 65535, "[2001:db8::ab:cd]:65535" },
  };

  (void)state;
  for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
    struct sockaddr_storage ss = { 0 };
    char                    text[BACKOFF_ADDRESS_MAX];
    if (cases[i].family == AF_INET) {
      struct sockaddr_in *in = (struct sockaddr_in *)&ss;
      in->sin_family         = AF_INET;
      in->sin_port           = htons(cases[i].port);
      inet_pton(AF_INET, cases[i].ip, &in->sin_addr);
    } else {
      struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
      in6->sin6_family         = AF_INET6;
      in6->sin6_port           = htons(cases[i].port);
      inet_pton(AF_INET6, cases[i].ip, &in6->sin6_addr);
    }
    if (backoff_format_address((struct sockaddr *)&ss, text) != 0 ||
        strcmp(text, cases[i].want) != 0) {
      fail_msg("case %s: got %s", cases[i].ip, text);
    }
  }
  struct sockaddr unix_address = { .sa_family = AF_UNIX };
  char            text[BACKOFF_ADDRESS_MAX];
  assert_int_equal(backoff_format_address(&unix_address, text), -EAFNOSUPPORT);
}

static void test_format_entry(void **state)
{
  static const struct {
    enum hosts_kind kind;
    const char     *name;
    const char     *want; /* NULL: not a numeric address */
  } cases[] = {
    { HOSTS_TCP,   "127.0.0.2",    "127.0.0.2:3632" },
    { HOSTS_TCP,   "0:0::1",       "[::1]:3632"     },
    { HOSTS_TCP,   "buildhost",    NULL             },
    { HOSTS_TCP,   "127.0.0.0002", NULL             },
    { HOSTS_LOCAL, "localhost",    NULL             },
  };

  (void)state;
  for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
    struct hosts_entry e                         = { .kind = cases[i].kind,
                                                     .name = (char *)cases[i].name,
                                                     .port = 3632 };
    char               text[BACKOFF_ADDRESS_MAX] = "";
    int                r = backoff_format_entry(&e, text);
    if (cases[i].want ? r != 0 || strcmp(text, cases[i].want) != 0
                      : r != -EINVAL) {
      fail_msg("case %s: r=%d text=%s", cases[i].name, r, text);
    }
  }
}

/* ---- what a state file means -------------------------------------------- */

static void test_state_files(void **state)
{
  const char *dir = *state;

  static const struct {
    const char *label;
    long long   age;  /* seconds before now; negative: in the future */
    const char *text; /* used instead of a time when set */
    bool        skip;
  } cases[] = {
    { "just now",            0,     NULL,     true  },
    { "within the period",   59,    NULL,     true  },
    { "at the period's end", 60,    NULL,     false },
    { "long ago",            86400, NULL,     false },
    { "from the future",     -3600, NULL,     false },
    { "garbage",             0,     "soon\n", false },
    { "empty",               0,     "",       false },
    { "no newline",          0,     "1x",     false },
  };

  for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
    char      text[64];
    bool      skip;
    long long now;
    /* Again when the clock ticked meanwhile: an age of 59 s is only
       within the period if it is still 59 s when the file is read. */
    do {
      now = (long long)time(NULL);
      if (cases[i].text) {
        snprintf(text, sizeof(text), "%s", cases[i].text);
      } else {
        snprintf(text, sizeof(text), "%lld\nrefused\n", now - cases[i].age);
      }
      write_file(dir, "10.0.0.1:3632", text);
      skip = skipped(dir, "gcc", 60, "10.0.0.1:3632");
    } while ((long long)time(NULL) != now);
    if (skip != cases[i].skip) {
      fail_msg("case \"%s\"", cases[i].label);
    }
    if (skipped(dir, "gcc", 60, "10.0.0.2:3632")) {
      fail_msg("case \"%s\": another address skipped", cases[i].label);
    }
  }
}

static void test_mark_and_scope(void **state)
{
  const char     *dir = *state;
  struct backoff *b   = NULL;

  assert_int_equal(backoff_new(dir, "gcc", 60, &b), 0);
  assert_int_equal(
    backoff_mark(b, "10.0.0.1:3632", BACKOFF_ADDRESS, "Connection refused"), 0);
  assert_int_equal(backoff_mark(b, "[::1]:4000", BACKOFF_COMPILER,
                                "refused: gcc is not allowed"),
                   0);
  assert_int_equal(backoff_mark(b, "10.0.0.3:3632", BACKOFF_NONE, "busy"), 0);
  backoff_free(b);

  assert_true(skipped(dir, "gcc", 60, "10.0.0.1:3632"));
  assert_true(skipped(dir, "clang", 60, "10.0.0.1:3632"));
  assert_true(skipped(dir, "gcc", 60, "[::1]:4000"));
  assert_false(skipped(dir, "clang", 60, "[::1]:4000"));
  assert_false(skipped(dir, "gcc", 60, "10.0.0.3:3632"));
  assert_true(file_exists(dir, "[::1]:4000,gcc"));
  assert_false(file_exists(dir, "10.0.0.3:3632"));
  /* A reader with period 0 never skips. */
  assert_false(skipped(dir, "gcc", 0, "10.0.0.1:3632"));
}

static void test_period_zero_and_tried(void **state)
{
  const char     *dir = *state;
  struct backoff *b   = NULL;

  assert_int_equal(backoff_new(dir, "gcc", 0, &b), 0);
  assert_int_equal(backoff_mark(b, "10.0.0.1:3632", BACKOFF_ADDRESS, "x"), 0);
  assert_false(file_exists(dir, "10.0.0.1:3632"));
  assert_false(backoff_skip(b, "10.0.0.1:3632"));
  assert_int_equal(backoff_note_tried(b, "10.0.0.1:3632"), 0);
  assert_true(backoff_skip(b, "10.0.0.1:3632"));
  assert_false(backoff_skip(b, "10.0.0.2:3632"));
  backoff_free(b);
}

/* Compiler names become file names: anything odd becomes "_". */
static void test_compiler_names(void **state)
{
  const char     *dir = *state;
  struct backoff *b   = NULL;

  assert_int_equal(backoff_new(dir, "../x86_64-linux-gnu-g++ 12", 60, &b), 0);
  assert_int_equal(backoff_mark(b, "10.0.0.1:3632", BACKOFF_COMPILER, "x"), 0);
  backoff_free(b);
  assert_true(file_exists(dir, "10.0.0.1:3632,.._x86_64-linux-gnu-g++_12"));
}

static void test_file_text(void **state)
{
  const char          *dir  = *state;
  struct backoff      *b    = NULL;
  _cleanup_free_ char *text = NULL, *path = NULL;
  size_t               len;
  long long            before = (long long)time(NULL);

  assert_int_equal(backoff_new(dir, "gcc", 60, &b), 0);
  assert_int_equal(
    backoff_mark(b, "10.0.0.1:3632", BACKOFF_ADDRESS, "server failed\nthe job"),
    0);
  backoff_free(b);
  assert_true(asprintf(&path, "%s/backoff/10.0.0.1:3632", dir) > 0);
  assert_int_equal(io_read_file(path, 4096, &text, &len), 0);
  char     *end;
  long long since = strtoll(text, &end, 10);
  assert_true(since >= before && since <= before + 5);
  assert_string_equal(end, "\nserver failed the job\n");
}

/* An address that served a job loses the expired state seen for it. */
static void test_forget(void **state)
{
  const char     *dir = *state;
  struct backoff *b   = NULL;

  write_file(dir, "10.0.0.1:3632", "1\nold\n");
  write_file(dir, "10.0.0.1:3632,gcc", "1\nold\n");
  write_file(dir, "10.0.0.2:3632", "1\nold\n");
  assert_int_equal(backoff_new(dir, "gcc", 60, &b), 0);
  assert_false(backoff_skip(b, "10.0.0.1:3632"));
  backoff_forget(b, "10.0.0.1:3632");
  backoff_forget(b, "10.0.0.2:3632"); /* never looked at: kept */
  backoff_free(b);
  assert_false(file_exists(dir, "10.0.0.1:3632"));
  assert_false(file_exists(dir, "10.0.0.1:3632,gcc"));
  assert_true(file_exists(dir, "10.0.0.2:3632"));
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_format_address),
    cmocka_unit_test(test_format_entry),
    cmocka_unit_test_setup_teardown(test_state_files, fixture_dir_make,
                                    fixture_dir_remove),
    cmocka_unit_test_setup_teardown(test_mark_and_scope, fixture_dir_make,
                                    fixture_dir_remove),
    cmocka_unit_test_setup_teardown(test_period_zero_and_tried,
                                    fixture_dir_make, fixture_dir_remove),
    cmocka_unit_test_setup_teardown(test_compiler_names, fixture_dir_make,
                                    fixture_dir_remove),
    cmocka_unit_test_setup_teardown(test_file_text, fixture_dir_make,
                                    fixture_dir_remove),
    cmocka_unit_test_setup_teardown(test_forget, fixture_dir_make,
                                    fixture_dir_remove),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
