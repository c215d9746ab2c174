/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "linemarker.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "membuf.h"

/* The escapes of one letter that stand for another byte, as gcc reads
 * them ("\e" is its extension); any other letter stands for itself
 * ("\\", "\"", "\'", "\?", and those gcc only warns of), but 'u', 'U'
 * and 'x', read apart. */
static const struct {
  char letter;
  char byte;
} letter_escapes[] = {
  { 'a', '\a'   },
  { 'b', '\b'   },
  { 'e', '\033' },
  { 'E', '\033' },
  { 'f', '\f'   },
  { 'n', '\n'   },
  { 'r', '\r'   },
  { 't', '\t'   },
  { 'v', '\v'   },
};

/* How a rewritten name is escaped: what gcc escapes, and a carriage
 * return, which gcc writes as it is but ends the line reading it. */
static const struct {
  char        byte;
  const char *escape;
} name_escapes[] = {
  { '\\', "\\\\" },
  { '"',  "\\\"" },
  { '\n', "\\n"  },
  { '\r', "\\r"  },
};

static bool is_digit(char c)
{
  return c >= '0' && c <= '9';
}

/* The value of a hex digit, or -1. */
static int hex_value(char c)
{
  return is_digit(c)            ? c - '0'
         : c >= 'a' && c <= 'f' ? c - 'a' + 10
         : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                : -1;
}

/* The line without its "\n" or "\r\n": its length. */
static size_t body_len(const char *line, size_t len)
{
  if (len > 0 && line[len - 1] == '\n') {
    len--;
  }
  if (len > 0 && line[len - 1] == '\r') {
    len--;
  }
  return len;
}

/* Up to max digits of base from s[*i] (before end), at least one; *i past
 * them. -EINVAL for none or a value past a byte. */
static int escape_digits(const char *s, size_t end, size_t *i, unsigned base,
                         size_t max, unsigned char *ret_byte)
{
  unsigned value = 0;
  size_t   n     = 0;

  for (; n < max && *i < end; n++, (*i)++) {
    int digit = hex_value(s[*i]);
    if (digit < 0 || (unsigned)digit >= base) {
      break;
    }
    value = value * base + (unsigned)digit;
    if (value > 0xff) {
      return -EINVAL;
    }
  }
  if (n == 0) {
    return -EINVAL;
  }
  *ret_byte = (unsigned char)value;
  return 0;
}

/* The escape after a backslash, from s[*i] (before end), as its byte; *i
 * past it. -EINVAL for one gcc refuses or cannot end. */
static int unescape(const char *s, size_t end, size_t *i,
                    unsigned char *ret_byte)
{
  char c = s[*i];

  if (c >= '0' && c <= '7') {
    return escape_digits(s, end, i, 8, 3, ret_byte);
  }
  (*i)++;
  if (c == 'x') {
    return escape_digits(s, end, i, 16, SIZE_MAX, ret_byte);
  }
  if (c == 'u' || c == 'U') {
    return -EINVAL;
  }
  *ret_byte = (unsigned char)c;
  for (size_t k = 0; k < ARRAY_SIZE(letter_escapes); k++) {
    if (letter_escapes[k].letter == c) {
      *ret_byte = (unsigned char)letter_escapes[k].byte;
    }
  }
  return 0;
}

/* The name from s[at] to its closing quote (before end), unescaped into
 * name (room for end - at bytes and a NUL), *ret_len bytes; *ret_end the
 * quote. -EINVAL: no closing quote, a NUL or a refused escape. */
static int unquote(const char *s, size_t at, size_t end, char *name,
                   size_t *ret_len, size_t *ret_end)
{
  size_t n = 0, i = at;

  while (i < end && s[i] != '"') {
    unsigned char byte = (unsigned char)s[i++];
    if (byte == '\\' && (i == end || unescape(s, end, &i, &byte) < 0)) {
      return -EINVAL;
    }
    if (byte == '\0') {
      return -EINVAL;
    }
    name[n++] = (char)byte;
  }
  if (i == end) {
    return -EINVAL;
  }
  name[n]  = '\0';
  *ret_len = n;
  *ret_end = i;
  return 0;
}

/* The flags after a name (len bytes: " F" each), in gcc's order: 1 or 2
 * first, 3 after either or none, 4 only right after 3. -EINVAL for any
 * other bytes. */
static int read_flags(const char *s, size_t len, unsigned *ret_flags)
{
  unsigned flags = 0, last = 0;

  for (size_t i = 0; i < len; i += 2) {
    if (len - i < 2 || s[i] != ' ' || s[i + 1] < '1' || s[i + 1] > '4') {
      return -EINVAL;
    }
    unsigned flag = (unsigned)(s[i + 1] - '0');
    if (flag <= last || (flag == 2 && last != 0) || (flag == 4 && last != 3)) {
      return -EINVAL;
    }
    flags |= 1u << (flag - 1);
    last = flag;
  }
  *ret_flags = flags;
  return 0;
}

/* The number from line[*i] (before end), saturated; *i past its digits. */
static size_t read_number(const char *line, size_t end, size_t *i)
{
  size_t number = 0;

  for (; *i < end && is_digit(line[*i]); (*i)++) {
    size_t digit = (size_t)(line[*i] - '0');
    number       = number > (LINEMARKER_NUMBER_MAX - digit) / 10
                     ? LINEMARKER_NUMBER_MAX
                     : number * 10 + digit;
  }
  return number;
}

int linemarker_parse(const char *line, size_t len, struct linemarker *ret)
{
  size_t end = body_len(line, len), i = 2;

  if (end < 6 || line[0] != '#' || line[1] != ' ' || !is_digit(line[2])) {
    return 0;
  }
  size_t number = read_number(line, end, &i);
  if (end - i < 3 || line[i] != ' ' || line[i + 1] != '"') {
    return 0;
  }
  size_t               name_at = i + 2, name_len, name_end;
  unsigned             flags;
  _cleanup_free_ char *name = malloc(end - name_at + 1);
  if (!name) {
    return -ENOMEM;
  }
  if (unquote(line, name_at, end, name, &name_len, &name_end) < 0 ||
      read_flags(line + name_end + 1, end - name_end - 1, &flags) < 0) {
    return 0;
  }
  *ret = (struct linemarker){
    .number   = number,
    .name     = TAKE_PTR(name),
    .name_len = name_len,
    .name_at  = name_at,
    .name_end = name_end,
    .flags    = flags,
  };
  return 1;
}

void linemarker_done(struct linemarker *marker)
{
  free(marker->name);
  marker->name = NULL;
}

/* name, escaped, onto out. */
static int add_escaped(struct membuf *out, const char *name)
{
  int r = 0;

  for (const char *p = name; r >= 0 && *p;) {
    size_t plain = strcspn(p, "\\\"\n\r");
    r            = membuf_add(out, p, plain);
    p += plain;
    for (size_t k = 0; r >= 0 && *p && k < ARRAY_SIZE(name_escapes); k++) {
      if (name_escapes[k].byte == *p) {
        r = membuf_add(out, name_escapes[k].escape,
                       strlen(name_escapes[k].escape));
        p++;
        break;
      }
    }
  }
  return r;
}

/* line (len bytes, its newline included when it has one) onto out,
 * renamed when it is a marker that name_for gives a new name. */
static int rewrite_line(struct membuf *out, const char *line, size_t len,
                        linemarker_rename_fn name_for, void *userdata)
{
  struct linemarker    marker;
  _cleanup_free_ char *name = NULL;
  size_t               at = 0, end = 0;
  int                  r = linemarker_parse(line, len, &marker);

  if (r > 0) {
    r   = name_for(&marker, userdata, &name);
    at  = marker.name_at;
    end = marker.name_end;
    linemarker_done(&marker);
  }
  if (r < 0) {
    return r;
  }
  if (!name) {
    return membuf_add(out, line, len);
  }
  r = membuf_add(out, line, at);
  r = r < 0 ? r : add_escaped(out, name);
  return r < 0 ? r : membuf_add(out, line + end, len - end);
}

int linemarker_rewrite(const char *text, size_t len,
                       linemarker_rename_fn name_for, void *userdata,
                       char **ret_text, size_t *ret_len)
{
  struct membuf out = { .data = NULL };

  for (const char *p = text, *end = text + len; p < end;) {
    const char *nl   = memchr(p, '\n', (size_t)(end - p));
    size_t      line = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);
    int         r    = rewrite_line(&out, p, line, name_for, userdata);
    if (r < 0) {
      free(out.data);
      return r;
    }
    p += line;
  }
  *ret_text = out.data;
  *ret_len  = out.len;
  return 0;
}
