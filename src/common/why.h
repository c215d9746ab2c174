/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Where a refusal's reason goes: a caller's buffer, which a parser of
 * untrusted bytes (the status document, a stats server's reply) fills with
 * the words that explain why it gave up, or a string allocated for the
 * caller (the daemon's checks of a command line and a compiler name). */
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

/* Set *ret_reason to the formatted reason (the caller frees it) and return
 * error; -ENOMEM, with *ret_reason NULL, when the words do not fit in
 * memory. */
_printf_(3, 4) int why_reason(int error, char **ret_reason, const char *fmt,
                              ...);
