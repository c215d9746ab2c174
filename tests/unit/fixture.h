/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The unit tests' shared cmocka fixture: a private state directory, made
 * before a test and removed after it, for the modules that keep files in
 * herdcc's state directory (backoff, history, links, slots). */
#pragma once

/* Set *state to a new empty directory under /tmp (owned): 0, or -1. */
int fixture_dir_make(void **state);

/* Remove that directory and everything in it, and free its name. */
int fixture_dir_remove(void **state);
