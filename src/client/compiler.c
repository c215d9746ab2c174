/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "compiler.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "macro.h"

const char *compiler_basename(const char *path)
{
  const char *slash = strrchr(path, '/');
  return slash ? slash + 1 : path;
}

/* The real path of this program, computed once. */
static const char *self_path(void)
{
  static char path[PATH_MAX];

  if (!path[0] && !realpath("/proc/self/exe", path)) {
    path[0] = '\0';
  }
  return path;
}

/* herdcc itself, or another compiler wrapper of the same kind (a
 * masquerade directory of distcc on PATH), which would send the job round
 * in circles. */
static bool is_self(const char *candidate)
{
  char resolved[PATH_MAX];

  if (!realpath(candidate, resolved)) {
    return false;
  }
  return strcmp(resolved, self_path()) == 0 ||
         strcmp(compiler_basename(resolved), "distcc") == 0;
}

/* 1: an executable that is not us; 0: nothing there; -ELOOP: us. */
static int check_candidate(const char *path)
{
  if (access(path, X_OK) < 0) {
    return 0;
  }
  return is_self(path) ? -ELOOP : 1;
}

int compiler_resolve(const char *name, char **ret_path)
{
  if (strchr(name, '/')) {
    int r = check_candidate(name);
    if (r <= 0) {
      return r < 0 ? r : -ENOENT;
    }
    *ret_path = strdup(name);
    return *ret_path ? 0 : -ENOMEM;
  }
  const char *path_env = getenv("PATH");
  bool        saw_self = false;

  if (!path_env) {
    path_env = "/usr/local/bin:/usr/bin:/bin";
  }
  for (const char *dir = path_env; dir;) {
    const char          *colon = strchr(dir, ':');
    size_t               len   = colon ? (size_t)(colon - dir) : strlen(dir);
    _cleanup_free_ char *path  = NULL;

    if (asprintf(&path, "%.*s/%s", (int)(len ? len : 1), len ? dir : ".",
                 name) < 0) {
      return -ENOMEM;
    }
    int r = check_candidate(path);
    if (r > 0) {
      *ret_path = TAKE_PTR(path);
      return 0;
    }
    saw_self |= r == -ELOOP;
    dir = colon ? colon + 1 : NULL;
  }
  return saw_self ? -ELOOP : -ENOENT;
}
