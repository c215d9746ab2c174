/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The discovery model shared by publisher, refreshers and client: TXT
 * records (service.c) and the cache file (zcache.c). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "io.h"
#include "macro.h"
#include "service.h"
#include "strv.h"
#include "zcache.h"

static const struct {
  const char *machine, *version, *subtype;
} subtype_cases[] = {
  { "x86_64-linux-gnu",    "12",     "_x86-64-linux-gnu--12._sub._distcc._tcp"    },
  { "x86_64-pc-linux-gnu", "14.0.6",
   "_x86-64-pc-linux-gnu--14-0-6._sub._distcc._tcp"                               },
  { "AArch64-Linux-GNU",   "13.2",   "_aarch64-linux-gnu--13-2._sub._distcc._tcp" },
};

static void test_subtype(void **state)
{
  (void)state;
  for (size_t i = 0; i < ARRAY_SIZE(subtype_cases); i++) {
    struct service_compiler cc      = { { 0 }, { 0 } };
    _cleanup_free_ char    *subtype = NULL;
    snprintf(cc.machine, sizeof(cc.machine), "%s", subtype_cases[i].machine);
    snprintf(cc.version, sizeof(cc.version), "%s", subtype_cases[i].version);
    assert_int_equal(service_subtype(&cc, &subtype), 0);
    if (strcmp(subtype, subtype_cases[i].subtype) != 0) {
      fail_msg("%s/%s: subtype %s, expected %s", cc.machine, cc.version,
               subtype, subtype_cases[i].subtype);
    }
  }
}

/* Build a record, parse it back: every field survives. */
static void test_txt_round_trip(void **state)
{
  struct service_info        info = { .cpus        = 8,
                                      .jobs        = 10,
                                      .lzo         = true,
                                      .herd        = true,
                                      .speed       = 9780,
                                      .stats_port  = 3633,
                                      .n_compilers = 2 };
  struct service_info        back;
  _cleanup_strv_free_ char **txt = NULL;

  (void)state;
  strcpy(info.compilers[0].machine, "x86_64-linux-gnu");
  strcpy(info.compilers[0].version, "12");
  strcpy(info.compilers[1].machine, "x86_64-pc-linux-gnu");
  strcpy(info.compilers[1].version, "14.0.6");
  assert_int_equal(service_txt_build(&info, &txt), 0);
  size_t      n = strv_length(txt), lens[64];
  const char *items[64];
  for (size_t i = 0; i < n; i++) {
    items[i] = txt[i];
    lens[i]  = strlen(txt[i]);
  }
  assert_int_equal(service_txt_parse(items, lens, n, &back), 0);
  assert_int_equal(back.cpus, 8);
  assert_int_equal(back.jobs, 10);
  assert_true(back.lzo && back.herd);
  assert_int_equal(back.speed, 9780);
  assert_int_equal(back.stats_port, 3633);
  assert_int_equal(back.n_compilers, 2);
  assert_true(service_has_compiler(&back, &info.compilers[1]));
}

/* A stock distccd's record: cc_machine/cc_version are its one compiler;
 * no txtvers=1 is not a distcc record at all; hostile values are cut. */
static void test_txt_stock_and_hostile(void **state)
{
  const char         *stock[] = { "txtvers=1",
                                  "cpus=2",
                                  "jobs=4",
                                  "distcc=3.4",
                                  "cc_machine=x86_64-linux-gnu",
                                  "cc_version=12" };
  size_t              lens[ARRAY_SIZE(stock)];
  struct service_info info;

  (void)state;
  for (size_t i = 0; i < ARRAY_SIZE(stock); i++) {
    lens[i] = strlen(stock[i]);
  }
  assert_int_equal(service_txt_parse(stock, lens, ARRAY_SIZE(stock), &info), 0);
  assert_int_equal(info.n_compilers, 1);
  assert_false(info.lzo || info.herd);
  assert_string_equal(info.compilers[0].version, "12");
  assert_int_equal(service_txt_parse(stock + 1, lens + 1, 2, &info), -EINVAL);

  char long_value[600];
  memset(long_value, 'a', sizeof(long_value));
  memcpy(long_value, "cc_machine=", 11);
  const char *hostile[]      = { "txtvers=1", long_value, "jobs=99999999999",
                                 "cc0=nomachineversion", "cpus=-3" };
  size_t      hostile_lens[] = { 9, sizeof(long_value), 16, 20, 7 };
  assert_int_equal(service_txt_parse(hostile, hostile_lens, 5, &info), 0);
  assert_true(strlen(info.compilers[0].machine) <
              sizeof(info.compilers[0].machine));
  assert_int_equal(info.cpus, 0);
}

/* The cache file: what is written is read back; lines that do not parse
 * are skipped; the expiry and error lines come back too. */
static void test_zcache(void **state)
{
  char                                path[]     = "/tmp/herdcc-zcache-XXXXXX";
  struct zcache_entry                 entries[2] = { 0 };
  _cleanup_free_ struct zcache_entry *back       = NULL;
  size_t                              count;
  struct zcache_meta meta = { .expires = 1234567890 }, meta_back;

  (void)state;
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  close(fd);
  strcpy(entries[0].addr, "10.0.0.2");
  entries[0].port       = 3632;
  entries[0].info.jobs  = 4;
  entries[0].info.lzo   = true;
  entries[0].info.speed = 9780;
  strcpy(entries[0].name, "distcc@hostb #2\twith a tab");
  strcpy(entries[1].addr, "fe80::1%vA");
  entries[1].port             = 3633;
  entries[1].info.herd        = true;
  entries[1].info.stats_port  = 3700;
  entries[1].info.n_compilers = 1;
  strcpy(entries[1].info.compilers[0].machine, "x86_64-linux-gnu");
  strcpy(entries[1].info.compilers[0].version, "12");
  strcpy(meta.error, "no such domain");
  assert_int_equal(zcache_write_meta(path, entries, 2, &meta), 0);
  assert_int_equal(zcache_read(path, &back, &count), 0);
  assert_int_equal(count, 2);
  assert_string_equal(back[0].addr, "10.0.0.2");
  assert_int_equal(back[0].port, 3632);
  assert_true(back[0].info.lzo && !back[0].info.herd);
  assert_string_equal(back[0].name, "distcc@hostb #2 with a tab");
  assert_int_equal(back[0].info.stats_port, 0);
  assert_int_equal(back[0].info.speed, 9780);
  assert_int_equal(back[1].info.speed, 0);
  assert_true(back[1].info.herd && !back[1].info.lzo);
  assert_int_equal(back[1].info.stats_port, 3700);
  assert_string_equal(back[1].info.compilers[0].version, "12");
  assert_int_equal(zcache_read_meta(path, &meta_back), 0);
  assert_int_equal(meta_back.expires, 1234567890);
  assert_string_equal(meta_back.error, "no such domain");

  const char *junk =
    "# herdcc discovery cache 1\nnot a line\n1.2.3.4\t0\t4\t-\t-\tx\n"
    "1.2.3.4\t99999\t4\t-\t-\tx\n"
    "5.6.7.8\t3632\t2\t-\t-\tok\n"
    "5.6.7.9\t3632\t2\tlzo,future,stats=99999,speed=1000000\t-\tunknown flag\n";
  assert_int_equal(io_write_file_atomic(path, junk, strlen(junk)), 0);
  free(back);
  back = NULL;
  assert_int_equal(zcache_read(path, &back, &count), 0);
  assert_int_equal(count, 2);
  assert_string_equal(back[0].addr, "5.6.7.8");
  assert_true(back[1].info.lzo && !back[1].info.herd);
  assert_int_equal(back[1].info.stats_port, 0);
  assert_int_equal(back[1].info.speed, 0); /* over SERVICE_SPEED_MAX */
  unlink(path);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_subtype),
    cmocka_unit_test(test_txt_round_trip),
    cmocka_unit_test(test_txt_stock_and_hostile),
    cmocka_unit_test(test_zcache),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
