/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The state directory every herdcc program agrees on: the client keeps its
 * config file and host list there, the discovery caches (zeroconf/, dns/),
 * compiler identities (compilers/), backoff state, slots (lock/), ssh
 * master connections (ssh/) and job state files (jobs/), and the monitors
 * read the same place. One resolution, used by all of them. */
#pragma once

/* $HERDCC_DIR, else (when HERDCC_DIR is unset) $DISTCC_DIR; when the one
 * found is empty, or neither is set, $HOME/.herdcc (/tmp/.herdcc without a
 * HOME or with an empty one). Created (0755, with its parents) if missing.
 * *ret_dir is owned by the caller. */
int statedir_get(char **ret_dir);
