/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "cpptext.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "linemarker.h"
#include "macro.h"
#include "strv.h"

/* The marker gcc writes before each predefined macro's #define. */
#define BUILTIN_MARKER "# 0 \"<built-in>\""
/* And before each -D and -U of the command line. */
#define COMMAND_LINE_MARKER "# 0 \"<command-line>\""

struct cpptext {
  char  *pending; /* an incomplete line */
  size_t pending_len, pending_size;
  char  *out; /* the filtered text of one call */
  size_t out_len, out_size;
  size_t lines;        /* complete lines read */
  bool   held_builtin; /* a BUILTIN_MARKER line, not yet written */
  bool   head_done;
  bool   saw_builtins;
  bool   lift;         /* -D and -U lines become options */
  bool   held_command; /* a COMMAND_LINE_MARKER line, not yet written */
  char **command_line; /* the options lifted */
  char  *cwd;
};

struct cpptext *cpptext_new(void)
{
  return calloc(1, sizeof(struct cpptext));
}

struct cpptext *cpptext_free(struct cpptext *text)
{
  if (text) {
    free(text->pending);
    free(text->out);
    free(text->cwd);
    strv_free(text->command_line);
    free(text);
  }
  return NULL;
}

static int grow(char **buf, size_t *size, size_t need)
{
  if (need <= *size) {
    return 0;
  }
  size_t n = *size ? *size : 4096;
  while (n < need) {
    if (__builtin_mul_overflow(n, 2, &n)) {
      return -ENOMEM;
    }
  }
  char *p = realloc(*buf, n);
  if (!p) {
    return -ENOMEM;
  }
  *buf  = p;
  *size = n;
  return 0;
}

static int emit(struct cpptext *text, const char *s, size_t len)
{
  int r = grow(&text->out, &text->out_size, text->out_len + len);
  if (r < 0) {
    return r;
  }
  memcpy(text->out + text->out_len, s, len);
  text->out_len += len;
  return 0;
}

/* The directory of a marker "# N \"DIR//\"" without flags, in *ret_dir
 * (owned; left NULL when the line is not one, or DIR is not absolute). */
static int working_directory(const char *line, size_t len, char **ret_dir)
{
  struct linemarker marker;
  int               r = linemarker_parse(line, len, &marker);

  if (r <= 0) {
    return r;
  }
  size_t n = marker.name_len;
  if (marker.flags == 0 && n > 2 && marker.name[0] == '/' &&
      marker.name[n - 2] == '/' && marker.name[n - 1] == '/') {
    marker.name[n - 2] = '\0';
    *ret_dir           = TAKE_PTR(marker.name);
  }
  linemarker_done(&marker);
  return 0;
}

/* "#define NAME(PARAMS) BODY" as "-DNAME(PARAMS)=BODY", "#undef NAME" as
 * "-UNAME", which the compiler turns back into the same line; NULL (and
 * no error) for a line of another shape. */
static char *as_option(const char *line, size_t len)
{
  bool        define = len > 8 && memcmp(line, "#define ", 8) == 0;
  bool        undef  = len > 7 && memcmp(line, "#undef ", 7) == 0;
  const char *p      = line + (define ? 8 : 7);
  const char *end    = line + len;
  const char *name   = p;
  char       *opt;

  if (!define && !undef) {
    return NULL;
  }
  while (p < end && (*p == '_' || *p == '$' || (*p >= 'a' && *p <= 'z') ||
                     (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9'))) {
    p++;
  }
  if (p == name || memchr(line, '\0', len)) {
    return NULL;
  }
  if (undef) {
    return p == end && asprintf(&opt, "-U%.*s", (int)(p - name), name) >= 0
             ? opt
             : NULL;
  }
  if (p < end && *p == '(') {
    const char *close = memchr(p, ')', (size_t)(end - p));
    if (!close) {
      return NULL;
    }
    p = close + 1;
  }
  if (p == end || *p != ' ') {
    return NULL;
  }
  return asprintf(&opt, "-D%.*s=%.*s", (int)(p - name), name,
                  (int)(end - p - 1), p + 1) < 0
           ? NULL
           : opt;
}

static bool is_line(const char *line, size_t len, const char *what)
{
  return len == strlen(what) && memcmp(line, what, len) == 0;
}

/* One line, its newline included when it has one. */
static int filter_line(struct cpptext *text, const char *line, size_t len)
{
  size_t body = len && line[len - 1] == '\n' ? len - 1 : len;

  text->lines++;
  if (text->lines == 2) {
    text->head_done = true;
    int r           = working_directory(line, body, &text->cwd);
    if (r < 0 || text->cwd) {
      return r;
    }
  }
  if (text->held_builtin) {
    text->held_builtin = false;
    if (body >= 8 && memcmp(line, "#define ", 8) == 0) {
      text->saw_builtins = true;
      return 0;
    }
    int r = emit(text, BUILTIN_MARKER "\n", strlen(BUILTIN_MARKER) + 1);
    if (r < 0) {
      return r;
    }
  }
  if (text->held_command) {
    text->held_command       = false;
    _cleanup_free_ char *opt = as_option(line, body);
    if (opt) {
      return strv_push(&text->command_line, opt);
    }
    int r =
      emit(text, COMMAND_LINE_MARKER "\n", strlen(COMMAND_LINE_MARKER) + 1);
    if (r < 0) {
      return r;
    }
  }
  if (is_line(line, body, BUILTIN_MARKER) && body < len) {
    text->held_builtin = true;
    return 0;
  }
  if (text->lift && is_line(line, body, COMMAND_LINE_MARKER) && body < len) {
    text->held_command = true;
    return 0;
  }
  return emit(text, line, len);
}

int cpptext_feed(struct cpptext *text, const char *buf, size_t len, bool at_end,
                 const char **ret_out, size_t *ret_out_len)
{
  int r =
    grow(&text->pending, &text->pending_size, text->pending_len + len + 1);

  text->out_len = 0;
  if (r < 0) {
    return r;
  }
  if (len) {
    memcpy(text->pending + text->pending_len, buf, len);
  }
  text->pending_len += len;
  size_t start = 0;
  for (;;) {
    const char *nl =
      memchr(text->pending + start, '\n', text->pending_len - start);
    size_t end = nl ? (size_t)(nl - text->pending) + 1 : text->pending_len;
    if (!nl && (!at_end || start == end)) {
      break;
    }
    r = filter_line(text, text->pending + start, end - start);
    if (r < 0) {
      return r;
    }
    start = end;
  }
  memmove(text->pending, text->pending + start, text->pending_len - start);
  text->pending_len -= start;
  if (at_end) {
    text->head_done = true;
    if (text->held_builtin) {
      text->held_builtin = false;
      r = emit(text, BUILTIN_MARKER "\n", strlen(BUILTIN_MARKER) + 1);
      if (r < 0) {
        return r;
      }
    }
    if (text->held_command) {
      text->held_command = false;
      r = emit(text, COMMAND_LINE_MARKER "\n", strlen(COMMAND_LINE_MARKER) + 1);
      if (r < 0) {
        return r;
      }
    }
  }
  *ret_out     = text->out;
  *ret_out_len = text->out_len;
  return 0;
}

bool cpptext_head_done(const struct cpptext *text)
{
  return text->head_done;
}

bool cpptext_saw_builtins(const struct cpptext *text)
{
  return text->saw_builtins;
}

const char *cpptext_cwd(const struct cpptext *text)
{
  return text->cwd;
}

void cpptext_lift_command_line(struct cpptext *text)
{
  text->lift = true;
}

char *const *cpptext_command_line(const struct cpptext *text)
{
  return text->command_line;
}

struct file_rename {
  const char *from, *to;
};

/* to for a marker that names from. */
static int rename_name(const struct linemarker *marker, void *userdata,
                       char **ret_name)
{
  const struct file_rename *names = userdata;

  if (strcmp(marker->name, names->from) != 0) {
    return 0;
  }
  *ret_name = strdup(names->to);
  return *ret_name ? 0 : -ENOMEM;
}

int cpptext_rename_file(const char *text, size_t len, const char *from,
                        const char *to, char **ret_text, size_t *ret_len)
{
  struct file_rename names = { from, to };

  return linemarker_rewrite(text, len, rename_name, &names, ret_text, ret_len);
}
