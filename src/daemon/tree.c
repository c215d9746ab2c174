/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "tree.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compilerun.h"
#include "io.h"
#include "json.h"
#include "macro.h"
#include "rebuild.h"
#include "strv.h"
#include "why.h"

/* The deepest climb of a relative name ("../../x.h") a tree takes. */
#define TREE_CLIMB_MAX 64

struct tree {
  char  *overlay; /* DIR/tree.yaml */
  char  *run_in;  /* DIR/w/d/... */
  char  *placeholders[2];
  size_t text_len;
};

/* Where the compile reads a file: an absolute name as it is, a relative
 * one from the directory it runs in. */
static int shown_path(const struct tree *tree, const char *name, char **ret)
{
  if (name[0] == '/') {
    *ret = strdup(name);
  } else if (asprintf(ret, "%s/%s", tree->run_in, name) < 0) {
    *ret = NULL;
  }
  return *ret ? 0 : -ENOMEM;
}

/* How many directories a relative name climbs above where it starts, at
 * most (clang resolves "a/../.." as written). */
static size_t climb(const char *name)
{
  long        depth = 0, most = 0;
  const char *p = name;

  if (name[0] == '/') {
    return 0;
  }
  while (*p) {
    size_t len = strcspn(p, "/");
    if (len == 2 && p[0] == '.' && p[1] == '.') {
      most = --depth < most ? depth : most;
    } else if (len && !(len == 1 && p[0] == '.')) {
      depth++;
    }
    p += len;
    p += *p == '/';
  }
  return (size_t)-most;
}

/* The compile runs in DIR/w/d/..., deep enough for every relative name's
 * climb: none reaches the job directory's own files. */
static int make_run_in(struct tree *tree, const char *dir, const char *input,
                       const char *output, const struct rebuild *rebuild,
                       char **ret_why)
{
  size_t depth = climb(input);

  if (output && climb(output) > depth) {
    depth = climb(output);
  }
  for (size_t i = 0; i < rebuild->count; i++) {
    size_t up = climb(rebuild->files[i].name);
    depth     = up > depth ? up : depth;
  }
  if (depth > TREE_CLIMB_MAX) {
    return why_reason(-EILSEQ, ret_why,
                      "a file name climbs more than %d directories",
                      TREE_CLIMB_MAX);
  }
  if (!(tree->run_in = malloc(strlen(dir) + 3 + 2 * depth))) {
    return -ENOMEM;
  }
  strcpy(tree->run_in, dir);
  strcat(tree->run_in, "/w");
  for (size_t k = 0; k < depth; k++) {
    strcat(tree->run_in, "/d");
  }
  return io_mkdir_p(tree->run_in, 0700);
}

/* Whether the server's own file at an absolute name below /usr (the
 * system's headers, which every sandbox shows read-only) holds exactly
 * these bytes: the compile may then read it, and the rebuilt one need
 * not be written (creating a file costs far more than reading one). */
static bool system_copy(const char *name, const char *text, size_t len)
{
  _cleanup_free_ char *real = NULL, *held = NULL;
  size_t               held_len = 0;

  if (strncmp(name, "/usr/", 5) != 0 || !(real = realpath(name, NULL)) ||
      strncmp(real, "/usr/", 5) != 0) {
    return false;
  }
  _cleanup_close_ int fd =
    open(real, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);
  struct stat st;
  if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
      (uint64_t)st.st_size != len) {
    return false;
  }
  return io_read_fd(fd, len + 1, &held, &held_len) >= 0 && held_len == len &&
         (len == 0 || memcmp(held, text, len) == 0);
}

static void put_root(struct json_writer *w, const char *shown,
                     const char *external)
{
  json_begin_object(w);
  json_key(w, "type");
  json_string(w, "file");
  json_key(w, "name");
  json_string(w, shown);
  json_key(w, "external-contents");
  json_string(w, external);
  json_end_object(w);
}

/* The overlay's entry for file i, written to dir/t/i, none for a system
 * header the server holds alike (system_copy); what the name shows in
 * ret_shown[i], ret_external[i] (owned). */
static int add_root(struct tree *tree, struct json_writer *w, const char *dir,
                    size_t i, const struct rebuild_file *file, char **ret_why,
                    char **ret_shown, char **ret_external)
{
  _cleanup_free_ char *path = NULL, *shown = NULL;

  if (asprintf(&path, "%s/t/%zu", dir, i) < 0) {
    return -ENOMEM;
  }
  int r = shown_path(tree, file->name, &shown);
  if (r >= 0 && !json_utf8_valid(shown, strlen(shown))) {
    return why_reason(-EILSEQ, ret_why, "the file name %s is not UTF-8",
                      file->name);
  }
  if (r >= 0 && system_copy(shown, file->text, file->len)) {
    ret_external[i] = strdup(shown);
    ret_shown[i]    = TAKE_PTR(shown);
    return ret_external[i] ? 0 : -ENOMEM;
  }
  r = r < 0 ? r
            : io_write_new_file(path, file->text ? file->text : "", file->len);
  if (r < 0) {
    return r;
  }
  put_root(w, shown, path);
  ret_shown[i]    = TAKE_PTR(shown);
  ret_external[i] = TAKE_PTR(path);
  return 0;
}

static const char *base_name(const char *path)
{
  const char *slash = strrchr(path, '/');
  return slash ? slash + 1 : path;
}

/* The one file of the tree named like skip's: where its contents are, or
 * NULL for none or several. */
static const char *skipped_file(const struct rebuild      *rebuild,
                                const struct rebuild_skip *skip,
                                char *const               *external)
{
  const char *found = NULL;

  for (size_t i = 0; i < rebuild->count; i++) {
    if (strcmp(base_name(rebuild->files[i].name), base_name(skip->name)) == 0) {
      if (found) {
        return NULL;
      }
      found = external[i];
    }
  }
  return found;
}

/* Whether a file of the tree is named name, or name after a '/': the
 * compile's search most likely finds it there as a local one did. */
static bool named_like(const struct rebuild *rebuild, const char *name)
{
  size_t n = strlen(name);

  for (size_t i = 0; i < rebuild->count; i++) {
    const char *file = rebuild->files[i].name;
    size_t      len  = strlen(file);
    if (len >= n && strcmp(file + len - n, name) == 0 &&
        (len == n || file[len - n - 1] == '/')) {
      return true;
    }
  }
  return false;
}

/* An #include "NAME" clang skipped (rebuild_skip): where a local compile
 * would have looked first, the includer's directory, shows the file of the
 * tree of that name, so that the compile finds it and skips it again
 * (clang knows a file by the file it reads). A guess, only for a NAME no
 * file of the tree ends in: the check compares what the compile reads
 * with the client's text. */
static int add_skip_root(struct json_writer *w, const struct rebuild *rebuild,
                         const struct rebuild_skip *skip, char *const *shown,
                         char *const *external, char ***added)
{
  const char          *file = skipped_file(rebuild, skip, external);
  _cleanup_free_ char *dir = NULL, *candidate = NULL;

  if (named_like(rebuild, skip->name)) {
    return 0; /* found by the search as it was (and a guess would shadow) */
  }
  if (!file || !(dir = strdup(shown[skip->includer]))) {
    return file ? -ENOMEM : 0;
  }
  *strrchr(dir, '/') = '\0'; /* shown paths are absolute */
  if (skip->name[0] == '/') {
    candidate = strdup(skip->name);
  } else if (asprintf(&candidate, "%s/%s", dir, skip->name) < 0) {
    candidate = NULL;
  }
  if (!candidate) {
    return -ENOMEM;
  }
  if (!json_utf8_valid(candidate, strlen(candidate))) {
    return 0;
  }
  for (size_t i = 0; i < rebuild->count; i++) {
    if (strcmp(shown[i], candidate) == 0) {
      return 0;
    }
  }
  for (char **a = *added; a && *a; a++) {
    if (strcmp(*a, candidate) == 0) {
      return 0;
    }
  }
  put_root(w, candidate, file);
  return strv_push(added, candidate);
}

/* A file named absolutely below the client's working directory cwd is
 * there by its relative name too: shown so from run_in, where relative
 * names resolve (an -include by its absolute name, then #include by a
 * relative one, skipped as the same file). */
static int add_mirror_root(struct tree *tree, struct json_writer *w,
                           const char *cwd, const char *shown,
                           const char *external, char *const *all, size_t count,
                           char ***added)
{
  size_t               n         = strlen(cwd);
  _cleanup_free_ char *candidate = NULL;

  if (strncmp(shown, cwd, n) != 0 || shown[n] != '/' || !shown[n + 1]) {
    return 0;
  }
  if (asprintf(&candidate, "%s/%s", tree->run_in, shown + n + 1) < 0) {
    return -ENOMEM;
  }
  for (size_t i = 0; i < count; i++) {
    if (strcmp(all[i], candidate) == 0) {
      return 0;
    }
  }
  put_root(w, candidate, external);
  return strv_push(added, candidate);
}

static int write_overlay(struct tree *tree, const char *dir, const char *cwd,
                         const struct rebuild *rebuild, char **ret_why)
{
  struct json_writer   w    = { 0 };
  _cleanup_free_ char *text = NULL, *files = NULL;
  size_t               len = 0;
  int                  r   = 0;

  if (asprintf(&files, "%s/t", dir) < 0) {
    return -ENOMEM;
  }
  if (mkdir(files, 0700) < 0) {
    return -errno;
  }
  json_begin_object(&w);
  json_key(&w, "version");
  json_int(&w, 0);
  json_key(&w, "case-sensitive");
  json_string(&w, "true");
  json_key(&w, "use-external-names");
  json_bool(&w, false);
  json_key(&w, "roots");
  json_begin_array(&w);
  char **shown    = calloc(rebuild->count + 1, sizeof(*shown));
  char **external = calloc(rebuild->count + 1, sizeof(*external));
  char **added    = NULL;
  r               = shown && external ? 0 : -ENOMEM;
  for (size_t i = 0; i < rebuild->count && r >= 0; i++) {
    r =
      add_root(tree, &w, dir, i, &rebuild->files[i], ret_why, shown, external);
  }
  for (size_t i = 0; i < rebuild->count && r >= 0; i++) {
    if (rebuild->files[i].name[0] == '/') {
      r = add_mirror_root(tree, &w, cwd, shown[i], external[i], shown,
                          rebuild->count, &added);
    }
  }
  for (size_t i = 0; i < rebuild->skip_count && r >= 0; i++) {
    r = add_skip_root(&w, rebuild, &rebuild->skips[i], shown, external, &added);
  }
  for (size_t i = 0; shown && external && i < rebuild->count; i++) {
    free(shown[i]);
    free(external[i]);
  }
  free(shown);
  free(external);
  strv_free(added);
  json_end_array(&w);
  json_end_object(&w);
  if (r < 0) {
    json_writer_clear(&w);
    return r;
  }
  r = json_writer_finish(&w, &text, &len);
  if (r >= 0 && asprintf(&tree->overlay, "%s/tree.yaml", dir) < 0) {
    tree->overlay = NULL;
    r             = -ENOMEM;
  }
  return r < 0 ? r : io_write_new_file(tree->overlay, text, len);
}

/* The driver's input: an empty file at the source's name, from run_in;
 * in the sandbox for an absolute one. */
static int place_input(struct tree *tree, const char *input)
{
  _cleanup_free_ char *path = NULL;

  if (input[0] == '/') {
    tree->placeholders[0] = strdup(input);
    return tree->placeholders[0] ? 0 : -ENOMEM;
  }
  if (asprintf(&path, "%s/%s", tree->run_in, input) < 0) {
    return -ENOMEM;
  }
  char *slash = strrchr(path, '/');
  *slash      = '\0';
  int r       = io_mkdir_p(path, 0700);
  *slash      = '/';
  return r < 0 ? r : io_write_new_file(path, "", 0);
}

/* The directory a relative output is written in, from run_in. */
static int place_output(const struct tree *tree, const char *output)
{
  _cleanup_free_ char *path = NULL;

  if (asprintf(&path, "%s/%s", tree->run_in, output) < 0) {
    return -ENOMEM;
  }
  *strrchr(path, '/') = '\0';
  return io_mkdir_p(path, 0700);
}

int tree_build(const char *dir, const char *cwd, const char *input,
               const char *output, const char *body, size_t len,
               struct tree **ret_tree, char **ret_why)
{
  _cleanup_(tree_freep) struct tree *tree    = calloc(1, sizeof(*tree));
  _cleanup_free_ uint64_t           *sizes   = NULL;
  struct rebuild                     rebuild = { 0 };
  size_t                             count   = 0;

  *ret_why = NULL;
  if (!tree) {
    return -ENOMEM;
  }
  int r = rebuild_sizes_split(body, len, &tree->text_len, &sizes, &count);
  if (r == -EBADMSG) {
    return why_reason(-EILSEQ, ret_why, "%s",
                      "the source does not end in the files' sizes");
  }
  r = r < 0 ? r : rebuild_files(body, tree->text_len, &rebuild);
  if (r == -EBADMSG) {
    return why_reason(-EILSEQ, ret_why, "%s",
                      "the source is not clang -frewrite-includes text");
  }
  r = r < 0 ? r : rebuild_fit(&rebuild, sizes, count);
  if (r == -EBADMSG) {
    rebuild_clear(&rebuild);
    return why_reason(-EILSEQ, ret_why, "%s",
                      "the files rebuilt from the text are not the sizes the "
                      "client gives (CRLF line ends, or another file)");
  }
  r = r < 0 ? r : make_run_in(tree, dir, input, output, &rebuild, ret_why);
  r = r < 0 ? r : write_overlay(tree, dir, cwd, &rebuild, ret_why);
  rebuild_clear(&rebuild);
  r = r < 0 ? r : place_input(tree, input);
  r = r < 0 || !output ? r : place_output(tree, output);
  if (r >= 0) {
    *ret_tree = TAKE_PTR(tree);
  }
  return r;
}

struct tree *tree_free(struct tree *tree)
{
  if (tree) {
    free(tree->overlay);
    free(tree->run_in);
    free(tree->placeholders[0]);
    free(tree);
  }
  return NULL;
}

size_t tree_text_len(const struct tree *tree)
{
  return tree->text_len;
}

const char *tree_run_in(const struct tree *tree)
{
  return tree->run_in;
}

const char *const *tree_placeholders(const struct tree *tree)
{
  return (const char *const *)tree->placeholders;
}

int tree_push_words(const char *dir, char ***argv)
{
  _cleanup_free_ char *overlay = NULL;

  if (asprintf(&overlay, "%s/tree.yaml", dir) < 0) {
    return -ENOMEM;
  }
  int r = strv_push(argv, "-ivfsoverlay");
  return r < 0 ? r : strv_push(argv, overlay);
}
