/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Finding the real compiler. herdcc is called as "herdcc gcc ...",
 * "herdcc ..." (the compiler is cc) or through a masquerade link named
 * after the compiler; either way the compiler is looked up on PATH with
 * every entry that leads back to herdcc skipped, so PATH itself is handed
 * to the compiler unchanged. */
#pragma once

/* Resolve name (a bare name or a path) to an executable that is not
 * herdcc. -ELOOP when the only candidates were herdcc itself (recursion),
 * -ENOENT when there is none. *ret_path is owned by the caller. */
int compiler_resolve(const char *name, char **ret_path);

/* The basename of path (borrowed from it). */
const char *compiler_basename(const char *path);
