/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "cppstrip.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

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

size_t cppstrip_comments(char *text, size_t len)
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

int cppstrip_file(int fd)
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
  size_t len = cppstrip_comments(text, size);
  munmap(text, size);
  return ftruncate(fd, (off_t)len) < 0 ? -errno : 0;
}
