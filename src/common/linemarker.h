/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The preprocessor's line markers: the one reader of a marker line and the
 * one rewriter of the markers of a text.
 *
 * gcc -E and -fdirectives-only text (and clang's -E and -frewrite-includes
 * text) says where its lines come from in lines "# N \"NAME\" FLAGS": the
 * next line is line N of NAME. The name is a C string literal: gcc writes
 * a backslash before '\\' and '"' and a newline as "\n", every other byte
 * as it is; clang writes "\t", "\n" and other unprintable bytes in three
 * octal digits. The flags are those gcc reads, in its order: 1 (a file
 * begins) or 2 (back in the includer), then 3 (a system header), then 4
 * (extern "C", only after 3). The text comes from a peer: a line is read
 * within its length only, never past it and never up to a NUL, and a
 * line of another shape is not a marker. Neither compiler writes the
 * "#line N" form for its markers (gcc -fdirectives-only turns the source's
 * own #line into a marker, and reading preprocessed input gcc takes
 * "#line" for a stray '#'), so it is not one; nor is "# N" without a name,
 * a name with a NUL or an escape gcc refuses (a universal character name,
 * an octal or hex escape past 0xff), more spaces than one, or flags out of
 * gcc's order. A line may end in "\n" or "\r\n" (clang keeps the CRLF of
 * a main file that has them). */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* A marker's number is at most this (gcc's line numbers are 32 bits):
 * larger ones are read as it, so that a caller can count on from it. */
#define LINEMARKER_NUMBER_MAX UINT32_MAX

enum {
  LINEMARKER_ENTER    = 1u << 0, /* flag 1: a file begins (an #include) */
  LINEMARKER_LEAVE    = 1u << 1, /* flag 2: back in the file that included */
  LINEMARKER_SYSTEM   = 1u << 2, /* flag 3: a system header */
  LINEMARKER_EXTERN_C = 1u << 3, /* flag 4: read as if in extern "C" */
};

struct linemarker {
  size_t   number;   /* N, at most LINEMARKER_NUMBER_MAX */
  char    *name;     /* NAME unescaped (owned, NUL-terminated, none inside) */
  size_t   name_len; /* strlen(name) */
  size_t   name_at;  /* where NAME starts in the line: after its quote */
  size_t   name_end; /* where it ends: its closing quote */
  unsigned flags;    /* LINEMARKER_* */
};

/* Read line (len bytes, its "\n" or "\r\n" included or not) as a marker
 * into *ret (written only for a marker; release it with linemarker_done).
 * 1: a marker, 0: not one, -ENOMEM. */
int linemarker_parse(const char *line, size_t len, struct linemarker *ret);

/* Release what linemarker_parse gave *marker (a zeroed one too). */
void linemarker_done(struct linemarker *marker);

/* The name marker (borrowed) is to have instead of its own, in *ret_name
 * (owned), or *ret_name left NULL to keep the marker as it is. userdata
 * is linemarker_rewrite's. A -errno ends the rewrite with it. */
typedef int (*linemarker_rename_fn)(const struct linemarker *marker,
                                    void *userdata, char **ret_name);

/* text (len bytes, borrowed) with each marker that name_for gives a new
 * name naming that instead, escaped as gcc escapes it (and a carriage
 * return as "\r", which gcc writes as it is but cannot read back), its
 * number, flags and line end as they were; every other byte as it was.
 * The text is in *ret_text (owned, *ret_len bytes; NULL for an empty
 * text). */
int linemarker_rewrite(const char *text, size_t len,
                       linemarker_rename_fn name_for, void *userdata,
                       char **ret_text, size_t *ret_len);
