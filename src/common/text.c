/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The text cleaner (text.h): one decoder of UTF-8 with the rule's
 * refusals, and the copies over it. */
#include "text.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Code points the rule refuses although they are valid: first to last. */
static const struct {
  uint32_t first, last;
} text_refused[] = {
  { 0x0000, 0x001f }, /* C0 controls */
  { 0x007f, 0x009f }, /* DEL, C1 controls */
  { 0x061c, 0x061c }, /* ARABIC LETTER MARK */
  { 0x200e, 0x200f }, /* LEFT-TO-RIGHT, RIGHT-TO-LEFT MARK */
  { 0x2028, 0x202e }, /* line, paragraph separators; embeddings, overrides */
  { 0x2066, 0x2069 }, /* isolates */
};

static bool refused(uint32_t cp)
{
  for (size_t i = 0; i < sizeof(text_refused) / sizeof(text_refused[0]); i++) {
    if (cp >= text_refused[i].first && cp <= text_refused[i].last) {
      return true;
    }
  }
  return false;
}

/* The length of the well-formed UTF-8 sequence at str (shortest form, at
 * most U+10FFFF) and its code point, or 0. */
static size_t decode(const char *str, size_t len, uint32_t *ret_cp)
{
  const uint8_t *s = (const uint8_t *)str;
  size_t         n;
  uint32_t       cp, min;

  if (len == 0) {
    return 0;
  }
  if (s[0] < 0x80) {
    n = 1, cp = s[0], min = 0;
  } else if ((s[0] & 0xe0) == 0xc0) {
    n = 2, cp = s[0] & 0x1fu, min = 0x80;
  } else if ((s[0] & 0xf0) == 0xe0) {
    n = 3, cp = s[0] & 0x0fu, min = 0x800;
  } else if ((s[0] & 0xf8) == 0xf0) {
    n = 4, cp = s[0] & 0x07u, min = 0x10000;
  } else {
    return 0;
  }
  if (len < n) {
    return 0;
  }
  for (size_t i = 1; i < n; i++) {
    if ((s[i] & 0xc0) != 0x80) {
      return 0;
    }
    cp = cp << 6 | (s[i] & 0x3fu);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
    return 0;
  }
  *ret_cp = cp;
  return n;
}

size_t text_char_len(const char *s, size_t len)
{
  uint32_t cp;
  size_t   n = decode(s, len, &cp);

  return n && !refused(cp) ? n : 0;
}

bool text_is_clean(const char *s, size_t len)
{
  for (size_t i = 0; i < len;) {
    size_t n = text_char_len(s + i, len - i);
    if (n == 0) {
      return false;
    }
    i += n;
  }
  return true;
}

char *text_clean(char *dst, size_t size, const char *src, enum text_flags flags)
{
  size_t len = strlen(src), o = 0;

  if (size == 0) {
    return dst;
  }
  for (size_t i = 0; i < len && o + 1 < size;) {
    uint32_t cp;
    size_t   n = decode(src + i, len - i, &cp);
    if (n == 0) { /* a byte that starts no character */
      dst[o++] = '?';
      i++;
    } else if (refused(cp)) { /* a whole character */
      dst[o++] = '?';
      i += n;
    } else if ((flags & TEXT_NO_SPACE) && src[i] == ' ') {
      dst[o++] = '_';
      i++;
    } else if (o + n < size) {
      memcpy(dst + o, src + i, n);
      o += n;
      i += n;
    } else {
      break; /* never half a character */
    }
  }
  dst[o] = '\0';
  return dst;
}

char *text_clean_dup(const char *src, enum text_flags flags)
{
  size_t size = strlen(src) + 1;
  char  *dst  = malloc(size);

  return dst ? text_clean(dst, size, src, flags) : NULL;
}
