/* SPDX-License-Identifier: GPL-2.0-or-later */
/* herdccd's stats port (--stats): what the daemon counts, and the
 * listener that tells it.
 *
 * Counting. Before the first job is forked the server maps a table of
 * --jobs slots shared with its job processes (MAP_SHARED, anonymous). The
 * server claims a slot for each job process it starts (client address,
 * start time); the job process writes into its slot what only it knows
 * (compiler, source name, bytes received so far, phase) and, before it
 * exits, the kind of its result, its byte counts and its compilers' peak
 * RSS. When the server reaps the process it adds the slot to its counters
 * (results by kind, bytes, the longest job, compiles per minute, the time
 * integral of running jobs for distcc's avg_kids) and frees the slot. Busy
 * replies and connections dropped before their request are counted by the
 * server itself. A job process that dies before recording a result counts
 * as "other". Strings in a slot are written under a sequence counter and
 * read back with retries, NUL-terminated and sanitized whatever happens.
 *
 * Serving. The stats port itself (its connections, the request line that
 * chooses the form, the replies written as the peer takes them) is
 * statsport.h's; the statsd owns it and hands it the events of its
 * sockets. What the replies say is rendered here: statsd_snapshot for
 * the JSON form, statsd_render_text for distcc's text. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "access.h"
#include "cache.h"
#include "stats.h"

/* A job's slot in the shared table. The server writes client, started
 * and phase (RECEIVE) before it forks; after that the job process writes
 * the rest, the server only reads until it reaps the process. */
struct statsd_slot {
  uint32_t  seq;        /* odd while the job process writes strings */
  pid_t     pid;        /* the server's: 0 for a free slot */
  long long started_ms; /* the server's: CLOCK_MONOTONIC */
  int64_t   started;    /* UNIX time */
  char      client[64];
  char      source[256];
  char      compiler[64];
  uint64_t  size;   /* source bytes received so far (atomic) */
  int       phase;  /* enum stats_phase (atomic) */
  int       result; /* enum stats_result, -1 until recorded (atomic) */
  uint64_t  bytes_in;
  uint64_t  bytes_out;
  long      max_rss_kb;
  int       cache;         /* enum statsd_cache_outcome */
  uint32_t  cache_evicted; /* entries its store evicted */
  /* The job process's: when the current phase began (CLOCK_MONOTONIC ms)
   * and the time spent in each earlier one. */
  long long phase_started_ms;
  long long phase_ms[STATS_PHASE_COUNT_];
};

/* What the result cache did for a job. */
enum statsd_cache_outcome {
  STATSD_CACHE_NONE,   /* not looked up (no cache, refused, volatile) */
  STATSD_CACHE_HIT,    /* served from the cache */
  STATSD_CACHE_MISS,   /* looked up, compiled, not stored */
  STATSD_CACHE_STORED, /* looked up, compiled and stored */
};

struct statsd_config {
  uint16_t                  port; /* the stats port */
  uint16_t                  job_port;
  unsigned                  jobs; /* --jobs: the number of slots */
  bool                      zeroconf;
  const struct access_list *access;        /* borrowed */
  char *const              *allow_summary; /* borrowed: --allow as given,
                                              "private" for the default */
  const char   *program;                   /* borrowed: "herdccd" */
  struct cache *cache; /* borrowed, or NULL: no result cache */
  /* Adds the connections waiting for a slot to s->jobs (phase WAITING);
   * called only while a document is being written. */
  int (*list_waiting)(void *userdata, struct stats *s);
  void *userdata;
};

struct statsd;

/* Map the slot table and take the bound, listening, non-blocking stats
 * sockets listen_fds[0..n_listen) (owned from here on, also on failure).
 * config and what it points to are borrowed for the life of the statsd. */
int statsd_new(const struct statsd_config *config, int *listen_fds,
               size_t n_listen, struct statsd **ret);

/* Close everything; the slot table is unmapped. Accepts NULL. */
struct statsd *statsd_free(struct statsd *sd);

/* Watch the listeners on epoll_fd; called once, in the serving process. */
int statsd_watch(struct statsd *sd, int epoll_fd);

/* In a job process: close the listeners and connections (the slot table
 * stays mapped for the job to write). */
void statsd_close_fds(struct statsd *sd);

/* Handle an epoll event if fd is one of the stats port's; false
 * otherwise. */
bool statsd_event(struct statsd *sd, int fd, uint32_t events);

/* Drop connections past their deadlines, answer those whose grace is
 * over; the earliest deadline left (CLOCK_MONOTONIC ms), or -1. */
void      statsd_expire(struct statsd *sd);
long long statsd_next_deadline(const struct statsd *sd);

/* Counting in the server. */
void statsd_count_accept(struct statsd *sd);
void statsd_count(struct statsd *sd, enum stats_result result);

/* A free slot for a job from peer (NULL when sd is NULL or none is
 * free); then statsd_slot_started with the job process's pid, or
 * statsd_slot_release when it could not be started. */
struct statsd_slot *statsd_slot_claim(struct statsd         *sd,
                                      const struct sockaddr *peer,
                                      socklen_t              peer_len);
void statsd_slot_started(struct statsd *sd, struct statsd_slot *slot,
                         pid_t pid);
void statsd_slot_release(struct statsd *sd, struct statsd_slot *slot);

/* The job process pid was reaped with wait status: count its result. */
void statsd_reaped(struct statsd *sd, pid_t pid, int status);

/* In the job process; each accepts a NULL slot (no --stats, --inetd). */
void statsd_slot_describe(struct statsd_slot *slot, const char *compiler,
                          const char *source);
void statsd_slot_phase(struct statsd_slot *slot, enum stats_phase phase);
void statsd_slot_finish(struct statsd_slot *slot, enum stats_result result,
                        uint64_t bytes_in, uint64_t bytes_out);
void statsd_slot_cache(struct statsd_slot       *slot,
                       enum statsd_cache_outcome outcome, unsigned evicted);

/* Append an empty job to s->jobs (for list_waiting): -ENOSPC past
 * STATS_JOBS_MAX, -ENOMEM. *ret_job is borrowed from s. */
int statsd_add_job(struct stats *s, struct stats_job **ret_job);

/* The status model now (what the JSON form sends); stats_clear() it. */
int statsd_snapshot(struct statsd *sd, struct stats *ret);

/* distcc's plain-text reply, body included (what the text form sends),
 * with herdccd's own keys (herdcc_cache_*) after distcc's when own_keys;
 * *ret_text is owned by the caller. */
int statsd_render_text(struct statsd *sd, bool own_keys, char **ret_text,
                       size_t *ret_len);
