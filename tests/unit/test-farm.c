/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The monitors' farm model (src/farm/farm.c): what each status fetch outcome is
 * shown as, and the servers and jobs gathered from a host list, a discovery
 * cache and job state files in a private state directory. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "farm.h"
#include "io.h"
#include "jobstate.h"
#include "zcache.h"
#include "zeroconf.h"

static void test_results(void **state)
{
  static const struct {
    int              r;
    bool             advertised;
    const char      *why;
    enum farm_status status;
    const char      *shown;
    bool             answered; /* before this outcome */
  } cases[] = {
    { -ECONNREFUSED, false, "",                       FARM_STATUS_NO_STATS,
     "stats port 3633: connection refused", false },
    { -ECONNREFUSED, false, "",                       FARM_STATUS_UNREACHABLE,
     "stats port 3633: connection refused", true  },
    { -ECONNREFUSED, true,  "",                       FARM_STATUS_UNREACHABLE,
     "stats port 3633: connection refused", false },
    { -ETIMEDOUT,    false, "",                       FARM_STATUS_UNREACHABLE,
     "stats port 3633: no answer in time",  false },
    { -EHOSTUNREACH, false, "",                       FARM_STATUS_UNREACHABLE,
     "stats port 3633: No route to host",   false },
    { -EACCES,       false, "refused: access denied", FARM_STATUS_REFUSED,
     "access denied",                       false },
    { -EBADMSG,      false, "not an HTTP response",   FARM_STATUS_BAD_REPLY,
     "not an HTTP response",                false },
  };

  (void)state;
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    struct farm_server s = { .stats_port       = 3633,
                             .stats_advertised = cases[i].advertised,
                             .answered         = cases[i].answered };
    farm_server_set_result(&s, cases[i].r, NULL, cases[i].why);
    if (s.status != cases[i].status || strcmp(s.why, cases[i].shown) != 0) {
      fail_msg("case %zu: %s \"%s\"", i, farm_status_name(s.status), s.why);
    }
  }

  /* success takes the document */
  struct farm_server s  = { .status = FARM_STATUS_UNREACHABLE };
  struct stats       st = { .running = 2, .job_count = 1 };
  st.jobs               = calloc(1, sizeof(*st.jobs));
  assert_non_null(st.jobs);
  strcpy(st.jobs[0].source, "x.c");
  strcpy(s.why, "old");
  farm_server_set_result(&s, 0, &st, NULL);
  assert_int_equal(s.status, FARM_STATUS_OK);
  assert_true(s.answered);
  assert_string_equal(s.why, "");
  assert_null(st.jobs);
  assert_int_equal(s.stats.running, 2);
  assert_string_equal(s.stats.jobs[0].source, "x.c");
  stats_clear(&s.stats);
}

/* Which states fail, which servers are asked, how a state reads. */
static void test_states(void **state)
{
  static const bool failing[FARM_STATUS_COUNT_] = {
    [FARM_STATUS_UNREACHABLE] = true,
    [FARM_STATUS_REFUSED]     = true,
    [FARM_STATUS_BAD_REPLY]   = true,
    [FARM_STATUS_UNRESOLVED]  = true,
  };
  char buf[FARM_WHY_MAX + 64];

  (void)state;
  for (int i = 0; i < FARM_STATUS_COUNT_; i++) {
    if (farm_status_failing((enum farm_status)i) != failing[i]) {
      fail_msg("status %s: failing is wrong", farm_status_name(i));
    }
  }
  assert_false(farm_status_failing(FARM_STATUS_COUNT_));

  struct farm_server s = { .source = FARM_SOURCE_STATIC, .addr = "10.0.0.1" };
  assert_true(farm_server_wants_fetch(&s));
  s.source = FARM_SOURCE_MDNS; /* no stats port in its TXT record */
  assert_false(farm_server_wants_fetch(&s));
  assert_int_equal(s.status, FARM_STATUS_NO_STATS);
  assert_string_equal(s.why, "no stats port advertised");
  s.stats_advertised = true;
  assert_true(farm_server_wants_fetch(&s));
  s.addr[0] = '\0';
  assert_false(farm_server_wants_fetch(&s));
  assert_int_equal(s.status, FARM_STATUS_UNRESOLVED);

  s.backed_off = true;
  assert_string_equal(
    farm_server_state(&s, "unresolved", "(backed off)", buf, sizeof(buf)),
    "unresolved (backed off): no address known");
  s.backed_off = false;
  s.why[0]     = '\0';
  assert_string_equal(farm_server_state(&s, "ok", "-", buf, sizeof(buf)), "ok");
}

/* A stats port that answered is remembered across reloads, by address,
 * port and stats port. */
static void test_remember(void **state)
{
  struct farm_server before_servers[] = {
    { .addr = "10.0.0.1", .port = 3632, .stats_port = 3633, .answered = true },
    { .addr = "10.0.0.2", .port = 3632, .stats_port = 3633 },
  };
  struct farm_server now_servers[] = {
    { .addr = "10.0.0.1", .port = 3632, .stats_port = 3633 },
    { .addr = "10.0.0.1", .port = 3632, .stats_port = 4000 },
    { .addr = "10.0.0.2", .port = 3632, .stats_port = 3633 },
  };
  struct farm before = { .servers = before_servers, .server_count = 2 };
  struct farm now    = { .servers = now_servers, .server_count = 3 };

  (void)state;
  farm_remember(&now, &before);
  assert_true(now_servers[0].answered);
  assert_false(now_servers[1].answered);
  assert_false(now_servers[2].answered);
  farm_remember(&now, NULL);
}

static char state_dir[] = "/tmp/herdcc-farm-XXXXXX";

/* The host list, the mDNS cache (fresh: no refresher is started) and one
 * job of this process. */
static void test_load(void **state)
{
  char                path[256];
  struct zcache_entry z[2] = { 0 };
  struct farm         farm = { 0 };

  (void)state;
  assert_non_null(mkdtemp(state_dir));
  setenv("HERDCC_DIR", state_dir, 1);
  unsetenv("HERDCC_JOBS_DIR");
  setenv("HERDCC_DISCOVER", "/bin/false", 1);
  setenv("HERDCC_RESOLVE", "/nonexistent", 1);
  setenv("HERDCC_HOSTS",
         "+zeroconf 10.0.0.9:4000/3,lzo 10.0.0.5:3632/1 localhost/2", 1);
  snprintf(path, sizeof(path), "%s/zeroconf", state_dir);
  assert_int_equal(mkdir(path, 0755), 0);
  snprintf(path, sizeof(path), "%s/zeroconf/hosts", state_dir);
  strcpy(z[0].addr, "10.0.0.5");
  z[0].port            = 3632;
  z[0].info.jobs       = 6;
  z[0].info.herd       = true;
  z[0].info.stats_port = 3700;
  strcpy(z[0].name, "distcc@b\033[31m");
  strcpy(z[1].addr, "10.0.0.6");
  z[1].port      = 3632;
  z[1].info.jobs = 0;
  strcpy(z[1].name, "distcc@c");
  assert_int_equal(zcache_write(path, z, 2), 0);

  /* --show-hosts prints the names the servers chose through the cleaner */
  char  *shown = NULL;
  size_t size  = 0;
  FILE  *out   = open_memstream(&shown, &size);
  assert_non_null(out);
  assert_int_equal(zeroconf_show(out, state_dir, NULL), 0);
  assert_int_equal(fclose(out), 0);
  if (!strstr(shown, " zeroconf distcc@b?[31m ok") || strchr(shown, '\033')) {
    fail_msg("--show-hosts wrote: %s", shown);
  }
  free(shown);

  assert_int_equal(farm_load_servers(&farm, 0), 0);
  assert_int_equal(farm.server_count, 3);
  /* mDNS first (it comes first in the list); 10.0.0.5 only once */
  assert_int_equal(farm.servers[0].source, FARM_SOURCE_MDNS);
  assert_string_equal(farm.servers[0].addr, "10.0.0.5");
  assert_int_equal(farm.servers[0].slots, 6);
  assert_int_equal(farm.servers[0].stats_port, 3700);
  assert_true(farm.servers[0].stats_advertised);
  assert_int_equal(farm.servers[1].source, FARM_SOURCE_MDNS);
  assert_int_equal(farm.servers[1].slots, 4); /* no TXT jobs: the default */
  assert_false(farm.servers[1].stats_advertised);
  assert_int_equal(farm.servers[2].source, FARM_SOURCE_STATIC);
  assert_string_equal(farm.servers[2].addr, "10.0.0.9");
  assert_int_equal(farm.servers[2].port, 4000);
  assert_int_equal(farm.servers[2].slots, 3);
  assert_true(farm.servers[2].lzo);
  assert_int_equal(farm.servers[2].stats_port, STATS_DEFAULT_PORT);

  /* this process's job, compiling on 10.0.0.5 */
  struct jobstate_writer *w = jobstate_writer_new("dir/x y.c");
  assert_non_null(w);
  jobstate_writer_phase(w, JOB_PHASE_COMPILE, "10.0.0.5:3632", 1);
  assert_int_equal(farm_load_jobs(&farm), 0);
  assert_int_equal(farm.job_count, 1);
  assert_int_equal(farm.jobs[0].state.pid, (uint32_t)getpid());
  assert_int_equal(farm.jobs[0].state.phase, JOB_PHASE_COMPILE);
  assert_string_equal(farm.jobs[0].state.file, "dir/x y.c");
  assert_int_equal(farm.servers[0].local_jobs, 1);
  assert_int_equal(farm.servers[2].local_jobs, 0);
  jobstate_writer_free(w);
  assert_int_equal(farm_load_jobs(&farm), 0);
  assert_int_equal(farm.job_count, 0);
  farm_clear(&farm);
}

/* A bad host list is a note for the monitors, naming the part that is
 * wrong; it never ends the process (the monitors run it in their loop). */
static void test_bad_host_list(void **state)
{
  struct farm farm = { 0 };

  (void)state;
  setenv("HERDCC_DIR", state_dir, 1);
  setenv("HERDCC_HOSTS", "10.0.0.5:3632 10.0.0.6:99999", 1);
  assert_int_equal(farm_load_servers(&farm, 0), 0);
  assert_int_equal(farm.server_count, 0);
  assert_non_null(strstr(farm.note, "bad host specification"));
  assert_non_null(strstr(farm.note, "99999"));
  farm_clear(&farm);
}

/* A server with nothing on its stats port, and one whose stats port
 * takes the connection and never answers: the round ends in time either
 * way. Loopback only. */
static void test_fetch_bounded(void **state)
{
  struct farm         farm = { 0 };
  struct farm_server *s    = calloc(2, sizeof(*s));
  struct sockaddr_in  sa   = { .sin_family      = AF_INET,
                               .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
  socklen_t           len  = sizeof(sa);
  int                 fd   = socket(AF_INET, SOCK_STREAM, 0);

  (void)state;
  assert_non_null(s);
  assert_true(fd >= 0);
  assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
  assert_int_equal(listen(fd, 8), 0); /* never accepted, never answered */
  assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
  farm.servers      = s;
  farm.server_count = 2;
  strcpy(s[0].addr, "127.0.0.1");
  s[0].port       = 1;
  s[0].stats_port = 1; /* nothing listens on tcpmux */
  strcpy(s[1].addr, "127.0.0.1");
  s[1].port       = 3632;
  s[1].stats_port = ntohs(sa.sin_port);
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  assert_int_equal(farm_fetch(&farm, 300), 0);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  long ms =
    (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
  assert_true(ms < 300 + 400);
  assert_int_equal(s[0].status, FARM_STATUS_NO_STATS);
  assert_int_equal(s[1].status, FARM_STATUS_UNREACHABLE);
  assert_non_null(strstr(s[1].why, "no answer in time"));
  farm_clear(&farm);
  close(fd);
}

static int teardown(void **state)
{
  char cmd[300];

  (void)state;
  if (strcmp(state_dir, "/tmp/herdcc-farm-XXXXXX") != 0) {
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", state_dir);
    return system(cmd) == 0 ? 0 : -1;
  }
  return 0;
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_results),       cmocka_unit_test(test_states),
    cmocka_unit_test(test_remember),      cmocka_unit_test(test_load),
    cmocka_unit_test(test_bad_host_list), cmocka_unit_test(test_fetch_bounded),
  };
  return cmocka_run_group_tests(tests, NULL, teardown);
}
