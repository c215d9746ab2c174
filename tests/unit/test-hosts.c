/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tests of the host list: distcc's grammar (hosts_parse) and the names used
 * in logs (hosts_entry_describe), as tables. A parsed list is compared as
 * one line that spells out every field of every entry, so that a case
 * states all of what its text means. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "hosts.h"
#include "macro.h"

/* ---- helpers ------------------------------------------------------------ */

static const char *kind_name(enum hosts_kind kind)
{
  switch (kind) {
    case HOSTS_TCP:
      return "tcp";
    case HOSTS_SSH:
      return "ssh";
    case HOSTS_LOCAL:
      return "local";
    case HOSTS_ZEROCONF:
      return "zeroconf";
    case HOSTS_SRV:
      return "srv";
  }
  return "?";
}

/* "tcp name=h port=3632 limit=4 lzo; ...; --randomize". Fields that are
 * absent (NULL, 0, false) are left out; list settings appear when they
 * differ from the defaults. */
static char *dump(const struct hosts_list *list)
{
  char  *text = NULL;
  size_t size = 0;
  FILE  *f    = open_memstream(&text, &size);
  assert_non_null(f);

  const char *sep = "";
  for (size_t i = 0; i < list->count; i++) {
    const struct hosts_entry *e = &list->entries[i];
    fprintf(f, "%s%s name=%s", sep, kind_name(e->kind),
            e->name ? e->name : "-");
    if (e->user) {
      fprintf(f, " user=%s", e->user);
    }
    if (e->command) {
      fprintf(f, " command=%s", e->command);
    }
    if (e->port) {
      fprintf(f, " port=%u", e->port);
    }
    if (e->limit) {
      fprintf(f, " limit=%u", e->limit);
    }
    fprintf(f, "%s%s%s", e->lzo ? " lzo" : "", e->cpp ? " cpp" : "",
            e->herd ? " herd" : "");
    sep = "; ";
  }
  if (list->local_slots != HOSTS_DEFAULT_LOCAL_LIMIT) {
    fprintf(f, "%s--localslots=%u", sep, list->local_slots);
    sep = "; ";
  }
  if (list->local_slots_cpp != HOSTS_DEFAULT_LOCAL_CPP) {
    fprintf(f, "%s--localslots_cpp=%u", sep, list->local_slots_cpp);
    sep = "; ";
  }
  if (list->randomize) {
    fprintf(f, "%s--randomize", sep);
  }
  assert_int_equal(fclose(f), 0);
  return text;
}

/* ---- hosts_parse: good lists -------------------------------------------- */

struct list_case {
  const char *text;
  const char *list; /* dump() of the result */
};

/* Text on one line, what it parses to on the next. */
/* clang-format off */
static const struct list_case list_cases[] = {
  /* TCP servers: host[:port][/limit][,options] */
  { "host",
    "tcp name=host port=3632 limit=4" },
  { "host:3633",
    "tcp name=host port=3633 limit=4" },
  { "host/8",
    "tcp name=host port=3632 limit=8" },
  { "host:3633/8,lzo",
    "tcp name=host port=3633 limit=8 lzo" },
  { "host,lzo,cpp",
    "tcp name=host port=3632 limit=4 lzo cpp" },
  { "host,cpp,lzo,herd",
    "tcp name=host port=3632 limit=4 lzo cpp herd" },
  { "host:1/1000",
    "tcp name=host port=1 limit=1000" },
  { "host:65535",
    "tcp name=host port=65535 limit=4" },
  { "10.0.0.7:4000",
    "tcp name=10.0.0.7 port=4000 limit=4" },
  { "build-3.farm.test",
    "tcp name=build-3.farm.test port=3632 limit=4" },
  /* distcc's older order: host/limit:port */
  { "host/8:3633",
    "tcp name=host port=3633 limit=8" },
  { "host/2:3633,lzo",
    "tcp name=host port=3633 limit=2 lzo" },
  /* IPv6 literals in brackets */
  { "[::1]:3633/4,lzo",
    "tcp name=::1 port=3633 limit=4 lzo" },
  { "[fe80::1]",
    "tcp name=fe80::1 port=3632 limit=4" },
  { "[2001:db8::5]/6",
    "tcp name=2001:db8::5 port=3632 limit=6" },
  /* ssh: [user]@host[/limit][:command][,options] */
  { "user@host",
    "ssh name=host user=user limit=4" },
  { "@host/4",
    "ssh name=host limit=4" },
  { "user@host:/usr/bin/distccd,lzo",
    "ssh name=host user=user command=/usr/bin/distccd limit=4 lzo" },
  { "me@host/3:/opt/distccd",
    "ssh name=host user=me command=/opt/distccd limit=3" },
  { "me@[::1]/2",
    "ssh name=::1 user=me limit=2" },
  /* this machine: localhost[/limit] only, as in distcc */
  { "localhost",
    "local name=localhost limit=2" },
  { "localhost/3",
    "local name=localhost limit=3" },
  { "localhost,lzo",
    "tcp name=localhost port=3632 limit=4 lzo" },
  { "localhost:3633",
    "tcp name=localhost port=3633 limit=4" },
  { "localhosts",
    "tcp name=localhosts port=3632 limit=4" },
  /* settings of the list */
  { "--localslots=4",
    "--localslots=4" },
  { "--localslots_cpp=8",
    "--localslots_cpp=8" },
  { "--randomize a",
    "tcp name=a port=3632 limit=4; --randomize" },
  { "--localslots=1 --localslots_cpp=1 --randomize",
    "--localslots=1; --localslots_cpp=1; --randomize" },
  /* discovery */
  { "+zeroconf",
    "zeroconf name=-" },
  { "+srv",
    "srv name=-" },
  { "+srv=farm.test",
    "srv name=farm.test" },
  /* white space and comments */
  { "",
    "" },
  { " \t\n ",
    "" },
  { "# just a comment",
    "" },
  { "a b",
    "tcp name=a port=3632 limit=4; tcp name=b port=3632 limit=4" },
  { "a\tb/2\n\n  c:4000 ",
    "tcp name=a port=3632 limit=4; tcp name=b port=3632 limit=2; "
    "tcp name=c port=4000 limit=4" },
  { "a # b c\nd",
    "tcp name=a port=3632 limit=4; tcp name=d port=3632 limit=4" },
  { "a#b\r\nc",
    "tcp name=a port=3632 limit=4; tcp name=c port=3632 limit=4" },
  { "# farm\nlocalhost/2 # this machine\n+zeroconf\n",
    "local name=localhost limit=2; zeroconf name=-" },
  { "a,lzo @b localhost +srv=x --randomize",
    "tcp name=a port=3632 limit=4 lzo; ssh name=b limit=4; "
    "local name=localhost limit=2; srv name=x; --randomize" },
};
/* clang-format on */

static void test_parse(void **state)
{
  (void)state;
  for (size_t i = 0; i < ARRAY_SIZE(list_cases); i++) {
    const struct list_case *c    = &list_cases[i];
    struct hosts_list      *list = NULL;
    char                   *bad  = NULL;
    int                     r    = hosts_parse(c->text, &list, &bad);

    if (r < 0) {
      fail_msg("\"%s\": returned %d (bad token \"%s\")", c->text, r,
               bad ? bad : "(null)");
    }
    if (bad) {
      fail_msg("\"%s\": parsed, yet the bad token is set", c->text);
    }
    _cleanup_free_ char *got = dump(list);
    hosts_list_free(list);
    if (strcmp(got, c->list) != 0) {
      fail_msg("\"%s\": parsed as \"%s\", expected \"%s\"", c->text, got,
               c->list);
    }
  }
}

/* ---- hosts_parse: bad lists --------------------------------------------- */

struct bad_case {
  const char *text;
  const char *bad; /* the token named */
};

static const struct bad_case bad_cases[] = {
  /* ports */
  { "host:",                "host:"             },
  { "host:0",               "host:0"            },
  { "host:99999",           "host:99999"        },
  { "host:65536",           "host:65536"        },
  { "host:36x",             "host:36x"          },
  { "host:-1",              "host:-1"           },
  /* limits */
  { "host/0",               "host/0"            },
  { "host/x",               "host/x"            },
  { "host/1001",            "host/1001"         },
  { "host/",                "host/"             },
  { "localhost/0",          "localhost/0"       },
  /* options */
  { "host,bogus",           "host,bogus"        },
  { "host,auth",            "host,auth"         },
  { "host,lzo,",            "host,lzo,"         },
  { "host,",                "host,"             },
  { "host,lzofoo",          "host,lzofoo"       },
  /* names */
  { ":3632",                ":3632"             },
  { "[::1",                 "[::1"              },
  { "[]:3632",              "[]:3632"           },
  { "[::1]x",               "[::1]x"            },
  { "user@",                "user@"             },
  { "user@host:",           "user@host:"        },
  { "user@/4",              "user@/4"           },
  /* settings and discovery */
  { "--bogus",              "--bogus"           },
  { "--localslots=0",       "--localslots=0"    },
  { "--localslots=x",       "--localslots=x"    },
  { "--localslots_cpp=",    "--localslots_cpp=" },
  { "+nope",                "+nope"             },
  { "+srv=",                "+srv="             },
  { "+zeroconf/4",          "+zeroconf/4"       },
  /* the bad token among good ones */
  { "a host:0 b",           "host:0"            },
  { "a # host:0\nb,nope c", "b,nope"            },
};

static void test_parse_bad(void **state)
{
  (void)state;
  for (size_t i = 0; i < ARRAY_SIZE(bad_cases); i++) {
    const struct bad_case *c = &bad_cases[i];
    /* Written only on success: a failure leaves the marker in place. */
    struct hosts_list    marker;
    struct hosts_list   *list = &marker;
    _cleanup_free_ char *bad  = NULL;
    int                  r    = hosts_parse(c->text, &list, &bad);

    if (r != -EINVAL) {
      fail_msg("\"%s\": returned %d, expected -EINVAL", c->text, r);
    }
    if (!bad || strcmp(bad, c->bad) != 0) {
      fail_msg("\"%s\": names \"%s\" as bad, expected \"%s\"", c->text,
               bad ? bad : "(null)", c->bad);
    }
    if (list != &marker) {
      fail_msg("\"%s\": failed, but the list was written", c->text);
    }
  }
}

/* hosts_why_bad() names the part that is wrong. */
static const struct bad_case why_cases[] = {
  { "host:99999",        "port ':99999'"   },
  { "host:",             "port ':'"        },
  { "host/0",            "limit '/0'"      },
  { "host:3632/x,lzo",   "limit '/x'"      },
  { "host,lzp",          "option ',lzp'"   },
  { "host,auth",         "',auth'"         },
  { "[::1",              "no ']'"          },
  { "[]:3632",           "'[]'"            },
  { ":3632",             "no host name"    },
  { "+zerconf",          "'+zerconf'"      },
  { "--localslots=many", "'many'"          },
  { "--fast",            "unknown setting" },
  { "user@host:",        "no command"      },
};

static void test_why_bad(void **state)
{
  (void)state;
  for (size_t i = 0; i < ARRAY_SIZE(why_cases); i++) {
    const struct bad_case *c    = &why_cases[i];
    struct hosts_list     *list = NULL;
    _cleanup_free_ char   *bad  = NULL;

    if (hosts_parse(c->text, &list, &bad) != -EINVAL) {
      fail_msg("\"%s\": accepted", c->text);
    }
    if (!strstr(hosts_why_bad(), c->bad)) {
      fail_msg("\"%s\": says \"%s\", which does not name \"%s\"", c->text,
               hosts_why_bad(), c->bad);
    }
  }
}

/* ---- hosts_entry_describe ----------------------------------------------- */

struct describe_case {
  const char *text; /* one entry */
  const char *described;
};

static const struct describe_case describe_cases[] = {
  { "host",                       "host:3632"      },
  { "host:3633/8,lzo",            "host:3633"      },
  { "10.0.0.7",                   "10.0.0.7:3632"  },
  { "[::1]:3633",                 "[::1]:3633"     },
  { "[fe80::1]/2",                "[fe80::1]:3632" },
  { "user@host:/usr/bin/distccd", "user@host"      },
  { "@host/4",                    "@host"          },
  { "localhost/3",                "localhost"      },
  { "localhost,lzo",              "localhost:3632" },
  { "+zeroconf",                  "+zeroconf"      },
  { "+srv",                       "+srv"           },
  { "+srv=farm.test",             "+srv=farm.test" },
};

static void test_describe(void **state)
{
  (void)state;
  for (size_t i = 0; i < ARRAY_SIZE(describe_cases); i++) {
    const struct describe_case *c    = &describe_cases[i];
    struct hosts_list          *list = NULL;
    char                       *bad  = NULL;

    if (hosts_parse(c->text, &list, &bad) < 0 || list->count != 1) {
      fail_msg("\"%s\": not one entry", c->text);
    }
    _cleanup_free_ char *got = hosts_entry_describe(&list->entries[0]);
    hosts_list_free(list);
    if (!got || strcmp(got, c->described) != 0) {
      fail_msg("\"%s\": described as \"%s\", expected \"%s\"", c->text,
               got ? got : "(null)", c->described);
    }
  }
}

static void test_list_free_null(void **state)
{
  (void)state;
  assert_null(hosts_list_free(NULL));
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_parse),          cmocka_unit_test(test_parse_bad),
    cmocka_unit_test(test_why_bad),        cmocka_unit_test(test_describe),
    cmocka_unit_test(test_list_free_null),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
