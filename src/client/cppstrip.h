/* SPDX-License-Identifier: GPL-2.0-or-later */
/* gcc's expanded text (-E) with comments kept (-C), cut down to the
 * comments gcc reads: the ones that may mark a switch case's fall through
 * (-Wimplicit-fallthrough, which -Wextra enables, takes a comment such as
 * "falls through" before a case label for the attribute; -E alone drops
 * it, and the server's compile would warn where a local one does not).
 * Every such comment holds "fall" in some case (gcc's patterns at every
 * level do), so those are kept whole; every other comment becomes one
 * space, and the newlines of a removed block comment stay, so that the
 * lines keep their numbers; then each run of blank lines longer than a
 * marker becomes a marker for the line after it, and one before a marker
 * goes, as does a marker that only resyncs before another, as gcc -E
 * writes without -C (a tenth of the text's bytes). String and character
 * literals are passed
 * over as C lexes them. The text compiles to the same object: comments
 * are not tokens. What a compile of it says may differ in columns, which
 * is why a compile that says anything goes again as source text
 * (remote.h). */
#pragma once

#include <stddef.h>

/* Filter text (len bytes) in place; the new length. */
size_t cppstrip_comments(char *text, size_t len);

/* Filter the memory file fd holds (cpp's output) in place. -errno. */
int cppstrip_file(int fd);

/* gcc's -fdirectives-only text with the comments of its system headers
 * that stand alone (nothing but blanks beside them on their lines)
 * dropped, their newlines kept: about 40% of such a text's compressed
 * bytes. No token moves, so the object and every line and column are the
 * same, and gcc quotes no such line (a system header's lines are quoted,
 * if at all, from the server's own copy, or for a line with a token).
 * Kept: the comments that name a fall through, as above, and everything
 * after a line splice, raw string or cut-short literal in a comment or
 * code of the section, which this lexing does not follow. In place; the
 * new length. */
size_t cppstrip_system_comments(char *text, size_t len);

/* cppstrip_system_comments on the memory file fd. -errno. */
int cppstrip_system_file(int fd);
