/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The waiting room of the native extension (herd.h; a stock client never
 * enters it). A herdcc client opens with HERD instead of DIST: the server
 * answers with its hello (speed, slots, how long an invitation holds),
 * then invites it at once when a slot is free and nobody is ahead, seats
 * it in the waiting room (HWAI, with the count of those ahead, sent again
 * each time it shrinks; HWRK, the slot time to run before its job can
 * start, from the durations clients expect, HEXP), or tells it the server is
 * busy (the room is full, or its address holds --max-per-address connections
 * already). An invitation reserves a slot for SERVER_RESERVE_MS, within which
 * the client sends its classic request or closes.
 *
 * The room is no table of its own: its connections are entries of the
 * server's table (serverstate.h), in arrival order with the classic
 * requests, marked by their enum conn_room; server.c's dispatch calls in
 * here to invite and to update the counts. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "serverstate.h"

/* The room's bounds, from the configuration or the defaults, the room
 * never more than half the table; once the table's size is known. */
void room_bounds(struct server *s);

/* Look at entry i's first bytes: true when they were HERD and the
 * connection is taken care of (answered, seated, invited or closed);
 * false when it is classic or still undecided. An address the allow-list
 * excludes is never read here. */
bool room_hello(struct server *s, size_t i);

/* Reserve a free slot for entry i (in the room, or just come with its
 * hello, hello_len bytes sent before the invitation) and invite it. False
 * when the connection was closed (entry i is then another one). */
bool room_invite(struct server *s, size_t i, const char *hello,
                 size_t hello_len);

/* A typical job of size is worth this much waiting in the queue: a job
 * twice the typical size goes before typical ones that came up to this
 * much earlier (herd.h's HSIZ; classic requests count as typical). */
#define ROOM_AGING_MS 2000

/* The next of the queue to take a free slot (a classic request that has
 * arrived, or a connection of the waiting room to invite): the biggest
 * job first, by its rank (room.c), the oldest among equals; -1: none. */
ssize_t room_next(const struct server *s);

/* The work ahead (HWRK) is said again when it moved by this much (and
 * by a tenth): it moves with every job that starts or ends. */
#define ROOM_WORK_RESEND_MS 100

/* What the waiting entry i is told into buf (2 headers at most): HWAI
 * with its count of those ahead when count_changed, then, to a client of
 * version 6, HWRK when the work ahead is known and was not said since
 * HWAI, or moved; its length, 0 for nothing to say. */
size_t room_format_waiting(struct server *s, size_t i, char *buf,
                           bool count_changed);

/* Send each connection of the room its count of those ahead, when it
 * changed, and its work ahead; a connection that cannot take it is
 * closed. */
void room_update(struct server *s);

/* Read the size a waiting or invited connection of extension version 3
 * sends (HSIZ) before its request, once it is there. False while only a
 * part of it has come; true when read, when the connection sent
 * something else first (it said no size), or for an older version. */
bool room_read_size(struct server *s, size_t i);

/* Close entry i, a connection doing what the protocol lets it (leaving
 * the room, declining its invitation): logged as information only. */
void room_leave(struct server *s, size_t i, const char *why);
