/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "manage.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "backoff.h"
#include "compiler.h"
#include "dns.h"
#include "env.h"
#include "exitcode.h"
#include "hostlist.h"
#include "hosts.h"
#include "io.h"
#include "log.h"
#include "macro.h"
#include "proto.h"
#include "remote.h"
#include "ssh.h"
#include "statedir.h"
#include "zeroconf.h"

/* hostlist_load(), a bad specification said here (the library does not
 * log): -EINVAL then, and the caller exits EXIT_BAD_HOSTSPEC. */
static int load_hosts(struct hosts_list **ret_list)
{
  _cleanup_free_ char *why = NULL;
  int                  r   = hostlist_load(ret_list, &why);

  if (r == -EINVAL) {
    log_error("%s", why ? why : "bad host specification");
  }
  return r;
}

/* The host list an option that needs one works on: 0, or the exit code
 * when it does not parse or none is configured (both told). */
static int load_hosts_needed(struct hosts_list **ret_list)
{
  int r = load_hosts(ret_list);

  if (r == -EINVAL) {
    return EXIT_BAD_HOSTSPEC;
  }
  if (r < 0) {
    log_error("no hosts configured: set $HERDCC_HOSTS or $DISTCC_HOSTS");
    return EXIT_NO_HOSTS;
  }
  return 0;
}

/* "ok" only for an entry a compile would use: "cannot resolve" for a name
 * the DNS cache says has no address, "backed off" for a numeric address or
 * an ssh host in its backoff period. Owned. */
static char *host_state(struct backoff *backoff, const char *state,
                        const struct hosts_entry *e)
{
  char  address[BACKOFF_ADDRESS_MAX];
  char *why = NULL;

  if (e->kind == HOSTS_SSH && backoff) {
    _Static_assert(SSH_KEY_MAX <= BACKOFF_ADDRESS_MAX, "ssh keys fit");
    ssh_key(e, address);
    return strdup(backoff_skip(backoff, address) ? "backed off" : "ok");
  }
  if (e->kind == HOSTS_TCP && state &&
      dns_unresolvable(state, e->name, &why) > 0) {
    return why;
  }
  if (e->kind == HOSTS_LOCAL || !backoff ||
      backoff_format_entry(e, address) < 0) {
    return strdup("ok");
  }
  return strdup(backoff_skip(backoff, address) ? "backed off" : "ok");
}

int manage_show_hosts(void)
{
  struct hosts_list *list = NULL;
  int                r    = load_hosts_needed(&list);

  if (r != 0) {
    return r;
  }
  _cleanup_free_ char *state = NULL, *cc = NULL;
  struct backoff      *backoff = NULL;
  if (statedir_get(&state) < 0 || compiler_resolve("cc", &cc) < 0) {
    cc = NULL; /* then every discovered server is shown as usable */
  }
  if (state) {
    backoff_new(state, "cc", backoff_period_from_env(), &backoff);
    /* the names' caches, as a compile would have them */
    dns_refresh(
      list, state,
      (int)env_get_bounded("DNS_TIMEOUT", DNS_DEFAULT_TIMEOUT_MS, 1, 60000) +
        DNS_COLD_WAIT_EXTRA_MS);
  }
  for (size_t i = 0; i < list->count; i++) {
    const struct hosts_entry *e    = &list->entries[i];
    _cleanup_free_ char      *name = hosts_entry_describe(e);
    if (e->kind == HOSTS_ZEROCONF && state) {
      zeroconf_show(stdout, state, cc);
    } else if (e->kind == HOSTS_SRV && state) {
      dns_show(stdout, state, e);
    } else if (e->kind == HOSTS_ZEROCONF || e->kind == HOSTS_SRV) {
      printf("%s not available in this build\n", name);
    } else {
      _cleanup_free_ char *how = host_state(backoff, state, e);
      printf("%s/%u%s list %s\n", name, e->limit, e->lzo ? ",lzo" : "",
             how ? how : "ok");
    }
  }
  backoff_free(backoff);
  hosts_list_free(list);
  return 0;
}

int manage_jobs(void)
{
  struct hosts_list *list  = NULL;
  unsigned           total = 0;

  int r = load_hosts(&list);
  if (r == -EINVAL) {
    return EXIT_BAD_HOSTSPEC;
  }
  if (r < 0) {
    printf("%d\n", HOSTS_DEFAULT_LOCAL_LIMIT);
    return 0;
  }
  for (size_t i = 0; i < list->count; i++) {
    total += list->entries[i].limit;
  }
  hosts_list_free(list);
  printf("%u\n", total ? total : HOSTS_DEFAULT_LOCAL_LIMIT);
  return 0;
}

/* ---- --ping ------------------------------------------------------------- */

#define PING_COLD_WAIT_MS 2000
/* An ssh host's handshake and remote start, beyond the connect timeout. */
#define PING_SSH_GRACE_MS 10000

/* A TCP connect and close: "up" with the time it took, or why not. */
static const char *ping_address(const struct sockaddr *sa, socklen_t len,
                                int timeout_ms, long long *ret_us)
{
  struct timespec t0, t1;
  int fd = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  int error = 0;

  if (fd < 0) {
    return "error";
  }
  clock_gettime(CLOCK_MONOTONIC, &t0);
  if (connect(fd, sa, len) < 0) {
    error = errno;
    if (error == EINPROGRESS) {
      struct pollfd pfd  = { .fd = fd, .events = POLLOUT };
      socklen_t     elen = sizeof(error);
      int           n    = poll(&pfd, 1, timeout_ms);
      error              = n == 0 ? ETIMEDOUT : n < 0 ? errno : 0;
      if (n > 0) {
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &elen);
      }
    }
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  close(fd);
  *ret_us =
    (t1.tv_sec - t0.tv_sec) * 1000000LL + (t1.tv_nsec - t0.tv_nsec) / 1000;
  switch (error) {
    case 0:
      return "up";
    case ECONNREFUSED:
      return "refused";
    case ETIMEDOUT:
      return "timeout";
    default:
      return "unreachable";
  }
}

/* One line per address of e: ADDRESS PORT SOURCE STATE RTT_MS PROTOCOL. */
static bool ping_entry(const char *state, const struct hosts_entry *e,
                       const char *source, int timeout_ms)
{
  struct addrinfo  hints = { .ai_socktype = SOCK_STREAM,
                             .ai_flags    = AI_NUMERICSERV };
  struct addrinfo *list  = NULL;
  char             port[8], text[INET6_ADDRSTRLEN];
  const char      *protocol = e->lzo ? (e->herd ? "2,herd" : "2") : "1";
  bool             any      = false;

  snprintf(port, sizeof(port), "%u", e->port);
  if (dns_is_numeric(e->name)) {
    hints.ai_flags |= AI_NUMERICHOST;
    getaddrinfo(e->name, port, &hints, &list);
  } else {
    _cleanup_free_ struct dns_address *cached = NULL;
    _cleanup_free_ char               *why    = NULL;
    size_t                             count  = 0;
    int r = dns_addresses(state, e->name, e->port, &cached, &count, &why);
    if (r == -ENOTSUP) {
      getaddrinfo(e->name, port, &hints, &list);
    }
    for (size_t i = 0; i < count; i++) {
      long long   us;
      const char *st = ping_address((struct sockaddr *)&cached[i].address,
                                    cached[i].length, timeout_ms, &us);
      struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&cached[i].address;
      struct sockaddr_in  *in  = (struct sockaddr_in *)&cached[i].address;
      inet_ntop(in->sin_family,
                in->sin_family == AF_INET ? (void *)&in->sin_addr
                                          : (void *)&in6->sin6_addr,
                text, sizeof(text));
      printf("%s %s %s %s %.1f %s %s\n", text, port, source, st, us / 1000.0,
             protocol, e->name);
      any = any || strcmp(st, "up") == 0;
    }
    if (r < 0 && r != -ENOTSUP) {
      printf("%s %s %s unresolved - %s\n", e->name, port, source, protocol);
      return false;
    }
  }
  for (struct addrinfo *ai = list; ai; ai = ai->ai_next) {
    long long   us;
    const char *st = ping_address(ai->ai_addr, ai->ai_addrlen, timeout_ms, &us);
    getnameinfo(ai->ai_addr, ai->ai_addrlen, text, sizeof(text), NULL, 0,
                NI_NUMERICHOST);
    printf("%s %s %s %s %.1f %s\n", text, port, source, st, us / 1000.0,
           protocol);
    any = any || strcmp(st, "up") == 0;
  }
  freeaddrinfo(list);
  return any;
}

/* An ssh host: ssh started with the remote command, which is given an
 * empty request; up when the command ran. One line: KEY - SOURCE STATE
 * RTT_MS PROTOCOL [WHY]. */
static bool ping_ssh(const char *state, const struct hosts_entry *e,
                     int timeout_ms)
{
  struct ssh_conn     *conn = NULL;
  _cleanup_free_ char *why  = NULL;
  char                 key[SSH_KEY_MAX];
  struct timespec      t0, t1;
  int                  fd       = -1;
  const char          *protocol = e->lzo ? "2" : "1";

  ssh_key(e, key);
  clock_gettime(CLOCK_MONOTONIC, &t0);
  int r = ssh_start(e, state, timeout_ms, &conn, &fd);
  if (r < 0) {
    printf("%s - list down - %s %s\n", key, protocol, strerror(-r));
    return false;
  }
  shutdown(fd, SHUT_WR); /* the remote command sees its end at once */
  r = ssh_failure(conn, timeout_ms + PING_SSH_GRACE_MS, &why);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  bool up = r >= 0 && ssh_reached(conn);
  close(fd);
  ssh_free(conn, 0);
  double ms = (double)(t1.tv_sec - t0.tv_sec) * 1000.0 +
              (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
  if (up) {
    printf("%s - list up %.1f %s\n", key, ms, protocol);
  } else {
    printf("%s - list down %.1f %s %s\n", key, ms, protocol,
           why ? why : "ssh failed");
  }
  return up;
}

/* Every configured and discovered server, contacted once. */
int manage_ping(void)
{
  struct hosts_list   *list       = NULL;
  _cleanup_free_ char *state      = NULL;
  bool                 any        = false;
  int                  timeout_ms = (int)env_get_bounded("CONNECT_TIMEOUT",
                                                         REMOTE_CONNECT_TIMEOUT_MS, 1, 600000);

  int r = load_hosts_needed(&list);
  if (r != 0) {
    return r;
  }
  if (statedir_get(&state) < 0) {
    log_error("failed to open the state directory");
    hosts_list_free(list);
    return EXIT_GENERAL;
  }
  for (size_t i = 0; i < list->count; i++) {
    const struct hosts_entry *e = &list->entries[i];
    struct hosts_list one = { .entries = (struct hosts_entry *)e, .count = 1 };
    if (e->kind == HOSTS_TCP) {
      dns_expand_wait(&one, state, NULL,
                      PING_COLD_WAIT_MS); /* a name's cache */
      any = ping_entry(state, e, "list", timeout_ms) || any;
      continue;
    }
    if (e->kind == HOSTS_SSH) {
      any = ping_ssh(state, e, timeout_ms) || any;
      continue;
    }
    if (e->kind != HOSTS_ZEROCONF && e->kind != HOSTS_SRV) {
      continue;
    }
    _cleanup_free_ char *text  = hosts_entry_describe(e);
    struct hosts_list   *found = NULL;
    char                *bad   = NULL;
    if (!text || hosts_parse(text, &found, &bad) < 0) {
      free(bad);
      continue;
    }
    if (e->kind == HOSTS_ZEROCONF) {
      zeroconf_expand(found, state, NULL);
    } else {
      dns_expand_wait(found, state, NULL, PING_COLD_WAIT_MS);
    }
    for (size_t k = 0; k < found->count; k++) {
      if (found->entries[k].kind == HOSTS_TCP) {
        any =
          ping_entry(state, &found->entries[k],
                     e->kind == HOSTS_SRV ? "srv" : "zeroconf", timeout_ms) ||
          any;
      }
    }
    hosts_list_free(found);
  }
  hosts_list_free(list);
  return any ? 0 : EXIT_CONNECT_FAILED;
}

int manage_stats(void)
{
  char    self[PATH_MAX];
  ssize_t len    = readlink("/proc/self/exe", self, sizeof(self) - 1);
  char   *argv[] = { (char *)"herdcc-top", (char *)"--once", NULL };

  if (len > 0) {
    self[len]   = '\0';
    char *slash = strrchr(self, '/');
    if (slash &&
        (size_t)(slash - self) + sizeof("/herdcc-top") <= sizeof(self)) {
      strcpy(slash, "/herdcc-top");
      execv(self, argv);
    }
  }
  execvp("herdcc-top", argv);
  log_error("failed to exec herdcc-top: %m");
  return EXIT_COMPILER_MISSING;
}
