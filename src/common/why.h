/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Where a refusal's reason goes: a caller's buffer, which a parser of
 * untrusted bytes (the status document, a stats server's reply) fills with
 * the words that explain why it gave up. */
#pragma once

#include <stddef.h>

#include "macro.h"

struct why {
  char  *buf; /* may be NULL: nobody wants the words */
  size_t len; /* bytes at buf */
};

/* Write the reason into w's buffer (cut to fit, always terminated) and
 * return -EBADMSG, the refusal of a malformed message. */
_printf_(2, 3) int why_refuse(struct why *w, const char *fmt, ...);
