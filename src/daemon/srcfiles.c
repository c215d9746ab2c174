/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "srcfiles.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io.h"
#include "linemarker.h"
#include "macro.h"

#define SRCFILES_MAX_FILES 4096
#define SRCFILES_MAX_LINE  (1u << 22) /* line numbers kept */
#define SRCFILES_MAX_UP    16         /* leading "../" of a name */
#define SRCFILES_ROOT      "/a" /* below the job directory: absolute names */

struct src_line {
  char  *text; /* without its newline; NULL: not seen */
  size_t len;
};

struct src_file {
  char *path; /* normalised, relative, without leading ../ (absolute mode:
                 the name without its leading '/') */
  unsigned         up; /* how many leading ../ it had */
  struct src_line *lines;
  size_t           n_lines; /* lines[0] unused */
};

struct srcfiles {
  struct src_file *files;
  size_t           n_files;
  struct src_file *current; /* NULL: lines are not kept */
  size_t           line;    /* the number of the next line */
  char            *partial; /* an incomplete line */
  size_t           partial_len;
  bool             absolute;     /* keep the absolutely named files only */
  bool             saw_absolute; /* a marker named one that can be rooted */
};

struct srcfiles *srcfiles_new(void)
{
  return calloc(1, sizeof(struct srcfiles));
}

/* An absolute name that a compile can be given below a root unchanged:
 * no empty, "." or ".." component. */
static bool rootable(const char *name)
{
  if (name[0] != '/' || name[1] == '\0') {
    return false;
  }
  for (const char *p = name; p;) {
    const char *part  = p + 1;
    const char *slash = strchr(part, '/');
    size_t      len   = slash ? (size_t)(slash - part) : strlen(part);
    if (len == 0 || (len == 1 && part[0] == '.') ||
        (len == 2 && part[0] == '.' && part[1] == '.')) {
      return false;
    }
    p = slash;
  }
  return true;
}

struct srcfiles *srcfiles_free(struct srcfiles *files)
{
  if (!files) {
    return NULL;
  }
  for (size_t i = 0; i < files->n_files; i++) {
    for (size_t k = 0; k < files->files[i].n_lines; k++) {
      free(files->files[i].lines[k].text);
    }
    free(files->files[i].lines);
    free(files->files[i].path);
  }
  free(files->files);
  free(files->partial);
  free(files);
  return NULL;
}

/* "a/./b//c" as "a/b/c", counting leading ".."; NULL when the name is
 * absolute, empty, or has ".." after a plain component. */
static char *normalise(const char *name, unsigned *ret_up)
{
  unsigned up = 0;
  char    *out;
  size_t   n = 0;

  if (name[0] == '/' || !(out = malloc(strlen(name) + 1))) {
    return NULL;
  }
  for (const char *p = name; *p;) {
    const char *slash = strchr(p, '/');
    size_t      len   = slash ? (size_t)(slash - p) : strlen(p);
    if (len == 2 && p[0] == '.' && p[1] == '.') {
      if (n > 0 || ++up > SRCFILES_MAX_UP) {
        free(out);
        return NULL;
      }
    } else if (len > 0 && !(len == 1 && p[0] == '.')) {
      if (n > 0) {
        out[n++] = '/';
      }
      memcpy(out + n, p, len);
      n += len;
    }
    p += len + (slash ? 1 : 0);
  }
  out[n] = '\0';
  if (n == 0) {
    free(out);
    return NULL;
  }
  *ret_up = up;
  return out;
}

/* The normalised name kept for name in this mode, or NULL. */
static char *kept_name(struct srcfiles *files, const char *name, bool system,
                       unsigned *up)
{
  if (name[0] != '/') {
    return files->absolute ? NULL : normalise(name, up);
  }
  if (!rootable(name)) {
    return NULL;
  }
  files->saw_absolute |= !system; /* the server has no copy of it */
  *up = 0;
  return files->absolute ? strdup(name + 1) : NULL;
}

static struct src_file *file_for(struct srcfiles *files, const char *name,
                                 bool system)
{
  unsigned up;
  char    *path = kept_name(files, name, system, &up);

  if (!path) {
    return NULL;
  }
  for (size_t i = 0; i < files->n_files; i++) {
    if (files->files[i].up == up && strcmp(files->files[i].path, path) == 0) {
      free(path);
      return &files->files[i];
    }
  }
  struct src_file *grown = NULL;
  if (files->n_files < SRCFILES_MAX_FILES) {
    grown = reallocarray(files->files, files->n_files + 1, sizeof(*grown));
  }
  if (!grown) {
    free(path);
    return NULL;
  }
  files->files                 = grown;
  files->files[files->n_files] = (struct src_file){ .path = path, .up = up };
  return &files->files[files->n_files++];
}

static int keep_line(struct src_file *file, size_t number, const char *text,
                     size_t len)
{
  if (number == 0 || number >= SRCFILES_MAX_LINE) {
    return 0;
  }
  if (number >= file->n_lines) {
    size_t n = number + 1 > file->n_lines * 2 ? number + 1 : file->n_lines * 2;
    struct src_line *lines = reallocarray(file->lines, n, sizeof(*lines));
    if (!lines) {
      return -ENOMEM;
    }
    memset(lines + file->n_lines, 0, (n - file->n_lines) * sizeof(*lines));
    file->lines   = lines;
    file->n_lines = n;
  }
  char *copy = malloc(len + 1);
  if (!copy) {
    return -ENOMEM;
  }
  memcpy(copy, text, len);
  copy[len] = '\0';
  free(file->lines[number].text);
  file->lines[number] = (struct src_line){ copy, len };
  return 0;
}

static int one_line(struct srcfiles *files, const char *line, size_t len)
{
  struct linemarker marker;
  int               r = linemarker_parse(line, len, &marker);

  if (r < 0) {
    return r;
  }
  if (r > 0) {
    files->current =
      marker.name[0] == '<'
        ? NULL
        : file_for(files, marker.name, marker.flags & LINEMARKER_SYSTEM);
    /* counted on from a number past the cap without wrapping */
    files->line =
      marker.number < SRCFILES_MAX_LINE ? marker.number : SRCFILES_MAX_LINE;
    linemarker_done(&marker);
    return 0;
  }
  r = files->current ? keep_line(files->current, files->line, line, len) : 0;
  files->line++;
  return r;
}

int srcfiles_feed(struct srcfiles *files, const char *text, size_t len)
{
  if (len == 0) {
    return 0; /* text may be NULL then */
  }
  const char *end = text + len;

  while (text < end) {
    const char *nl    = memchr(text, '\n', (size_t)(end - text));
    size_t      n     = nl ? (size_t)(nl - text) : (size_t)(end - text);
    char       *grown = realloc(files->partial, files->partial_len + n + 1);
    if (!grown) {
      return -ENOMEM;
    }
    files->partial = grown;
    memcpy(files->partial + files->partial_len, text, n);
    files->partial_len += n;
    if (!nl) {
      break;
    }
    int r              = one_line(files, files->partial, files->partial_len);
    files->partial_len = 0;
    if (r < 0) {
      return r;
    }
    text = nl + 1;
  }
  return 0;
}

/* The directories path needs, made as needed. */
static int make_parents(const char *path)
{
  _cleanup_free_ char *parent = strdup(path);
  char                *slash  = parent ? strrchr(parent, '/') : NULL;

  if (!slash) {
    return parent ? 0 : -ENOMEM;
  }
  *slash = '\0';
  return io_mkdir_p(parent, 0700);
}

static int write_file(const char *path, const struct src_file *file)
{
  _cleanup_free_ char *buf = NULL;
  size_t               len = 0;

  for (size_t i = 1; i < file->n_lines; i++) {
    len += file->lines[i].len + 1;
  }
  if (!(buf = malloc(len + 1))) {
    return -ENOMEM;
  }
  char *p = buf;
  for (size_t i = 1; i < file->n_lines; i++) {
    if (file->lines[i].len) {
      memcpy(p, file->lines[i].text, file->lines[i].len);
      p += file->lines[i].len;
    }
    *p++ = '\n';
  }
  return io_write_new_file(path, buf, len);
}

/* One file at path, its directories made; a name that is a directory of
 * another's is left out. */
static int write_one(const char *path, const struct src_file *file)
{
  int r = make_parents(path);

  if (r >= 0) {
    r = write_file(path, file);
  }
  return r == -EEXIST || r == -EISDIR || r == -ENOTDIR ? 0 : r;
}

int srcfiles_write(struct srcfiles *files, const char *dir, char **ret_cwd)
{
  unsigned             max_up = 0;
  _cleanup_free_ char *cwd    = NULL;

  for (size_t i = 0; i < files->n_files; i++) {
    max_up = files->files[i].up > max_up ? files->files[i].up : max_up;
  }
  size_t cwd_len = strlen(dir) + strlen("/src") + 2 * max_up;
  if (!(cwd = malloc(cwd_len + 2))) {
    return -ENOMEM;
  }
  strcpy(cwd, dir);
  strcat(cwd, "/src");
  for (unsigned k = 0; k < max_up; k++) {
    strcat(cwd, "/d");
  }
  strcat(cwd, "/");
  int r = make_parents(cwd);
  for (size_t i = 0; i < files->n_files && r >= 0; i++) {
    const struct src_file *file = &files->files[i];
    _cleanup_free_ char   *path = NULL;
    /* up levels from cwd: cut that many "/d" off its end */
    size_t keep = strlen(dir) + strlen("/src") + 2 * (max_up - file->up);
    if (asprintf(&path, "%.*s/%s", (int)keep, cwd, file->path) < 0) {
      return -ENOMEM;
    }
    r = write_one(path, file);
  }
  if (r < 0) {
    return r;
  }
  cwd[cwd_len] = '\0'; /* without the slash */
  *ret_cwd     = TAKE_PTR(cwd);
  return 0;
}

bool srcfiles_saw_absolute(const struct srcfiles *files)
{
  return files->saw_absolute;
}

/* The root of the absolute names below dir; -EINVAL when it cannot be
 * written inside a line marker's quotes as it is. */
static int root_of(const char *dir, char **ret_root)
{
  for (const char *p = dir; *p; p++) {
    if (*p == '"' || *p == '\\' || (unsigned char)*p < 0x20) {
      return -EINVAL;
    }
  }
  return asprintf(ret_root, "%s%s", dir, SRCFILES_ROOT) < 0 ? -ENOMEM : 0;
}

int srcfiles_write_absolute(const char *dir, const char *text, size_t len)
{
  _cleanup_free_ char *root  = NULL;
  struct srcfiles     *files = srcfiles_new();
  int                  r     = files ? root_of(dir, &root) : -ENOMEM;

  if (r >= 0) {
    files->absolute = true;
    r               = srcfiles_feed(files, text, len);
  }
  if (r >= 0 && len && text[len - 1] != '\n') {
    r = srcfiles_feed(files, "\n", 1); /* the last line */
  }
  for (size_t i = 0; r >= 0 && files && i < files->n_files; i++) {
    _cleanup_free_ char *path = NULL;
    if (asprintf(&path, "%s/%s", root, files->files[i].path) < 0) {
      r = -ENOMEM;
      break;
    }
    r = write_one(path, &files->files[i]);
  }
  srcfiles_free(files);
  return r;
}

/* A marker's name below root (userdata) when it is an absolute one that
 * can be rooted. */
static int root_name(const struct linemarker *marker, void *userdata,
                     char **ret_name)
{
  const char *root = userdata;

  if (!rootable(marker->name)) {
    return 0;
  }
  char *name;
  if (asprintf(&name, "%s%s", root, marker->name) < 0) {
    return -ENOMEM;
  }
  *ret_name = name;
  return 0;
}

int srcfiles_root_text(const char *dir, const char *text, size_t len,
                       char **ret_text, size_t *ret_len)
{
  _cleanup_free_ char *root = NULL;
  int                  r    = root_of(dir, &root);

  return r < 0
           ? r
           : linemarker_rewrite(text, len, root_name, root, ret_text, ret_len);
}

int srcfiles_unroot(const char *dir, char *text, size_t *len)
{
  _cleanup_free_ char *root = NULL;
  int                  r    = root_of(dir, &root);
  size_t               n = r < 0 ? 0 : strlen(root), kept = 0;

  if (r < 0) {
    return r;
  }
  for (size_t i = 0; i < *len;) {
    if (*len - i > n && memcmp(text + i, root, n) == 0 && text[i + n] == '/') {
      i += n; /* the '/' stays: the name is the client's again */
      continue;
    }
    text[kept++] = text[i++];
  }
  *len = kept;
  return 0;
}
