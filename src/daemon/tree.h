/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A clang job's source files, rebuilt into its job directory.
 *
 * A tree job (args_job.tree) brings clang's -frewrite-includes text and
 * the sizes of the files it came from (rebuild.h). The files are written
 * as DIR/t/0, DIR/t/1, ...; DIR/tree.yaml, a clang VFS overlay
 * (-ivfsoverlay), shows each under the name the client's compile read it
 * by (use-external-names off): an absolute name at its path, a relative
 * one from the directory the compile runs in, DIR/w/d/... (deep enough
 * for every name's leading ".."), so that the file names, the MD5s of
 * DWARF 5 and the diagnostics are a local compile's. The client's
 * working directory reaches the debug info as -fdebug-compilation-dir.
 * clang's driver reads no overlay but wants its input to exist: a
 * relative source name gets an empty file of its own there, an absolute
 * one an empty file at its path in the sandbox
 * (sandbox_spec.placeholders).
 *
 * What is rebuilt is checked by the caller: the same compile with -E
 * -frewrite-includes must give the text the client sent, byte for byte
 * (compile.c). */
#pragma once

#include <stddef.h>

struct tree;

/* Rebuild the files of body (len bytes: the text, then the sizes' line)
 * into dir for a compile of input (the client's name for the source) as
 * if run in cwd (the client's working directory, absolute),
 * writing output (relative; NULL: the job directory's own) from the
 * directory it runs in. -EILSEQ:
 * the body is not a tree, the files do not fit their sizes or cannot be shown
 * (a name that is not UTF-8), with *ret_why (owned) saying why; other -errno.
 */
int tree_build(const char *dir, const char *cwd, const char *input,
               const char *output, const char *body, size_t len,
               struct tree **ret_tree, char **ret_why);

struct tree *tree_free(struct tree *tree);

static inline void tree_freep(struct tree **tree)
{
  tree_free(*tree);
}

/* How much of the body is the text (what the check must give again). */
size_t tree_text_len(const struct tree *tree);

/* Where the compiler runs (below dir). */
const char *tree_run_in(const struct tree *tree);

/* The sandbox's placeholders (NULL-terminated; empty for a relative
 * name). */
const char *const *tree_placeholders(const struct tree *tree);

/* The words that make a compile in dir read the tree it holds (the
 * overlay), onto *argv. */
int tree_push_words(const char *dir, char ***argv);
