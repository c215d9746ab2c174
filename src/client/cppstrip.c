/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "cppstrip.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "linemarker.h"

/* Whether the comment text[0..len) names a fall through. */
static bool names_fall(const char *text, size_t len)
{
  for (size_t i = 0; i + 4 <= len; i++) {
    if ((text[i] | 0x20) == 'f' && (text[i + 1] | 0x20) == 'a' &&
        (text[i + 2] | 0x20) == 'l' && (text[i + 3] | 0x20) == 'l') {
      return true;
    }
  }
  return false;
}

/* The end of the literal that starts at text[at] (its quote), past the
 * closing quote, or len when it is cut short; a backslash escapes the
 * next byte, and a newline ends it, as the lexer would. */
static size_t literal_end(const char *text, size_t len, size_t at)
{
  char quote = text[at];

  for (size_t i = at + 1; i < len; i++) {
    if (text[i] == '\\') {
      i++;
    } else if (text[i] == quote || text[i] == '\n') {
      return i + 1;
    }
  }
  return len;
}

/* The end of the comment at text[at] ("/ *" or "//"), past it. */
static size_t comment_end(const char *text, size_t len, size_t at)
{
  if (text[at + 1] == '/') {
    const char *nl = memchr(text + at, '\n', len - at);
    return nl ? (size_t)(nl - text) : len; /* the newline is not its own */
  }
  for (size_t i = at + 2; i + 1 < len; i++) {
    if (text[i] == '*' && text[i + 1] == '/') {
      return i + 2;
    }
  }
  return len;
}

/* A blank that is not a newline. */
static bool is_blank(char c)
{
  return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

/* The end of the line at text[at], past its newline: a literal or a
 * comment (only the kept ones are left) may hold newlines, which it
 * counts in *ret_newlines; *ret_blank when it holds nothing but blanks. */
static size_t logical_line_end(const char *text, size_t len, size_t at,
                               size_t *ret_newlines, bool *ret_blank)
{
  size_t i = at, newlines = 0;
  bool   blank = true;

  while (i < len && text[i] != '\n') {
    char   c   = text[i];
    size_t end = i + 1;
    if (c == '"' || c == '\'') {
      end = literal_end(text, len, i);
    } else if (c == '/' && i + 1 < len &&
               (text[i + 1] == '*' || text[i + 1] == '/')) {
      end = comment_end(text, len, i);
    }
    for (size_t k = i; k < end; k++) {
      newlines += text[k] == '\n';
    }
    blank = blank && is_blank(c);
    i     = end;
  }
  *ret_newlines = newlines + (i < len);
  *ret_blank    = blank && i < len;
  return i < len ? i + 1 : len;
}

/* Where the lines of the text being collapsed come from: the last marker's
 * name (its bytes in the output, between its quotes) and kept flags, and
 * the number of the next line. */
struct resync {
  bool     known;
  size_t   name_at, name_len;
  unsigned flags; /* LINEMARKER_SYSTEM, LINEMARKER_EXTERN_C */
  size_t   line;
};

/* "# N "NAME" 3 4\n" for the next line, as gcc resyncs: into
 * text[out...) when it is shorter than the blank run, run bytes. The
 * length written, or 0. */
static size_t write_resync(char *text, size_t out, size_t run,
                           const struct resync *rs)
{
  char   head[32], tail[8];
  int    h = snprintf(head, sizeof(head), "# %zu \"", rs->line);
  int    t = snprintf(tail, sizeof(tail), "\"%s%s\n",
                   rs->flags & LINEMARKER_SYSTEM ? " 3" : "",
                   rs->flags & LINEMARKER_EXTERN_C ? " 4" : "");
  size_t n = (size_t)h + rs->name_len + (size_t)t;

  if (!rs->known || h < 0 || t < 0 || n >= run) {
    return 0;
  }
  memmove(text + out + h, text + rs->name_at, rs->name_len);
  memcpy(text + out, head, (size_t)h);
  memcpy(text + out + h + rs->name_len, tail, (size_t)t);
  return n;
}

/* The marker line at text[at] (n bytes), read into *mark: whether it is
 * one. */
static bool read_marker(const char *text, size_t at, size_t n,
                        struct linemarker *mark)
{
  *mark = (struct linemarker){ .name = NULL };
  return text[at] == '#' && linemarker_parse(text + at, n, mark) == 1;
}

/* Whether mark (of the line at text[at]) only says the next line's number
 * in the file rs names: no file begins or ends, the same name. */
static bool resyncs_only(const char *text, size_t at,
                         const struct linemarker *mark, const struct resync *rs)
{
  size_t n = mark->name_end - mark->name_at;

  return rs->known && !(mark->flags & (LINEMARKER_ENTER | LINEMARKER_LEAVE)) &&
         n == rs->name_len &&
         memcmp(text + at + mark->name_at, text + rs->name_at, n) == 0;
}

/* Each run of blank lines that is longer than a marker made one marker
 * for the line after it, as gcc -E writes without -C (the comments
 * dropped leave such runs), or dropped before a marker, as is a marker
 * that only resyncs (gcc -C writes one after each skipped block). In
 * place; the new length. */
static size_t collapse_blank_runs(char *text, size_t len)
{
  struct resync rs  = { .known = false };
  size_t        out = 0, run_at = 0, run_lines = 0;
  size_t        resync_at = SIZE_MAX; /* the last line out, a resync */

  for (size_t i = 0; i < len;) {
    size_t            newlines;
    bool              blank;
    struct linemarker mark;
    size_t            end = logical_line_end(text, len, i, &newlines, &blank);
    if (blank) {
      run_at    = run_lines ? run_at : i;
      run_lines = run_lines + 1;
      i         = end;
      continue;
    }
    bool marker = read_marker(text, i, end - i, &mark);
    bool resync = marker && resyncs_only(text, i, &mark, &rs);
    if (marker) { /* it says where the next line is */
      run_lines = 0;
      out       = resync_at != SIZE_MAX ? resync_at : out;
    }
    resync_at = SIZE_MAX;
    if (run_lines) {
      rs.line += run_lines;
      size_t n = write_resync(text, out, i - run_at, &rs);
      if (n == 0) {
        memmove(text + out, text + run_at, i - run_at);
      }
      out += n ? n : i - run_at;
      run_lines = 0;
    }
    memmove(text + out, text + i, end - i);
    rs.line += newlines;
    if (resync) { /* the name read stays the earlier marker's */
      rs.line   = mark.number;
      rs.flags  = mark.flags & (LINEMARKER_SYSTEM | LINEMARKER_EXTERN_C);
      resync_at = out;
    } else if (marker) {
      rs = (struct resync){ .known    = true,
                            .name_at  = out + mark.name_at,
                            .name_len = mark.name_end - mark.name_at,
                            .flags    = mark.flags &
                                     (LINEMARKER_SYSTEM | LINEMARKER_EXTERN_C),
                            .line = mark.number };
    }
    linemarker_done(&mark);
    out += end - i;
    i = end;
  }
  if (run_lines) {
    memmove(text + out, text + run_at, len - run_at);
    out += len - run_at;
  }
  return out;
}

/* Comments dropped (cppstrip_comments), blank lines not yet collapsed. */
static size_t strip_comments(char *text, size_t len)
{
  size_t out = 0;

  for (size_t i = 0; i < len;) {
    char c = text[i];
    if (c == '"' || c == '\'') {
      size_t end = literal_end(text, len, i);
      memmove(text + out, text + i, end - i);
      out += end - i;
      i = end;
    } else if (c == '/' && i + 1 < len &&
               (text[i + 1] == '*' || text[i + 1] == '/')) {
      size_t end = comment_end(text, len, i);
      if (names_fall(text + i, end - i)) {
        memmove(text + out, text + i, end - i);
        out += end - i;
      } else {
        text[out++] = ' ';
        for (size_t k = i; k < end; k++) {
          if (text[k] == '\n') {
            text[out++] = '\n';
          }
        }
      }
      i = end;
    } else {
      text[out++] = c;
      i++;
    }
  }
  return out;
}

size_t cppstrip_comments(char *text, size_t len)
{
  return collapse_blank_runs(text, strip_comments(text, len));
}

/* Whether the comment text[0..len) holds a line splice (a backslash or
 * the trigraph ??/ before a newline), which the lexing here does not
 * follow. */
static bool spliced(const char *text, size_t len)
{
  for (size_t i = 0; i < len; i++) {
    if (text[i] == '\n' &&
        ((i >= 1 && text[i - 1] == '\\') ||
         (i >= 2 && text[i - 1] == '\r' && text[i - 2] == '\\') ||
         (i >= 3 && memcmp(text + i - 3, "?\?/", 3) == 0))) {
      return true;
    }
  }
  return len > 0 && text[len - 1] == '\\'; /* a // comment's, going on */
}

/* Whether only blanks follow text[at] up to the end of its line. */
static bool blank_to_eol(const char *text, size_t len, size_t at)
{
  while (at < len && is_blank(text[at])) {
    at++;
  }
  return at == len || text[at] == '\n';
}

/* The line at text[at] as a marker: *ret_system its flag 3. false: not a
 * marker (or no memory to read it: the caller then stops). */
static bool marker_at(const char *text, size_t len, size_t at, bool *ret_system)
{
  const char       *nl = memchr(text + at, '\n', len - at);
  size_t            n  = nl ? (size_t)(nl - text) - at : len - at;
  struct linemarker mark;

  if (!read_marker(text, at, n, &mark)) {
    return false;
  }
  *ret_system = mark.flags & LINEMARKER_SYSTEM;
  linemarker_done(&mark);
  return true;
}

/* The lexing state of cppstrip_system_comments. */
struct lexed {
  size_t out;      /* bytes written */
  size_t line_out; /* where the line being written starts in the output */
  bool   fresh;    /* nothing but blanks yet on this line */
};

static void copy_span(char *text, struct lexed *lx, size_t from, size_t to)
{
  memmove(text + lx->out, text + from, to - from);
  lx->out += to - from;
  if (to > from && text[lx->out - 1] == '\n') {
    lx->line_out = lx->out;
    lx->fresh    = true;
  } else {
    lx->fresh = false;
  }
}

size_t cppstrip_system_comments(char *text, size_t len)
{
  struct lexed lx     = { 0, 0, true };
  bool         system = false, sure = false;

  for (size_t i = 0; i < len;) {
    char   c   = text[i];
    bool   bol = lx.out == lx.line_out;
    size_t end;
    if (bol && c == '#' && marker_at(text, len, i, &system)) {
      const char *nl = memchr(text + i, '\n', len - i);
      end            = nl ? (size_t)(nl - text) + 1 : len;
      sure           = true;
      copy_span(text, &lx, i, end);
    } else if (c == '\n' || c == ' ' || c == '\t') {
      text[lx.out++] = c;
      lx.line_out    = c == '\n' ? lx.out : lx.line_out;
      lx.fresh       = lx.fresh || c == '\n';
      end            = i + 1;
    } else if (c == '"' || c == '\'') {
      end  = literal_end(text, len, i);
      sure = sure && text[end - 1] != '\n'; /* cut short: lexed wrong? */
      copy_span(text, &lx, i, end);
    } else if (c == '/' && i + 1 < len &&
               (text[i + 1] == '*' || text[i + 1] == '/')) {
      end  = comment_end(text, len, i);
      sure = sure && !spliced(text + i, end - i);
      if (system && sure && lx.fresh && blank_to_eol(text, len, end) &&
          !names_fall(text + i, end - i)) {
        lx.out = lx.line_out; /* its line's blanks go too */
        for (size_t k = i; k < end; k++) {
          if (text[k] == '\n') {
            text[lx.out++] = '\n';
          }
        }
        lx.line_out = lx.out;
        while (end < len && text[end] != '\n') {
          end++; /* blanks (blank_to_eol) */
        }
      } else {
        copy_span(text, &lx, i, end);
      }
    } else {
      sure = sure && !(c == 'R' && i + 1 < len && text[i + 1] == '"');
      end  = i + 1;
      copy_span(text, &lx, i, end);
    }
    i = end;
  }
  return lx.out;
}

/* Filter the memory file fd in place with filter. -errno. */
static int filter_file(int fd, size_t (*filter)(char *text, size_t len))
{
  struct stat st;

  if (fstat(fd, &st) < 0) {
    return -errno;
  }
  if (st.st_size == 0) {
    return 0;
  }
  size_t size = (size_t)st.st_size;
  char  *text = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (text == MAP_FAILED) {
    return -errno;
  }
  size_t len = filter(text, size);
  munmap(text, size);
  return ftruncate(fd, (off_t)len) < 0 ? -errno : 0;
}

int cppstrip_file(int fd)
{
  return filter_file(fd, cppstrip_comments);
}

int cppstrip_system_file(int fd)
{
  return filter_file(fd, cppstrip_system_comments);
}
