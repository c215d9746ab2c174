/* The listening side of herdccd. It binds its sockets first (a failure is
 * exit 102), then detaches when asked, so that whoever started it knows
 * the port is bound once the pid file appears; the serving process writes
 * the pid file (atomically), drops root (privs.h) and only then accepts.
 *
 * A connection takes no job slot until its request's command line (DIST
 * to the last ARGV) has arrived: the server accepts it, keeps it in a
 * table of at most --max-pending connections and watches it, peeking at
 * the queued bytes (which it leaves for the job process to read). One
 * whose command line is not there within --io-timeout is closed; when the
 * table is full, a new connection evicts the oldest one still without its
 * request, so idle or slow clients cannot starve real ones. A connection
 * whose request has arrived waits, in arrival order, for one of the --jobs
 * slots, and is then served by a forked job process (job.h). While the
 * table is full of such connections new ones wait in the kernel's backlog.
 *
 * One epoll loop accepts, watches the waiting connections and their
 * deadlines, reaps job processes and handles SIGTERM/SIGINT (forwarded to
 * the jobs, which kill their compilers and clean up) and the --lifetime
 * deadline; on either the daemon closes its sockets and the waiting
 * connections, removes the pid file and exits, letting jobs that are still
 * running finish. With --stats the same loop serves the stats port
 * (statsd.h), bound on the same addresses before detaching. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "job.h"
#include "privs.h"
#include "statsd.h"

#define SERVER_BACKLOG 128

/* A client that has queued this many bytes is not idling: its job process
 * may take it even if its command line is longer. */
#define SERVER_PEEK_MAX (32 * 1024)

#define SERVER_MAX_PENDING_DEFAULT 1024

struct server_config {
  char *const             *listen; /* borrowed; NULL/empty: any address */
  uint16_t                 port;
  unsigned                 jobs;        /* concurrent job processes, >= 1 */
  size_t                   max_pending; /* connections waiting, >= 1 */
  int                      request_timeout_ms; /* for DIST..ARGV, whole */
  unsigned                 lifetime_s;         /* 0: run until told to stop */
  const char              *pid_file;           /* borrowed, or NULL */
  const struct privs      *privs; /* borrowed: the user to become */
  bool                     detach;
  bool                     syslog_once_detached;
  bool                     keep_stderr; /* --log-stderr while detached */
  bool                     zeroconf;    /* publish over mDNS */
  const struct job_config *job;         /* borrowed */
  /* --stats: the stats port's configuration (borrowed), or NULL. Its
   * list_waiting and userdata are the server's own. */
  const struct statsd_config *stats;
};

/* Run the daemon until it stops; returns the process exit code (0 or one
 * of exitcode.h's). In the detaching case the starting process exits in
 * here, with the serving process's start-up result. */
int server_run(const struct server_config *config);
