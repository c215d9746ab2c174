/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "publish.h"

#include <arpa/inet.h>
#include <avahi-client/client.h>
#include <avahi-client/publish.h>
#include <avahi-common/alternative.h>
#include <avahi-common/error.h>
#include <avahi-common/malloc.h>
#include <avahi-common/simple-watch.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "log.h"
#include "macro.h"
#include "strv.h"

#define PUBLISH_RETRY_S 5

struct publisher {
  const struct publish_config *config;
  AvahiSimplePoll             *poll;
  AvahiEntryGroup             *group;
  char                        *name;
  AvahiIfIndex                 iface;
  AvahiStringList             *txt;
  char                       **subtypes;
  bool                         warned;
};

static void publish(struct publisher *p, AvahiClient *client);

static void rename_after_collision(struct publisher *p)
{
  char *alt = avahi_alternative_service_name(p->name);

  log_notice("Service name %s is taken, publishing as %s", p->name, alt);
  avahi_free(p->name);
  p->name = alt;
}

static void on_group(AvahiEntryGroup *group, AvahiEntryGroupState state,
                     void *userdata)
{
  struct publisher *p = userdata;

  if (state == AVAHI_ENTRY_GROUP_ESTABLISHED) {
    log_notice("Published %s on mDNS", p->name);
  } else if (state == AVAHI_ENTRY_GROUP_COLLISION) {
    rename_after_collision(p);
    avahi_entry_group_reset(group);
    publish(p, avahi_entry_group_get_client(group));
  } else if (state == AVAHI_ENTRY_GROUP_FAILURE) {
    log_warning(
      "Failed to publish on mDNS: %s",
      avahi_strerror(avahi_client_errno(avahi_entry_group_get_client(group))));
  }
}

static int add_records(struct publisher *p)
{
  const struct publish_config *c = p->config;
  int                          r = avahi_entry_group_add_service_strlst(
    p->group, p->iface, AVAHI_PROTO_UNSPEC, 0, p->name, SERVICE_TYPE, NULL,
    NULL, c->port, p->txt);

  for (size_t i = 0; r >= 0 && p->subtypes && p->subtypes[i]; i++) {
    r = avahi_entry_group_add_service_subtype(
      p->group, p->iface, AVAHI_PROTO_UNSPEC, 0, p->name, SERVICE_TYPE, NULL,
      p->subtypes[i]);
  }
  return r;
}

static void publish(struct publisher *p, AvahiClient *client)
{
  if (!p->group) {
    p->group = avahi_entry_group_new(client, on_group, p);
    if (!p->group) {
      log_warning("Failed to publish on mDNS: %s",
                  avahi_strerror(avahi_client_errno(client)));
      return;
    }
  }
  int r = add_records(p);
  if (r == AVAHI_ERR_COLLISION) {
    rename_after_collision(p);
    avahi_entry_group_reset(p->group);
    publish(p, client);
    return;
  }
  if (r >= 0) {
    r = avahi_entry_group_commit(p->group);
  }
  if (r < 0) {
    log_warning("Failed to publish on mDNS: %s", avahi_strerror(r));
  }
}

static void on_client(AvahiClient *client, AvahiClientState state,
                      void *userdata)
{
  struct publisher *p = userdata;

  switch (state) {
    case AVAHI_CLIENT_S_RUNNING:
      publish(p, client);
      break;
    case AVAHI_CLIENT_S_COLLISION:
    case AVAHI_CLIENT_S_REGISTERING:
      if (p->group) {
        avahi_entry_group_reset(p->group);
      }
      break;
    case AVAHI_CLIENT_CONNECTING:
      /* No avahi-daemon, or it went away: its groups went with it. */
      p->group = NULL;
      if (!p->warned) {
        log_warning("avahi-daemon is not reachable; publishing on mDNS as "
                    "soon as it is");
        p->warned = true;
      }
      break;
    case AVAHI_CLIENT_FAILURE:
      log_warning("Lost avahi-daemon: %s; connecting again",
                  avahi_strerror(avahi_client_errno(client)));
      avahi_simple_poll_quit(p->poll);
      break;
  }
}

/* The interface that holds the only address listened on, or all. */
static AvahiIfIndex listening_interface(char *const *listen)
{
  struct ifaddrs *list;
  AvahiIfIndex    found = AVAHI_IF_UNSPEC;
  unsigned char   want[sizeof(struct in6_addr)];
  int             family = AF_INET;

  if (!listen || !listen[0] || listen[1]) {
    return AVAHI_IF_UNSPEC;
  }
  if (inet_pton(AF_INET, listen[0], want) != 1) {
    family = AF_INET6;
    if (inet_pton(AF_INET6, listen[0], want) != 1) {
      return AVAHI_IF_UNSPEC;
    }
  }
  if (getifaddrs(&list) < 0) {
    return AVAHI_IF_UNSPEC;
  }
  for (struct ifaddrs *i = list; i; i = i->ifa_next) {
    if (!i->ifa_addr || i->ifa_addr->sa_family != family) {
      continue;
    }
    const void *have =
      family == AF_INET
        ? (const void *)&((struct sockaddr_in *)i->ifa_addr)->sin_addr
        : (const void *)&((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr;
    if (memcmp(have, want, family == AF_INET ? 4 : 16) == 0) {
      found = (AvahiIfIndex)if_nametoindex(i->ifa_name);
      break;
    }
  }
  freeifaddrs(list);
  return found;
}

/* cpus x BogoMIPS of the first one: a rough figure for comparing hosts. */
static unsigned speed_figure(unsigned cpus)
{
  FILE    *f = fopen("/proc/cpuinfo", "re");
  char     line[256];
  unsigned bogomips = 0;

  while (f && fgets(line, sizeof(line), f)) {
    if (strncmp(line, "bogomips", 8) == 0) {
      const char *colon = strchr(line, ':');
      bogomips          = colon ? (unsigned)atof(colon + 1) : 0;
      break;
    }
  }
  if (f) {
    fclose(f);
  }
  return cpus * bogomips;
}

/* Identify each compiler once; the first is cc's (distcc's TXT keys). */
static void identify_compilers(const struct publish_config *c,
                               struct service_info         *info)
{
  for (size_t i = 0; c->compiler_paths && c->compiler_paths[i]; i++) {
    struct service_compiler cc;
    if (service_probe_compiler(c->compiler_paths[i], &cc) < 0 ||
        service_has_compiler(info, &cc) ||
        info->n_compilers >= SERVICE_MAX_COMPILERS) {
      continue;
    }
    info->compilers[info->n_compilers++] = cc;
  }
}

static int prepare(struct publisher *p)
{
  const struct publish_config *c    = p->config;
  long                         cpus = sysconf(_SC_NPROCESSORS_ONLN);
  struct service_info          info = { .cpus = cpus > 0 ? (unsigned)cpus : 1,
                                        .jobs = c->jobs,
                                        .stats_port = c->stats_port,
                                        .lzo        = true,
                                        .herd       = true };
  _cleanup_strv_free_ char   **txt  = NULL;
  char                         host[256] = "localhost";

  info.speed = c->speed ? c->speed : speed_figure(info.cpus);
  identify_compilers(c, &info);
  int r = service_txt_build(&info, &txt);
  for (size_t i = 0; r >= 0 && i < info.n_compilers; i++) {
    char *subtype;
    r = service_subtype(&info.compilers[i], &subtype);
    r = r < 0 ? r : strv_consume(&p->subtypes, subtype);
  }
  if (r < 0) {
    return r;
  }
  p->txt =
    avahi_string_list_new_from_array((const char **)txt, (int)strv_length(txt));
  gethostname(host, sizeof(host) - 1);
  host[strcspn(host, ".")] = '\0';
  p->name                  = avahi_strdup_printf("distcc@%s", host);
  p->iface                 = listening_interface(c->listen);
  return p->txt && p->name ? 0 : -ENOMEM;
}

static void on_stop(int sig)
{
  (void)sig;
  _exit(0); /* the client's socket closes: avahi-daemon withdraws us */
}

static _noreturn_ void run_publisher(const struct publish_config *config,
                                     pid_t                        parent)
{
  struct publisher p     = { .config = config };
  int              error = AVAHI_ERR_NO_MEMORY;

  sigset_t none;

  /* Nothing of the daemon's: not its sockets, not its blocked signals. */
  for (int fd = 3; fd < 1024; fd++) {
    if (fd != log_fd()) {
      close(fd);
    }
  }
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  signal(SIGTERM, on_stop);
  signal(SIGINT, on_stop);
  signal(SIGCHLD, SIG_DFL);
  prctl(PR_SET_PDEATHSIG, SIGTERM);
  if (getppid() != parent) {
    _exit(0);
  }
  if (prepare(&p) < 0) {
    log_error("Failed to prepare the mDNS records");
    _exit(1);
  }
  /* Without even a system bus, Avahi gives up at once: try again until
     one is there (with it, AVAHI_CLIENT_NO_FAIL waits for avahi-daemon). */
  /* A client that fails (avahi-daemon or the bus went away) is replaced;
     without even a system bus, Avahi gives up at once: try again until one
     is there. */
  for (;;) {
    p.poll = avahi_simple_poll_new();
    AvahiClient *client =
      p.poll ? avahi_client_new(avahi_simple_poll_get(p.poll),
                                AVAHI_CLIENT_NO_FAIL, on_client, &p, &error)
             : NULL;
    if (client) {
      avahi_simple_poll_loop(p.poll); /* until on_client quits it */
      p.group = NULL;
      avahi_client_free(client);
    } else if (!p.warned) {
      log_warning("avahi-daemon is not reachable (%s); publishing on mDNS as "
                  "soon as it is",
                  avahi_strerror(error));
      p.warned = true;
    }
    if (p.poll) {
      avahi_simple_poll_free(p.poll);
    }
    sleep(client ? 1 : PUBLISH_RETRY_S);
  }
}

int publish_start(const struct publish_config *config, pid_t *ret_pid)
{
  pid_t parent = getpid();
  pid_t pid    = fork();

  if (pid < 0) {
    return -errno;
  }
  if (pid == 0) {
    run_publisher(config, parent);
  }
  *ret_pid = pid;
  return 0;
}
