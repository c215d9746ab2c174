/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The stats port (--stats) as its peers see it: the connections, the
 * request line that chooses the form and the reply. The statsd (statsd.h)
 * owns it, hands it the events of its sockets and renders what the
 * replies say.
 *
 * The port is bound on the same addresses as the job port and served from
 * the server's epoll loop, never blocking it: non-blocking sockets, at
 * most STATSPORT_MAX_CONNS connections (a new one evicts the oldest), a
 * deadline for each, the whole reply rendered into a buffer and written
 * as the peer takes it. A peer the --allow list does not allow gets "403
 * Forbidden" with the reason (and the refusal is logged). A request line
 * "GET /json" gets the JSON document (stats.h); "GET /text" distcc's text
 * with herdccd's own keys (herdcc_cache_*) after distcc's; anything else,
 * or no request line within STATSPORT_GRACE_MS, gets distcc 3.4's plain-text
 * --stats reply with its dcc_* keys in distcc's order, unchanged. After
 * the reply the server half-closes and reads what the peer still sends
 * until it closes (bounded), so that the reply is not lost to a reset. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "access.h"
#include "statsd.h"

#define STATSPORT_MAX_CONNS  16
#define STATSPORT_GRACE_MS   100  /* for the request line */
#define STATSPORT_TIMEOUT_MS 5000 /* the whole exchange */
#define STATSPORT_LINGER_MS  1000 /* reading after the reply */

struct statsport;

/* Take the bound, listening, non-blocking sockets listen_fds[0..n_listen)
 * (owned from here on, also on failure). access, program ("herdccd", in
 * the 403's reason) and statsd (what the replies tell) are borrowed for
 * the life of the port. */
int statsport_new(int *listen_fds, size_t n_listen,
                  const struct access_list *access, const char *program,
                  struct statsd *statsd, struct statsport **ret);

/* Close everything. Accepts NULL. */
struct statsport *statsport_free(struct statsport *sp);

/* Watch the listeners on epoll_fd; called once, in the serving process. */
int statsport_watch(struct statsport *sp, int epoll_fd);

/* In a job process: close the listeners and connections. Accepts NULL. */
void statsport_close_fds(struct statsport *sp);

/* Handle an epoll event if fd is one of the port's; false otherwise. */
bool statsport_event(struct statsport *sp, int fd, uint32_t events);

/* Drop connections past their deadlines, answer those whose grace is
 * over; the earliest deadline left (CLOCK_MONOTONIC ms), or -1. */
void      statsport_expire(struct statsport *sp);
long long statsport_next_deadline(const struct statsport *sp);
