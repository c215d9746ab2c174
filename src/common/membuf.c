/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "membuf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int membuf_add(struct membuf *buf, const void *data, size_t len)
{
  if (len == 0) {
    return 0;
  }
  if (len > buf->size - buf->len) {
    size_t size = buf->size ? buf->size : 4096;
    while (size - buf->len < len) {
      if (__builtin_mul_overflow(size, 2, &size)) {
        return -ENOMEM;
      }
    }
    char *grown = realloc(buf->data, size);
    if (!grown) {
      return -ENOMEM;
    }
    buf->data = grown;
    buf->size = size;
  }
  memcpy(buf->data + buf->len, data, len);
  buf->len += len;
  return 0;
}

void membuf_clear(struct membuf *buf)
{
  free(buf->data);
  *buf = (struct membuf){ .data = NULL };
}
