/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "cpptext.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* The directory of a "# N \"DIR//\"" line, unquoted as gcc quotes it
 * (backslash before '\\' and '"', octal escapes); NULL when the line is not
 * one. */
static char *working_directory(const char *line, size_t len)
{
  size_t i = 0;

  if (len < 4 || line[i++] != '#' || line[i++] != ' ') {
    return NULL;
  }
  while (i < len && line[i] >= '0' && line[i] <= '9') {
    i++;
  }
  if (i + 4 > len || line[i] != ' ' || line[i + 1] != '"' ||
      line[len - 1] != '"' || line[len - 2] != '/' || line[len - 3] != '/') {
    return NULL;
  }
  char  *dir = malloc(len);
  size_t n   = 0;
  if (!dir) {
    return NULL;
  }
  for (i += 2; i < len - 3; i++) {
    char c = line[i];
    if (c == '\\' && i + 1 < len - 3) {
      c = line[++i];
      if (c >= '0' && c <= '7') {
        int v = c - '0';
        for (int k = 0; k < 2 && i + 1 < len - 3 && line[i + 1] >= '0' &&
                        line[i + 1] <= '7';
             k++) {
          v = v * 8 + (line[++i] - '0');
        }
        c = (char)v;
      }
    }
    dir[n++] = c;
  }
  dir[n] = '\0';
  if (n == 0 || dir[0] != '/' || memchr(dir, '\0', n)) {
    free(dir);
    return NULL;
  }
  return dir;
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
    text->cwd       = working_directory(line, body);
    if (text->cwd) {
      return 0;
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

/* Whether line (len bytes, no newline) is a line marker "# N \"NAME\"..."
 * naming exactly from; *ret_name_at is where NAME starts. */
static bool marker_names(const char *line, size_t len, const char *from,
                         size_t *ret_name_at)
{
  size_t i = 0, from_len = strlen(from);

  if (len < 4 || line[i++] != '#' || line[i++] != ' ') {
    return false;
  }
  size_t digits = i;
  while (i < len && line[i] >= '0' && line[i] <= '9') {
    i++;
  }
  if (i == digits || i + 2 + from_len + 1 > len || line[i] != ' ' ||
      line[i + 1] != '"') {
    return false;
  }
  i += 2;
  if (memcmp(line + i, from, from_len) != 0 || line[i + from_len] != '"') {
    return false;
  }
  *ret_name_at = i;
  return true;
}

int cpptext_rename_file(const char *text, size_t len, const char *from,
                        const char *to, char **ret_text, size_t *ret_len)
{
  size_t from_len = strlen(from), to_len = strlen(to);
  char  *out     = NULL;
  size_t out_len = 0, out_size = 0;

  for (const char *p = text, *end = text + len; p < end;) {
    const char *nl   = memchr(p, '\n', (size_t)(end - p));
    size_t      line = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);
    size_t      body = nl ? line - 1 : line;
    size_t      at;
    bool        hit  = marker_names(p, body, from, &at);
    size_t      need = out_len + line + (hit ? to_len : 0) + 1;
    int         r    = grow(&out, &out_size, need);
    if (r < 0) {
      free(out);
      return r;
    }
    if (hit) {
      memcpy(out + out_len, p, at);
      memcpy(out + out_len + at, to, to_len);
      memcpy(out + out_len + at + to_len, p + at + from_len,
             line - at - from_len);
      out_len += line - from_len + to_len;
    } else {
      memcpy(out + out_len, p, line);
      out_len += line;
    }
    p += line;
  }
  *ret_text = out;
  *ret_len  = out_len;
  return 0;
}
