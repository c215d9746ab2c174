/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The files a clang -frewrite-includes text came from, rebuilt from it.
 *
 * clang's DWARF 5 records an MD5 of every file a compile reads, so a
 * server can give a local compile's object only by compiling the client's
 * files themselves. The -frewrite-includes text holds each of them whole,
 * in order: a line marker ("# N \"NAME\" FLAGS", linemarker.h) where a
 * file begins (flag 1), is back (flag 2) or goes on; each #include (and
 * #pragma once or system_header) it resolved between an "#if 0" with the
 * comment "expanded by -frewrite-includes" and its #endif; each #if or
 * #elif it evaluated between an "#if 0" commented "disabled by
 * -frewrite-includes" and its #endif, with an "#endif" (and for an #elif
 * an "#if 0" before it) of its own inside, then the value as "#if N" or
 * "#elif N" commented "evaluated by -frewrite-includes". Dropping
 * what clang added leaves every file's lines. What the text cannot tell
 * is whether a file ended in a newline (clang adds one) or in CRLF lines
 * (clang writes LF): the client says each file's size (rebuild_fit), and a
 * file that does not fit is not rebuilt. A file entered twice must come
 * out the same both times. The text comes from a peer: read within its
 * length, every name bounded, and what is not as clang writes it is
 * -EBADMSG; the server checks a rebuild by preprocessing the files again
 * and comparing the text (compile.c).
 *
 * A file is named as the markers name it ("inc/a.h", "/usr/include/x.h");
 * pseudo names ("<built-in>", "<command line>") are not files. The order
 * of the files is the order their names first appear in a marker, the
 * same for client and server (rebuild_names). */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* At most this many files in one text. */
#define REBUILD_FILES_MAX 16384

struct rebuild_file {
  char  *name; /* as the markers name it (owned) */
  char  *text; /* its bytes (owned; NULL while empty) */
  size_t len;
};

/* An #include "NAME" clang resolved but did not enter (the file's guard
 * or #pragma once had it already): the text does not say where NAME was
 * found, which a compile of the files must find again. */
struct rebuild_skip {
  size_t includer; /* the file whose directive it is (index in files) */
  char  *name;     /* NAME as spelled (owned) */
};

struct rebuild {
  struct rebuild_file *files;
  size_t               count;
  struct rebuild_skip *skips;
  size_t               skip_count;
};

/* The names of the files of text (len bytes), in order, in *ret_names
 * (owned strv; NULL when there is none). -EBADMSG: more than
 * REBUILD_FILES_MAX; -ENOMEM. */
int rebuild_names(const char *text, size_t len, char ***ret_names);

/* Rebuild the files of text into *ret (rebuild_clear it). -EBADMSG: the
 * text is not as -frewrite-includes writes it (a block never closed, a
 * file left that was not entered, a file entered twice unalike). */
int rebuild_files(const char *text, size_t len, struct rebuild *ret);

/* Fit the rebuilt files to the sizes the client gave (count of them, in
 * the files' order): a file one line end longer than its size loses its
 * last one. -EBADMSG: another count, or a file that does not fit. */
int rebuild_fit(struct rebuild *rebuild, const uint64_t *sizes, size_t count);

void rebuild_clear(struct rebuild *rebuild);

/* The sizes' line that ends a text sent to be rebuilt: "#herdcc-sizes"
 * and each size after a space, then "\n"; in *ret_line (owned, *ret_len
 * bytes and a NUL). */
int rebuild_sizes_line(const uint64_t *sizes, size_t count, char **ret_line,
                       size_t *ret_len);

/* Split that line off the end of text (len bytes): *ret_len is the
 * length of the text before it, *ret_sizes (owned) and *ret_count the
 * sizes. -EBADMSG: no such last line, or a size that is not decimal
 * digits or is over 2^48. */
int rebuild_sizes_split(const char *text, size_t len, size_t *ret_len,
                        uint64_t **ret_sizes, size_t *ret_count);
