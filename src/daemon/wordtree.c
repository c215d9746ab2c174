/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "wordtree.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "io.h"
#include "linemarker.h"
#include "macro.h"
#include "membuf.h"
#include "strv.h"

#define WORDTREE_MAX_FILES 65536
#define WORDTREE_MAX_DEPTH 256        /* gcc stops at 200 nested includes */
#define WORDTREE_MAX_LINE  (1u << 22) /* a line number, as srcfiles keeps */
#define WORDTREE_MAX_BLANK (1u << 25) /* blank lines added, in all */
#define WORDTREE_DIR       "/nm/"     /* "no markers" */
#define WORDTREE_EXT       ".h"

struct wt_file {
  char         *name;   /* the client's, from the marker */
  char         *path;   /* DIR/w/N.h */
  struct membuf text;   /* its lines so far */
  size_t        lines;  /* how many text holds */
  size_t        cursor; /* the number of the next line the text gives */
  bool          system; /* flag 3 */
  bool          pre;    /* included by the command line (-include) */
};

struct wordtree {
  char           *dir; /* DIR/w/ */
  struct wt_file *files;
  size_t          n_files;
  size_t          main;
  char          **options; /* the command line's -D and -U, in order */
  size_t          blank;   /* blank lines added so far */
};

/* Where the text's lines go while it is read. */
struct builder {
  struct wordtree *tree;
  long             current;      /* a file's index; -1: a pseudo file */
  bool             command_line; /* that pseudo file is <command-line> */
  bool             have_main;
  long             stack[WORDTREE_MAX_DEPTH];
  size_t           depth;
};

struct wordtree *wordtree_free(struct wordtree *tree)
{
  if (!tree) {
    return NULL;
  }
  for (size_t i = 0; i < tree->n_files; i++) {
    free(tree->files[i].name);
    free(tree->files[i].path);
    membuf_clear(&tree->files[i].text);
  }
  free(tree->files);
  strv_free(tree->options);
  free(tree->dir);
  free(tree);
  return NULL;
}

const char *wordtree_main(const struct wordtree *tree)
{
  return tree->files[tree->main].path;
}

static bool pseudo_name(const char *name, size_t len)
{
  return (len >= 2 && name[0] == '<' && name[len - 1] == '>') ||
         (len >= 2 && name[len - 1] == '/' && name[len - 2] == '/');
}

/* A file of the tree for the marker's name; its index in *ret_index. */
static int add_file(struct wordtree *tree, const struct linemarker *marker,
                    size_t *ret_index)
{
  if (tree->n_files >= WORDTREE_MAX_FILES || !marker->name_len ||
      strchr(marker->name, '=')) {
    return -EILSEQ; /* gcc's prefix map splits at the last '=' */
  }
  struct wt_file *files =
    reallocarray(tree->files, tree->n_files + 1, sizeof(*files));
  if (!files) {
    return -ENOMEM;
  }
  tree->files         = files;
  struct wt_file *new = &files[tree->n_files];
  *new                = (struct wt_file){
                   .cursor = marker->number,
                   .system = marker->flags & LINEMARKER_SYSTEM,
  };
  new->name = strdup(marker->name);
  if (!new->name || asprintf(&new->path, "%s%zu" WORDTREE_EXT, tree->dir,
                             tree->n_files) < 0) {
    free(new->name);
    return -ENOMEM;
  }
  *ret_index = tree->n_files++;
  return 0;
}

/* Line (len bytes, its newline included or not) at the file's cursor. */
static int put_line(struct wordtree *tree, struct wt_file *file,
                    const char *line, size_t len)
{
  if (file->cursor < file->lines + 1) {
    return -EILSEQ; /* two lines at one number */
  }
  /* a marker's number is the peer's: the blank lines it asks for are
     bounded, per file and in all */
  size_t blank = file->cursor - file->lines - 1;
  if (file->cursor > WORDTREE_MAX_LINE || blank > WORDTREE_MAX_BLANK ||
      tree->blank > WORDTREE_MAX_BLANK - blank) {
    return -EILSEQ;
  }
  tree->blank += blank;
  for (; file->lines + 1 < file->cursor; file->lines++) {
    int r = membuf_add(&file->text, "\n", 1);
    if (r < 0) {
      return r;
    }
  }
  int r = membuf_add(&file->text, line, len);
  if (r >= 0 && (!len || line[len - 1] != '\n')) {
    r = membuf_add(&file->text, "\n", 1);
  }
  if (r >= 0) {
    file->lines++;
    file->cursor++;
  }
  return r;
}

/* A #define or #undef line of the command line, as the option it was. */
static int add_option(struct wordtree *tree, const char *line, size_t len)
{
  static const char    define[] = "#define ", undef[] = "#undef ";
  _cleanup_free_ char *option = NULL;

  while (len && (line[len - 1] == '\n' || line[len - 1] == '\r')) {
    len--;
  }
  if (len > strlen(define) && memcmp(line, define, strlen(define)) == 0) {
    const char *name = line + strlen(define);
    size_t      rest = len - strlen(define);
    size_t      at   = 0;
    while (at < rest && name[at] != ' ' && name[at] != '(') {
      at++; /* the line is the peer's: within its length */
    }
    if (at < rest && name[at] == '(') {
      const char *close = memchr(name + at, ')', rest - at);
      at                = close ? (size_t)(close - name) + 1 : rest;
    }
    if (asprintf(&option, "-D%.*s=%.*s", (int)at, name,
                 (int)(rest - at - (at < rest)), name + at + (at < rest)) < 0) {
      return -ENOMEM;
    }
  } else if (len > strlen(undef) && memcmp(line, undef, strlen(undef)) == 0) {
    if (asprintf(&option, "-U%.*s", (int)(len - strlen(undef)),
                 line + strlen(undef)) < 0) {
      return -ENOMEM;
    }
  } else {
    return 0; /* blank, or what the built-in file defines */
  }
  return strv_consume(&tree->options, TAKE_PTR(option));
}

/* A header begins: its own file, included where the includer is. */
static int enter(struct builder *b, const struct linemarker *marker)
{
  size_t index;
  int    r =
    b->depth < WORDTREE_MAX_DEPTH ? add_file(b->tree, marker, &index) : -EILSEQ;

  if (r < 0) {
    return r;
  }
  b->tree->files[index].pre = b->current < 0;
  b->stack[b->depth++]      = b->current;
  b->current                = (long)index;
  return 0;
}

/* Back in the includer: its #include names the header's file, on the line
 * before the one the marker says comes next. */
static int leave(struct builder *b, const struct linemarker *marker)
{
  if (!b->depth) {
    return -EILSEQ;
  }
  size_t child = (size_t)b->current;
  b->current   = b->stack[--b->depth];
  if (b->current < 0) {
    return pseudo_name(marker->name, marker->name_len) ? 0 : -EILSEQ;
  }
  struct wt_file *includer = &b->tree->files[b->current];
  const char     *path     = b->tree->files[child].path;
  if (strcmp(includer->name, marker->name) != 0 || marker->number < 2) {
    return -EILSEQ;
  }
  /* a system header is found in the tree's -isystem directory, so that
     gcc reads it as one; the others by their paths */
  _cleanup_free_ char *line = NULL;
  int                  n    = b->tree->files[child].system
                                ? asprintf(&line, "#include <%s>\n", path + strlen(b->tree->dir))
                                : asprintf(&line, "#include \"%s\"\n", path);
  if (n < 0) {
    return -ENOMEM;
  }
  includer->cursor = marker->number - 1;
  return put_line(b->tree, includer, line, strlen(line));
}

/* A marker without flags: a pseudo file, the main file's first, or the
 * file it is in going on further down (anything else is the source's own
 * #line). */
static int go_on(struct builder *b, const struct linemarker *marker)
{
  if (pseudo_name(marker->name, marker->name_len)) {
    if (b->depth) {
      return -EILSEQ;
    }
    b->current      = -1;
    b->command_line = strcmp(marker->name, "<command-line>") == 0;
    return 0;
  }
  if (!b->have_main) {
    int r = add_file(b->tree, marker, &b->tree->main);
    if (r >= 0) {
      b->have_main = true;
      b->current   = (long)b->tree->main;
    }
    return r;
  }
  if (b->current < 0 && !b->depth) {
    b->current = (long)b->tree->main;
  }
  struct wt_file *file = b->current < 0 ? NULL : &b->tree->files[b->current];
  if (!file || strcmp(file->name, marker->name) != 0 ||
      marker->number < file->lines + 1) {
    return -EILSEQ;
  }
  file->cursor = marker->number;
  return 0;
}

static int read_line(struct builder *b, const char *line, size_t len)
{
  struct linemarker marker = { 0 };
  int               r      = linemarker_parse(line, len, &marker);

  if (r == 0 && b->current < 0) {
    return b->command_line ? add_option(b->tree, line, len) : 0;
  }
  if (r == 0) {
    return put_line(b->tree, &b->tree->files[b->current], line, len);
  }
  if (r > 0) {
    r = marker.flags & LINEMARKER_ENTER   ? enter(b, &marker)
        : marker.flags & LINEMARKER_LEAVE ? leave(b, &marker)
                                          : go_on(b, &marker);
  }
  linemarker_done(&marker);
  return r;
}

/* The tree's own directory under DIR: a name that the tree's #include
 * lines quote, so it must need no escape. */
static int name_tree_dir(struct wordtree *tree, const char *dir)
{
  if (strpbrk(dir, "\"\\\n")) {
    return -EILSEQ;
  }
  tree->dir = malloc(strlen(dir) + sizeof(WORDTREE_DIR));
  if (!tree->dir) {
    return -ENOMEM;
  }
  stpcpy(stpcpy(tree->dir, dir), WORDTREE_DIR);
  return 0;
}

int wordtree_parse(const char *dir, const char *text, size_t len,
                   struct wordtree **ret, size_t *ret_line)
{
  _cleanup_(wordtree_freep) struct wordtree *tree = calloc(1, sizeof(*tree));
  struct builder b = { .tree = tree, .current = -1 };
  int            r = tree ? name_tree_dir(tree, dir) : -ENOMEM;

  *ret_line = 0;
  for (size_t at = 0; r >= 0 && at < len; ++*ret_line) {
    const char *nl   = memchr(text + at, '\n', len - at);
    size_t      line = nl ? (size_t)(nl - (text + at)) + 1 : len - at;
    r                = read_line(&b, text + at, line);
    at += line;
  }
  if (r >= 0 && (!b.have_main || b.depth)) {
    ++*ret_line; /* what the end lacks */
    r = -EILSEQ;
  }
  if (r >= 0) {
    *ret = TAKE_PTR(tree);
  }
  return r;
}

int wordtree_write(const struct wordtree *tree)
{
  if (mkdir(tree->dir, 0700) < 0) {
    return -errno;
  }
  for (size_t i = 0; i < tree->n_files; i++) {
    const struct wt_file *file = &tree->files[i];
    int r = io_write_new_file(file->path, file->text.data, file->text.len);
    if (r < 0) {
      return r;
    }
  }
  return 0;
}

int wordtree_push_options(const struct wordtree *tree, char ***argv)
{
  _cleanup_free_ char *dir = strndup(tree->dir, strlen(tree->dir) - 1);
  int                  r   = dir ? strv_extend(argv, tree->options) : -ENOMEM;

  r = r < 0 ? r : strv_push(argv, "-isystem");
  r = r < 0 ? r : strv_push(argv, dir);
  for (size_t i = 0; r >= 0 && i < tree->n_files; i++) {
    if (tree->files[i].pre) { /* a system one as found in -isystem */
      const struct wt_file *file = &tree->files[i];
      r                          = strv_push(argv, "-include");
      r                          = r < 0 ? r
                                         : strv_push(argv, file->system ? file->path + strlen(tree->dir)
                                                                        : file->path);
    }
  }
  for (size_t i = 0; r >= 0 && i < tree->n_files; i++) {
    char *map = NULL;
    if (asprintf(&map, "-fmacro-prefix-map=%s=%s", tree->files[i].path,
                 tree->files[i].name) < 0) {
      return -ENOMEM;
    }
    r = strv_consume(argv, map);
  }
  return r;
}

/* The index of the file whose path starts p (left bytes), its length in
 * *ret_len; -1 for none. */
static long path_at(const struct wordtree *tree, const char *p, size_t left,
                    size_t *ret_len)
{
  size_t dirlen = strlen(tree->dir), ext = strlen(WORDTREE_EXT);
  size_t i = dirlen;
  size_t n = 0;

  if (left <= dirlen || memcmp(p, tree->dir, dirlen) != 0) {
    return -1;
  }
  while (i < left && p[i] >= '0' && p[i] <= '9' && n < tree->n_files) {
    n = n * 10 + (size_t)(p[i++] - '0');
  }
  if (i == dirlen || n >= tree->n_files || left - i < ext ||
      memcmp(p + i, WORDTREE_EXT, ext) != 0) {
    return -1;
  }
  *ret_len = i + ext;
  return (long)n;
}

int wordtree_unname(const struct wordtree *tree, char **text, size_t *len)
{
  struct membuf out = { 0 };
  int           r   = 0;

  for (size_t at = 0; r >= 0 && at < *len;) {
    size_t path_len = 0;
    long   n        = path_at(tree, *text + at, *len - at, &path_len);
    if (n >= 0) {
      const char *name = tree->files[n].name;
      r                = membuf_add(&out, name, strlen(name));
      at += path_len;
    } else {
      r = membuf_add(&out, *text + at, 1);
      at++;
    }
  }
  if (r < 0) {
    membuf_clear(&out);
    return r;
  }
  free(*text);
  *text = out.data;
  *len  = out.len;
  return 0;
}

int wordtree_flatten(const char *text, size_t len, char **ret_text,
                     size_t *ret_len)
{
  struct membuf out = { 0 };
  int           r   = 0;

  for (size_t at = 0; r >= 0 && at < len;) {
    const char       *nl     = memchr(text + at, '\n', len - at);
    size_t            line   = nl ? (size_t)(nl - (text + at)) + 1 : len - at;
    struct linemarker marker = { 0 };
    r                        = linemarker_parse(text + at, line, &marker);
    linemarker_done(&marker);
    if (r >= 0) {
      r = r ? membuf_add(&out, "\n", 1) : membuf_add(&out, text + at, line);
    }
    at += line;
  }
  if (r < 0) {
    membuf_clear(&out);
    return r;
  }
  *ret_text = out.data;
  *ret_len  = out.len;
  return 0;
}
