/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "why.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

int why_refuse(struct why *w, const char *fmt, ...)
{
  va_list ap;

  if (w->buf && w->len > 0) {
    va_start(ap, fmt);
    vsnprintf(w->buf, w->len, fmt, ap);
    va_end(ap);
  }
  return -EBADMSG;
}

int why_reason(int error, char **ret_reason, const char *fmt, ...)
{
  va_list ap;
  int     r;

  va_start(ap, fmt);
  r = vasprintf(ret_reason, fmt, ap);
  va_end(ap);
  if (r < 0) {
    *ret_reason = NULL;
    return -ENOMEM;
  }
  return error;
}
