/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The discovered servers as a compile sees them: dcache_splice puts them
 * in the host list fastest job slot first. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dcache.h"
#include "hosts.h"
#include "zcache.h"

struct server {
  const char *addr;
  unsigned    jobs;
  unsigned    speed;
  bool        old_compiler; /* left out by keep */
};

struct splice_case {
  const char   *name;
  struct server servers[6];
  size_t        count;
  const char   *expect; /* the spliced addresses, in order, space-separated */
};

static const struct splice_case splice_cases[] = {
  { "no speeds: cache order",
   { { "10.0.0.1", 2, 0, false }, { "10.0.0.2", 4, 0, false } },
   2,                                                                       "10.0.0.1 10.0.0.2"                   },
  { "fastest slot first",
   { { "10.0.0.1", 2, 2000, false },
      { "10.0.0.2", 2, 8000, false },
      { "10.0.0.3", 2, 4000, false } },
   3,                                                                       "10.0.0.2 10.0.0.3 10.0.0.1"          },
  { "speed per slot, not per host",
   { { "10.0.0.1", 16, 16000, false }, { "10.0.0.2", 2, 4000, false } },
   2,                                                                       "10.0.0.2 10.0.0.1"                   },
  { "ties keep cache order; no speed goes last",
   { { "10.0.0.1", 2, 0, false },
      { "10.0.0.2", 2, 4000, false },
      { "10.0.0.3", 2, 4000, false },
      { "10.0.0.4", 4, 0, false } },
   4,                                                                       "10.0.0.2 10.0.0.3 10.0.0.1 10.0.0.4" },
  { "servers keep refuses are left out",
   { { "10.0.0.1", 2, 9000, true },
      { "10.0.0.2", 2, 1000, false },
      { "10.0.0.3", 2, 5000, false } },
   3,                                                                       "10.0.0.3 10.0.0.2"                   },
  { "nothing found",                             { { 0 } },              0, ""                                    },
};

static bool keep_current(const struct zcache_entry *entry, const void *unused)
{
  (void)unused;
  return strcmp(entry->name, "old") != 0;
}

static void test_splice_order(void **state)
{
  (void)state;
  for (size_t c = 0; c < sizeof(splice_cases) / sizeof(*splice_cases); c++) {
    const struct splice_case *t          = &splice_cases[c];
    struct zcache_entry       entries[6] = { 0 };
    struct hosts_list        *list       = NULL;
    size_t                    added      = 0;
    char                      got[256]   = "";

    for (size_t k = 0; k < t->count; k++) {
      snprintf(entries[k].addr, sizeof(entries[k].addr), "%s",
               t->servers[k].addr);
      entries[k].port       = 3632;
      entries[k].info.jobs  = t->servers[k].jobs;
      entries[k].info.speed = t->servers[k].speed;
      snprintf(entries[k].name, sizeof(entries[k].name), "%s",
               t->servers[k].old_compiler ? "old" : "new");
    }
    if (hosts_parse("before +zeroconf after", &list, NULL) < 0) {
      fail_msg("%s: the host list does not parse", t->name);
    }
    if (dcache_splice(list, 1, entries, t->count, keep_current, NULL, &added) <
        0) {
      fail_msg("%s: dcache_splice failed", t->name);
    }
    for (size_t k = 1; k < 1 + added; k++) {
      size_t len = strlen(got);
      snprintf(got + len, sizeof(got) - len, "%s%s", len ? " " : "",
               list->entries[k].name);
    }
    if (strcmp(got, t->expect) != 0) {
      fail_msg("%s: got '%s', expected '%s'", t->name, got, t->expect);
    }
    if (strcmp(list->entries[0].name, "before") != 0 ||
        strcmp(list->entries[list->count - 1].name, "after") != 0 ||
        list->count != 2 + added) {
      fail_msg("%s: the entries around +zeroconf moved", t->name);
    }
    hosts_list_free(list);
  }
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_splice_order),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
