/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the server does once, around its loop (server.h tells the order):
 * binding its listening sockets, detaching from whoever started it and
 * reporting the start-up result back over a pipe (so that the starting
 * process exits with it, once the port is bound and the pid file is
 * there), the pid file, the standard streams of a detached daemon,
 * starting the --zeroconf publisher, and the notifications to a service
 * manager (Type=notify). None of it knows the server's connections. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "privs.h"
#include "server.h"

/* Listening sockets for every address of listen (borrowed; NULL or empty:
 * any address, IPv6 and IPv4 on one socket, plain IPv4 where the machine
 * has no IPv6) on port, appended to (*fds, *n), which own them (also
 * those opened before a failure). Logs what it binds and its failure. */
int startup_bind_all(char *const *listen, uint16_t port, int **fds, size_t *n);

/* Fork; the starting process waits for the serving one to report its
 * start-up result (startup_report) and exits with it. Returns in the
 * serving process, with the pipe's end in *ret_ready_fd (owned). */
int startup_daemonize(int *ret_ready_fd);

/* Report code to the starting process, once: closes *ready_fd and sets it
 * to -1; nothing when it is -1 already (a daemon that did not detach). */
void startup_report(int *ready_fd, int code);

/* Standard streams of a detached daemon lead nowhere (stderr stays when
 * keep_stderr). */
void startup_detach_streams(bool keep_stderr);

/* Write this process's pid to path, atomically, owned by the user privs
 * names when it drops root (so that it can remove the file). */
int startup_write_pid_file(const char *path, const struct privs *privs);

/* path made absolute against the working directory (a detached daemon
 * works from "/"); *ret_path is owned by the caller. */
int startup_absolute_path(const char *path, char **ret_path);

/* Publish the server over mDNS from a process of its own (publish.h),
 * announcing speed and the compilers a stock client may ask for; a
 * failure is logged, and the server serves on. */
void startup_publish(const struct server_config *config, unsigned speed);

/* Tell a service manager state ("READY=1", "STOPPING=1"), with the pid and
 * the slots as status; nothing without $NOTIFY_SOCKET. */
void startup_notify(const char *state, unsigned jobs);
