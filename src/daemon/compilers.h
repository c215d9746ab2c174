/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Which compilers herdccd runs, and where they are. Default-deny: a request
 * names its compiler by a plain name (gcc, clang++, x86_64-linux-gnu-gcc:
 * letters, digits and "._+-", no '/'), and the name is allowed when it has
 * an entry in a masquerade directory (HERDCC_MASQUERADE_DIR, or distcc's
 * /usr/lib/distcc) or is listed in a compilers file. A compilers file has
 * one "NAME [ABSOLUTE_PATH]" per line and '#' comments. A name is resolved
 * to the path its line gives, else by searching the daemon's PATH, skipping
 * masquerade directories and any herdcc or distcc binary (masquerade
 * entries lead there, and running one would recurse). --enable-tcp-insecure
 * allows any name found on PATH, and absolute paths. */
#pragma once

#include <stdbool.h>

struct compilers;

/* masquerade_dirs: a NULL-terminated list, copied. */
int compilers_new(char *const *masquerade_dirs, bool insecure,
                  struct compilers **ret_compilers);

struct compilers *compilers_free(struct compilers *compilers);

static inline void compilers_freep(struct compilers **compilers)
{
  compilers_free(*compilers);
}

/* Add the names listed in a compilers file. A missing file is -ENOENT
 * (callers decide whether that matters); lines that cannot be read are
 * logged and skipped. */
int compilers_load_file(struct compilers *compilers, const char *path);

/* Whether the request's compiler name may run, and its executable.
 * -EPERM when the name is not allowed, -ENOENT when it is allowed but not
 * installed here; *ret_reason (owned) explains either. On success
 * *ret_path (owned) is the executable to run. */
int compilers_resolve(const struct compilers *compilers, const char *name,
                      char **ret_path, char **ret_reason);
