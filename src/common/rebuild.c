/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "rebuild.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "linemarker.h"
#include "macro.h"
#include "membuf.h"
#include "strv.h"

/* A size in the sizes' line is at most this (2^48). */
#define SIZE_MAX_SAID (UINT64_C(1) << 48)
/* The names' hash table: a power of two, at least twice the files. */
#define TABLE_MIN 64
#define NO_FILE   SIZE_MAX

static const char sizes_tag[] = "#herdcc-sizes";

/* ---- the names ---------------------------------------------------------- */

struct names {
  char  **list; /* in order of first appearance (strv) */
  size_t  count;
  size_t *table; /* index + 1 into list, 0: empty slot */
  size_t  table_len;
};

static uint64_t name_hash(const char *name)
{
  uint64_t h = UINT64_C(14695981039346656037);

  for (; *name; name++) {
    h = (h ^ (unsigned char)*name) * UINT64_C(1099511628211);
  }
  return h;
}

static int names_grow(struct names *names)
{
  size_t  len   = names->table_len ? names->table_len * 2 : TABLE_MIN;
  size_t *table = calloc(len, sizeof(*table));

  if (!table) {
    return -ENOMEM;
  }
  for (size_t i = 0; i < names->count; i++) {
    size_t at = name_hash(names->list[i]) & (len - 1);
    while (table[at]) {
      at = (at + 1) & (len - 1);
    }
    table[at] = i + 1;
  }
  free(names->table);
  names->table     = table;
  names->table_len = len;
  return 0;
}

/* The index of name, added when new. */
static int names_index(struct names *names, const char *name, size_t *ret)
{
  if (2 * (names->count + 1) > names->table_len) {
    int r = names_grow(names);
    if (r < 0) {
      return r;
    }
  }
  size_t at = name_hash(name) & (names->table_len - 1);
  for (; names->table[at]; at = (at + 1) & (names->table_len - 1)) {
    if (strcmp(names->list[names->table[at] - 1], name) == 0) {
      *ret = names->table[at] - 1;
      return 0;
    }
  }
  if (names->count == REBUILD_FILES_MAX) {
    return -EBADMSG;
  }
  int r = strv_push(&names->list, name);
  if (r < 0) {
    return r;
  }
  names->table[at] = ++names->count;
  *ret             = names->count - 1;
  return 0;
}

static void names_clear(struct names *names)
{
  strv_free(names->list);
  free(names->table);
  *names = (struct names){ 0 };
}

static bool is_pseudo(const char *name, size_t len)
{
  return len >= 2 && name[0] == '<' && name[len - 1] == '>';
}

/* ---- the walk ----------------------------------------------------------- */

/* What clang added, as whole lines (a CR before the LF aside). */
static const char expanded_open[] =
  "#if 0 /* expanded by -frewrite-includes */";
static const char expanded_close[] =
  "#endif /* expanded by -frewrite-includes */";
static const char disabled_open[] =
  "#if 0 /* disabled by -frewrite-includes */";
static const char disabled_close[] =
  "#endif /* disabled by -frewrite-includes */";
static const char evaluated_tail[] = " /* evaluated by -frewrite-includes */";

struct entry {
  size_t        file; /* NO_FILE: a pseudo name */
  struct membuf text;
  size_t        line; /* the number of its next line, as rebuilt */
};

enum block {
  BLOCK_NONE,
  BLOCK_EXPANDED, /* a directive clang commented out (#include, #pragma) */
  BLOCK_DISABLED, /* an #if or #elif clang evaluated */
  BLOCK_EVALUATED /* its value must come next */
};

/* The line marker clang writes after a block: the line the directive
 * ends on (after an #include, before the file it enters) or the line
 * after it. */
enum after {
  AFTER_NONE,
  AFTER_DIRECTIVE_LINE,
  AFTER_NEXT_LINE,
};

struct walk {
  bool          names_only;
  struct names  names;
  struct entry *stack;
  size_t        depth, stack_cap;
  enum block    block;
  struct membuf disabled;       /* the lines of the block */
  bool          expanded_first; /* the block's first line is to come */
  bool          expanded_include;
  enum after    after;
  /* Text before a directive on its line ends where clang ends it: the
     line before a block may be the start of the directive's. Where that
     line's end is in the top entry, if the line before the block was
     one of its. */
  bool last_was_content;
  bool joinable;
  bool leave_next; /* a file ended: the marker back in its includer */
  /* the quoted name of the block's #include; once its line is said, the
     directive whose file is to be entered next, or was skipped */
  char                *quoted;
  char                *pending;
  size_t               pending_includer;
  struct rebuild_skip *skips;
  size_t               skip_count;
  size_t               join_at, join_len;
  /* the files: the text of each one's first entry, whether it had one */
  struct membuf *files;
  bool          *done;
  size_t         files_cap;
};

/* line (len bytes, its line end cut off) is what. */
static bool line_is(const char *line, size_t len, const char *what)
{
  size_t n = strlen(what);

  return len == n && memcmp(line, what, n) == 0;
}

/* "#if 0 ..." or "#elif 1 ..." with the evaluated tail; *ret_elif. */
static bool line_evaluated(const char *line, size_t len, bool *ret_elif)
{
  size_t tail = sizeof(evaluated_tail) - 1;
  size_t head = len >= 6 && memcmp(line, "#elif ", 6) == 0 ? 6
                : len >= 4 && memcmp(line, "#if ", 4) == 0 ? 4
                                                           : 0;

  if (!head || len != head + 1 + tail ||
      (line[head] != '0' && line[head] != '1') ||
      memcmp(line + head + 1, evaluated_tail, tail) != 0) {
    return false;
  }
  *ret_elif = head == 6;
  return true;
}

static int files_reserve(struct walk *walk)
{
  if (walk->names.count <= walk->files_cap) {
    return 0;
  }
  size_t cap = walk->files_cap ? walk->files_cap : 16;
  while (cap < walk->names.count) {
    cap *= 2;
  }
  struct membuf *files = realloc(walk->files, cap * sizeof(*files));
  if (!files) {
    return -ENOMEM;
  }
  walk->files = files;
  bool *done  = realloc(walk->done, cap * sizeof(*done));
  if (!done) {
    return -ENOMEM;
  }
  walk->done = done;
  memset(files + walk->files_cap, 0, (cap - walk->files_cap) * sizeof(*files));
  memset(done + walk->files_cap, 0, (cap - walk->files_cap) * sizeof(*done));
  walk->files_cap = cap;
  return 0;
}

static int push_entry(struct walk *walk, size_t file, size_t line)
{
  if (walk->depth == walk->stack_cap) {
    size_t        cap   = walk->stack_cap ? walk->stack_cap * 2 : 16;
    struct entry *stack = realloc(walk->stack, cap * sizeof(*stack));
    if (!stack) {
      return -ENOMEM;
    }
    walk->stack     = stack;
    walk->stack_cap = cap;
  }
  walk->stack[walk->depth++] = (struct entry){ .file = file, .line = line };
  return 0;
}

/* The top entry ends: the file's text, or the same again. */
static int pop_entry(struct walk *walk)
{
  struct entry *top = &walk->stack[--walk->depth];
  int           r   = 0;

  if (top->file != NO_FILE && !walk->names_only) {
    struct membuf *file = &walk->files[top->file];
    if (!walk->done[top->file]) {
      *file                 = top->text;
      walk->done[top->file] = true;
      return 0;
    }
    if (file->len != top->text.len ||
        (file->len && memcmp(file->data, top->text.data, file->len) != 0)) {
      r = -EBADMSG;
    }
  }
  free(top->text.data);
  return r;
}

static struct entry *top_file(struct walk *walk)
{
  struct entry *top = walk->depth ? &walk->stack[walk->depth - 1] : NULL;

  return top && top->file != NO_FILE && !walk->names_only ? top : NULL;
}

/* The name of a directive line #include "NAME" (or #include_next,
 * #import), owned; NULL for any other form. */
static char *quoted_name(const char *line, size_t len)
{
  static const char *const words[] = { "include_next", "include", "import" };
  size_t                   i       = 0;

  while (i < len && (line[i] == ' ' || line[i] == '\t')) {
    i++;
  }
  if (i == len || line[i++] != '#') {
    return NULL;
  }
  while (i < len && (line[i] == ' ' || line[i] == '\t')) {
    i++;
  }
  size_t k = 0;
  while (k < ARRAY_SIZE(words) &&
         (len - i < strlen(words[k]) ||
          memcmp(line + i, words[k], strlen(words[k])) != 0)) {
    k++;
  }
  if (k == ARRAY_SIZE(words)) {
    return NULL;
  }
  i += strlen(words[k]);
  while (i < len && (line[i] == ' ' || line[i] == '\t')) {
    i++;
  }
  const char *close =
    i < len && line[i] == '"' ? memchr(line + i + 1, '"', len - i - 1) : NULL;
  size_t n = close ? (size_t)(close - (line + i + 1)) : 0;
  if (!n || memchr(line + i + 1, '\\', n) || memchr(line + i + 1, '\0', n)) {
    return NULL;
  }
  return strndup(line + i + 1, n);
}

/* The marker after an #include's line: the file it names is entered
 * (flag 1), or was skipped. */
static int settle_pending(struct walk *walk, const struct linemarker *marker)
{
  char *name    = walk->pending;
  walk->pending = NULL;
  if (!name || (marker && (marker->flags & LINEMARKER_ENTER))) {
    free(name);
    return 0;
  }
  struct rebuild_skip *skips =
    realloc(walk->skips, (walk->skip_count + 1) * sizeof(*skips));
  if (!skips) {
    free(name);
    return -ENOMEM;
  }
  walk->skips = skips;
  skips[walk->skip_count++] =
    (struct rebuild_skip){ .includer = walk->pending_includer, .name = name };
  return 0;
}

/* The marker after a block says which line the directive ended on: one
 * line fewer than rebuilt means the line before the block was the start
 * of the directive's, whose end clang added. */
static int after_block(struct walk *walk, const struct linemarker *marker,
                       size_t file)
{
  struct entry *top  = top_file(walk);
  size_t        want = marker->number + (walk->after == AFTER_DIRECTIVE_LINE);

  bool include = walk->after == AFTER_DIRECTIVE_LINE;
  walk->after  = AFTER_NONE;
  if (!top) {
    return 0;
  }
  if (file != top->file ||
      (marker->flags & (LINEMARKER_ENTER | LINEMARKER_LEAVE))) {
    return -EBADMSG;
  }
  if (include && walk->quoted) {
    walk->pending          = walk->quoted;
    walk->pending_includer = top->file;
    walk->quoted           = NULL;
  }
  if (want == top->line) {
    return 0;
  }
  if (!walk->joinable || want + 1 != top->line) {
    return -EBADMSG;
  }
  struct membuf *text = &top->text;
  memmove(text->data + walk->join_at,
          text->data + walk->join_at + walk->join_len,
          text->len - walk->join_at - walk->join_len);
  text->len -= walk->join_len;
  top->line--;
  return 0;
}

/* A marker's number is the rebuilt count of its file's lines; one fewer
 * at the end of a file whose last line had no line end (clang added it),
 * where the file must be left next. */
static int check_line(struct walk *walk, const struct linemarker *marker)
{
  struct entry *top = top_file(walk);

  if (!top || top->line == marker->number) {
    return 0;
  }
  if (top->line == marker->number + 1) {
    walk->leave_next = true;
    return 0;
  }
  return -EBADMSG;
}

static int on_marker(struct walk *walk, const struct linemarker *marker)
{
  size_t file = NO_FILE;
  int    r    = 0;

  if (!is_pseudo(marker->name, marker->name_len)) {
    r = names_index(&walk->names, marker->name, &file);
    r = r < 0 || walk->names_only ? r : files_reserve(walk);
  }
  if (r < 0) {
    return r;
  }
  if (walk->pending && (r = settle_pending(walk, marker)) < 0) {
    return r;
  }
  if (walk->leave_next && !(marker->flags & LINEMARKER_LEAVE)) {
    return -EBADMSG;
  }
  walk->leave_next = false;
  if (walk->after != AFTER_NONE) {
    return after_block(walk, marker, file);
  }
  if (marker->flags & LINEMARKER_ENTER) {
    return push_entry(walk, file, marker->number);
  }
  if (marker->flags & LINEMARKER_LEAVE) {
    if (walk->depth < 2) {
      return -EBADMSG;
    }
    r = pop_entry(walk);
  }
  if (r >= 0 && walk->depth == 0) {
    return push_entry(walk, file, marker->number);
  }
  struct entry *top = &walk->stack[walk->depth - 1];
  if (r < 0 || top->file == file) {
    return r < 0 ? r : check_line(walk, marker);
  }
  /* "<built-in>" gives way to the main file; nothing else changes name */
  if (top->file != NO_FILE || top->text.len) {
    return -EBADMSG;
  }
  top->file = file;
  top->line = marker->number;
  return 0;
}

static size_t count_lines(const char *data, size_t len)
{
  size_t n = 0;

  for (const char *at = data;
       (at = memchr(at, '\n', len - (size_t)(at - data))); at++) {
    n++;
  }
  return n;
}

static int add_content(struct walk *walk, const char *data, size_t len)
{
  struct entry *top = top_file(walk);

  if (!top || len == 0) {
    return 0;
  }
  top->line += count_lines(data, len);
  return membuf_add(&top->text, data, len);
}

/* The disabled block's lines but clang's own "#endif" last (and "#if 0"
 * first, for an #elif). */
static int add_disabled(struct walk *walk, bool elif)
{
  if (!walk->disabled.data) {
    return -EBADMSG; /* clang's holds the directive and its "#endif" */
  }
  const char *at  = walk->disabled.data;
  const char *end = at + walk->disabled.len;

  if (elif) {
    const char *nl = memchr(at, '\n', (size_t)(end - at));
    if (!nl || !line_is(at, (size_t)(nl - at) - (nl > at && nl[-1] == '\r'),
                        "#if 0")) {
      return -EBADMSG;
    }
    at = nl + 1;
  }
  /* the last line: "#endif" and its line end */
  if (end == at || end[-1] != '\n') {
    return -EBADMSG;
  }
  const char *last = end - 1;
  while (last > at && last[-1] != '\n') {
    last--;
  }
  size_t last_len = (size_t)(end - 1 - last);
  last_len -= last_len && last[last_len - 1] == '\r';
  if (!line_is(last, last_len, "#endif")) {
    return -EBADMSG;
  }
  walk->disabled.len = 0;
  return add_content(walk, at, (size_t)(last - at));
}

static bool is_pragma(const char *line, size_t len)
{
  size_t i = 1;

  if (len == 0 || line[0] != '#') {
    return false;
  }
  while (i < len && (line[i] == ' ' || line[i] == '\t')) {
    i++;
  }
  return len - i >= 6 && memcmp(line + i, "pragma", 6) == 0;
}

/* A block opens: the line before it may be where its directive starts. */
static void open_block(struct walk *walk, enum block block)
{
  walk->block          = block;
  walk->expanded_first = block == BLOCK_EXPANDED;
  walk->joinable       = walk->last_was_content && walk->join_len;
}

/* A line inside a block. */
static int in_block(struct walk *walk, const char *line, size_t len,
                    size_t bare)
{
  bool elif = false;

  switch (walk->block) {
    case BLOCK_EXPANDED:
      if (line_is(line, bare, expanded_close)) {
        walk->block = BLOCK_NONE;
        walk->after =
          walk->expanded_include ? AFTER_DIRECTIVE_LINE : AFTER_NEXT_LINE;
        return 0;
      }
      if (walk->expanded_first) {
        walk->expanded_first   = false;
        walk->expanded_include = !is_pragma(line, bare);
        free(walk->quoted);
        walk->quoted = walk->names_only || !walk->expanded_include
                         ? NULL
                         : quoted_name(line, bare);
      }
      return add_content(walk, line, len);
    case BLOCK_DISABLED:
      if (line_is(line, bare, disabled_close)) {
        walk->block = BLOCK_EVALUATED;
        return 0;
      }
      return walk->names_only ? 0 : membuf_add(&walk->disabled, line, len);
    case BLOCK_EVALUATED:
      if (!line_evaluated(line, bare, &elif)) {
        return -EBADMSG;
      }
      walk->block = BLOCK_NONE;
      walk->after = AFTER_NEXT_LINE;
      return walk->names_only ? 0 : add_disabled(walk, elif);
    case BLOCK_NONE:
      break;
  }
  return -EINVAL;
}

/* One line (len bytes with its line end, if any). */
static int on_line(struct walk *walk, const char *line, size_t len)
{
  size_t bare = len;
  bool   elif = false;

  if (bare && line[bare - 1] == '\n') {
    bare--;
    bare -= bare && line[bare - 1] == '\r';
  }
  if (walk->block != BLOCK_NONE) {
    return in_block(walk, line, len, bare);
  }
  bool was_content       = walk->last_was_content;
  walk->last_was_content = false;
  size_t open_len        = sizeof(expanded_open) - 1;
  if (bare >= open_len &&
      line_is(line + bare - open_len, open_len, expanded_open)) {
    /* what came before the directive on its line, with no line end */
    open_block(walk, BLOCK_EXPANDED);
    return add_content(walk, line, bare - open_len);
  }
  if (line_is(line, bare, disabled_open)) {
    walk->last_was_content = was_content;
    open_block(walk, BLOCK_DISABLED);
    return 0;
  }
  if (line_evaluated(line, bare, &elif)) {
    return -EBADMSG; /* with no disabled block before it */
  }
  struct linemarker marker = { 0 };
  int               r      = linemarker_parse(line, len, &marker);
  if (r > 0) {
    r = on_marker(walk, &marker);
    linemarker_done(&marker);
    return r;
  }
  if (r < 0) {
    return r;
  }
  struct entry *top = top_file(walk);
  if (top && (walk->after != AFTER_NONE || walk->leave_next)) {
    return -EBADMSG; /* clang writes a marker after every block */
  }
  walk->after = AFTER_NONE;
  r           = add_content(walk, line, len);
  if (top) {
    walk->last_was_content = true;
    walk->join_len         = len - bare;
    walk->join_at          = top->text.len - walk->join_len;
  }
  return r;
}

static void walk_clear(struct walk *walk)
{
  for (size_t i = 0; i < walk->depth; i++) {
    free(walk->stack[i].text.data);
  }
  free(walk->stack);
  for (size_t i = 0; i < walk->files_cap; i++) {
    free(walk->files[i].data);
  }
  free(walk->files);
  free(walk->done);
  free(walk->disabled.data);
  free(walk->quoted);
  free(walk->pending);
  for (size_t i = 0; i < walk->skip_count; i++) {
    free(walk->skips[i].name);
  }
  free(walk->skips);
  names_clear(&walk->names);
}

static int walk_text(struct walk *walk, const char *text, size_t len)
{
  const char *at  = text;
  const char *end = text + len;
  int         r   = 0;

  while (at < end && r >= 0) {
    const char *nl   = memchr(at, '\n', (size_t)(end - at));
    size_t      line = nl ? (size_t)(nl - at) + 1 : (size_t)(end - at);
    r                = on_line(walk, at, line);
    at += line;
  }
  if (r >= 0 && walk->block != BLOCK_NONE) {
    r = -EBADMSG;
  }
  if (r >= 0 && walk->pending) {
    r = settle_pending(walk, NULL);
  }
  while (r >= 0 && walk->depth) {
    r = pop_entry(walk);
  }
  return r;
}

/* ---- the API ------------------------------------------------------------ */

int rebuild_names(const char *text, size_t len, char ***ret_names)
{
  struct walk walk = { .names_only = true };
  int         r    = walk_text(&walk, text, len);

  if (r >= 0) {
    *ret_names      = walk.names.list;
    walk.names.list = NULL;
  }
  walk_clear(&walk);
  return r;
}

int rebuild_files(const char *text, size_t len, struct rebuild *ret)
{
  struct walk walk = { 0 };
  int         r    = walk_text(&walk, text, len);
  size_t      n    = walk.names.count;

  *ret = (struct rebuild){ 0 };
  if (r >= 0 && n && !(ret->files = calloc(n, sizeof(*ret->files)))) {
    r = -ENOMEM;
  }
  for (size_t i = 0; r >= 0 && i < n; i++) {
    ret->files[i]      = (struct rebuild_file){ .name = walk.names.list[i],
                                                .text = walk.files[i].data,
                                                .len  = walk.files[i].len };
    walk.names.list[i] = NULL;
    walk.files[i].data = NULL;
    ret->count         = i + 1;
  }
  if (r >= 0) {
    ret->skips      = TAKE_PTR(walk.skips);
    ret->skip_count = walk.skip_count;
    walk.skip_count = 0;
  }
  walk_clear(&walk);
  if (r < 0) {
    rebuild_clear(ret);
  }
  return r;
}

int rebuild_fit(struct rebuild *rebuild, const uint64_t *sizes, size_t count)
{
  if (count != rebuild->count) {
    return -EBADMSG;
  }
  for (size_t i = 0; i < count; i++) {
    struct rebuild_file *file = &rebuild->files[i];
    if (file->len == sizes[i]) {
      continue;
    }
    /* clang ended the last line of a file that had no line end */
    if (file->len != sizes[i] + 1 || file->text[file->len - 1] != '\n') {
      return -EBADMSG;
    }
    file->len--;
  }
  return 0;
}

void rebuild_clear(struct rebuild *rebuild)
{
  for (size_t i = 0; i < rebuild->count; i++) {
    free(rebuild->files[i].name);
    free(rebuild->files[i].text);
  }
  free(rebuild->files);
  for (size_t i = 0; i < rebuild->skip_count; i++) {
    free(rebuild->skips[i].name);
  }
  free(rebuild->skips);
  *rebuild = (struct rebuild){ 0 };
}

int rebuild_sizes_line(const uint64_t *sizes, size_t count, char **ret_line,
                       size_t *ret_len)
{
  struct membuf line = { 0 };
  char          number[24];
  int           r = membuf_add(&line, sizes_tag, sizeof(sizes_tag) - 1);

  for (size_t i = 0; i < count && r >= 0; i++) {
    int n = snprintf(number, sizeof(number), " %" PRIu64, sizes[i]);
    r     = membuf_add(&line, number, (size_t)n);
  }
  r = r < 0 ? r : membuf_add(&line, "\n", 2); /* and a NUL */
  if (r < 0) {
    free(line.data);
    return r;
  }
  *ret_line = line.data;
  *ret_len  = line.len - 1;
  return 0;
}

int rebuild_sizes_split(const char *text, size_t len, size_t *ret_len,
                        uint64_t **ret_sizes, size_t *ret_count)
{
  size_t tag = sizeof(sizes_tag) - 1;

  if (len == 0 || text[len - 1] != '\n') {
    return -EBADMSG;
  }
  size_t start = len - 1;
  while (start && text[start - 1] != '\n') {
    start--;
  }
  const char *at  = text + start;
  const char *end = text + len - 1;
  if ((size_t)(end - at) < tag || memcmp(at, sizes_tag, tag) != 0) {
    return -EBADMSG;
  }
  at += tag;
  size_t    count = 0;
  uint64_t *sizes = malloc(((size_t)(end - at) / 2 + 1) * sizeof(*sizes));
  if (!sizes) {
    return -ENOMEM;
  }
  while (at < end) {
    uint64_t value = 0;
    if (*at++ != ' ' || at == end || *at < '0' || *at > '9') {
      free(sizes);
      return -EBADMSG;
    }
    for (; at < end && *at >= '0' && *at <= '9'; at++) {
      value = value * 10 + (uint64_t)(*at - '0');
      if (value > SIZE_MAX_SAID) {
        free(sizes);
        return -EBADMSG;
      }
    }
    sizes[count++] = value;
  }
  *ret_len   = start;
  *ret_sizes = sizes;
  *ret_count = count;
  return 0;
}
