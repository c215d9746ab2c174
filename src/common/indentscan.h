/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Whether gcc could say -Wmisleading-indentation of a text, found before a
 * compile is spent on it.
 *
 * gcc gives that warning only of a guard (if, else, for, while) whose body
 * is not a block, when the statement after the body starts on the body's
 * line or on a later line at the body's visual column (c-indentation.cc).
 * This module reads gcc's -fdirectives-only text as gcc would: its line
 * markers for where each line is, its #define and #undef lines for the
 * macros, each macro use expanded (to the tokens' kinds, at the place of
 * the use, as gcc's locations resolve them), the statements after each
 * guard parsed, and gcc's tests of the three places made. It answers
 * "maybe" whenever it cannot tell: text it cannot read (a line splice in
 * code, an unterminated literal, brackets that do not pair), a macro
 * whose expansion reaches past its own tokens, caps reached. A guard
 * spelled in a system header, or in the definition of a macro a system
 * header defines, is not counted (gcc says nothing of it) unless the job
 * has -Wsystem-headers. A guard, body and next statement all from one
 * macro use are measured as gcc measures them: walked out of nested
 * bodies to the body they share, at their places in that macro's
 * definition (an argument at its parameter's), none when the pairs share
 * no one body. The client puts each #define back with its lines as the
 * source has them, so those places are the source's.
 *
 * The text comes from a peer: every read is bounded by its length, and
 * what it costs is bounded by caps on tokens, macros and nesting. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct indentscan_opts {
  unsigned tab_width;      /* -ftabstop, gcc's 8 by default */
  bool     system_headers; /* -Wsystem-headers */
};

/* 1: a compile of text (len bytes) could say -Wmisleading-indentation, or
 * the scan cannot tell; *ret_line is then the text's line (from 1) of the
 * guard or of what could not be read. 0: it cannot. -ENOMEM. */
int indentscan_text(const char *text, size_t len,
                    const struct indentscan_opts *opts, size_t *ret_line);
