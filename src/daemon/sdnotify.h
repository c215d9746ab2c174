/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The two things a service manager asks of herdccd, without libsystemd:
 * readiness and status through $NOTIFY_SOCKET (sd_notify(3)'s protocol: one
 * datagram of "KEY=VALUE" lines on a Unix socket, '@' for the abstract
 * namespace), and listening sockets handed over at start
 * (sd_listen_fds(3)'s protocol: $LISTEN_PID names this process, $LISTEN_FDS
 * counts descriptors from 3 on). Both variables are removed once read, so
 * no job process inherits them. */
#pragma once

#include <stddef.h>

#define SDNOTIFY_LISTEN_FDS_START 3

/* Send state (such as "READY=1\nSTATUS=...") to the service manager.
 * 0 when there is none to tell ($NOTIFY_SOCKET unset), 1 when sent,
 * -errno on failure. */
int sdnotify_send(const char *state);

/* The listening sockets passed to this process, made non-blocking and
 * close-on-exec: *ret_fds (owned by the caller, each descriptor too) and
 * *ret_n. 0 and nothing written when none were passed; -EINVAL when the
 * variables are malformed or a descriptor is not a listening stream
 * socket. */
int sdnotify_listen_fds(int **ret_fds, size_t *ret_n);
