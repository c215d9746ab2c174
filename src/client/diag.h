/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Diagnostics that never interleave. The warnings and errors of one
 * compile (what a local preprocessor or compiler wrote, collected in a
 * memory file, and a server's SERR) reach standard error as one block,
 * written under an flock() on STATE/lock/stderr, so the blocks of a
 * parallel build never mix, whether standard error is a terminal, a pipe
 * or a file. The lock is taken only when there is something to write. */
#pragma once

#include <stddef.h>

/* Write the whole contents of fd (a regular or memory file, read from its
 * start; none when fd < 0), then buf, to standard error as one block.
 * state_dir (borrowed) says where the lock lives; NULL writes without
 * it. */
void diag_write(const char *state_dir, int fd, const void *buf, size_t len);
