/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The client's source files, rebuilt from the text a compile reads.
 *
 * gcc quotes the source line of each diagnostic (the excerpt, the caret
 * and fix-it lines) by reading the file its location names, which is the
 * client's. The -fdirectives-only text holds every line of every file it
 * came from but the directives the client's preprocessor resolved, each
 * after a line marker "# N \"FILE\"". This module collects those lines and
 * writes them as files under the job directory, at the names the markers
 * give relative to the directory the compiler is to run in, so that the
 * server's diagnostics quote the same lines a local compile does. Names
 * that are absolute (the server's own headers stand for them), pseudo
 * ("<built-in>"), or that climb out after descending, are left out; so is
 * anything past the caps. */
#pragma once

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
