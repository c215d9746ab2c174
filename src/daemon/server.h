/* The listening side of herdccd. It binds its sockets first (a failure is
 * exit 102), then detaches when asked, so that whoever started it knows
 * the port is bound once the pid file appears; the serving process writes
 * the pid file (atomically), drops root (privs.h) and only then accepts.
 * Each connection is served by a forked job process (job.h), at most
 * --jobs at a time: while every slot is busy the listening sockets are not
 * watched and new connections wait in the backlog. One epoll loop reaps
 * job processes and handles SIGTERM/SIGINT (forwarded to the jobs, which
 * kill their compilers and clean up) and the --lifetime deadline; on
 * either the daemon closes its sockets, removes the pid file and exits,
 * letting jobs that are still running finish. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "job.h"
#include "privs.h"

#define SERVER_BACKLOG 128

struct server_config {
  char *const             *listen; /* borrowed; NULL/empty: any address */
  uint16_t                 port;
  unsigned                 jobs;       /* concurrent job processes, >= 1 */
  unsigned                 lifetime_s; /* 0: run until told to stop */
  const char              *pid_file;   /* borrowed, or NULL */
  const struct privs      *privs;      /* borrowed: the user to become */
  bool                     detach;
  bool                     syslog_once_detached;
  bool                     keep_stderr; /* --log-stderr while detached */
  bool                     zeroconf;    /* publish over mDNS */
  const struct job_config *job;         /* borrowed */
};

/* Parse a listening address: an IPv4 or IPv6 literal ("::1" or "[::1]").
 * -EINVAL when it is neither. */
int server_parse_address(const char *text, uint16_t port,
                         struct sockaddr_storage *ret_addr, socklen_t *ret_len);

/* Run the daemon until it stops; returns the process exit code (0 or one
 * of exitcode.h's). In the detaching case the starting process exits in
 * here, with the serving process's start-up result. */
int server_run(const struct server_config *config);
