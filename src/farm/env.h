/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The client's environment: HERDCC_* variables read first, distcc's
 * DISTCC_* names as fallback, and the host list from the variables or the
 * hosts files. The state directory is statedir.h's, shared with the
 * monitors. */
#pragma once

#include <stdbool.h>

/* getenv("HERDCC_" name), else getenv("DISTCC_" name), else NAME=VALUE
 * from the config file (STATE/config, else SYSCONFDIR/herdcc/config);
 * borrowed, and a value from the config file only until the next call. */
const char *env_get(const char *name);

/* A numeric variable, or fallback when unset or not a number. */
long env_get_long(const char *name, long fallback);

/* A numeric variable within [min, max]; fallback when unset, not a
 * number, or out of range. */
long env_get_bounded(const char *name, long fallback, long min, long max);

/* A boolean variable: unset gives fallback, "0"/"" false, anything else
 * true. */
bool env_get_bool(const char *name, bool fallback);

/* statedir_get() (statedir.h), the one resolution of the state directory,
 * kept under this name for the callers that use it. */
int env_state_dir(char **ret_dir);

/* The host list text and where it came from: $HERDCC_HOSTS, $DISTCC_HOSTS,
 * STATE/hosts, ~/.distcc/hosts (when no state directory is named),
 * SYSCONFDIR/herdcc/hosts, /etc/herdcc/hosts, /etc/distcc/hosts. (a variable
 * name or a file path). -ENOENT when none is configured. Both owned by the
 * caller. */
int env_host_list(char **ret_text, char **ret_source);
