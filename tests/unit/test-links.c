/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tests of what the client knows of a link: no knowledge (zlib), a fast
 * link's rate (LZO), the measure kept decaying to a slower wire (zlib
 * again), damaged entries, $HERDCC_ZLIB forcing either way, and the
 * kernel's delivery rate read on a real loopback connection. Each test
 * works in a fresh state directory. */
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "fixture.h"
#include "links.h"

static int make_state_dir(void **state)
{
  unsetenv("HERDCC_ZLIB");
  unsetenv("DISTCC_ZLIB");
  return fixture_dir_make(state);
}

static int remove_state_dir(void **state)
{
  unsetenv("HERDCC_ZLIB");
  return fixture_dir_remove(state);
}

static void test_unknown_is_zlib(void **state)
{
  const char *dir = *state;

  assert_true(links_rate(dir, "10.0.0.1:3632") == 0);
  assert_true(links_use_zlib(dir, "10.0.0.1:3632"));
  assert_true(links_use_zlib(NULL, "10.0.0.1:3632"));
}

static void test_fast_then_slow(void **state)
{
  const char *dir = *state;

  links_record(dir, "127.0.0.1:3632", 10e9); /* loopback */
  assert_true(links_rate(dir, "127.0.0.1:3632") == 10e9);
  assert_false(links_use_zlib(dir, "127.0.0.1:3632"));
  /* another address knows nothing of it */
  assert_true(links_use_zlib(dir, "[::1]:3632"));
  /* a wire of 100 Mbit/s: the mean comes down below the fast bound */
  for (int i = 0; i < 20; i++) {
    links_record(dir, "127.0.0.1:3632", 12.5e6);
  }
  double rate = links_rate(dir, "127.0.0.1:3632");
  assert_true(rate > 12.5e6 && rate < LINKS_FAST_BPS);
  /* a sample held back by slow start does not make a fast link slow */
  links_record(dir, "10.0.0.2:3632", 1e9);
  links_record(dir, "10.0.0.2:3632", 40e6);
  assert_false(links_use_zlib(dir, "10.0.0.2:3632"));
  assert_true(links_rate(dir, "10.0.0.2:3632") == 0.75e9);
  assert_true(links_use_zlib(dir, "127.0.0.1:3632"));
  /* nonsense measures change nothing */
  links_record(dir, "127.0.0.1:3632", 0);
  links_record(dir, "127.0.0.1:3632", -5);
  assert_true(links_rate(dir, "127.0.0.1:3632") == rate);
}

static void test_damaged(void **state)
{
  const char *dir = *state;
  char        path[4096];
  const char *bad[] = { "", "fast\n", "1e400\n", "-3\n", "100", "12 13\n" };

  snprintf(path, sizeof(path), "%s/" LINKS_DIR, dir);
  mkdir(path, 0777);
  snprintf(path, sizeof(path), "%s/" LINKS_DIR "/h:1", dir);
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(bad[i], f);
    fclose(f);
    assert_true(links_rate(dir, "h:1") == 0);
    assert_true(links_use_zlib(dir, "h:1"));
  }
}

static void test_forced(void **state)
{
  const char *dir = *state;

  links_record(dir, "127.0.0.1:3632", 10e9);
  setenv("HERDCC_ZLIB", "1", 1);
  assert_true(links_use_zlib(dir, "127.0.0.1:3632"));
  setenv("HERDCC_ZLIB", "0", 1);
  assert_false(links_use_zlib(dir, "127.0.0.1:3632"));
  assert_false(links_use_zlib(dir, "10.0.0.9:3632")); /* unknown too */
}

static void test_measure_loopback(void **state)
{
  (void)state;
  int                lsock = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a     = { .sin_family      = AF_INET,
                               .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
  socklen_t          len   = sizeof(a);

  assert_true(lsock >= 0);
  assert_int_equal(bind(lsock, (struct sockaddr *)&a, sizeof(a)), 0);
  assert_int_equal(listen(lsock, 1), 0);
  assert_int_equal(getsockname(lsock, (struct sockaddr *)&a, &len), 0);
  int c = socket(AF_INET, SOCK_STREAM, 0);
  assert_int_equal(connect(c, (struct sockaddr *)&a, sizeof(a)), 0);
  int s = accept(lsock, NULL, NULL);
  assert_true(s >= 0);
  static char buf[256 * 1024];
  size_t      sent = 0;
  while (sent < sizeof(buf)) {
    ssize_t n = send(c, buf + sent, sizeof(buf) - sent, 0);
    assert_true(n > 0);
    sent += (size_t)n;
    while (recv(s, buf, sizeof(buf), MSG_DONTWAIT) > 0) {
    }
  }
  while (recv(s, buf, sizeof(buf), MSG_DONTWAIT) > 0) {
  }
  assert_true(links_measure(c) > 0);
  assert_true(links_measure(-1) == 0);
  close(c);
  close(s);
  close(lsock);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(test_unknown_is_zlib, make_state_dir,
                                    remove_state_dir),
    cmocka_unit_test_setup_teardown(test_fast_then_slow, make_state_dir,
                                    remove_state_dir),
    cmocka_unit_test_setup_teardown(test_damaged, make_state_dir,
                                    remove_state_dir),
    cmocka_unit_test_setup_teardown(test_forced, make_state_dir,
                                    remove_state_dir),
    cmocka_unit_test_setup_teardown(test_measure_loopback, make_state_dir,
                                    remove_state_dir),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
