/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ssh hosts (ssh.h) with a stand-in for ssh: a script that records its
 * command line, says something on stderr and exits as told. The command
 * line as distcc builds it (plus OpenSSH's sharing options only for a
 * command named "ssh"), and a failure named from ssh's words and status. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
/* clang-format off */
#include <cmocka.h>
/* clang-format on */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hosts.h"
#include "io.h"
#include "macro.h"
#include "ssh.h"

static char dir[] = "/tmp/herdcc-test-ssh-XXXXXX";

/* A stand-in named name: records "$@" in dir/args, prints words on
 * stderr, exits with code. */
static void stand_in(const char *name, const char *words, int code)
{
  char  path[256];
  FILE *f;

  snprintf(path, sizeof(path), "%s/%s", dir, name);
  f = fopen(path, "w");
  assert_non_null(f);
  fprintf(
    f, "#!/bin/sh\necho \"$@\" >%s/args\nprintf '%%s\\n' '%s' >&2\nexit %d\n",
    dir, words, code);
  fclose(f);
  assert_int_equal(chmod(path, 0755), 0);
  setenv("HERDCC_SSH", path, 1);
}

static char *run(const char *host_text, char **ret_args)
{
  struct hosts_list *list = NULL;
  char              *bad = NULL, *why = NULL, path[256];
  struct ssh_conn   *conn = NULL;
  int                fd   = -1;
  size_t             len;

  assert_int_equal(hosts_parse(host_text, &list, &bad), 0);
  assert_int_equal(ssh_start(&list->entries[0], dir, 1500, &conn, &fd), 0);
  close(fd);
  assert_int_equal(ssh_failure(conn, 5000, &why), 0);
  ssh_free(conn, 0);
  snprintf(path, sizeof(path), "%s/args", dir);
  assert_int_equal(io_read_file(path, 4096, ret_args, &len), 0);
  hosts_list_free(list);
  return why;
}

static void test_command_line(void **state)
{
  static const struct {
    const char *name; /* of the stand-in */
    const char *host;
    const char *args; /* a part of the command line it got */
    bool        sharing;
  } cases[] = {
    { "wrapper", "@build1",              "build1 herdccd --inetd",        false },
    { "wrapper", "bob@build1/3",         "-l bob build1 herdccd --inetd", false },
    { "wrapper", "@build1:/opt/distccd", "build1 /opt/distccd --inetd",   false },
    { "ssh",     "bob@build1,lzo",
     "BatchMode=yes -o ConnectTimeout=2 -l bob build1 herdccd --inetd",   true  },
  };

  (void)state;
  for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
    char *args = NULL;
    stand_in(cases[i].name, "", 0);
    char *why = run(cases[i].host, &args);
    if (!strstr(args, cases[i].args) ||
        (strstr(args, "ControlMaster=auto") != NULL) != cases[i].sharing ||
        (cases[i].sharing && !strstr(args, "ControlPersist=120"))) {
      fail_msg("case %s %s: got \"%s\"", cases[i].name, cases[i].host, args);
    }
    if (why) {
      fail_msg("case %s %s: a clean end reported as \"%s\"", cases[i].name,
               cases[i].host, why);
    }
    free(args);
  }
}

static void test_failures(void **state)
{
  static const struct {
    const char *words;
    int         code;
    const char *what;
  } cases[] = {
    { "bob@h: Permission denied (publickey).",                        255, "authentication failed"           },
    { "Host key verification failed.",                                255, "the host key was not accepted"   },
    { "bash: line 1: herdccd: command not found",                     127,
     "the remote command is not there"                                                                       },
    { "ssh: connect to host h port 22: Connection refused",           255,
     "no ssh server there"                                                                                   },
    { "ssh: Could not resolve hostname h: Name or service not known", 255,
     "the host name does not resolve"                                                                        },
    { "something else\x1b[31m",                                       255, "ssh failed"                      },
    { "",                                                             127, "the remote command is not there" },
  };

  (void)state;
  for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
    char *args = NULL;
    stand_in("ssh", cases[i].words, cases[i].code);
    char *why = run("@h", &args);
    if (!why || strncmp(why, cases[i].what, strlen(cases[i].what)) != 0 ||
        strchr(why, '\x1b')) {
      fail_msg("case \"%s\": got \"%s\"", cases[i].words, why ? why : "(none)");
    }
    free(why);
    free(args);
  }
}

static void test_option_names(void **state)
{
  struct hosts_entry host = { .kind = HOSTS_SSH,
                              .name = (char *)"-oProxyCommand=x" };
  struct ssh_conn   *conn = NULL;
  int                fd   = -1;

  (void)state;
  assert_int_equal(ssh_start(&host, dir, 1500, &conn, &fd), -EINVAL);
  host.name = (char *)"h";
  host.user = (char *)"-oProxyCommand=x";
  assert_int_equal(ssh_start(&host, dir, 1500, &conn, &fd), -EINVAL);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_command_line),
    cmocka_unit_test(test_failures),
    cmocka_unit_test(test_option_names),
  };
  assert_non_null(mkdtemp(dir));
  unsetenv("DISTCC_SSH");
  unsetenv("HERDCC_SSH_PERSIST");
  int  r = cmocka_run_group_tests(tests, NULL, NULL);
  char cmd[128];
  snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
  if (system(cmd) != 0) {
    r = r ? r : 1;
  }
  return r;
}
