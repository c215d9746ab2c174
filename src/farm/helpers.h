/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Where the client's background helpers are (herdcc-discover,
 * herdcc-resolve): the program named by their environment variable
 * (HERDCC_DISCOVER, HERDCC_RESOLVE) when set, the build tree's when this
 * program runs from the build tree it was built in, else the installed
 * one in LIBEXECDIR/herdcc. */
#pragma once

#include <stddef.h>

/* Write the path of helper name (such as "herdcc-discover", found in the
 * build tree under subdir) into buf of size bytes; env_var may override
 * it. Returns buf. */
const char *helpers_path(const char *name, const char *subdir,
                         const char *env_var, char *buf, size_t size);
