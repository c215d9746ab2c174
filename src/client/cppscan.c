/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "cppscan.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io.h"
#include "linemarker.h"
#include "macro.h"

#define CPPSCAN_MAX_FILES 8192

/* The pragmas gcc 12 registers with macro expansion. */
static const char *const lost_pragmas[] = {
  "message",
  "redefine_extname",
  "omp",
  "acc",
};

/* Directives the text keeps, whose diagnostics the server gives again. */
static const char *const kept_directives[] = {
  "define",
  "undef",
  "pragma",
};

/* A mapped file, or the empty text. */
struct text {
  const char *data;
  size_t      len;
};

static int map_fd(int fd, struct text *ret_text)
{
  struct stat st;

  if (fstat(fd, &st) < 0) {
    return -errno;
  }
  if (st.st_size == 0) {
    *ret_text = (struct text){ "", 0 };
    return 0;
  }
  void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
  if (p == MAP_FAILED) {
    return -errno;
  }
  *ret_text = (struct text){ p, (size_t)st.st_size };
  return 0;
}

static void unmap(struct text *text)
{
  if (text->len) {
    munmap((void *)text->data, text->len);
  }
  *text = (struct text){ "", 0 };
}

/* A source file the markers name, with the starts of its lines. */
struct source {
  char       *name;
  bool        system;
  bool        loaded;
  struct text text;
  size_t     *starts; /* starts[i]: offset of line i + 1 */
  size_t      n_lines;
};

/* A diagnostic location the server will give again. */
struct place {
  const char *name; /* borrowed from a source */
  size_t      line;
};

struct scan {
  struct source **sources; /* each its own allocation: pointers stay */
  size_t          n_sources;
  struct place   *kept; /* only when the preprocessor said something */
  size_t          n_kept, kept_size;
  bool            want_places;
  FILE           *out; /* the mended text, when lines were put back */
  char           *out_buf;
  size_t          out_len;
  bool            mended;
  bool            lost;
};

static const char *skip_blank(const char *p, const char *end)
{
  while (p < end && (*p == ' ' || *p == '\t')) {
    p++;
  }
  return p;
}

/* The directive word of a line "  #  word ...", or NULL. */
static const char *directive(const char *p, const char *end, size_t *ret_len)
{
  p = skip_blank(p, end);
  if (p >= end || *p != '#') {
    return NULL;
  }
  p             = skip_blank(p + 1, end);
  const char *w = p;
  while (p < end && (isalnum((unsigned char)*p) || *p == '_')) {
    p++;
  }
  *ret_len = (size_t)(p - w);
  return p > w ? w : NULL;
}

static bool word_in(const char *w, size_t len, const char *const *list,
                    size_t n)
{
  for (size_t i = 0; i < n; i++) {
    if (strlen(list[i]) == len && memcmp(w, list[i], len) == 0) {
      return true;
    }
  }
  return false;
}

static bool lost_pragma_line(const char *p, const char *end)
{
  size_t      len;
  const char *w = directive(p, end, &len);

  if (!w || len != 6 || memcmp(w, "pragma", 6) != 0) {
    return false;
  }
  p = skip_blank(w + 6, end);
  w = p;
  while (p < end && (isalnum((unsigned char)*p) || *p == '_')) {
    p++;
  }
  return word_in(w, (size_t)(p - w), lost_pragmas, ARRAY_SIZE(lost_pragmas));
}

static void source_load(struct source *src)
{
  _cleanup_close_ int fd = open(src->name, O_RDONLY | O_CLOEXEC);

  src->loaded = true;
  if (fd < 0 || map_fd(fd, &src->text) < 0) {
    return;
  }
  const char *data = src->text.data, *end = data + src->text.len;
  size_t      n = 1;
  for (const char *p = data;
       p < end && (p = memchr(p, '\n', (size_t)(end - p))); p++) {
    n++;
  }
  src->starts = calloc(n, sizeof(*src->starts));
  if (!src->starts) {
    unmap(&src->text);
    return;
  }
  /* every line's start: 0, then one past each newline (the last may be
   * the end of the text) */
  src->n_lines                = 0;
  src->starts[src->n_lines++] = 0;
  for (const char *p = data;
       p < end && (p = memchr(p, '\n', (size_t)(end - p)));) {
    src->starts[src->n_lines++] = (size_t)(++p - data);
  }
}

/* Line n (from 1) of src without its newline; false when it has none. */
static bool source_line(struct source *src, size_t n, const char **ret_p,
                        size_t *ret_len)
{
  if (!src->loaded) {
    source_load(src);
  }
  if (n == 0 || n > src->n_lines ||
      (n == src->n_lines && src->starts[n - 1] == src->text.len)) {
    return false;
  }
  size_t start = src->starts[n - 1];
  size_t end   = n < src->n_lines ? src->starts[n] - 1 : src->text.len;
  *ret_p       = src->text.data + start;
  *ret_len     = end - start;
  return true;
}

static bool lost_pragma_at(struct source *src, size_t n)
{
  const char *p;
  size_t      len;

  return !src->system && source_line(src, n, &p, &len) && memchr(p, '#', len) &&
         lost_pragma_line(p, p + len);
}

/* At line `*line` of src the text holds the line after the pragmas it
 * lost there, if any: put them back, once the text's line is seen to be
 * the source's next one. Otherwise the text is not what it seems (the
 * pragma was skipped, or continues on another line): scan->lost. */
static void put_back_pragmas(struct scan *scan, struct source *src,
                             size_t *line, const char *p, const char *eol)
{
  size_t k = 0;

  while (lost_pragma_at(src, *line + k)) {
    k++;
  }
  if (k == 0) {
    return;
  }
  const char *next;
  size_t      next_len;
  bool        has_next = source_line(src, *line + k, &next, &next_len);
  if (has_next && next_len > 0 && eol == p) {
    return; /* a blank for the pragma's line: a block skipped */
  }
  if (!has_next || next_len != (size_t)(eol - p) ||
      memcmp(next, p, next_len) != 0) {
    scan->lost = true;
    return;
  }
  for (size_t i = 0; i < k; i++) {
    const char *pragma;
    size_t      len;
    source_line(src, *line + i, &pragma, &len);
    fwrite(pragma, 1, len, scan->out);
    fputc('\n', scan->out);
  }
  scan->mended = true;
  *line += k;
}

/* The source of a line marker "# N \"FILE\" FLAGS" (linemarker.h) and N;
 * NULL when the line is not one or names a pseudo file ("<built-in>"). */
static struct source *marker(struct scan *scan, const char *p, const char *end,
                             size_t *ret_line)
{
  struct linemarker mark = { .name = NULL };

  if (linemarker_parse(p, (size_t)(end - p), &mark) <= 0 ||
      mark.name[0] == '<') {
    linemarker_done(&mark);
    return NULL;
  }
  _cleanup_free_ char *name   = TAKE_PTR(mark.name);
  bool                 system = mark.flags & LINEMARKER_SYSTEM;
  size_t               line   = mark.number;
  *ret_line                   = line;
  for (size_t i = 0; i < scan->n_sources; i++) {
    if (strcmp(scan->sources[i]->name, name) == 0) {
      return scan->sources[i];
    }
  }
  if (scan->n_sources >= CPPSCAN_MAX_FILES) {
    return NULL;
  }
  struct source **grown =
    reallocarray(scan->sources, scan->n_sources + 1, sizeof(*grown));
  struct source *src = grown ? calloc(1, sizeof(*src)) : NULL;
  if (grown) {
    scan->sources = grown;
  }
  if (!src) {
    return NULL;
  }
  *src = (struct source){ .name = TAKE_PTR(name), .system = system };
  scan->sources[scan->n_sources++] = src;
  return src;
}

static void keep_place(struct scan *scan, const struct source *src, size_t line)
{
  if (!scan->want_places) {
    return;
  }
  if (scan->n_kept == scan->kept_size) {
    size_t        n     = scan->kept_size ? scan->kept_size * 2 : 256;
    struct place *grown = reallocarray(scan->kept, n, sizeof(*grown));
    if (!grown) {
      return; /* the diagnostic is then said twice: no harm */
    }
    scan->kept      = grown;
    scan->kept_size = n;
  }
  scan->kept[scan->n_kept++] = (struct place){ src->name, line };
}

/* The source lines of the directive at line n: n and its continuation
 * lines; how many in *ret_count. */
static bool directive_lines(struct source *src, size_t n, const char **ret_p,
                            size_t *ret_len, size_t *ret_count)
{
  const char *first, *p;
  size_t      len, count = 1;

  if (!source_line(src, n, &first, &len)) {
    return false;
  }
  p = first;
  while (len > 0 && p[len - 1] == '\\' &&
         source_line(src, n + count, &p, &len)) {
    count++;
  }
  *ret_p     = first;
  *ret_len   = (size_t)(p + len - first);
  *ret_count = count;
  return true;
}

/* Whether a directive's text ends inside a block comment (which then goes
 * on past its lines) or a string. */
static bool ends_open(const char *p, size_t len)
{
  const char *end   = p + len;
  char        quote = 0;
  bool        block = false;

  for (; p < end; p++) {
    if (block) {
      if (p + 1 < end && p[0] == '*' && p[1] == '/') {
        block = false;
        p++;
      }
    } else if (quote) {
      if (*p == '\\' && p + 1 < end) {
        p++;
      } else if (*p == quote) {
        quote = 0;
      }
    } else if (p + 1 < end && p[0] == '/' && p[1] == '*') {
      block = true;
      p++;
    } else if (p + 1 < end && p[0] == '/' && p[1] == '/') {
      return false; /* the rest of the line */
    } else if (*p == '"' || *p == '\'') {
      quote = *p;
    }
  }
  return block || quote;
}

static bool blank_lines(const char *p, const char *end, size_t count,
                        const char **ret_after)
{
  for (size_t i = 0; i < count; i++) {
    if (p >= end || *p != '\n') {
      return false;
    }
    p++;
  }
  *ret_after = p;
  return true;
}

/* A blank text line whose source line n has something (a conditional
 * directive, a line of a skipped block): its indentation and an empty
 * "//" comment, which compiles as the blank but is not blank to gcc's
 * -Wmisleading-indentation: a line less indented between a guard's body
 * and the next statement keeps it from warning, as in a local compile,
 * which reads the source. Not after a line splice (prev: the text line
 * before). */
static bool put_back_indent(struct scan *scan, struct source *src, size_t n,
                            const char *prev)
{
  const char *q, *end;
  size_t      len;

  if (src->system || (prev && *prev == '\\') ||
      !source_line(src, n, &q, &len)) {
    return false;
  }
  end               = q + len;
  const char *first = skip_blank(q, end);
  if (first == end || *first == '\r' || *first == '\f' || *first == '\v') {
    return false;
  }
  fwrite(q, 1, (size_t)(first - q), scan->out);
  fputs("//\n", scan->out);
  scan->mended = true;
  return true;
}

/* The mended text into scan->out. */
static void mend_text(struct scan *scan, const struct text *text)
{
  const char    *end  = text->data + text->len;
  struct source *src  = NULL;
  size_t         line = 0;

  for (const char *p = text->data; p < end && !scan->lost;) {
    const char    *nl   = memchr(p, '\n', (size_t)(end - p));
    const char    *eol  = nl ? nl : end;
    const char    *next = nl ? nl + 1 : end;
    size_t         mark_line, wlen;
    struct source *s = p[0] == '#' ? marker(scan, p, eol, &mark_line) : NULL;
    const char    *w = s ? NULL : directive(p, eol, &wlen);

    if (s || (p[0] == '#' && p[1] == ' ' && isdigit((unsigned char)p[2]))) {
      if (src && line && lost_pragma_at(src, line)) {
        scan->lost = true; /* lost at the end of a stretch: no check */
      }
      src  = s;
      line = s ? mark_line : 0;
      fwrite(p, 1, (size_t)(next - p), scan->out);
      p = next;
      continue;
    }
    if (src && line) {
      put_back_pragmas(scan, src, &line, p, eol);
    }
    const char *orig, *after;
    size_t      olen, count, owlen;
    if (w && src && line &&
        word_in(w, wlen, kept_directives, ARRAY_SIZE(kept_directives))) {
      keep_place(scan, src, line);
    }
    if (w && src && line &&
        word_in(w, wlen, kept_directives, 2) /* define, undef */ &&
        directive_lines(src, line, &orig, &olen, &count) &&
        directive(orig, orig + olen, &owlen) && owlen == wlen &&
        memcmp(directive(orig, orig + olen, &owlen), w, wlen) == 0 &&
        !ends_open(orig, olen) && blank_lines(next, end, count - 1, &after)) {
      fwrite(orig, 1, olen, scan->out);
      fputc('\n', scan->out);
      scan->mended |= olen != (size_t)(eol - p) || memcmp(orig, p, olen) != 0;
      line += count;
      p = after;
      continue;
    }
    if (!(p == eol && nl && src && line &&
          put_back_indent(scan, src, line,
                          p > text->data + 1 ? p - 2 : NULL))) {
      fwrite(p, 1, (size_t)(next - p), scan->out);
    }
    line++;
    p = next;
  }
  if (src && line && lost_pragma_at(src, line)) {
    scan->lost = true;
  }
}

static bool is_kept(const struct scan *scan, const char *name, size_t nlen,
                    size_t line)
{
  for (size_t i = 0; i < scan->n_kept; i++) {
    if (scan->kept[i].line == line && strlen(scan->kept[i].name) == nlen &&
        memcmp(scan->kept[i].name, name, nlen) == 0) {
      return true;
    }
  }
  return false;
}

/* A diagnostic's first line "FILE:LINE[:COL]: KIND: " (colour codes
 * skipped): its file and line. */
static bool diagnostic_head(const char *p, const char *end, char *name,
                            size_t name_size, size_t *ret_nlen,
                            size_t *ret_line)
{
  size_t n;

  /* the text without SGR sequences, as far as the kind */
  char   plain[4096];
  size_t k = 0;
  for (; p < end && k < sizeof(plain) - 1; p++) {
    if (*p == '\033') {
      while (p < end && *p != 'm' && *p != 'K') {
        p++;
      }
      continue;
    }
    plain[k++] = *p;
  }
  plain[k]                         = '\0';
  static const char *const kinds[] = { ": warning: ", ": error: ", ": note: ",
                                       ": fatal error: " };
  char                    *kind    = NULL;
  for (size_t i = 0; i < ARRAY_SIZE(kinds) && !kind; i++) {
    kind = strstr(plain, kinds[i]);
  }
  if (!kind || plain[0] == ' ') {
    return false;
  }
  *kind = '\0';
  /* FILE:LINE or FILE:LINE:COL */
  char *colon = strrchr(plain, ':');
  if (colon && isdigit((unsigned char)colon[1]) &&
      strspn(colon + 1, "0123456789") == strlen(colon + 1)) {
    char *before = colon;
    *colon       = '\0';
    char *c2     = strrchr(plain, ':');
    if (c2 && strspn(c2 + 1, "0123456789") == strlen(c2 + 1) && c2[1]) {
      colon = c2; /* it had a column */
    } else {
      *before = ':';
      colon   = before;
    }
    *colon = '\0';
    n      = strlen(plain);
    if (n >= name_size) {
      return false;
    }
    memcpy(name, plain, n + 1);
    *ret_nlen = n;
    *ret_line = strtoul(colon + 1, NULL, 10);
    return true;
  }
  return false;
}

static bool context_line(const char *p, const char *end)
{
  static const char *const starts[] = { "In file included from ",
                                        "                 from " };
  for (size_t i = 0; i < ARRAY_SIZE(starts); i++) {
    size_t n = strlen(starts[i]);
    if ((size_t)(end - p) >= n && memcmp(p, starts[i], n) == 0) {
      return true;
    }
  }
  return false;
}

/* The preprocessor's diagnostics without those the server gives again. */
static int mend_diagnostics(const struct scan *scan, int err_fd)
{
  struct text          err;
  _cleanup_free_ char *buf = NULL;
  size_t               len = 0;
  FILE                *out;
  int                  r = map_fd(err_fd, &err);

  if (r < 0 || err.len == 0 || scan->n_kept == 0) {
    unmap(&err);
    return r;
  }
  if (!(out = open_memstream(&buf, &len))) {
    unmap(&err);
    return -ENOMEM;
  }
  const char *end = err.data + err.len, *context = NULL;
  bool        keep = true, dropped = false;
  for (const char *p = err.data; p < end;) {
    const char *nl   = memchr(p, '\n', (size_t)(end - p));
    const char *next = nl ? nl + 1 : end;
    char        name[4096];
    size_t      nlen, line;
    if (context_line(p, next)) {
      context = context ? context : p;
    } else if (diagnostic_head(p, nl ? nl : end, name, sizeof(name), &nlen,
                               &line)) {
      keep = !is_kept(scan, name, nlen, line);
      dropped |= !keep;
      if (keep && context) {
        fwrite(context, 1, (size_t)(p - context), out);
      }
      context = NULL;
      if (keep) {
        fwrite(p, 1, (size_t)(next - p), out);
      }
    } else if (keep) {
      if (context) {
        fwrite(context, 1, (size_t)(p - context), out);
        context = NULL;
      }
      fwrite(p, 1, (size_t)(next - p), out);
    }
    p = next;
  }
  if (context) {
    fwrite(context, 1, (size_t)(end - context), out);
  }
  r = fclose(out) == 0 ? 0 : -ENOMEM;
  unmap(&err);
  if (r >= 0 && dropped) {
    if (ftruncate(err_fd, 0) < 0 || lseek(err_fd, 0, SEEK_SET) < 0) {
      return -errno;
    }
    r = io_write_all(err_fd, buf, len, -1);
  }
  return r;
}

static void scan_clear(struct scan *scan)
{
  for (size_t i = 0; i < scan->n_sources; i++) {
    unmap(&scan->sources[i]->text);
    free(scan->sources[i]->starts);
    free(scan->sources[i]->name);
    free(scan->sources[i]);
  }
  free(scan->sources);
  free(scan->kept);
  free(scan->out_buf);
}

int cppscan_mend(int *text_fd, int err_fd, bool *ret_lost)
{
  struct scan scan = { 0 };
  struct text text;
  int         r = map_fd(*text_fd, &text);

  if (r < 0) {
    return r;
  }
  struct stat st;
  scan.want_places = fstat(err_fd, &st) == 0 && st.st_size > 0;
  scan.out         = open_memstream(&scan.out_buf, &scan.out_len);
  if (!scan.out) {
    unmap(&text);
    return -ENOMEM;
  }
  mend_text(&scan, &text);
  r = fclose(scan.out) == 0 ? 0 : -ENOMEM;
  unmap(&text);
  if (r >= 0 && !scan.lost) {
    r = mend_diagnostics(&scan, err_fd);
  }
  if (r >= 0 && scan.mended && !scan.lost) {
    int fd = memfd_create("herdcc-cpp", MFD_CLOEXEC);
    r      = fd < 0 ? -errno : io_write_all(fd, scan.out_buf, scan.out_len, -1);
    if (r >= 0) {
      close(*text_fd);
      *text_fd = fd;
    } else if (fd >= 0) {
      close(fd);
    }
  }
  if (r >= 0) {
    *ret_lost = scan.lost;
  }
  scan_clear(&scan);
  return r;
}
