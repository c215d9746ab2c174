/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "indentscan.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "linemarker.h"
#include "macro.h"

#define SCAN_MAX_TOKENS (1u << 22) /* in the stream, after expansion */
#define SCAN_MAX_WORK   (1u << 25) /* tokens made and statements read */
#define SCAN_MAX_DEPTH  64         /* macro uses inside each other */
#define SCAN_MAX_NEST   256        /* statements inside each other */
#define SCAN_MAX_MACROS (1u << 20)
#define SCAN_MAX_PARAMS 256
#define SCAN_MAX_LINES  (1u << 26)

#define MAYBE 1 /* the verdict that ends a scan, as a return value */
#define TOKEN 2 /* next_token's: one read */

enum kind {
  K_IDENT,
  K_OTHER,
  K_LPAREN,
  K_RPAREN,
  K_LBRACK,
  K_RBRACK,
  K_LBRACE,
  K_RBRACE,
  K_SEMI,
  K_COLON,
  K_SCOPE,
  K_COMMA,
  K_HASH,
  K_PASTE,
};

enum word {
  W_NONE,
  W_IF,
  W_ELSE,
  W_FOR,
  W_WHILE,
  W_DO,
  W_SWITCH,
  W_CASE,
  W_DEFAULT,
  W_TRY,
  W_CATCH,
  W_CONSTEXPR,
  W_CONSTEVAL,
};

struct tok {
  const char *s;
  uint32_t    n;
  uint32_t    line;        /* the text's line (from 0) of its place */
  uint32_t    col;         /* its place's byte in that line */
  uint32_t    exp;         /* the macro use it comes from; 0: spelled there */
  uint32_t    dline, dcol; /* where it is spelled: in a definition, an
                              argument or the code */
  uint32_t dexp;           /* the body (an expansion's) that gave it; 0: none */
  int16_t  param;          /* in a definition: the parameter it is, or -1 */
  uint8_t  kind;           /* enum kind */
  uint8_t  word;           /* enum word */
  bool     quiet;          /* spelled in a system header (its definition) */
  bool     painted;        /* a macro's name in its own expansion: stays */
  bool     pending;        /* a function-like macro's name that ends the
                              body it came from: its '(' is read past the
                              use (resume_pending) */
};

struct toks {
  struct tok *v;
  size_t      len, cap;
};

struct line {
  uint32_t off, len; /* in the text, its newline left out */
  uint32_t file;     /* where its marker named it, in the text */
  uint32_t number;   /* its number in that file */
};

struct macro {
  const char *name;
  uint32_t    name_len;
  struct toks body;
  uint16_t    n_params; /* __VA_ARGS__ (or a GNU name...) counted */
  bool        function_like, variadic, quiet;
};

/* A token's place in the body that gave it (body 0: the code's). */
struct spot {
  uint32_t body, line, col;
};

struct scan {
  const char                   *text;
  size_t                        len;
  const struct indentscan_opts *opts;
  struct line                  *lines;
  size_t                        n_lines, lines_cap;
  struct toks                   code;   /* as spelled, scanned sections */
  struct toks                   stream; /* with every macro use expanded */
  struct macro                 *macros;
  size_t                        n_macros, macros_cap;
  uint32_t                     *slots; /* macro by name: index + 1 */
  size_t                        n_slots;
  uint32_t                      active[SCAN_MAX_DEPTH];
  size_t                        n_active;
  uint32_t                      exps;   /* macro uses in the code so far */
  uint32_t                      bodies; /* macro bodies expanded so far */
  struct spot                  *from;   /* by body: its use's name's spot */
  size_t                        from_cap;
  size_t                        work;
  char                        **pasted; /* texts ## made */
  size_t                        n_pasted, pasted_cap;
  uint32_t                     *match;    /* the other bracket of each */
  uint32_t                     *ends;     /* statement ends known, + 1 */
  bool                         *do_while; /* a do statement's while */
  size_t                        why;      /* the line (from 0) of a maybe */
  /* reading state */
  size_t      off;          /* the next line's start in the text */
  const char *line_end;     /* the line being read's, its newline left out */
  bool        in_comment;   /* a block comment goes on */
  bool        line_comment; /* a // comment goes on past a splice */
  bool        system;       /* the section is a system header's */
  bool        more_code;    /* code to come after the code expanded */
  uint32_t    file, number;
};

/* ---- growing arrays ----------------------------------------------------- */

static int grow(void **v, size_t *cap, size_t want, size_t size)
{
  if (want <= *cap) {
    return 0;
  }
  size_t n = *cap ? *cap * 2 : 64;
  while (n < want) {
    n *= 2;
  }
  void *p = reallocarray(*v, n, size);
  if (!p) {
    return -ENOMEM;
  }
  *v   = p;
  *cap = n;
  return 0;
}

static int toks_push(struct scan *s, struct toks *list, const struct tok *t)
{
  if (++s->work > SCAN_MAX_WORK || list->len >= SCAN_MAX_TOKENS) {
    s->why = t->line;
    return MAYBE;
  }
  int r = grow((void **)&list->v, &list->cap, list->len + 1, sizeof(*t));
  if (r < 0) {
    return r;
  }
  list->v[list->len++] = *t;
  return 0;
}

/* ---- tokens ------------------------------------------------------------- */

static bool is_space(unsigned char c)
{
  return c == ' ' || c == '\t' || c == '\f' || c == '\v' || c == '\r' ||
         c == '\n';
}

static bool is_digit(unsigned char c)
{
  return c >= '0' && c <= '9';
}

static bool is_ident(unsigned char c)
{
  return c == '_' || c == '$' || is_digit(c) || (c >= 'a' && c <= 'z') ||
         (c >= 'A' && c <= 'Z') || c >= 0x80;
}

static enum word word_of(const char *s, size_t n)
{
  static const struct {
    const char *name;
    enum word   word;
  } words[] = {
    { "if",        W_IF        },
    { "else",      W_ELSE      },
    { "for",       W_FOR       },
    { "while",     W_WHILE     },
    { "do",        W_DO        },
    { "switch",    W_SWITCH    },
    { "case",      W_CASE      },
    { "default",   W_DEFAULT   },
    { "try",       W_TRY       },
    { "catch",     W_CATCH     },
    { "constexpr", W_CONSTEXPR },
    { "consteval", W_CONSTEVAL },
  };

  for (size_t i = 0; n <= 9 && i < ARRAY_SIZE(words); i++) {
    if (strlen(words[i].name) == n && memcmp(words[i].name, s, n) == 0) {
      return words[i].word;
    }
  }
  return W_NONE;
}

/* The punctuator at p (before end), its length in *ret_n. */
static enum kind punct_at(const char *p, const char *end, uint32_t *ret_n)
{
  size_t left = (size_t)(end - p);
  char   c1   = left > 1 ? p[1] : 0;

  *ret_n = 2;
  switch (p[0]) {
    case '(':
      *ret_n = 1;
      return K_LPAREN;
    case ')':
      *ret_n = 1;
      return K_RPAREN;
    case '[':
      *ret_n = 1;
      return K_LBRACK;
    case ']':
      *ret_n = 1;
      return K_RBRACK;
    case '{':
      *ret_n = 1;
      return K_LBRACE;
    case '}':
      *ret_n = 1;
      return K_RBRACE;
    case ';':
      *ret_n = 1;
      return K_SEMI;
    case ',':
      *ret_n = 1;
      return K_COMMA;
    case ':':
      if (c1 == ':' || c1 == '>') {
        return c1 == ':' ? K_SCOPE : K_RBRACK;
      }
      *ret_n = 1;
      return K_COLON;
    case '#':
      if (c1 == '#') {
        return K_PASTE;
      }
      *ret_n = 1;
      return K_HASH;
    case '<':
      if (c1 == '%') {
        return K_LBRACE;
      }
      /* C++11: "<::" not followed by ':' or '>' is '<' and "::" */
      if (c1 == ':' && !(left > 2 && p[2] == ':' &&
                         !(left > 3 && (p[3] == ':' || p[3] == '>')))) {
        return K_LBRACK;
      }
      break;
    case '%':
      if (c1 == '>') {
        return K_RBRACE;
      }
      if (c1 == ':') {
        bool paste = left > 3 && p[2] == '%' && p[3] == ':';
        *ret_n     = paste ? 4 : 2;
        return paste ? K_PASTE : K_HASH;
      }
      break;
    default:
      break;
  }
  *ret_n = 1;
  return K_OTHER;
}

/* A literal from its quote at p: its length in *ret_n; MAYBE when it does
 * not end on its line (a raw string that goes on, or none that ends). */
static int literal_at(const char *p, const char *end, bool raw, uint32_t *n)
{
  const char *q = p + 1;

  if (raw) {
    const char *open = memchr(q, '(', (size_t)(end - q));
    size_t      dlen = open ? (size_t)(open - q) : 0;
    for (const char *c = open; c && c + dlen + 1 < end; c++) {
      if (*c == ')' && memcmp(c + 1, q, dlen) == 0 && c[dlen + 1] == '"') {
        *n = (uint32_t)(c + dlen + 2 - p);
        return 0;
      }
    }
    return MAYBE;
  }
  while (q < end && *q != *p) {
    q += *q == '\\' && q + 1 < end ? 2 : 1;
  }
  if (q >= end) {
    return MAYBE;
  }
  *n = (uint32_t)(q + 1 - p);
  return 0;
}

/* The length of the pp-number at p. */
static uint32_t number_at(const char *p, const char *end)
{
  const char *q = p + 1;

  while (q < end) {
    if ((*q == '+' || *q == '-') && q[-1] && strchr("eEpP", q[-1])) {
      q++;
    } else if (*q == '\'' && q + 1 < end && is_ident((unsigned char)q[1])) {
      q += 2;
    } else if (is_ident((unsigned char)*q) || *q == '.') {
      q++;
    } else {
      break;
    }
  }
  return (uint32_t)(q - p);
}

/* The literal that starts at p with an encoding prefix (L, u, U, u8, and
 * R for raw), or none: 1 and its quote's offset in *ret_at. */
static bool prefixed_literal(const char *p, size_t n, const char *end,
                             size_t *ret_at, bool *ret_raw)
{
  size_t i = n >= 2 && p[0] == 'u' && p[1] == '8' ? 2 : 0;

  if (!i && n >= 1 && strchr("LuU", p[0])) {
    i = 1;
  }
  *ret_raw = i < n && p[i] == 'R';
  i += *ret_raw;
  if (i != n || p + n >= end || (p[n] != '"' && (p[n] != '\'' || *ret_raw))) {
    return false;
  }
  *ret_at = n;
  return true;
}

/* The token at p (not a space, not a comment) in *t: its text, kind, word.
 * MAYBE: a literal that does not end on its line. */
static int token_at(const char *p, const char *end, struct tok *t)
{
  unsigned char c = (unsigned char)*p;

  *t = (struct tok){ .s = p, .kind = K_OTHER, .word = W_NONE, .param = -1 };
  if (is_digit(c) ||
      (c == '.' && p + 1 < end && is_digit((unsigned char)p[1]))) {
    t->n = number_at(p, end);
    return 0;
  }
  if (c == '"' || c == '\'') {
    return literal_at(p, end, false, &t->n);
  }
  if (!is_ident(c)) {
    t->kind = (uint8_t)punct_at(p, end, &t->n);
    return 0;
  }
  const char *q = p;
  while (q < end && is_ident((unsigned char)*q)) {
    q++;
  }
  size_t at;
  bool   raw;
  if (prefixed_literal(p, (size_t)(q - p), end, &at, &raw)) {
    uint32_t n = 0;
    int      r = literal_at(p + at, end, raw, &n);
    t->n       = (uint32_t)at + n;
    return r;
  }
  t->n    = (uint32_t)(q - p);
  t->kind = K_IDENT;
  t->word = (uint8_t)word_of(p, t->n);
  return 0;
}

/* Whether a line (len bytes) ends in a backslash, before any CR. */
static bool ends_in_splice(const char *line, size_t len)
{
  len -= len && line[len - 1] == '\r';
  return len && line[len - 1] == '\\';
}

/* The next token of the line from *p (before end), comments skipped and
 * s's comment state kept: TOKEN with it in *t, 0 at the line's end, or
 * MAYBE (an unreadable literal, a splice in code). */
static int next_token(struct scan *s, const char **p, const char *end,
                      struct tok *t)
{
  const char *q = *p;

  for (;;) {
    if (s->in_comment) {
      const char *close = memmem(q, (size_t)(end - q), "*/", 2);
      s->in_comment     = !close;
      if (!close) {
        *p = end;
        return 0;
      }
      q = close + 2;
    }
    while (q < end && is_space((unsigned char)*q)) {
      q++;
    }
    if (q >= end) {
      *p = q;
      return 0;
    }
    if (q + 1 < end && q[0] == '/' && q[1] == '*') {
      s->in_comment = true;
      q += 2;
      continue;
    }
    if (q + 1 < end && q[0] == '/' && q[1] == '/') {
      s->line_comment = ends_in_splice(q, (size_t)(s->line_end - q));
      *p              = end;
      return 0;
    }
    if (q[0] == '\\' && ends_in_splice(q, (size_t)(end - q))) {
      return MAYBE; /* a splice in code */
    }
    int r = token_at(q, end, t);
    if (r) {
      return r;
    }
    *p = q + t->n;
    return TOKEN;
  }
}

/* ---- macros ------------------------------------------------------------- */

/* Whether the section is read: not a system header's, but with
 * -Wsystem-headers. */
static bool scanned(const struct scan *s)
{
  return !s->system || s->opts->system_headers;
}

static uint32_t hash_of(const char *s, size_t n)
{
  uint32_t h = 2166136261u;

  for (size_t i = 0; i < n; i++) {
    h = (h ^ (unsigned char)s[i]) * 16777619u;
  }
  return h;
}

/* The slot of name: the one that holds it, or the empty one it would go
 * in. */
static size_t slot_of(const struct scan *s, const char *name, size_t n)
{
  size_t i = hash_of(name, n) & (s->n_slots - 1);

  while (s->slots[i]) {
    const struct macro *m = &s->macros[s->slots[i] - 1];
    if (m->name_len == n && memcmp(m->name, name, n) == 0) {
      break;
    }
    i = (i + 1) & (s->n_slots - 1);
  }
  return i;
}

/* The macro a name is now, or -1. */
static long macro_find(const struct scan *s, const struct tok *t)
{
  if (!s->n_slots) {
    return -1;
  }
  uint32_t v = s->slots[slot_of(s, t->s, t->n)];
  return v && s->macros[v - 1].body.cap != SIZE_MAX ? (long)v - 1 : -1;
}

static int rehash(struct scan *s)
{
  size_t    n     = s->n_slots ? s->n_slots * 2 : 1024;
  uint32_t *old   = s->slots;
  size_t    n_old = s->n_slots;

  s->slots = calloc(n, sizeof(*s->slots));
  if (!s->slots) {
    s->slots = old;
    return -ENOMEM;
  }
  s->n_slots = n;
  for (size_t i = 0; i < n_old; i++) {
    if (old[i]) {
      const struct macro *m                      = &s->macros[old[i] - 1];
      s->slots[slot_of(s, m->name, m->name_len)] = old[i];
    }
  }
  free(old);
  return 0;
}

static void macro_clear(struct macro *m)
{
  free(m->body.v);
  m->body = (struct toks){ .cap = SIZE_MAX }; /* undefined */
}

/* Name (n bytes) defined as m, or undefined (m NULL). */
static int macro_set(struct scan *s, const char *name, size_t n,
                     struct macro *m)
{
  if ((s->n_macros + 1) * 2 > s->n_slots && rehash(s) < 0) {
    return -ENOMEM;
  }
  size_t i = slot_of(s, name, n);
  if (s->slots[i]) {
    struct macro *old = &s->macros[s->slots[i] - 1];
    macro_clear(old);
    if (m) {
      m->name     = old->name;
      m->name_len = old->name_len;
      *old        = *m;
    }
    return 0;
  }
  if (!m) {
    return 0;
  }
  if (s->n_macros >= SCAN_MAX_MACROS) {
    return MAYBE;
  }
  int r =
    grow((void **)&s->macros, &s->macros_cap, s->n_macros + 1, sizeof(*m));
  if (r < 0) {
    return r;
  }
  m->name                  = name;
  m->name_len              = (uint32_t)n;
  s->macros[s->n_macros++] = *m;
  s->slots[i]              = (uint32_t)s->n_macros;
  return 0;
}

/* The parameters of a function-like #define, from after its '(' to its
 * ')': each an identifier in params (their names), "..." or "name..."
 * making it variadic. 0, or MAYBE for a list gcc would refuse. */
static int define_params(struct scan *s, const char **p, const char *end,
                         struct tok *params, struct macro *m)
{
  struct tok t;
  int        r;
  bool       named = false; /* the last token a parameter's name */

  while ((r = next_token(s, p, end, &t)) == TOKEN && t.kind != K_RPAREN) {
    bool dots = t.kind == K_OTHER && t.s[0] == '.' && *p + 1 < end &&
                (*p)[0] == '.' && (*p)[1] == '.';
    if (dots) {
      *p += 2;
      m->variadic = true;
      if (!named && m->n_params >= SCAN_MAX_PARAMS) {
        return MAYBE;
      }
      if (!named) {
        params[m->n_params++] = (struct tok){ .s = "__VA_ARGS__", .n = 11 };
      }
    } else if (t.kind == K_IDENT && m->n_params < SCAN_MAX_PARAMS) {
      params[m->n_params++] = t;
    } else if (t.kind != K_COMMA) {
      return MAYBE;
    }
    named = t.kind == K_IDENT && !dots;
  }
  return r == TOKEN ? 0 : MAYBE;
}

static int16_t param_of(const struct tok *params, size_t n, const struct tok *t)
{
  for (size_t i = 0; t->kind == K_IDENT && i < n; i++) {
    if (params[i].n == t->n && memcmp(params[i].s, t->s, t->n) == 0) {
      return (int16_t)i;
    }
  }
  return -1;
}

/* One line of the text from s->off, entered in the table: 0 with it in
 * *ret, or 1 at the text's end. */
struct text_line {
  const char *at;    /* its first byte */
  size_t      len;   /* its newline left out */
  uint32_t    index; /* in the table */
};

static int add_line(struct scan *s, struct text_line *ret)
{
  if (s->off >= s->len) {
    return 1;
  }
  const char *at  = s->text + s->off;
  const char *nl  = memchr(at, '\n', s->len - s->off);
  size_t      len = nl ? (size_t)(nl - at) : s->len - s->off;

  if (s->n_lines >= SCAN_MAX_LINES || s->off > UINT32_MAX - len) {
    s->why = s->n_lines;
    return MAYBE;
  }
  int r =
    grow((void **)&s->lines, &s->lines_cap, s->n_lines + 1, sizeof(*s->lines));
  if (r < 0) {
    return r;
  }
  *ret        = (struct text_line){ at, len, (uint32_t)s->n_lines };
  s->line_end = at + len;
  s->lines[s->n_lines++] =
    (struct line){ (uint32_t)s->off, (uint32_t)len, s->file, s->number++ };
  s->off += len + 1;
  return 0;
}

/* Whether a directive goes on past its line: a splice, or a block comment
 * left open. */
static bool goes_on(const struct scan *s, const struct text_line *line)
{
  return ends_in_splice(line->at, line->len) || s->in_comment;
}

/* The end of a directive's line before its splice, if any. */
static const char *before_splice(const struct text_line *line)
{
  size_t len = line->len;

  if (ends_in_splice(line->at, len)) {
    len -= line->at[len - 1] == '\r';
    len--;
  }
  return line->at + len;
}

/* The next line of a directive that goes on (0), or 1 where it ends. A
 * line after a // comment's splice is read past. */
static int directive_next(struct scan *s, struct text_line *line)
{
  do {
    if (!goes_on(s, line) && !s->line_comment) {
      return 1;
    }
    int r = add_line(s, line);
    if (r) {
      return r;
    }
    if (s->line_comment) {
      s->line_comment = ends_in_splice(line->at, line->len);
      continue;
    }
    return 0;
  } while (true);
}

/* A #define's body from p on its first line, and on the lines it goes on
 * to, onto m: each token at its own place, its parameter marked. */
static int define_body(struct scan *s, const char *p, struct text_line *line,
                       const struct tok *params, struct macro *m)
{
  struct tok t;
  int        r = 0;

  for (;;) {
    const char *end = before_splice(line);
    while (r == 0 && (r = next_token(s, &p, end, &t)) == TOKEN) {
      t.line = t.dline = line->index;
      t.col = t.dcol = (uint32_t)(t.s - line->at);
      t.param        = param_of(params, m->n_params, &t);
      t.quiet        = !scanned(s);
      r              = toks_push(s, &m->body, &t);
    }
    if (r != 0) {
      return r;
    }
    r = directive_next(s, line);
    if (r) {
      return r == 1 ? 0 : r;
    }
    p = line->at;
  }
}

/* A #define line's rest from p: the macro, its parameters marked in its
 * body. */
static int directive_define(struct scan *s, const char *p,
                            struct text_line *line)
{
  struct tok   name, params[SCAN_MAX_PARAMS];
  struct macro m   = { .quiet = !scanned(s) };
  const char  *end = before_splice(line);
  int          r   = next_token(s, &p, end, &name);

  if (r != TOKEN || name.kind != K_IDENT) {
    return r < 0 ? r : 0; /* gcc refuses it: no macro */
  }
  m.function_like = p < end && *p == '(';
  r               = 0;
  if (m.function_like) {
    p++;
    r = define_params(s, &p, end, params, &m);
  }
  r = r ? r : define_body(s, p, line, params, &m);
  r = r < 0 ? r : r ? r : macro_set(s, name.s, name.n, &m);
  if (r != 0) {
    free(m.body.v);
    s->why = line->index;
  }
  return r;
}

/* A line marker's line (its number at p): where the next line is. 1: not
 * a marker. */
static int directive_marker(struct scan *s, const struct text_line *line)
{
  struct linemarker marker = { 0 };
  int               r      = linemarker_parse(line->at, line->len, &marker);

  if (r != 1) {
    return r < 0 ? r : 1;
  }
  s->file = (uint32_t)((size_t)(line->at - s->text) + marker.name_at);
  s->number =
    (uint32_t)(marker.number > UINT32_MAX - 1 ? UINT32_MAX - 1 : marker.number);
  s->system     = marker.flags & LINEMARKER_SYSTEM;
  s->in_comment = s->line_comment = false;
  linemarker_done(&marker);
  return 0;
}

/* A directive (its '#' at p) and the lines it goes on to: a marker sets
 * where the next line is; #define and #undef change the macros. */
static int expand_read(struct scan *s, bool more_code);

static int directive(struct scan *s, struct text_line *line, const char *p)
{
  const char *end = before_splice(line);
  struct tok  t;
  int         r;

  p++;
  while (p < end && (*p == ' ' || *p == '\t')) {
    p++;
  }
  if (p < end && is_digit((unsigned char)*p) &&
      (r = directive_marker(s, line)) != 1) {
    return r;
  }
  r           = next_token(s, &p, end, &t);
  bool define = r == TOKEN && t.kind == K_IDENT && t.n == 6 &&
                memcmp(t.s, "define", 6) == 0;
  bool undef =
    r == TOKEN && t.kind == K_IDENT && t.n == 5 && memcmp(t.s, "undef", 5) == 0;
  if ((define || undef) && (r = expand_read(s, true)) != 0) {
    return r;
  }
  if (define) {
    return directive_define(s, p, line);
  }
  if (undef) {
    r = next_token(s, &p, end, &t);
    r = r == TOKEN && t.kind == K_IDENT ? macro_set(s, t.s, t.n, NULL) : 0;
  }
  /* the rest, #pragma and the like: its comments kept track of */
  while (r >= 0 && r != MAYBE) {
    while ((r = next_token(s, &p, end, &t)) == TOKEN) {
    }
    r = directive_next(s, line); /* past what it cannot read, too */
    if (r) {
      return r == 1 ? 0 : r;
    }
    p   = line->at;
    end = before_splice(line);
  }
  return r;
}

/* ---- reading the text --------------------------------------------------- */

/* A line of code: its tokens onto the code, if its section is scanned. */
static int code_line(struct scan *s, const struct text_line *line)
{
  const char *p = line->at, *end = line->at + line->len;
  struct tok  t;
  int         r;

  if (s->line_comment) { /* a // comment's line after a splice */
    s->line_comment = ends_in_splice(line->at, line->len);
    return 0;
  }
  while ((r = next_token(s, &p, end, &t)) == TOKEN) {
    if (scanned(s)) {
      t.line = t.dline = line->index;
      t.col = t.dcol = (uint32_t)(t.s - line->at);
      r              = toks_push(s, &s->code, &t);
      if (r) {
        return r;
      }
    }
  }
  if (r == MAYBE && !scanned(s)) {
    return 0; /* the rest of a line no one reads */
  }
  if (r == MAYBE) {
    s->why = line->index;
  }
  return r;
}

/* Every line: the code's tokens, the macros, where each line is. */
static int read_text(struct scan *s)
{
  struct text_line line;
  int              r;

  while ((r = add_line(s, &line)) == 0) {
    const char *p = line.at, *end = line.at + line.len;
    while (p < end && (*p == ' ' || *p == '\t')) {
      p++;
    }
    bool code = s->in_comment || s->line_comment || p == end || *p != '#';
    r         = code ? code_line(s, &line) : directive(s, &line, p);
    if (r) {
      return r;
    }
  }
  return r == 1 ? 0 : r;
}

/* ---- expansion ---------------------------------------------------------- */

enum list {
  LIST_CODE,
  LIST_ARG,
  LIST_BODY
};

static int rescan(struct scan *s, const struct tok *in, size_t n,
                  const struct tok *at, enum list list, struct toks *out,
                  unsigned depth);

/* t onto out, at at's place when at is given. */
static int emit(struct scan *s, struct toks *out, const struct tok *t,
                const struct tok *at)
{
  struct tok copy = *t;

  if (at) {
    copy.line = at->line;
    copy.col  = at->col;
    copy.exp  = at->exp;
  }
  copy.param = -1;
  return toks_push(s, out, &copy);
}

static bool is_active(const struct scan *s, long mi)
{
  for (size_t i = 0; i < s->n_active; i++) {
    if (s->active[i] == (uint32_t)mi) {
      return true;
    }
  }
  return false;
}

/* a ## b as one token in *ret (which may be a), its text kept in s. */
static int paste(struct scan *s, const struct tok *a, const struct tok *b,
                 struct tok *ret)
{
  int    r    = grow((void **)&s->pasted, &s->pasted_cap, s->n_pasted + 1,
                     sizeof(*s->pasted));
  size_t len  = (size_t)a->n + b->n;
  char  *text = r < 0 || len > UINT32_MAX / 2 ? NULL : malloc(len);

  if (!text) {
    return -ENOMEM;
  }
  memcpy(text, a->s, a->n);
  memcpy(text + a->n, b->s, b->n);
  s->pasted[s->n_pasted++] = text;
  struct tok lexed, t = *a;
  bool       one = token_at(text, text + len, &lexed) == 0 && lexed.n == len;
  t.kind         = one ? lexed.kind : K_OTHER; /* else gcc refuses it */
  t.word         = one ? lexed.word : W_NONE;
  t.s            = text;
  t.n            = (uint32_t)len;
  *ret           = t;
  return 0;
}

struct arg {
  const struct tok *v;
  size_t            len;
};

/* The operand of a ## at body[k]: a parameter's argument as it was, or the
 * token; b its first token (NULL for an empty argument), the rest in
 * *rest. */
static void operand(const struct macro *m, const struct arg *args, size_t k,
                    const struct tok **b, struct arg *rest)
{
  const struct tok *t = &m->body.v[k];

  if (t->param < 0) {
    *b    = t;
    *rest = (struct arg){ NULL, 0 };
    return;
  }
  struct arg a = args[t->param];
  *b           = a.len ? a.v : NULL;
  *rest        = (struct arg){ a.len ? a.v + 1 : NULL, a.len ? a.len - 1 : 0 };
}

/* sub[from..): an argument's tokens, which gcc places where the parameter
 * p is in the body id (an argument is expanded before its macro's body). */
static void at_parameter(struct toks *sub, size_t from, uint32_t id,
                         const struct tok *p)
{
  for (size_t i = from; i < sub->len; i++) {
    sub->v[i].dexp  = id;
    sub->v[i].dline = p->dline;
    sub->v[i].dcol  = p->dcol;
  }
}

/* A new body for the use whose name is name: its id, the name's spot kept
 * (gcc walks a token out of a body to that spot). 0: out of memory. */
static uint32_t new_body(struct scan *s, const struct tok *name)
{
  uint32_t id = s->bodies + 1;

  if (id == UINT32_MAX ||
      grow((void **)&s->from, &s->from_cap, (size_t)id + 1, sizeof(*s->from))) {
    return 0;
  }
  s->from[id] = (struct spot){ name->dexp, name->dline, name->dcol };
  s->bodies   = id;
  return id;
}

/* The operand right of a ## at body[k], pasted onto sub's last token. */
static int paste_operand(struct scan *s, const struct macro *m,
                         const struct arg *args, size_t k, uint32_t id,
                         struct toks *sub)
{
  const struct tok *b;
  struct arg        rest;
  int               r = 0;

  operand(m, args, k, &b, &rest);
  struct tok right = b ? *b : m->body.v[k];
  if (m->body.v[k].param < 0) {
    right.dexp = id;
  }
  if (b && sub->len) {
    r = paste(s, &sub->v[sub->len - 1], &right, &sub->v[sub->len - 1]);
  } else if (b) {
    size_t from = sub->len;
    r           = emit(s, sub, &right, NULL);
    if (m->body.v[k].param >= 0) {
      at_parameter(sub, from, id, &m->body.v[k]);
    }
  }
  size_t from = sub->len;
  for (size_t i = 0; r == 0 && i < rest.len; i++) {
    r = emit(s, sub, &rest.v[i], NULL);
  }
  at_parameter(sub, from, id, &m->body.v[k]);
  return r;
}

/* The body of macro mi, used as name, with its parameters replaced
 * (args), onto sub. */
static int substitute(struct scan *s, long mi, const struct tok *name,
                      const struct arg *args, const struct tok *at,
                      struct toks *sub, unsigned depth)
{
  const struct macro *m    = &s->macros[mi];
  const struct tok   *body = m->body.v;
  size_t              n    = m->body.len;
  uint32_t            id   = new_body(s, name);
  int                 r    = id ? 0 : -ENOMEM;

  for (size_t k = 0; r == 0 && k < n; k++) {
    struct tok t = body[k];
    t.dexp       = id;
    if (m->function_like && t.kind == K_HASH && k + 1 < n &&
        body[k + 1].param >= 0) {
      t.s    = "\"\"";
      t.n    = 2;
      t.kind = K_OTHER; /* the string # makes */
      r      = emit(s, sub, &t, NULL);
      k++;
    } else if (t.kind == K_PASTE && k + 1 < n) {
      r = paste_operand(s, m, args, ++k, id, sub);
    } else if (t.param >= 0) {
      struct arg a    = args[t.param];
      bool       raw  = k + 1 < n && body[k + 1].kind == K_PASTE;
      size_t     from = sub->len;
      for (size_t i = 0; raw && r == 0 && i < a.len; i++) {
        r = emit(s, sub, &a.v[i], NULL);
      }
      if (!raw) {
        r = rescan(s, a.v, a.len, at, LIST_ARG, sub, depth + 1);
      }
      at_parameter(sub, from, id, &t);
    } else {
      r = emit(s, sub, &t, NULL);
    }
  }
  return r;
}

/* Macro mi's use (its name name, its arguments args) expanded onto out,
 * at at's place. */
static int expand(struct scan *s, long mi, const struct tok *name,
                  const struct arg *args, const struct tok *at,
                  struct toks *out, unsigned depth)
{
  struct toks sub = { 0 };

  if (depth >= SCAN_MAX_DEPTH || s->n_active >= SCAN_MAX_DEPTH) {
    s->why = at->line;
    return MAYBE;
  }
  int r = substitute(s, mi, name, args, at, &sub, depth);
  if (r == 0) {
    s->active[s->n_active++] = (uint32_t)mi;
    r = rescan(s, sub.v, sub.len, at, LIST_BODY, out, depth + 1);
    s->n_active--;
  }
  free(sub.v);
  return r;
}

/* The arguments of a use whose '(' is in[open]: args (room for the
 * macro's parameters, the rest empty), the ')' at *ret_close. MAYBE: no
 * ')' in the list, or more arguments than the macro has. */
static int collect_args(struct scan *s, const struct macro *m,
                        const struct tok *in, size_t n, size_t open,
                        struct arg *args, size_t *ret_close)
{
  size_t depth = 0, k = 0, start = open + 1;

  memset(args, 0, sizeof(*args) * (m->n_params ? m->n_params : 1));
  for (size_t i = open; i < n; i++) {
    enum kind kind = in[i].kind;
    bool      comma =
      kind == K_COMMA && depth == 1 && !(m->variadic && k + 1 >= m->n_params);
    depth += kind == K_LPAREN;
    depth -= kind == K_RPAREN;
    if (comma || (kind == K_RPAREN && depth == 0)) {
      if (k >= (m->n_params ? m->n_params : 1)) {
        break;
      }
      args[k++] = (struct arg){ &in[start], i - start };
      start     = i + 1;
    }
    if (depth == 0) {
      *ret_close = i;
      return 0;
    }
  }
  s->why = in[open].line;
  return MAYBE;
}

/* in[i], a macro's name: its use expanded onto out, *i past it. */
static int expand_use(struct scan *s, long mi, const struct tok *in, size_t n,
                      size_t *i, const struct tok *at, enum list list,
                      struct toks *out, unsigned depth)
{
  const struct macro *m     = &s->macros[mi];
  const struct tok   *t     = &in[*i];
  struct tok          place = at ? *at : *t;
  struct arg          args[SCAN_MAX_PARAMS];

  if (!at) {
    place.exp = ++s->exps;
  }
  if (!m->function_like) {
    return expand(s, mi, t, NULL, &place, out, depth);
  }
  if (*i + 1 >= n && list == LIST_BODY) {
    struct tok name = *t; /* its arguments, if any, follow the use */
    name.pending    = true;
    return emit(s, out, &name, at);
  }
  if (*i + 1 >= n && list == LIST_CODE && s->more_code) {
    s->why = t->line;
    return MAYBE; /* its arguments would be read past a #define */
  }
  if (*i + 1 >= n || in[*i + 1].kind != K_LPAREN) {
    return emit(s, out, t, at);
  }
  size_t close = 0;
  int    r     = collect_args(s, m, in, n, *i + 1, args, &close);
  if (r == 0) {
    r  = expand(s, mi, t, args, &place, out, depth);
    *i = close;
  }
  return r;
}

/* A use's expansion (onto out) that ended in a function-like macro's
 * name: gcc, done with that use's macro, reads on for the name's '(' in
 * what follows the use, in[*i + 1...), and expands it there, each token
 * at the name's place (the outer use's: gcc resolves a token to its
 * outermost use), *i past its ')'. Past in's end too, the name stays
 * pending for the list that holds in. */
static int resume_pending(struct scan *s, const struct tok *in, size_t n,
                          size_t *i, enum list list, struct toks *out,
                          unsigned depth)
{
  while (out->len > 0 && out->v[out->len - 1].pending) {
    struct tok name = out->v[--out->len];
    long       mi   = macro_find(s, &name);
    name.pending    = *i + 1 >= n && list == LIST_BODY;
    if (*i + 1 >= n && list == LIST_CODE && s->more_code) {
      s->why = name.line;
      return MAYBE; /* its arguments would be read past a #define */
    }
    if (mi < 0 || *i + 1 >= n || in[*i + 1].kind != K_LPAREN) {
      return toks_push(s, out, &name);
    }
    struct arg args[SCAN_MAX_PARAMS];
    size_t     close = 0;
    int        r = collect_args(s, &s->macros[mi], in, n, *i + 1, args, &close);
    r            = r == 0 ? expand(s, mi, &name, args, &name, out, depth) : r;
    if (r != 0) {
      return r;
    }
    *i = close;
  }
  return 0;
}

/* The tokens in[0..n) with each macro use among them expanded, onto out;
 * every token at at's place, or with at NULL (the code) at its own and a
 * use's tokens at its name's. */
static int rescan(struct scan *s, const struct tok *in, size_t n,
                  const struct tok *at, enum list list, struct toks *out,
                  unsigned depth)
{
  int r = 0;

  for (size_t i = 0; r == 0 && i < n; i++) {
    const struct tok *t = &in[i];
    long mi = t->kind == K_IDENT && !t->painted ? macro_find(s, t) : -1;
    if (mi >= 0 && is_active(s, mi)) {
      struct tok painted = *t;
      painted.painted    = true;
      r                  = emit(s, out, &painted, at);
    } else if (mi >= 0) {
      r = expand_use(s, mi, in, n, &i, at, list, out, depth);
      r = r == 0 ? resume_pending(s, in, n, &i, list, out, depth) : r;
    } else {
      r = emit(s, out, t, at);
    }
  }
  return r;
}

/* The code read so far onto the stream, each macro use expanded with the
 * macros as they are now, as gcc expands it as it reads: before a #define
 * or #undef changes them, and at the end. more_code: code follows. */
static int expand_read(struct scan *s, bool more_code)
{
  s->more_code = more_code;
  int r = rescan(s, s->code.v, s->code.len, NULL, LIST_CODE, &s->stream, 0);
  s->code.len = 0;
  return r;
}

/* ---- statements --------------------------------------------------------- */

/* The other bracket of each bracket of the stream. MAYBE: one unpaired. */
static int pair_brackets(struct scan *s)
{
  const struct toks     *st    = &s->stream;
  _cleanup_free_ size_t *stack = calloc(st->len + 1, sizeof(*stack));
  size_t                 depth = 0;

  s->match    = calloc(st->len + 1, sizeof(*s->match));
  s->ends     = calloc(st->len + 1, sizeof(*s->ends));
  s->do_while = calloc(st->len + 1, sizeof(*s->do_while));
  if (!stack || !s->match || !s->ends || !s->do_while) {
    return -ENOMEM;
  }
  for (size_t i = 0; i < st->len; i++) {
    enum kind k = st->v[i].kind;
    if (k == K_LPAREN || k == K_LBRACK || k == K_LBRACE) {
      stack[depth++] = i;
    } else if (k == K_RPAREN || k == K_RBRACK || k == K_RBRACE) {
      if (!depth || st->v[stack[depth - 1]].kind != k - 1) {
        s->why = st->v[i].line;
        return MAYBE;
      }
      size_t open    = stack[--depth];
      s->match[open] = (uint32_t)i;
      s->match[i]    = (uint32_t)open;
    }
  }
  if (depth) {
    s->why = st->v[stack[depth - 1]].line;
    return MAYBE;
  }
  return 0;
}

static int stmt_end(struct scan *s, size_t i, unsigned nest, size_t *ret);

static const struct tok *tok_at(const struct scan *s, size_t i)
{
  return i < s->stream.len ? &s->stream.v[i] : NULL;
}

static bool is_kind(const struct scan *s, size_t i, enum kind kind)
{
  const struct tok *t = tok_at(s, i);
  return t && t->kind == kind;
}

static bool is_word(const struct scan *s, size_t i, enum word word)
{
  const struct tok *t = tok_at(s, i);
  return t && t->word == word;
}

/* The token after a parenthesized group at i. */
static int after_parens(const struct scan *s, size_t i, size_t *ret)
{
  if (!is_kind(s, i, K_LPAREN)) {
    return MAYBE;
  }
  *ret = s->match[i] + 1;
  return 0;
}

/* The body of the guard at g (if, else, for, while). */
static int body_of(const struct scan *s, size_t g, size_t *ret)
{
  size_t i = g + 1;

  if (is_word(s, g, W_ELSE)) {
    *ret = i;
    return 0;
  }
  if (is_word(s, g, W_IF)) {
    bool negated = is_kind(s, i, K_OTHER) && s->stream.v[i].s[0] == '!';
    if (is_word(s, i + negated, W_CONSTEVAL)) {
      *ret = i + negated + 1;
      return 0;
    }
    i += is_word(s, i, W_CONSTEXPR);
  }
  return after_parens(s, i, ret);
}

/* An if statement from i, its else-if chain read in a loop. */
static int if_end(struct scan *s, size_t i, unsigned nest, size_t *ret)
{
  for (;;) {
    size_t body, end;
    int    r = body_of(s, i, &body);
    r        = r ? r : stmt_end(s, body, nest + 1, &end);
    if (r) {
      return r;
    }
    if (!is_word(s, end, W_ELSE)) {
      *ret = end;
      return 0;
    }
    if (!is_word(s, end + 1, W_IF)) {
      return stmt_end(s, end + 1, nest + 1, ret);
    }
    i = end + 1;
  }
}

static int do_end(struct scan *s, size_t i, unsigned nest, size_t *ret)
{
  size_t end, after;
  int    r = stmt_end(s, i + 1, nest + 1, &end);

  if (r || !is_word(s, end, W_WHILE)) {
    return r ? r : MAYBE;
  }
  s->do_while[end] = true;
  r                = after_parens(s, end + 1, &after);
  if (r || !is_kind(s, after, K_SEMI)) {
    return r ? r : MAYBE;
  }
  *ret = after + 1;
  return 0;
}

/* The token after the first of kind at i's depth, brackets skipped;
 * MAYBE at a closing bracket or the end. */
static int past(struct scan *s, size_t i, enum kind kind, size_t *ret)
{
  for (; i < s->stream.len; i++) {
    enum kind k = s->stream.v[i].kind;
    if (++s->work > SCAN_MAX_WORK) {
      break;
    }
    if (k == kind) {
      *ret = i + 1;
      return 0;
    }
    if (k == K_LPAREN || k == K_LBRACK || k == K_LBRACE) {
      i = s->match[i];
    } else if (k == K_RPAREN || k == K_RBRACK || k == K_RBRACE) {
      break;
    }
  }
  return MAYBE;
}

static int try_end(struct scan *s, size_t i, unsigned nest, size_t *ret)
{
  size_t end;
  int    r = stmt_end(s, i + 1, nest + 1, &end);

  while (r == 0 && is_word(s, end, W_CATCH)) {
    r = after_parens(s, end + 1, &end);
    r = r ? r : stmt_end(s, end, nest + 1, &end);
  }
  if (r == 0) {
    *ret = end;
  }
  return r;
}

static int keyword_end(struct scan *s, size_t i, unsigned nest, size_t *ret)
{
  const struct tok *t = &s->stream.v[i];
  size_t            j;
  int               r;

  switch (t->word) {
    case W_IF:
      return if_end(s, i, nest, ret);
    case W_FOR:
    case W_WHILE:
    case W_SWITCH:
      r = after_parens(s, i + 1, &j);
      return r ? r : stmt_end(s, j, nest + 1, ret);
    case W_DO:
      return do_end(s, i, nest, ret);
    case W_CASE:
    case W_DEFAULT:
      r = past(s, i + 1, K_COLON, &j);
      return r ? r : stmt_end(s, j, nest + 1, ret);
    case W_TRY:
      return try_end(s, i, nest, ret);
    case W_ELSE:
      return MAYBE;
    default:
      break;
  }
  if (is_kind(s, i + 1, K_COLON) && t->kind == K_IDENT) {
    return stmt_end(s, i + 2, nest + 1, ret); /* a label */
  }
  return past(s, i, K_SEMI, ret);
}

/* The token after the statement that starts at i. */
static int stmt_end(struct scan *s, size_t i, unsigned nest, size_t *ret)
{
  const struct tok *t = tok_at(s, i);

  if (!t || nest > SCAN_MAX_NEST || ++s->work > SCAN_MAX_WORK) {
    return MAYBE;
  }
  if (s->ends[i]) {
    *ret = s->ends[i] - 1;
    return 0;
  }
  int r = 0;
  switch (t->kind) {
    case K_LBRACE:
      *ret = s->match[i] + 1;
      break;
    case K_SEMI:
      *ret = i + 1;
      break;
    case K_RBRACE:
    case K_RPAREN:
    case K_RBRACK:
      return MAYBE;
    default:
      r = keyword_end(s, i, nest, ret);
      break;
  }
  if (r == 0 && *ret < UINT32_MAX) {
    s->ends[i] = (uint32_t)*ret + 1;
  }
  return r;
}

/* ---- gcc's tests of the three places (should_warn_for_misleading_...) --- */

/* The visual column of t's place (tabs at the tab width), and of the first
 * non-space byte of its line before it (its own when none) in *first. */
static unsigned vis_col(const struct scan *s, const struct tok *t,
                        unsigned *first)
{
  const struct line *line  = &s->lines[t->line];
  const char        *p     = s->text + line->off;
  unsigned           width = s->opts->tab_width;
  unsigned           vis   = 0;
  bool               seen  = false;

  for (uint32_t i = 0; i < t->col && i < line->len; i++) {
    if (!seen && !is_space((unsigned char)p[i])) {
      *first = vis;
      seen   = true;
    }
    vis = p[i] == '\t' ? (vis + width) / width * width : vis + 1;
  }
  if (!seen) {
    *first = vis;
  }
  return vis;
}

/* Whether a line of the body's file between the body and the next
 * statement starts left of column (gcc's detect_intervening_unindent, its
 * reading of a line but for its last byte kept). Lines of other files, and
 * lines blank in the text (gcc's may hold a directive), say no. */
static bool unindent_between(const struct scan *s, const struct tok *b,
                             const struct tok *n, unsigned column)
{
  const struct line *lb = &s->lines[b->line], *ln = &s->lines[n->line];
  unsigned           width = s->opts->tab_width;

  for (uint32_t i = b->line + 1; i < n->line; i++) {
    const struct line *l = &s->lines[i];
    if (l->file != lb->file || l->number <= lb->number ||
        l->number >= ln->number) {
      continue;
    }
    const char *p   = s->text + l->off;
    size_t      len = l->len && p[l->len - 1] == '\r' ? l->len - 1 : l->len;
    unsigned    vis = 0;
    for (size_t k = 0; k + 1 < len; k++) {
      if (!is_space((unsigned char)p[k])) {
        if (vis < column) {
          return true;
        }
        break;
      }
      vis = p[k] == '\t' ? (vis + width) / width * width : vis + 1;
    }
  }
  return false;
}

static bool same_place(const struct tok *a, const struct tok *b)
{
  return a->line == b->line && a->col == b->col;
}

/* gcc's test when the next statement starts on a later line than the
 * body. */
static bool later_line_warns(const struct scan *s, const struct tok *g,
                             const struct tok *b, const struct tok *n)
{
  const struct line *lg = &s->lines[g->line], *lb = &s->lines[b->line];
  unsigned           g_first, b_first, n_first;
  unsigned           g_col = vis_col(s, g, &g_first);
  unsigned           b_col = vis_col(s, b, &b_first);
  unsigned           n_col = vis_col(s, n, &n_first);
  bool               semi  = b->kind == K_SEMI;

  if (n_first < n_col) {
    return false;
  }
  if ((!semi && n_col == b_col) || (semi && lb->number > lg->number &&
                                    b_first != b_col && n_col > g_first)) {
    unsigned g_column = g->word == W_ELSE ? g_first : g_col;
    return g_column != b_col && b_col > g_first &&
           !unindent_between(s, b, n, n_col < b_col ? n_col : b_col);
  }
  return semi && lb->number == lg->number &&
         (n_col > g_first || (n->kind == K_LBRACE && n_col == g_first));
}

static bool may_warn(const struct scan *s, const struct tok *g,
                     const struct tok *b, const struct tok *n);

/* gcc's first_map_in_common: a and b walked out of the later body of the
 * two (its use's name's spot) until both are in one. false: one walked out
 * to the code. */
static bool common_body(const struct scan *s, struct spot *a, struct spot *b)
{
  while (a->body != b->body) {
    struct spot *later = a->body > b->body ? a : b;
    if (later->body == 0 || later->body > s->bodies) {
      return false;
    }
    *later = s->from[later->body];
  }
  return a->body != 0;
}

static struct spot spot_of(const struct tok *t)
{
  return (struct spot){ t->dexp, t->dline, t->dcol };
}

static struct tok at_spot(const struct tok *t, const struct spot *at)
{
  struct tok there = *t;

  there.line = at->line;
  there.col  = at->col;
  there.exp  = 0;
  return there;
}

/* The three from one macro use: gcc walks guard and body, body and next
 * out of nested bodies to the body each pair shares; if that is one body
 * it measures them there, in that macro's definition (the text keeps each
 * definition's lines as the source has them, and an argument is where its
 * parameter is), else it does not warn. */
static bool in_definition_warns(const struct scan *s, const struct tok *g,
                                const struct tok *b, const struct tok *n)
{
  struct spot sg = spot_of(g), sb = spot_of(b), sb2 = sb, sn = spot_of(n);

  if (!common_body(s, &sg, &sb) || !common_body(s, &sb2, &sn)) {
    return true; /* not gcc's case: a token of the use not from its body */
  }
  if (sg.body != sn.body) {
    return false;
  }
  struct tok tg = at_spot(g, &sg), tb = at_spot(b, &sb2), tn = at_spot(n, &sn);
  return may_warn(s, &tg, &tb, &tn);
}

/* Whether gcc could warn of guard g, its body b, the next token n. */
static bool may_warn(const struct scan *s, const struct tok *g,
                     const struct tok *b, const struct tok *n)
{
  if (n->kind == K_RBRACE || n->word == W_ELSE || b->kind == K_LBRACE ||
      n->kind == K_SEMI) {
    return false;
  }
  if (g->exp && g->exp == b->exp && b->exp == n->exp) {
    return in_definition_warns(s, g, b, n);
  }
  if (same_place(g, b) || same_place(b, n)) {
    return false;
  }
  const struct line *lg = &s->lines[g->line], *lb = &s->lines[b->line],
                    *ln = &s->lines[n->line];
  if (ln->file != lb->file || ln->number < lb->number) {
    return false;
  }
  if (ln->number == lb->number) {
    unsigned first;
    return lg->file != lb->file || lg->number < lb->number ||
           (lg->number == lb->number && vis_col(s, g, &first) == first);
  }
  return later_line_warns(s, g, b, n);
}

static bool is_guard(const struct tok *t)
{
  return t->word == W_IF || t->word == W_ELSE || t->word == W_FOR ||
         t->word == W_WHILE;
}

/* Each guard of the stream tested. */
static int test_guards(struct scan *s)
{
  for (size_t g = 0; g < s->stream.len; g++) {
    const struct tok *t = &s->stream.v[g];
    size_t            b, n, end;
    if (t->word == W_DO) {
      (void)stmt_end(s, g, 0, &end); /* marks its while, when it reads */
    }
    if (!is_guard(t) || t->quiet || s->do_while[g]) {
      continue;
    }
    int r = body_of(s, g, &b);
    if (r == 0 && is_kind(s, b, K_LBRACE)) {
      continue;
    }
    r = r ? r : stmt_end(s, b, 0, &n);
    if (r || n >= s->stream.len ||
        may_warn(s, t, &s->stream.v[b], &s->stream.v[n])) {
      s->why = t->line;
      return MAYBE;
    }
  }
  return 0;
}

/* ---- the scan ----------------------------------------------------------- */

static void scan_free(struct scan *s)
{
  for (size_t i = 0; i < s->n_macros; i++) {
    if (s->macros[i].body.cap != SIZE_MAX) {
      free(s->macros[i].body.v);
    }
  }
  for (size_t i = 0; i < s->n_pasted; i++) {
    free(s->pasted[i]);
  }
  free(s->pasted);
  free(s->from);
  free(s->macros);
  free(s->slots);
  free(s->lines);
  free(s->code.v);
  free(s->stream.v);
  free(s->match);
  free(s->ends);
  free(s->do_while);
}

int indentscan_text(const char *text, size_t len,
                    const struct indentscan_opts *opts, size_t *ret_line)
{
  struct scan s = { .text = text, .len = len, .opts = opts };
  int         r = opts->tab_width ? 0 : MAYBE;

  r = r ? r : read_text(&s);
  r = r ? r : expand_read(&s, false);
  r = r ? r : pair_brackets(&s);
  r = r ? r : test_guards(&s);
  if (r == MAYBE) {
    *ret_line = s.why + 1;
  }
  scan_free(&s);
  return r;
}
