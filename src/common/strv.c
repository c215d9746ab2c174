/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "strv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

size_t strv_length(char *const *strv)
{
  size_t n = 0;
  while (strv && strv[n]) {
    n++;
  }
  return n;
}

int strv_consume(char ***strv, char *s)
{
  size_t n    = strv_length(*strv);
  char **grow = reallocarray(*strv, n + 2, sizeof(char *));
  if (!grow) {
    return -ENOMEM;
  }
  grow[n]     = s;
  grow[n + 1] = NULL;
  *strv       = grow;
  return 0;
}

int strv_push(char ***strv, const char *s)
{
  char *copy = strdup(s);
  if (!copy) {
    return -ENOMEM;
  }
  int r = strv_consume(strv, copy);
  if (r < 0) {
    free(copy);
  }
  return r;
}

int strv_extend(char ***strv, char *const *more)
{
  int r = 0;

  for (size_t i = 0; more && more[i] && r >= 0; i++) {
    r = strv_push(strv, more[i]);
  }
  return r;
}

char **strv_free(char **strv)
{
  for (size_t i = 0; strv && strv[i]; i++) {
    free(strv[i]);
  }
  free(strv);
  return NULL;
}

char **strv_copy(char *const *strv)
{
  char **copy = calloc(strv_length(strv) + 1, sizeof(char *));
  if (!copy) {
    return NULL;
  }
  for (size_t i = 0; strv && strv[i]; i++) {
    copy[i] = strdup(strv[i]);
    if (!copy[i]) {
      return strv_free(copy);
    }
  }
  return copy;
}

char *strv_join(char *const *strv)
{
  size_t len = 1;
  for (size_t i = 0; strv && strv[i]; i++) {
    len += strlen(strv[i]) + 1;
  }
  char *out = malloc(len);
  if (!out) {
    return NULL;
  }
  char *p = out;
  for (size_t i = 0; strv && strv[i]; i++) {
    size_t n = strlen(strv[i]);
    if (i > 0) {
      *p++ = ' ';
    }
    memcpy(p, strv[i], n);
    p += n;
  }
  *p = '\0';
  return out;
}
