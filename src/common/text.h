/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The one text cleaner: text from a peer, a remote status server, a state
 * file or a DNS-SD record, made fit for a terminal, a log line or a
 * label before anyone sees it.
 *
 * One rule, the strictest the callers can live with: a character is kept
 * when it is valid UTF-8 in its shortest form, a Unicode scalar value
 * (no surrogates, nothing past U+10FFFF), and none of these:
 *
 *   - C0 controls, DEL and C1 controls (a terminal obeys them: escape
 *     sequences, a carriage return that overwrites a line);
 *   - the line and paragraph separators U+2028, U+2029 (a new line where
 *     a reader expects none);
 *   - the bidirectional controls U+200E, U+200F, U+061C, U+202A..U+202E,
 *     U+2066..U+2069 (text that reads in another order than it is
 *     stored: a name passing for another).
 *
 * A refused character becomes one '?', and so does each byte that starts
 * no character at all (not UTF-8, overlong, a surrogate, cut short). */
#pragma once

#include <stdbool.h>
#include <stddef.h>

enum text_flags {
  TEXT_NO_SPACE = 1 << 0, /* blanks become '_' too: a column a script
                             splits on */
};

/* The length (1 to 4) of the character at s, of which len bytes may be
 * read, when the rule keeps it; 0 otherwise. */
size_t text_char_len(const char *s, size_t len);

/* Whether all len bytes at s are characters the rule keeps. */
bool text_is_clean(const char *s, size_t len);

/* Copy the NUL-terminated src to dst (size bytes with the terminator),
 * cleaned, as much as fits and never half a character. Returns dst. */
char *text_clean(char *dst, size_t size, const char *src,
                 enum text_flags flags);

/* src cleaned into a new string (owned by the caller, free()), or NULL
 * when out of memory. The result is never longer than src. */
char *text_clean_dup(const char *src, enum text_flags flags);
