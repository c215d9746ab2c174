/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tests of herdccd's allow-list (access.h), as tables: CIDR parsing with
 * good and bad masks, matching IPv4, IPv6 and IPv4-mapped IPv6 peers, the
 * private networks allowed by default, and the peer names used in logs. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include <cmocka.h>

#include "access.h"
#include "macro.h"

/* ---- helpers ------------------------------------------------------------ */

/* "ADDR/PREFIX" as the rule holds it, host bits already cleared. */
static void rule_text(const struct access_rule *rule, char *buf, size_t len)
{
  char addr[INET6_ADDRSTRLEN];

  assert_non_null(inet_ntop(rule->family, rule->addr, addr, sizeof(addr)));
  snprintf(buf, len, "%s/%u", addr, rule->prefix);
}

/* A socket address for a literal; len 0 when text is not one. */
static socklen_t make_peer(const char *text, uint16_t port,
                           struct sockaddr_storage *ss)
{
  struct sockaddr_in  *in  = (struct sockaddr_in *)ss;
  struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

  memset(ss, 0, sizeof(*ss));
  if (inet_pton(AF_INET, text, &in->sin_addr) == 1) {
    in->sin_family = AF_INET;
    in->sin_port   = htons(port);
    return sizeof(*in);
  }
  if (inet_pton(AF_INET6, text, &in6->sin6_addr) == 1) {
    in6->sin6_family = AF_INET6;
    in6->sin6_port   = htons(port);
    return sizeof(*in6);
  }
  return 0;
}

/* rules: comma-separated --allow values, or "private", or "" (none). */
static void build_list(const char *rules, struct access_list *list)
{
  char *copy = strdup(rules);
  char *save = NULL;

  assert_non_null(copy);
  for (char *r = strtok_r(copy, ",", &save); r;
       r       = strtok_r(NULL, ",", &save)) {
    int ret = strcmp(r, "private") == 0 ? access_list_add_private(list)
                                        : access_list_add(list, r);
    if (ret < 0) {
      free(copy);
      fail_msg("rule list \"%s\": rule \"%s\" did not parse", rules, r);
    }
  }
  free(copy);
}

/* ---- parsing ------------------------------------------------------------ */

static const struct {
  const char *text;
  const char *expect; /* NULL: must be refused */
} parse_cases[] = {
  { "10.0.0.0/8",          "10.0.0.0/8"       },
  { "10.1.2.3/8",          "10.0.0.0/8"       }, /* host bits cleared */
  { "172.31.9.9/12",       "172.16.0.0/12"    },
  { "192.168.1.77/25",     "192.168.1.0/25"   },
  { "192.168.1.200/25",    "192.168.1.128/25" },
  { "192.168.1.7",         "192.168.1.7/32"   }, /* bare: one host */
  { "0.0.0.0/0",           "0.0.0.0/0"        },
  { "8.8.8.8/32",          "8.8.8.8/32"       },
  { "10.0.0.0/08",         "10.0.0.0/8"       },
  { "::1",                 "::1/128"          },
  { "fe80::1/10",          "fe80::/10"        },
  { "2001:db8:ffff::/32",  "2001:db8::/32"    },
  { "fd12:3456::/7",       "fc00::/7"         },
  { "::/0",                "::/0"             },
  { "2001:db8::1/128",     "2001:db8::1/128"  },
  { "::ffff:10.0.0.1/120", "10.0.0.0/24"      }, /* mapped: IPv4 */
  { "::ffff:10.0.0.1",     "10.0.0.1/32"      },
  { "::ffff:0:0/96",       "0.0.0.0/0"        },
  { "::ffff:0:0/95",       "::fffe:0:0/95"    }, /* wider: IPv6 */
  { "10.0.0.0/33",         NULL               }, /* mask too long */
  { "10.0.0.0/",           NULL               },
  { "10.0.0.0/-1",         NULL               },
  { "10.0.0.0/+8",         NULL               },
  { "10.0.0.0/8x",         NULL               },
  { "10.0.0.0/ 8",         NULL               },
  { "10.0.0.0/0008",       NULL               },
  { "10.0.0.0/8/8",        NULL               },
  { "10.0.0/8",            NULL               }, /* not a full address */
  { "10.0.0.256/8",        NULL               },
  { "",                    NULL               },
  { "/8",                  NULL               },
  { "localhost",           NULL               }, /* names are not CIDRs */
  { "example.org/24",      NULL               },
  { "2001:db8::/129",      NULL               },
  { "2001:db8::/1280",     NULL               },
  { "[::1]",               NULL               },
  { "2001:db8:::1/64",     NULL               },
};

static void test_parse(void **state)
{
  (void)state;
  for (size_t i = 0; i < ARRAY_SIZE(parse_cases); i++) {
    struct access_rule rule;
    char               got[96];
    int                r = access_rule_parse(parse_cases[i].text, &rule);

    if (!parse_cases[i].expect) {
      if (r != -EINVAL) {
        fail_msg("\"%s\": expected -EINVAL, got %d", parse_cases[i].text, r);
      }
      continue;
    }
    if (r < 0) {
      fail_msg("\"%s\": refused (%d), expected %s", parse_cases[i].text, r,
               parse_cases[i].expect);
    }
    rule_text(&rule, got, sizeof(got));
    if (strcmp(got, parse_cases[i].expect) != 0) {
      fail_msg("\"%s\": parsed as %s, expected %s", parse_cases[i].text, got,
               parse_cases[i].expect);
    }
  }
}

/* A bad value leaves the list as it was. */
static void test_add_bad_keeps_list(void **state)
{
  struct access_list list = { 0 };

  (void)state;
  assert_int_equal(access_list_add(&list, "10.0.0.0/8"), 0);
  assert_int_equal(access_list_add(&list, "10.0.0.0/33"), -EINVAL);
  assert_int_equal(access_list_add(&list, "bogus"), -EINVAL);
  assert_int_equal(list.n_rules, 1);
  access_list_clear(&list);
  assert_null(list.rules);
  assert_int_equal(list.n_rules, 0);
}

/* ---- matching ----------------------------------------------------------- */

static const struct {
  const char *rules;
  const char *peer;
  bool        allowed;
} allow_cases[] = {
  /* IPv4 */
  { "10.0.0.0/8",                "10.200.3.4",         true  },
  { "10.0.0.0/8",                "11.0.0.1",           false },
  { "10.0.0.0/8",                "9.255.255.255",      false },
  { "10.0.0.0/9",                "10.127.255.255",     true  },
  { "10.0.0.0/9",                "10.128.0.0",         false },
  { "192.168.1.0/24",            "192.168.1.255",      true  },
  { "192.168.1.0/24",            "192.168.2.0",        false },
  { "172.16.0.0/12",             "172.31.255.255",     true  },
  { "172.16.0.0/12",             "172.32.0.0",         false },
  { "10.0.0.5",                  "10.0.0.5",           true  },
  { "10.0.0.5",                  "10.0.0.6",           false },
  { "0.0.0.0/0",                 "8.8.8.8",            true  },
  { "10.0.0.0/8,192.168.0.0/16", "192.168.5.5",        true  },
  { "10.0.0.0/8,192.168.0.0/16", "172.16.0.1",         false },
  { "",                          "127.0.0.1",          false }, /* empty */
  /* IPv6 */
  { "2001:db8::/32",             "2001:db8:1::5",      true  },
  { "2001:db8::/32",             "2001:db9::1",        false },
  { "fe80::/10",                 "febf:ffff::1",       true  },
  { "fe80::/10",                 "fec0::1",            false },
  { "::1",                       "::1",                true  },
  { "::1",                       "::2",                false },
  { "::/0",                      "2a00::1",            true  },
  { "::/0",                      "10.0.0.1",           false }, /* family */
  { "10.0.0.0/8",                "::1",                false },
  /* IPv4-mapped IPv6 peers compare as IPv4 */
  { "10.0.0.0/8",                "::ffff:10.1.1.1",    true  },
  { "10.0.0.0/8",                "::ffff:11.1.1.1",    false },
  { "127.0.0.1",                 "::ffff:127.0.0.1",   true  },
  /* and so do mapped rules */
  { "::ffff:0:0/96",             "::ffff:10.1.1.1",    true  },
  { "::ffff:0:0/96",             "10.1.1.1",           true  },
  { "::ffff:0:0/96",             "2001:db8::1",        false },
  { "::ffff:10.0.0.0/104",       "10.1.1.1",           true  },
  { "::ffff:10.0.0.0/104",       "::ffff:11.1.1.1",    false },
  { "0.0.0.0/0",                 "::ffff:1.2.3.4",     true  },
  /* the private networks (the default) */
  { "private",                   "127.0.0.1",          true  },
  { "private",                   "127.255.0.9",        true  },
  { "private",                   "10.1.2.3",           true  },
  { "private",                   "172.20.0.1",         true  },
  { "private",                   "192.168.0.1",        true  },
  { "private",                   "169.254.1.1",        true  },
  { "private",                   "::1",                true  },
  { "private",                   "fd00::1",            true  },
  { "private",                   "fc00::1",            true  },
  { "private",                   "fe80::1",            true  },
  { "private",                   "::ffff:192.168.9.9", true  },
  { "private",                   "8.8.8.8",            false },
  { "private",                   "172.32.0.1",         false },
  { "private",                   "192.169.0.1",        false },
  { "private",                   "169.255.0.1",        false },
  { "private",                   "2001:db8::1",        false },
  { "private",                   "::2",                false },
  { "private",                   "fec0::1",            false },
  { "private",                   "::ffff:8.8.8.8",     false },
  { "private,8.8.8.0/24",        "8.8.8.8",            true  },
};

static void test_allows(void **state)
{
  (void)state;
  for (size_t i = 0; i < ARRAY_SIZE(allow_cases); i++) {
    struct access_list      list = { 0 };
    struct sockaddr_storage ss;
    socklen_t               len = make_peer(allow_cases[i].peer, 4000, &ss);

    if (len == 0) {
      fail_msg("case %zu: bad peer literal %s", i, allow_cases[i].peer);
    }
    build_list(allow_cases[i].rules, &list);
    bool got = access_list_allows(&list, (struct sockaddr *)&ss, len);
    access_list_clear(&list);
    if (got != allow_cases[i].allowed) {
      fail_msg("rules \"%s\", peer %s: %s, expected %s", allow_cases[i].rules,
               allow_cases[i].peer, got ? "allowed" : "refused",
               allow_cases[i].allowed ? "allowed" : "refused");
    }
  }
}

/* Other families, truncated addresses and no address are refused. */
static void test_allows_odd_addresses(void **state)
{
  struct access_list      list = { 0 };
  struct sockaddr_un      un   = { .sun_family = AF_UNIX };
  struct sockaddr_storage ss;
  socklen_t               len = make_peer("127.0.0.1", 1, &ss);

  (void)state;
  build_list("0.0.0.0/0,::/0", &list);
  assert_false(access_list_allows(&list, (struct sockaddr *)&un, sizeof(un)));
  assert_false(access_list_allows(&list, (struct sockaddr *)&ss, len - 1));
  assert_false(access_list_allows(&list, NULL, 0));
  assert_true(access_list_allows(&list, (struct sockaddr *)&ss, len));
  access_list_clear(&list);
}

/* ---- peer names --------------------------------------------------------- */

static const struct {
  const char *peer; /* NULL: no address (a pipe) */
  uint16_t    port;
  const char *expect;
} name_cases[] = {
  { "127.0.0.1",       40000, "127.0.0.1:40000"      },
  { "::1",             3632,  "[::1]:3632"           },
  { "::ffff:10.0.0.1", 1,     "10.0.0.1:1"           },
  { "2001:db8::42",    65535, "[2001:db8::42]:65535" },
  { NULL,              0,     "local"                },
};

static void test_peer_name(void **state)
{
  (void)state;
  for (size_t i = 0; i < ARRAY_SIZE(name_cases); i++) {
    struct sockaddr_storage ss;
    char                    got[ACCESS_PEER_NAME_MAX];
    socklen_t               len = 0;

    if (name_cases[i].peer) {
      len = make_peer(name_cases[i].peer, name_cases[i].port, &ss);
    }
    access_peer_name(len ? (struct sockaddr *)&ss : NULL, len, got);
    if (strcmp(got, name_cases[i].expect) != 0) {
      fail_msg("peer %s port %u: named \"%s\", expected \"%s\"",
               name_cases[i].peer ? name_cases[i].peer : "(none)",
               name_cases[i].port, got, name_cases[i].expect);
    }
  }
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_parse),
    cmocka_unit_test(test_add_bad_keeps_list),
    cmocka_unit_test(test_allows),
    cmocka_unit_test(test_allows_odd_addresses),
    cmocka_unit_test(test_peer_name),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
