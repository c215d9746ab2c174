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
#include "macro.h"

#define SRCFILES_MAX_FILES 4096
#define SRCFILES_MAX_LINE  (1u << 22) /* line numbers kept */
#define SRCFILES_MAX_UP    16         /* leading "../" of a name */

struct src_line {
  char  *text; /* without its newline; NULL: not seen */
  size_t len;
};

struct src_file {
  char            *path; /* normalised, relative, without leading ../ */
  unsigned         up;   /* how many leading ../ it had */
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
};

struct srcfiles *srcfiles_new(void)
{
  return calloc(1, sizeof(struct srcfiles));
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

static struct src_file *file_for(struct srcfiles *files, const char *name)
{
  unsigned up;
  char    *path = normalise(name, &up);

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

/* A line marker "# N \"NAME\"...": its number and name (unquoted, owned). */
static bool parse_marker(const char *line, size_t len, size_t *ret_number,
                         char **ret_name)
{
  size_t i = 2, number = 0;

  if (len < 6 || line[0] != '#' || line[1] != ' ' || line[2] < '0' ||
      line[2] > '9') {
    return false;
  }
  for (; i < len && line[i] >= '0' && line[i] <= '9'; i++) {
    number = number > SRCFILES_MAX_LINE ? number
                                        : number * 10 + (size_t)(line[i] - '0');
  }
  if (i + 2 > len || line[i] != ' ' || line[i + 1] != '"') {
    return false;
  }
  char  *name = malloc(len);
  size_t n    = 0;
  if (!name) {
    return false;
  }
  for (i += 2; i < len && line[i] != '"'; i++) {
    char c = line[i];
    if (c == '\\' && i + 1 < len) {
      c = line[++i];
      if (c >= '0' && c <= '7') {
        int v = c - '0';
        for (int k = 0;
             k < 2 && i + 1 < len && line[i + 1] >= '0' && line[i + 1] <= '7';
             k++) {
          v = v * 8 + (line[++i] - '0');
        }
        c = (char)v;
      }
    }
    name[n++] = c;
  }
  name[n] = '\0';
  if (i >= len) { /* no closing quote: not a marker */
    free(name);
    return false;
  }
  *ret_number = number;
  *ret_name   = name;
  return true;
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
  size_t number;
  char  *name;

  if (line[0] == '#' && parse_marker(line, len, &number, &name)) {
    files->current = name[0] == '<' ? NULL : file_for(files, name);
    files->line    = number;
    free(name);
    return 0;
  }
  int r =
    files->current ? keep_line(files->current, files->line, line, len) : 0;
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
  _cleanup_close_ int fd =
    open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  return fd < 0 ? -errno : io_write_all(fd, buf, len, -1);
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
    r = make_parents(path);
    if (r >= 0) {
      r = write_file(path, file);
    }
    if (r == -EEXIST || r == -EISDIR || r == -ENOTDIR) {
      r = 0; /* a name that is a directory of another: left out */
    }
  }
  if (r < 0) {
    return r;
  }
  cwd[cwd_len] = '\0'; /* without the slash */
  *ret_cwd     = TAKE_PTR(cwd);
  return 0;
}
