/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "helpers.h"

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

/* Whether this program is one of the build tree's own. */
static bool runs_from_build_tree(void)
{
  static int from_tree = -1;
  char       self[PATH_MAX];
  size_t     len = strlen(HERDCC_BUILD_ROOT);

  if (from_tree < 0) {
    from_tree = realpath("/proc/self/exe", self) &&
                strncmp(self, HERDCC_BUILD_ROOT, len) == 0 && self[len] == '/';
  }
  return from_tree;
}

const char *helpers_path(const char *name, const char *subdir,
                         const char *env_var, char *buf, size_t size)
{
  const char *path = getenv(env_var);

  if (path && *path) {
    snprintf(buf, size, "%s", path);
  } else if (runs_from_build_tree()) {
    snprintf(buf, size, "%s/%s/%s", HERDCC_BUILD_ROOT, subdir, name);
  } else {
    snprintf(buf, size, "%s/%s", HERDCC_LIBEXECDIR, name);
  }
  return buf;
}
