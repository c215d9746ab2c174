/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The listening side's state, shared by its two parts and by nothing
 * else (main.c includes server.h): server.c (the accept, the table of
 * connections without a job process, the job processes, the loop) and
 * room.c (the waiting room of the native extension, which seats, invites
 * and turns away connections of the same table). Declared here: the
 * table's entries, the server, and the few operations of server.c the
 * waiting room needs. */
#pragma once

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "drain.h"
#include "macro.h"
#include "server.h"
#include "statsd.h"

/* Where a connection stands in the native extension (herd.h). */
enum conn_room {
  ROOM_NONE,    /* a classic request, or nothing decided yet */
  ROOM_WAITING, /* in the waiting room */
  ROOM_INVITED, /* a slot is reserved for it until its deadline */
};

/* A connection without a job process yet: its request's command line is
 * still arriving, or it waits for a free slot, or (the native extension)
 * it waits in the waiting room or holds a reserved slot. */
struct conn {
  int                     fd; /* owned */
  struct sockaddr_storage peer;
  socklen_t               peer_len;
  long long               deadline; /* ms: the request (or, invited, the request
                                       after the invitation) must be there by then */
  int            seen;              /* bytes queued at the last look */
  bool           ready;             /* a job process can take it */
  bool           known;             /* its first bytes said HERD or not */
  enum conn_room room;
  uint32_t       herd;       /* the extension version both speak, 0: none */
  uint32_t       ahead;      /* waiting: the last count of those ahead sent */
  int64_t        arrived;    /* UNIX time of the accept */
  long long      arrived_ms; /* clock_now_ms() of the accept */
  uint32_t       size;       /* the job's expected size (HSIZ, herd.h), in
                                thousandths of a typical job; typical unless said */
  bool sized;                /* HSIZ was read, or the connection sent something
                                else first */
  uint32_t expect_ms;        /* how long its job should take on a slot here
                                (HEXP), 0: unknown */
  long long work_sent_ms;    /* waiting: the last HWRK sent since HWAI, or -1 */
};

struct server {
  const struct server_config *config;
  int                        *listen_fds; /* owned, each owned */
  size_t                      n_listen;
  int                         epoll_fd;
  int                         signal_fd;
  sigset_t                    old_mask;    /* restored in job processes */
  pid_t                      *children;    /* job processes, config->jobs */
  struct sockaddr_storage    *child_peers; /* their clients' addresses */
  long long *child_ends_ms; /* when each should end (its start and HEXP;
                               0: unknown), for the work ahead (room.c) */
  size_t               n_children;
  size_t               n_reserved;      /* slots held for invitations */
  size_t               n_waiting;       /* connections in the waiting room */
  size_t               room_max;        /* waiting room, in total */
  size_t               per_address_max; /* pending + running */
  unsigned             speed;           /* announced: configured or measured */
  struct conn         *conns;           /* owned: in arrival order */
  size_t               n_conns;
  size_t               max_conns; /* --max-pending, or fewer */
  int                  peek_fd;   /* memfd: a copy for the codec */
  char                *peek_buf;  /* owned: SERVER_PEEK_MAX */
  bool                 accepting;
  bool                 accept_failed; /* out of descriptors */
  char                *pid_file;      /* owned: absolute, or NULL */
  bool                 pid_file_written;
  int                  ready_fd;     /* to the starting process */
  struct drains        drains;       /* turned-away clients */
  struct statsd       *statsd;       /* owned: --stats, or NULL */
  struct statsd_config stats_config; /* config->stats, and ours */
};

/* Take entry i out of the table, keeping the arrival order; its descriptor
 * is returned (owned by the caller), no longer watched. */
int server_conn_take(struct server *s, size_t i);

/* Close entry i with a warning naming its peer and why. */
_printf_(3, 4) void server_conn_drop(struct server *s, size_t i,
                                     const char *fmt, ...);

/* Whether a job process can take connection c from here (its command
 * line has arrived, or what has arrived decides the job's fate). */
bool server_request_arrived(struct server *s, struct conn *c);

/* The job slots neither running a job nor reserved for an invitation. */
size_t server_slots_free(const struct server *s);

/* The connections of peer's address that hold or wait for a slot. */
size_t server_address_load(const struct server           *s,
                           const struct sockaddr_storage *peer);
