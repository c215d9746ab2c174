/* SPDX-License-Identifier: GPL-2.0-or-later */
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
 * A herdcc client may open with HERD instead (the native extension,
 * herd.h; a stock client never does): the connection joins the same queue
 * as the waiting room, is invited when a slot is free for it (the slot is
 * reserved), sends its classic request then, or closes. A reservation not
 * used within SERVER_RESERVE_MS, or whose connection closes, is released
 * at once. Beyond the waiting room's bound, or beyond one address's bound
 * on pending and running connections, a client is told it is busy.
 *
 * One epoll loop accepts, watches the waiting connections and their
 * deadlines, reaps job processes and handles SIGTERM/SIGINT (forwarded to
 * the jobs, which kill their compilers and clean up) and the --lifetime
 * deadline; on either the daemon closes its sockets and the waiting
 * connections, removes the pid file and exits, letting jobs that are still
 * running finish. With --stats the same loop serves the stats port
 * (statsd.h), bound on the same addresses before detaching.
 *
 * Its parts: server.c (the accept, the table of waiting connections, the
 * job processes, the loop), room.h (the waiting room), drain.h (the
 * turned-away clients still sending), startup.h (binding, detaching, the
 * pid file, the publisher, the service manager); serverstate.h is the
 * state the first two share. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "job.h"
#include "privs.h"
#include "statsd.h"

/* A client that has queued this many bytes is not idling: its job process
 * may take it even if its command line is longer. */
#define SERVER_PEEK_MAX (32 * 1024)

#define SERVER_MAX_PENDING_DEFAULT 1024

/* The waiting room of the native extension: at most this many connections
 * in total (and never more than half of --max-pending), each invited one
 * holding its slot for SERVER_RESERVE_MS at most before its request. */
#define SERVER_ROOM_DEFAULT 256
#define SERVER_RESERVE_MS   2000

/* One client address may hold at most this many connections, pending
 * and running together (or 2 x --jobs, when that is more). */
#define SERVER_PER_ADDRESS_DEFAULT 64

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
  /* The native extension (herd.h): the speed announced in invitations (0:
   * unknown), the waiting room's bound in total (0: SERVER_ROOM_DEFAULT)
   * and the bound on one address's pending and running connections (0:
   * SERVER_PER_ADDRESS_DEFAULT), which covers classic clients too. */
  unsigned speed;
  size_t   room_max;
  size_t   per_address_max;
};

/* Run the daemon until it stops; returns the process exit code (0 or one
 * of exitcode.h's). In the detaching case the starting process exits in
 * here, with the serving process's start-up result. */
int server_run(const struct server_config *config);
