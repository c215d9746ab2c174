/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Clients the server has turned away (busy, or not on the allow-list)
 * while they are still sending their request. The server has written its
 * reply and shut down its side; closing the socket now, with unread bytes
 * queued, would reset the connection and destroy the reply before the
 * client read it. So what such a client sends is read and discarded until
 * it closes, or its time or byte budget is spent; beyond DRAIN_MAX such
 * connections at once, a new one is closed at once.
 *
 * The table lives in the server (struct drains, no allocation); its
 * descriptors are watched by the server's epoll loop. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#define DRAIN_MAX   16
#define DRAIN_MS    2000
#define DRAIN_BYTES (16 * 1024 * 1024)

struct drain {
  int       fd; /* owned */
  long long deadline;
  size_t    left; /* bytes still to discard */
};

struct drains {
  struct drain slot[DRAIN_MAX];
  size_t       n;
};

/* Start draining fd (taken: owned by the table, or closed at once when
 * the table is full or epoll_fd cannot watch it). */
void drain_start(struct drains *d, int epoll_fd, int fd);

/* Whether fd is a draining connection; then its event is handled (read,
 * and the connection closed once it ends or is over budget). */
bool drain_event(struct drains *d, int fd);

/* Close the connections whose time is up. */
void drain_expire(struct drains *d);

/* The earlier of next (or none, when negative) and the table's first
 * deadline, in clock_now_ms() milliseconds. */
long long drain_next_deadline(const struct drains *d, long long next);

/* Close every connection of the table (at exit, or in a job process). */
void drain_close_all(struct drains *d);
