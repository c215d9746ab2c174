/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The client's source files, rebuilt from the text a compile reads.
 *
 * gcc quotes the source line of each diagnostic (the excerpt, the caret
 * and fix-it lines) by reading the file its location names, which is the
 * client's. The -fdirectives-only text holds every line of every file it
 * came from but the directives the client's preprocessor resolved, each
 * after a line marker "# N \"FILE\"" (as linemarker reads it). This
 * module collects those lines and writes them as files under the job
 * directory, at the names the markers give relative to the directory the
 * compiler is to run in, so that the server's diagnostics quote the same
 * lines a local compile does. Names
 * that are pseudo ("<built-in>"), or that climb out after descending, are
 * left out; so is anything past the caps.
 *
 * An absolute name (CMake names every source so) cannot be written where
 * it points. Such files are rebuilt below the job directory's root for
 * them, DIR/a, on demand (srcfiles_write_absolute), for a second compile
 * of the text with its markers naming them there (srcfiles_root_text) whose
 * words are then given the client's names back (srcfiles_unroot). Only
 * plain absolute names are rooted: none with an empty, "." or ".."
 * component. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct srcfiles;

struct srcfiles *srcfiles_new(void);
struct srcfiles *srcfiles_free(struct srcfiles *files);

static inline void srcfiles_freep(struct srcfiles **files)
{
  srcfiles_free(*files);
}

/* Read len bytes of the text (any cut; lines may span calls). -ENOMEM
 * only. */
int srcfiles_feed(struct srcfiles *files, const char *text, size_t len);

/* Write the files under dir (which exists, is ours, and holds nothing of
 * these names) and set *ret_cwd (owned) to the directory the compiler must
 * run in for the names to resolve. */
int srcfiles_write(struct srcfiles *files, const char *dir, char **ret_cwd);

/* Whether the text named a file absolutely, not a system header (flag 3:
 * the server has its own copy), whose name can be rooted: a compile of
 * the text rooted quotes it, a compile of the text as it came cannot. */
bool srcfiles_saw_absolute(const struct srcfiles *files);

/* Write the files that text (len bytes) names absolutely, system headers
 * too, below dir's root for them. -EINVAL: dir cannot be a marker's. */
int srcfiles_write_absolute(const char *dir, const char *text, size_t len);

/* The text with each line marker that names a plain absolute path naming
 * it below dir's root instead (linemarker_rewrite: the name escaped as gcc
 * escapes it), in *ret_text (owned, *ret_len bytes; NULL for an empty
 * text). -EINVAL: dir cannot be a marker's. */
int srcfiles_root_text(const char *dir, const char *text, size_t len,
                       char **ret_text, size_t *ret_len);

/* What a compile of rooted text said (len bytes, in place) with the names
 * the client's again: the root dropped wherever it starts a path. */
int srcfiles_unroot(const char *dir, char *text, size_t *len);
