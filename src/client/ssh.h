/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Servers reached over ssh, as distcc reaches them: for a host entry
 * [USER]@HOST[/LIMIT][:COMMAND] the client runs
 *
 *   SSH [-l USER] HOST COMMAND --inetd
 *
 * (SSH: $HERDCC_SSH, else $DISTCC_SSH, else "ssh"; COMMAND: herdccd by
 * default) with its standard input and output on one end of a socket pair
 * and speaks the wire protocol over the other, as over TCP. When SSH is
 * OpenSSH's ssh (its name is "ssh"), the connection to each host is
 * shared: the first job opens a master connection (ControlMaster=auto,
 * its socket in STATE/ssh/) that stays for $HERDCC_SSH_PERSIST seconds
 * (default 120) after the last job, so later jobs skip the ssh handshake;
 * BatchMode=yes keeps ssh from ever prompting, and ConnectTimeout is the
 * client's connect timeout. A wrapper of another name gets the plain
 * command line, as distcc gives it. ssh's standard error is kept, so that
 * a failure can say what failed: authentication, the host key, a command
 * not found, a host that cannot be reached. */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "hosts.h"

/* The name under which an ssh host is backed off: "ssh:[USER@]HOST". */
#define SSH_KEY_MAX 64

struct ssh_conn;

/* Start ssh for host. *ret_fd (owned, non-blocking, O_CLOEXEC) is the
 * connection; *ret_conn (owned) the ssh process. -EINVAL for a host name
 * that ssh would take for an option. */
int ssh_start(const struct hosts_entry *host, const char *state_dir,
              int connect_timeout_ms, struct ssh_conn **ret_conn, int *ret_fd);

/* Why the connection failed, from what ssh said and how it ended: waits
 * at most timeout_ms for it to exit (the connection must be closed
 * first). *ret_why (owned) is one line, "WHAT FAILED (ssh exit N: WHAT
 * SSH SAID)", or NULL when ssh ended well and said nothing. */
int ssh_failure(struct ssh_conn *conn, int timeout_ms, char **ret_why);

/* Whether the remote command ran: ssh has ended (ssh_failure waited for
 * it), and not with ssh's own failure (255) or a command not found
 * (127), whatever the command's own status. */
bool ssh_reached(const struct ssh_conn *conn);

/* "ssh:[USER@]HOST", for backoff and logs. */
void ssh_key(const struct hosts_entry *host, char ret_key[static SSH_KEY_MAX]);

/* Kill ssh if it still runs (after a grace period of timeout_ms), reap
 * it. Accepts NULL; returns NULL. */
struct ssh_conn *ssh_free(struct ssh_conn *conn, int timeout_ms);
