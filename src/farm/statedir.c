/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "statedir.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "io.h"
#include "macro.h"

int statedir_get(char **ret_dir)
{
  static const char *const names[] = { "HERDCC_DIR", "DISTCC_DIR" };
  const char              *dir     = NULL;
  char                    *path    = NULL;

  for (size_t i = 0; i < ARRAY_SIZE(names) && !dir; i++) {
    dir = getenv(names[i]);
  }
  if (dir && *dir) {
    path = strdup(dir);
  } else {
    const char *home = getenv("HOME");
    if (!home || !*home) {
      home = "/tmp";
    }
    if (asprintf(&path, "%s/.herdcc", home) < 0) {
      path = NULL;
    }
  }
  if (!path) {
    return -ENOMEM;
  }
  /* One mkdir() when the parent exists, the usual case: the client asks
   * several times per compile. */
  if (mkdir(path, 0755) < 0 && errno != EEXIST) {
    int r = errno == ENOENT ? io_mkdir_p(path, 0755) : -errno;
    if (r < 0) {
      free(path);
      return r;
    }
  }
  *ret_dir = path;
  return 0;
}
