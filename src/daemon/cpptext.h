/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The text gcc's "-E -fdirectives-only" writes, turned back into C source.
 *
 * A client compiling with gcc -g preprocesses with -fdirectives-only: the
 * includes and conditionals are resolved, the macros are left for the
 * compile to expand, so that the debug info records the columns of the
 * original source. Compiling that text as preprocessed input needs
 * -fdirectives-only on the compiler's command line, and gcc records it in
 * DW_AT_producer. Compiled as ordinary source instead, the command line is
 * the client's own; two things must go first: the predefined macros the
 * text repeats (the compiler defines them again: "__STDC__ redefined") and
 * the line that records the client's working directory (read only from
 * preprocessed input). This filter drops both, streaming, and keeps the
 * directory for the caller to map the job directory to. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct cpptext;

struct cpptext *cpptext_new(void);
struct cpptext *cpptext_free(struct cpptext *text);

static inline void cpptext_freep(struct cpptext **text)
{
  cpptext_free(*text);
}

/* Filter len bytes of input (at_end: the last of it). The filtered text
 * of the complete lines so far is in *ret_out (borrowed, valid until the
 * next call), *ret_out_len bytes. -ENOMEM only. */
int cpptext_feed(struct cpptext *text, const char *buf, size_t len, bool at_end,
                 const char **ret_out, size_t *ret_out_len);

/* Whether the head of the text (its first two lines) has been read: the
 * working directory is known by then, if the text names one. */
bool cpptext_head_done(const struct cpptext *text);

/* Whether the text repeated predefined macros, as -fdirectives-only text
 * does (text the client preprocessed fully does not). */
bool cpptext_saw_builtins(const struct cpptext *text);

/* The client's working directory from the text's second line marker, or
 * NULL (borrowed). */
const char *cpptext_cwd(const struct cpptext *text);

/* From now on, the command line's macros (a "#define" or "#undef" line
 * after a "# 0 \"<command-line>\"" marker) leave the text and become -D
 * and -U options, in their order: gcc -g3 records them with the
 * predefined macros only when they come from its command line. */
void cpptext_lift_command_line(struct cpptext *text);

/* The options lifted so far (borrowed, NULL-terminated; NULL for none). */
char *const *cpptext_command_line(const struct cpptext *text);

/* The text (len bytes) with every line marker that names exactly from
 * ("# N \"FROM\" ...", its escapes read: linemarker) naming to instead,
 * escaped as gcc escapes it, in *ret_text (owned, *ret_len bytes; NULL
 * for an empty text). gcc -g3 of a source named by an absolute path: its
 * compile names the main file by the job directory's path, markers and
 * command line alike. */
int cpptext_rename_file(const char *text, size_t len, const char *from,
                        const char *to, char **ret_text, size_t *ret_len);
