/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "why.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

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
