/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "json.h"

#include <errno.h>
#include <inttypes.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"

/* A number longer than this is not one a status document needs. */
#define JSON_NUMBER_MAX 64

/* ---- UTF-8 -------------------------------------------------------------- */

/* The length of the valid character at p (at most len bytes), 0 when the
 * bytes there are not one. */
static size_t utf8_char(const unsigned char *p, size_t len)
{
  uint32_t cp;
  size_t   n;

  if (len == 0) {
    return 0;
  }
  if (p[0] < 0x80) {
    return 1;
  }
  if (p[0] >= 0xc2 && p[0] <= 0xdf) {
    n  = 2;
    cp = p[0] & 0x1fu;
  } else if (p[0] >= 0xe0 && p[0] <= 0xef) {
    n  = 3;
    cp = p[0] & 0x0fu;
  } else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
    n  = 4;
    cp = p[0] & 0x07u;
  } else {
    return 0;
  }
  if (len < n) {
    return 0;
  }
  for (size_t i = 1; i < n; i++) {
    if ((p[i] & 0xc0) != 0x80) {
      return 0;
    }
    cp = (cp << 6) | (p[i] & 0x3fu);
  }
  if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10ffff ||
      (cp >= 0xd800 && cp <= 0xdfff)) {
    return 0;
  }
  return n;
}

bool json_utf8_valid(const char *text, size_t len)
{
  const unsigned char *p = (const unsigned char *)text;

  for (size_t i = 0; i < len;) {
    size_t n = utf8_char(p + i, len - i);
    if (n == 0) {
      return false;
    }
    i += n;
  }
  return true;
}

void json_utf8_copy(char *dst, size_t size, const char *text)
{
  const unsigned char *p   = (const unsigned char *)text;
  size_t               len = strlen(text), out = 0;

  for (size_t i = 0; i < len;) {
    size_t n = utf8_char(p + i, len - i);
    if (n == 0 || p[i] < 0x20 || p[i] == 0x7f) {
      if (out + 1 >= size) {
        break;
      }
      dst[out++] = '?';
      i++;
      continue;
    }
    if (out + n >= size) {
      break;
    }
    memcpy(dst + out, p + i, n);
    out += n;
    i += n;
  }
  dst[out] = '\0';
}

/* ---- the reader --------------------------------------------------------- */

struct parser {
  const unsigned char *p;
  size_t               len;
  size_t               pos;
  size_t               values;
  char                *why;
  size_t               why_len;
};

static _printf_(2, 3) int parse_fail(struct parser *ps, const char *fmt, ...)
{
  char    what[160];
  va_list ap;

  if (ps->why && ps->why_len > 0) {
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    snprintf(ps->why, ps->why_len, "%s at byte %zu", what, ps->pos);
  }
  return -EBADMSG;
}

static void skip_space(struct parser *ps)
{
  while (ps->pos < ps->len &&
         (ps->p[ps->pos] == ' ' || ps->p[ps->pos] == '\t' ||
          ps->p[ps->pos] == '\n' || ps->p[ps->pos] == '\r')) {
    ps->pos++;
  }
}

static bool take_word(struct parser *ps, const char *word)
{
  size_t n = strlen(word);

  if (ps->len - ps->pos < n || memcmp(ps->p + ps->pos, word, n) != 0) {
    return false;
  }
  ps->pos += n;
  return true;
}

static int hex4(struct parser *ps, uint32_t *ret)
{
  uint32_t v = 0;

  if (ps->len - ps->pos < 4) {
    return parse_fail(ps, "truncated \\u escape");
  }
  for (size_t i = 0; i < 4; i++) {
    unsigned char c = ps->p[ps->pos + i];
    v <<= 4;
    if (c >= '0' && c <= '9') {
      v |= (uint32_t)(c - '0');
    } else if (c >= 'a' && c <= 'f') {
      v |= (uint32_t)(c - 'a' + 10);
    } else if (c >= 'A' && c <= 'F') {
      v |= (uint32_t)(c - 'A' + 10);
    } else {
      return parse_fail(ps, "bad \\u escape");
    }
  }
  ps->pos += 4;
  *ret = v;
  return 0;
}

static size_t utf8_encode(uint32_t cp, char out[static 4])
{
  if (cp < 0x80) {
    out[0] = (char)cp;
    return 1;
  }
  if (cp < 0x800) {
    out[0] = (char)(0xc0 | (cp >> 6));
    out[1] = (char)(0x80 | (cp & 0x3f));
    return 2;
  }
  if (cp < 0x10000) {
    out[0] = (char)(0xe0 | (cp >> 12));
    out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
    out[2] = (char)(0x80 | (cp & 0x3f));
    return 3;
  }
  out[0] = (char)(0xf0 | (cp >> 18));
  out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
  out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
  out[3] = (char)(0x80 | (cp & 0x3f));
  return 4;
}

/* The code point of an escape after its backslash. */
static int parse_escape(struct parser *ps, uint32_t *ret_cp)
{
  static const char from[] = "\"\\/bfnrt";
  static const char to[]   = "\"\\/\b\f\n\r\t";
  uint32_t          cp, low;

  if (ps->pos >= ps->len) {
    return parse_fail(ps, "unterminated string");
  }
  unsigned char c = ps->p[ps->pos++];
  if (c != 'u') {
    const char *at = c ? strchr(from, c) : NULL;
    if (!at) {
      return parse_fail(ps, "bad escape \\%c", c >= 0x20 && c < 0x7f ? c : '?');
    }
    *ret_cp = (unsigned char)to[at - from];
    return 0;
  }
  int r = hex4(ps, &cp);
  if (r < 0) {
    return r;
  }
  if (cp >= 0xdc00 && cp <= 0xdfff) {
    return parse_fail(ps, "lone low surrogate");
  }
  if (cp >= 0xd800 && cp <= 0xdbff) {
    if (!take_word(ps, "\\u")) {
      return parse_fail(ps, "lone high surrogate");
    }
    r = hex4(ps, &low);
    if (r < 0) {
      return r;
    }
    if (low < 0xdc00 || low > 0xdfff) {
      return parse_fail(ps, "bad surrogate pair");
    }
    cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
  }
  if (cp == 0) {
    return parse_fail(ps, "NUL in a string");
  }
  *ret_cp = cp;
  return 0;
}

/* A string after its opening quote, into a new NUL-terminated buffer. */
static int parse_string(struct parser *ps, char **ret_text, size_t *ret_len)
{
  _cleanup_free_ char *buf = NULL;
  size_t               len = 0, cap = 0;

  for (;;) {
    if (ps->pos >= ps->len) {
      return parse_fail(ps, "unterminated string");
    }
    unsigned char c = ps->p[ps->pos];
    char          enc[4];
    size_t        n;
    if (c == '"') {
      ps->pos++;
      break;
    }
    if (c < 0x20) {
      return parse_fail(ps, "control character in a string");
    }
    if (c == '\\') {
      uint32_t cp = 0;
      ps->pos++;
      int r = parse_escape(ps, &cp);
      if (r < 0) {
        return r;
      }
      n = utf8_encode(cp, enc);
    } else {
      n = utf8_char(ps->p + ps->pos, ps->len - ps->pos);
      if (n == 0) {
        return parse_fail(ps, "invalid UTF-8 in a string");
      }
      memcpy(enc, ps->p + ps->pos, n);
      ps->pos += n;
    }
    if (len + n > JSON_STRING_MAX) {
      return parse_fail(ps, "string longer than %d bytes", JSON_STRING_MAX);
    }
    if (len + n + 1 > cap) {
      size_t new_cap = cap ? cap * 2 : 32;
      char  *grown   = realloc(buf, new_cap);
      if (!grown) {
        return -ENOMEM;
      }
      buf = grown;
      cap = new_cap;
    }
    memcpy(buf + len, enc, n);
    len += n;
  }
  if (!buf) {
    buf = strdup("");
    if (!buf) {
      return -ENOMEM;
    }
  }
  buf[len]  = '\0';
  *ret_text = TAKE_PTR(buf);
  *ret_len  = len;
  return 0;
}

static bool is_digit(unsigned char c)
{
  return c >= '0' && c <= '9';
}

static int parse_number(struct parser *ps, struct json_value *v)
{
  size_t start = ps->pos;

  if (ps->pos < ps->len && ps->p[ps->pos] == '-') {
    ps->pos++;
  }
  if (ps->pos >= ps->len || !is_digit(ps->p[ps->pos])) {
    return parse_fail(ps, "bad number");
  }
  if (ps->p[ps->pos] == '0') {
    ps->pos++;
    if (ps->pos < ps->len && is_digit(ps->p[ps->pos])) {
      return parse_fail(ps, "leading zero in a number");
    }
  }
  while (ps->pos < ps->len && is_digit(ps->p[ps->pos])) {
    ps->pos++;
  }
  if (ps->pos < ps->len && ps->p[ps->pos] == '.') {
    ps->pos++;
    if (ps->pos >= ps->len || !is_digit(ps->p[ps->pos])) {
      return parse_fail(ps, "bad fraction");
    }
    while (ps->pos < ps->len && is_digit(ps->p[ps->pos])) {
      ps->pos++;
    }
  }
  if (ps->pos < ps->len && (ps->p[ps->pos] == 'e' || ps->p[ps->pos] == 'E')) {
    ps->pos++;
    if (ps->pos < ps->len && (ps->p[ps->pos] == '+' || ps->p[ps->pos] == '-')) {
      ps->pos++;
    }
    if (ps->pos >= ps->len || !is_digit(ps->p[ps->pos])) {
      return parse_fail(ps, "bad exponent");
    }
    while (ps->pos < ps->len && is_digit(ps->p[ps->pos])) {
      ps->pos++;
    }
  }
  size_t n = ps->pos - start;
  if (n > JSON_NUMBER_MAX) {
    return parse_fail(ps, "number longer than %d characters", JSON_NUMBER_MAX);
  }
  v->text = strndup((const char *)ps->p + start, n);
  if (!v->text) {
    return -ENOMEM;
  }
  v->type = JSON_NUMBER;
  v->len  = n;
  return 0;
}

static int parse_value(struct parser *ps, struct json_value *v, unsigned depth);

static int parse_array(struct parser *ps, struct json_value *v, unsigned depth)
{
  size_t cap = 0;

  v->type = JSON_ARRAY;
  skip_space(ps);
  if (take_word(ps, "]")) {
    return 0;
  }
  for (;;) {
    if (v->len >= JSON_ITEMS_MAX) {
      return parse_fail(ps, "more than %d items in an array", JSON_ITEMS_MAX);
    }
    if (v->len == cap) {
      size_t             new_cap = cap ? cap * 2 : 4;
      struct json_value *grown =
        reallocarray(v->items, new_cap, sizeof(*v->items));
      if (!grown) {
        return -ENOMEM;
      }
      v->items = grown;
      cap      = new_cap;
    }
    v->items[v->len] = (struct json_value){ 0 };
    int r            = parse_value(ps, &v->items[v->len], depth + 1);
    if (r < 0) {
      json_value_clear(&v->items[v->len]); /* not counted in v->len */
      return r;
    }
    v->len++;
    skip_space(ps);
    if (take_word(ps, "]")) {
      return 0;
    }
    if (!take_word(ps, ",")) {
      return parse_fail(ps, "expected ',' or ']'");
    }
  }
}

static int parse_object(struct parser *ps, struct json_value *v, unsigned depth)
{
  size_t cap = 0;

  v->type = JSON_OBJECT;
  skip_space(ps);
  if (take_word(ps, "}")) {
    return 0;
  }
  for (;;) {
    char  *name;
    size_t name_len;
    skip_space(ps);
    if (!take_word(ps, "\"")) {
      return parse_fail(ps, "expected a member name");
    }
    if (v->len >= JSON_MEMBERS_MAX) {
      return parse_fail(ps, "more than %d members in an object",
                        JSON_MEMBERS_MAX);
    }
    int r = parse_string(ps, &name, &name_len);
    if (r < 0) {
      return r;
    }
    if (json_get(v, name)) {
      free(name);
      return parse_fail(ps, "member named twice");
    }
    if (v->len == cap) {
      size_t              new_cap = cap ? cap * 2 : 8;
      struct json_member *grown =
        reallocarray(v->members, new_cap, sizeof(*v->members));
      if (!grown) {
        free(name);
        return -ENOMEM;
      }
      v->members = grown;
      cap        = new_cap;
    }
    struct json_member *m = &v->members[v->len++];
    *m                    = (struct json_member){ .name = name };
    skip_space(ps);
    if (!take_word(ps, ":")) {
      return parse_fail(ps, "expected ':'");
    }
    r = parse_value(ps, &m->value, depth + 1);
    if (r < 0) {
      return r;
    }
    skip_space(ps);
    if (take_word(ps, "}")) {
      return 0;
    }
    if (!take_word(ps, ",")) {
      return parse_fail(ps, "expected ',' or '}'");
    }
  }
}

static int parse_value(struct parser *ps, struct json_value *v, unsigned depth)
{
  if (depth > JSON_DEPTH_MAX) {
    return parse_fail(ps, "nested deeper than %d", JSON_DEPTH_MAX);
  }
  if (++ps->values > JSON_VALUES_MAX) {
    return parse_fail(ps, "more than %d values", JSON_VALUES_MAX);
  }
  skip_space(ps);
  if (ps->pos >= ps->len) {
    return parse_fail(ps, "unexpected end");
  }
  switch (ps->p[ps->pos]) {
    case '{':
      ps->pos++;
      return parse_object(ps, v, depth);
    case '[':
      ps->pos++;
      return parse_array(ps, v, depth);
    case '"':
      ps->pos++;
      v->type = JSON_STRING;
      return parse_string(ps, &v->text, &v->len);
    case 't':
      v->type = JSON_TRUE;
      return take_word(ps, "true") ? 0 : parse_fail(ps, "bad literal");
    case 'f':
      v->type = JSON_FALSE;
      return take_word(ps, "false") ? 0 : parse_fail(ps, "bad literal");
    case 'n':
      v->type = JSON_NULL;
      return take_word(ps, "null") ? 0 : parse_fail(ps, "bad literal");
    default:
      return parse_number(ps, v);
  }
}

int json_parse(const char *text, size_t len, struct json_value *ret_value,
               char *why, size_t why_len)
{
  struct parser     ps = { .p       = (const unsigned char *)text,
                           .len     = len,
                           .why     = why,
                           .why_len = why_len };
  struct json_value v  = { 0 };
  int               r  = parse_value(&ps, &v, 0);

  if (r >= 0) {
    skip_space(&ps);
    if (ps.pos != ps.len) {
      r = parse_fail(&ps, "trailing bytes after the document");
    }
  }
  if (r < 0) {
    json_value_clear(&v);
    return r;
  }
  *ret_value = v;
  return 0;
}

void json_value_clear(struct json_value *v)
{
  if (!v) {
    return;
  }
  if (v->type == JSON_ARRAY) {
    for (size_t i = 0; i < v->len; i++) {
      json_value_clear(&v->items[i]);
    }
  } else if (v->type == JSON_OBJECT) {
    for (size_t i = 0; i < v->len; i++) {
      free(v->members[i].name);
      json_value_clear(&v->members[i].value);
    }
  }
  free(v->items);
  free(v->members);
  free(v->text);
  *v = (struct json_value){ 0 };
}

const struct json_value *json_get(const struct json_value *v, const char *name)
{
  if (!v || v->type != JSON_OBJECT) {
    return NULL;
  }
  for (size_t i = 0; i < v->len; i++) {
    if (v->members[i].name && strcmp(v->members[i].name, name) == 0) {
      return &v->members[i].value;
    }
  }
  return NULL;
}

static bool lexeme_is_integer(const struct json_value *v)
{
  return !strpbrk(v->text, ".eE");
}

int json_get_int64(const struct json_value *v, int64_t *ret)
{
  if (!v || v->type != JSON_NUMBER) {
    return -EDOM;
  }
  if (!lexeme_is_integer(v)) {
    return -ERANGE;
  }
  errno       = 0;
  long long n = strtoll(v->text, NULL, 10);
  if (errno == ERANGE) {
    return -ERANGE;
  }
  *ret = (int64_t)n;
  return 0;
}

int json_get_uint64(const struct json_value *v, uint64_t *ret)
{
  if (!v || v->type != JSON_NUMBER) {
    return -EDOM;
  }
  if (strcmp(v->text, "-0") == 0) {
    *ret = 0;
    return 0;
  }
  if (!lexeme_is_integer(v) || v->text[0] == '-') {
    return -ERANGE;
  }
  errno                = 0;
  unsigned long long n = strtoull(v->text, NULL, 10);
  if (errno == ERANGE) {
    return -ERANGE;
  }
  *ret = (uint64_t)n;
  return 0;
}

static locale_t c_locale(void)
{
  static locale_t loc = (locale_t)0;

  if (loc == (locale_t)0) {
    loc = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
  }
  return loc;
}

int json_get_double(const struct json_value *v, double *ret)
{
  locale_t loc = c_locale();

  if (!v || v->type != JSON_NUMBER) {
    return -EDOM;
  }
  if (loc == (locale_t)0) {
    return -ENOMEM;
  }
  double d = strtod_l(v->text, NULL, loc);
  if (!isfinite(d)) {
    return -ERANGE;
  }
  *ret = d;
  return 0;
}

int json_get_bool(const struct json_value *v, bool *ret)
{
  if (!v || (v->type != JSON_TRUE && v->type != JSON_FALSE)) {
    return -EDOM;
  }
  *ret = v->type == JSON_TRUE;
  return 0;
}

/* ---- the writer --------------------------------------------------------- */

static void put(struct json_writer *w, const char *bytes, size_t n)
{
  if (w->error) {
    return;
  }
  if (w->len + n + 1 > w->cap) {
    size_t cap = w->cap ? w->cap : 256;
    while (w->len + n + 1 > cap) {
      cap *= 2;
    }
    char *grown = realloc(w->buf, cap);
    if (!grown) {
      w->error = -ENOMEM;
      return;
    }
    w->buf = grown;
    w->cap = cap;
  }
  memcpy(w->buf + w->len, bytes, n);
  w->len += n;
  w->buf[w->len] = '\0';
}

static void put_str(struct json_writer *w, const char *s)
{
  put(w, s, strlen(s));
}

/* Before a value: the comma that separates it from the one before. */
static void before_value(struct json_writer *w)
{
  if (w->after_key) {
    w->after_key = false;
    return;
  }
  if (w->need_comma[w->depth]) {
    put(w, ",", 1);
  }
  w->need_comma[w->depth] = true;
}

static void open_container(struct json_writer *w, const char *bracket)
{
  before_value(w);
  put_str(w, bracket);
  if (w->depth >= JSON_DEPTH_MAX) {
    w->error = w->error ? w->error : -EINVAL;
    return;
  }
  w->need_comma[++w->depth] = false;
}

static void close_container(struct json_writer *w, const char *bracket)
{
  put_str(w, bracket);
  if (w->depth == 0) {
    w->error = w->error ? w->error : -EINVAL;
    return;
  }
  w->depth--;
}

void json_begin_object(struct json_writer *w)
{
  open_container(w, "{");
}

void json_end_object(struct json_writer *w)
{
  close_container(w, "}");
}

void json_begin_array(struct json_writer *w)
{
  open_container(w, "[");
}

void json_end_array(struct json_writer *w)
{
  close_container(w, "]");
}

static void put_quoted(struct json_writer *w, const char *text)
{
  const unsigned char *p   = (const unsigned char *)text;
  size_t               len = strlen(text);

  put(w, "\"", 1);
  for (size_t i = 0; i < len;) {
    size_t n = utf8_char(p + i, len - i);
    char   esc[8];
    if (n == 0) {
      put_str(w, "\xef\xbf\xbd"); /* U+FFFD */
      i++;
      continue;
    }
    if (p[i] == '"' || p[i] == '\\') {
      esc[0] = '\\';
      esc[1] = (char)p[i];
      put(w, esc, 2);
    } else if (p[i] < 0x20 || p[i] == 0x7f) {
      snprintf(esc, sizeof(esc), "\\u%04x", p[i]);
      put(w, esc, 6);
    } else {
      put(w, text + i, n);
    }
    i += n;
  }
  put(w, "\"", 1);
}

void json_key(struct json_writer *w, const char *name)
{
  before_value(w);
  put_quoted(w, name);
  put(w, ":", 1);
  w->after_key = true;
}

void json_string(struct json_writer *w, const char *text)
{
  before_value(w);
  put_quoted(w, text);
}

void json_int(struct json_writer *w, int64_t value)
{
  char text[32];

  before_value(w);
  snprintf(text, sizeof(text), "%" PRId64, value);
  put_str(w, text);
}

void json_uint(struct json_writer *w, uint64_t value)
{
  char text[32];

  before_value(w);
  snprintf(text, sizeof(text), "%" PRIu64, value);
  put_str(w, text);
}

void json_double(struct json_writer *w, double value)
{
  char     text[64] = "0";
  locale_t loc      = c_locale();

  before_value(w);
  if (isfinite(value) && loc != (locale_t)0) {
    /* The shortest of %.15g and %.17g that reads back the same. */
    locale_t old = uselocale(loc);
    snprintf(text, sizeof(text), "%.15g", value);
    if (strtod_l(text, NULL, loc) != value) {
      snprintf(text, sizeof(text), "%.17g", value);
    }
    uselocale(old);
  }
  put_str(w, text);
}

void json_bool(struct json_writer *w, bool value)
{
  before_value(w);
  put_str(w, value ? "true" : "false");
}

void json_null(struct json_writer *w)
{
  before_value(w);
  put_str(w, "null");
}

void json_writer_clear(struct json_writer *w)
{
  free(w->buf);
  *w = (struct json_writer){ 0 };
}

int json_writer_finish(struct json_writer *w, char **ret_text, size_t *ret_len)
{
  int r = w->error ? w->error : w->depth != 0 ? -EINVAL : 0;

  if (r >= 0 && !w->buf) {
    r = -EINVAL; /* nothing was written */
  }
  if (r < 0) {
    json_writer_clear(w);
    return r;
  }
  *ret_text = w->buf;
  *ret_len  = w->len;
  w->buf    = NULL;
  json_writer_clear(w);
  return 0;
}
