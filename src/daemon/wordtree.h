/* SPDX-License-Identifier: GPL-2.0-or-later */
/* gcc's -fdirectives-only text as files without line markers, for what a
 * compile says.
 *
 * gcc trusts its reading of a source only until it meets a line marker
 * (line_table->seen_line_directive): after one it gives no
 * -Wmisleading-indentation at all and points a -Wformat warning at the
 * format string rather than at its %-directive. Every text a client sends
 * has markers, so a compile of it cannot say those words as a local one
 * does. This module turns the text back into files that have none: one
 * file per inclusion (each header's text as that #include read it), its
 * lines at their own numbers (blank where the client's preprocessor took
 * a directive or a skipped block), an #include of the next one by its path
 * where the includer had its #include (a system header's by its name in
 * the tree's -isystem directory, so that gcc reads it as one).
 * The command line's macros become -D and -U options, and the files the
 * command line included (stdc-predef.h, -include) -include options, in
 * their order. A compile of the main file then says what a local one
 * says, with the job's paths, which wordtree_unname gives the client's
 * names back (and -fmacro-prefix-map gives __FILE__).
 *
 * Text the files cannot be rebuilt from exactly is refused (-EILSEQ): the
 * source's own #line (a marker that renames the file or goes back), two
 * lines at one number, a name gcc's prefix map cannot hold, more files
 * than the cap. */
#pragma once

#include <stddef.h>

struct wordtree;

/* The files of text (len bytes, the held text of the job), to be written
 * under dir/nm, in *ret (owned). -EILSEQ: see above, and *ret_line is the
 * text's line that cannot be placed (from 1; the line after the last for
 * what its end lacks); -ENOMEM. */
int wordtree_parse(const char *dir, const char *text, size_t len,
                   struct wordtree **ret, size_t *ret_line);

/* Write them (dir exists and is ours, dir/nm does not). An -errno. */
int wordtree_write(const struct wordtree *tree);

struct wordtree *wordtree_free(struct wordtree *tree);

static inline void wordtree_freep(struct wordtree **tree)
{
  wordtree_free(*tree);
}

/* The main file's path (borrowed). */
const char *wordtree_main(const struct wordtree *tree);

/* Push onto *argv what a compile of the main file needs besides the
 * command line: the command line's macros, the files it included, and a
 * -fmacro-prefix-map of each file to the client's name. */
int wordtree_push_options(const struct wordtree *tree, char ***argv);

/* What a compile of the files said (len bytes, in *text, reallocated)
 * with the client's names instead of the files' paths. */
int wordtree_unname(const struct wordtree *tree, char **text, size_t *len);

/* text (len bytes) with every line marker a blank line instead, in
 * *ret_text (owned, *ret_len bytes; NULL for an empty text): one file for
 * a check of what gcc says of source without markers, its lines not the
 * files' (-Wmisleading-indentation is said of the same code; a system
 * header's code reads as the source's). -ENOMEM only. */
int wordtree_flatten(const char *text, size_t len, char **ret_text,
                     size_t *ret_len);
