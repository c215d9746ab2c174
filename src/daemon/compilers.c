/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "compilers.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io.h"
#include "log.h"
#include "macro.h"
#include "strv.h"
#include "why.h"

#define COMPILERS_FILE_MAX (1024 * 1024)
#define COMPILER_NAME_MAX  255
#define DEFAULT_PATH       "/usr/local/bin:/usr/bin:/bin"

/* Executables that lead back to a compile farm client, never a compiler. */
static const char *const recursive_names[] = {
  "herdcc",
  "distcc",
  "herdccd",
  "distccd",
};

struct compiler_entry {
  char *name;
  char *path; /* absolute, or NULL: search PATH */
};

struct compilers {
  char                 **masquerade_dirs; /* as given */
  char                 **masquerade_real; /* realpaths of those that exist */
  struct compiler_entry *entries;
  size_t                 n_entries;
  bool                   insecure;
};

int compilers_new(char *const *masquerade_dirs, bool insecure,
                  struct compilers **ret_compilers)
{
  _cleanup_(compilers_freep) struct compilers *c = calloc(1, sizeof(*c));

  if (!c) {
    return -ENOMEM;
  }
  c->insecure        = insecure;
  c->masquerade_dirs = strv_copy(masquerade_dirs);
  if (!c->masquerade_dirs) {
    return -ENOMEM;
  }
  for (char *const *d = masquerade_dirs; *d; d++) {
    _cleanup_free_ char *real = realpath(*d, NULL);
    if (real && strv_consume(&c->masquerade_real, real) < 0) {
      return -ENOMEM;
    }
    real = NULL; /* consumed */
  }
  *ret_compilers = TAKE_PTR(c);
  return 0;
}

struct compilers *compilers_free(struct compilers *c)
{
  if (!c) {
    return NULL;
  }
  for (size_t i = 0; i < c->n_entries; i++) {
    free(c->entries[i].name);
    free(c->entries[i].path);
  }
  free(c->entries);
  strv_free(c->masquerade_dirs);
  strv_free(c->masquerade_real);
  free(c);
  return NULL;
}

/* Letters, digits and "._+-", not starting with '.' or '-'; with allow_path
 * also '/' (an absolute path, --enable-tcp-insecure only). */
static bool name_is_valid(const char *name, bool allow_path)
{
  size_t len = strlen(name);

  if (len == 0 || len > COMPILER_NAME_MAX || name[0] == '-' ||
      (name[0] == '.' && !allow_path)) {
    return false;
  }
  if (allow_path && strchr(name, '/') && name[0] != '/') {
    return false;
  }
  for (const char *p = name; *p; p++) {
    bool plain = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                 (*p >= '0' && *p <= '9') || strchr("._+-", *p);
    if (!plain && !(allow_path && *p == '/')) {
      return false;
    }
  }
  return !strstr(name, "/../") && !strstr(name, "/./");
}

static bool is_executable(const char *path)
{
  struct stat st;

  return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

static int add_entry(struct compilers *c, const char *name, const char *path)
{
  struct compiler_entry entry = { .name = strdup(name) };

  if (path) {
    entry.path = strdup(path);
  }
  struct compiler_entry *entries =
    reallocarray(c->entries, c->n_entries + 1, sizeof(*entries));
  if (!entry.name || (path && !entry.path) || !entries) {
    free(entry.name);
    free(entry.path);
    if (entries) {
      c->entries = entries;
    }
    return -ENOMEM;
  }
  entries[c->n_entries++] = entry;
  c->entries              = entries;
  return 0;
}

/* One line: "NAME [ABSOLUTE_PATH]", comments already cut off. */
static int load_line(struct compilers *c, const char *file, unsigned lineno,
                     char *line)
{
  char *save = NULL;
  char *name = strtok_r(line, " \t\r", &save);
  char *path = name ? strtok_r(NULL, " \t\r", &save) : NULL;

  if (!name) {
    return 0;
  }
  if (strtok_r(NULL, " \t\r", &save) || !name_is_valid(name, false) ||
      (path && path[0] != '/')) {
    log_warning("%s:%u: expected \"NAME [ABSOLUTE_PATH]\", ignoring line", file,
                lineno);
    return 0;
  }
  return add_entry(c, name, path);
}

int compilers_load_file(struct compilers *c, const char *path)
{
  _cleanup_free_ char *text = NULL;
  size_t               len;
  unsigned             lineno = 0;
  int                  r = io_read_file(path, COMPILERS_FILE_MAX, &text, &len);

  if (r < 0) {
    return r;
  }
  for (char *line = text, *next; line && r >= 0; line = next) {
    next = strchr(line, '\n');
    if (next) {
      *next++ = '\0';
    }
    lineno++;
    char *hash = strchr(line, '#');
    if (hash) {
      *hash = '\0';
    }
    r = load_line(c, path, lineno, line);
  }
  return r;
}

static const struct compiler_entry *find_entry(const struct compilers *c,
                                               const char             *name)
{
  for (size_t i = 0; i < c->n_entries; i++) {
    if (strcmp(c->entries[i].name, name) == 0) {
      return &c->entries[i];
    }
  }
  return NULL;
}

static bool in_masquerade_dir(const struct compilers *c, const char *name)
{
  for (char **d = c->masquerade_dirs; d && *d; d++) {
    char        path[PATH_MAX];
    struct stat st;
    if (snprintf(path, sizeof(path), "%s/%s", *d, name) < (int)sizeof(path) &&
        lstat(path, &st) == 0) {
      return true;
    }
  }
  return false;
}

static bool is_masquerade_dir(const struct compilers *c, const char *real_dir)
{
  for (char **d = c->masquerade_real; d && *d; d++) {
    if (strcmp(*d, real_dir) == 0) {
      return true;
    }
  }
  return false;
}

static bool leads_to_farm_client(const char *candidate)
{
  _cleanup_free_ char *real = realpath(candidate, NULL);
  const char          *base;

  if (!real) {
    return true; /* vanished or unreadable: not a candidate */
  }
  base = strrchr(real, '/');
  base = base ? base + 1 : real;
  for (size_t i = 0; i < ARRAY_SIZE(recursive_names); i++) {
    if (strcmp(base, recursive_names[i]) == 0) {
      return true;
    }
  }
  return false;
}

/* One PATH directory: dir/name if it is a real compiler. */
static char *try_path_dir(const struct compilers *c, const char *dir,
                          size_t dir_len, const char *name)
{
  _cleanup_free_ char *dir_copy  = strndup(dir, dir_len);
  _cleanup_free_ char *candidate = NULL;
  _cleanup_free_ char *real_dir  = NULL;

  if (!dir_copy || dir_copy[0] != '/') {
    return NULL; /* a relative PATH entry means the job directory */
  }
  if (asprintf(&candidate, "%s/%s", dir_copy, name) < 0) {
    return NULL;
  }
  if (!is_executable(candidate) || leads_to_farm_client(candidate)) {
    return NULL;
  }
  real_dir = realpath(dir_copy, NULL);
  if (!real_dir || is_masquerade_dir(c, real_dir)) {
    return NULL;
  }
  return TAKE_PTR(candidate);
}

static char *search_path(const struct compilers *c, const char *name)
{
  const char *path = getenv("PATH");

  if (!path || !*path) {
    path = DEFAULT_PATH;
  }
  for (const char *p = path; *p;) {
    size_t len   = strcspn(p, ":");
    char  *found = try_path_dir(c, p, len, name);
    if (found) {
      return found;
    }
    p += len;
    p += *p == ':';
  }
  return NULL;
}

int compilers_resolve(const struct compilers *c, const char *name,
                      char **ret_path, char **ret_reason)
{
  bool                         by_path = c->insecure && strchr(name, '/');
  const struct compiler_entry *entry   = find_entry(c, name);
  char                        *path    = NULL;

  if (!name_is_valid(name, c->insecure)) {
    return why_reason(-EPERM, ret_reason, "compiler name %s is not allowed",
                      name);
  }
  if (!by_path && !entry && !c->insecure && !in_masquerade_dir(c, name)) {
    return why_reason(-EPERM, ret_reason,
                      "compiler %s is not allowed on this server", name);
  }
  if (by_path || (entry && entry->path)) {
    const char *wanted = by_path ? name : entry->path;
    path               = is_executable(wanted) ? strdup(wanted) : NULL;
  } else {
    path = search_path(c, name);
  }
  if (!path) {
    return why_reason(-ENOENT, ret_reason, "%s",
                      "compiler not found on this server");
  }
  *ret_path = path;
  return 0;
}
