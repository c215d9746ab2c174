/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The state directory every herdcc program agrees on: the client keeps its
 * host caches, backoff state, slots and job state files there, and the
 * monitors read the same place. One resolution, used by all of them. */
#pragma once

/* $HERDCC_DIR, else $DISTCC_DIR (each when set and not empty), else
 * $HOME/.herdcc (/tmp/.herdcc without a HOME), created (0755) if missing.
 * *ret_dir is owned by the caller. */
int statedir_get(char **ret_dir);
