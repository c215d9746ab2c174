/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The compiler argument table, shared by client and daemon.
 *
 * One table says, for every gcc/clang option herdcc knows, what it is: an
 * option for the compile proper (sent to the server), a preprocessor or
 * dependency option (used by the local cpp, stripped before sending), a
 * link option (stripped), the mode, output or language option, or an
 * option that forces a local compile. Options the table does not know run
 * locally. The client plans a job with args_plan(); the daemon checks a
 * received command line with args_check_server(), reading the same table
 * with its own column: only options known to be safe for compiling one
 * preprocessed file pass. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* A source language of the C family. */
struct args_lang {
  const char *name;         /* -x name: "c", "c++", ... */
  const char *cpp_output;   /* -x name once preprocessed: "cpp-output" */
  const char *cpp_ext;      /* extension once preprocessed: "i" */
  bool        preprocessed; /* needs no cpp */
};

/* The language a file name's extension implies; NULL outside the family. */
const struct args_lang *args_lang_from_path(const char *path);

/* The language a -x name means; NULL outside the family. */
const struct args_lang *args_lang_from_name(const char *name);

/* How the client runs one compiler command line. */
struct args_plan {
  bool remote;           /* distributable */
  bool compiles;         /* -c or -S of one source (not -E, -M, a link):
                            a compile, distributable or not */
  char       *why_local; /* owned: the reason it runs locally, when !remote */
  const char *input;     /* borrowed from argv */
  const struct args_lang *lang;          /* of the input */
  bool                    assemble_only; /* -S: the output is assembler text */
  char                   *output;        /* owned: .o/.s path */
  char                  **cpp_argv; /* owned: the local preprocessor run (-E to
                                       stdout); NULL when the input needs no cpp */
  char  *deps_file;                 /* owned: the .d file asked for, or NULL */
  size_t deps_file_index;           /* cpp_argv index naming deps_file */
  char **server_argv;     /* owned: the command line sent to the server */
  bool   directives_only; /* gcc -g: cpp keeps the source text
                             (-fdirectives-only) and the server expands
                             the macros, so the debug info records the
                             columns of the original source */
  bool rewrite_includes;  /* clang -g: the same with -frewrite-includes;
                             the server is told the working directory
                             (-fdebug-compilation-dir) */
  bool tree;              /* rewrite_includes whose server rebuilds the
                             files from the text and compiles them
                             (rebuild.h: clang's DWARF 5 records their
                             MD5): server_argv is the whole command line
                             but the client's own outputs, ARGS_TREE_MARK
                             last, and the text the client sends ends in
                             the files' sizes (rebuild_sizes_line) */
  char *dwo;              /* owned: a tree's clang -gsplit-dwarf: the .dwo
                             written beside the object (its stem and
                             ".dwo"), which the reply brings (HDWO), or
                             NULL */
  bool expanded_first;    /* no debug info: cpp_argv and server_argv are
                             for fully preprocessed text (cheaper for both
                             ends, the same object); should the compiler say
                             anything, args_plan_use_text() makes them the
                             source text's, and the job goes again */
  bool comments_kept;     /* expanded_first with gcc warning of implicit
                             fall through (-Wextra): cpp keeps comments
                             (-C), and the client cuts them down to those
                             gcc reads (cppstrip.h: fall-through marks) */
  bool scan_indent;       /* expanded_first with gcc warning of misleading
                             indentation: cpp first writes the source text
                             (args_cpp_text_argv()), which the client scans
                             (indentscan.h); it goes when a guard may call
                             for the warning (args_plan_use_text()), else
                             the expanded text is made and goes */
  char *profile;          /* owned: the profile the compile reads, sent
                             with the job (HPRF), or NULL: gcc's plain
                             -fprofile-use (the .gcda beside the object);
                             clang's -fprofile-use=, -fprofile-instr-use=,
                             -fprofile-sample-use=, whose value the server
                             argv names ARGS_PROFILE_MARK */

  /* owned: the command line's -D and -U (those of -Wp, lists too), in
     order: clang's -frewrite-includes text leaves them to the compile, so
     its server_argv carries them; NULL for gcc */
  char **macros;
};

/* What a profile option names on the server: the file of the job's HPRF,
 * which herdccd puts in its place. */
#define ARGS_PROFILE_MARK "herdcc-profile"

/* The last word of a tree's command line (args_plan.tree): this, then the
 * client's working directory, where the server's compile reads the
 * rebuilt files as if it ran there. */
#define ARGS_TREE_MARK "--herdcc-tree="

/* The working directory as gcc and clang record it: $PWD when it names
 * ".", else getcwd(). Owned. */
int args_working_dir(char **ret_dir);

/* Plan argv (argv[0] is the compiler). -ENOMEM only: a command line that
 * cannot be distributed gives a plan with remote == false. */
int args_plan(char *const *argv, struct args_plan *ret_plan);

/* An expanded_first plan becomes the source text's (directives_only or
 * rewrite_includes): the remote compile then says what a local one says,
 * source excerpts and macro expansion notes included. -ENOMEM only. */
int args_plan_use_text(struct args_plan *plan);

/* An expanded_first plan's cpp_argv (or a copy of it, *cpp_argv) made
 * the one that writes the source text, as args_plan_use_text() makes the
 * plan's. -ENOMEM only. */
int args_cpp_text_argv(const struct args_plan *plan, char ***cpp_argv);

void args_plan_clear(struct args_plan *plan);

/* What the daemon runs for a checked request. */
struct args_job {
  /* the client's mark: the last word when it stands alone, not an
     option's value (borrowed), or "" */
  const char             *mark;
  size_t                  input_index;   /* argv index of the source */
  size_t                  output_index;  /* argv index of the -o value, or 0 */
  bool                    output_joined; /* -oFILE rather than -o FILE */
  size_t                  lang_index;    /* argv index of a -x value, or 0 */
  bool                    lang_joined;
  const struct args_lang *lang;
  bool                    assemble_only;
  const char *tree;      /* the source is clang -frewrite-includes text and the
                            files' sizes, to be rebuilt and compiled there
                            (args_plan.tree): the working directory its last
                            word names (borrowed from argv), or NULL */
  bool split_dwarf;      /* a tree's -gsplit-dwarf: compiled under the client's
                            output name, the .dwo sent after the reply */
  bool rewrite_includes; /* the source is clang -frewrite-includes text,
                           marked by a last "-frewrite-includes": compile
                           it as source, named as the client's */
  bool directives_only;  /* the source is gcc -fdirectives-only text, marked
                            by a last "-fdirectives-only" from a herdcc
                            client: compile it as source, the marker dropped
                            (see cpptext.h); under -pedantic, which warns of
                            its line markers then, only as pedantic_twin */
  bool gcc_text;         /* marked gcc -fdirectives-only text, however it
                            is compiled: held whole, the client's files
                            rebuilt from it (srcfiles.h) */
  bool pedantic_twin;    /* directives_only under -pedantic with recorded
                            switches: compiled as source with -Wno-pedantic
                            for the object, and as preprocessed input for
                            what the compiler says and its status */
  size_t profile_index;  /* argv index of the profile option, or 0: the
                            job brings the profile (HPRF); gcc's is the
                            object's .gcda, clang's names
                            ARGS_PROFILE_MARK, replaced by the file */
  bool macro_names;      /* directives_only with gcc -g3: the macro table
                            names the main file as the compiler was given
                            it, so the object comes from a compile of the
                            text under the client's own relative name (an
                            absolute one: the job directory's, the
                            markers renamed alike);
                            what the compiler says, when it says anything,
                            from the usual compile (compile.c) */
  bool own_name;         /* directives_only text compiled under the
                            client's own name, as macro_names: gcc -g3, or
                            gcc -fsanitize=address of a relative name (the
                            module name the object registers its globals
                            under is the main file's as given) */
};

/* Check a request's argv (argv[0] is the compiler name, already checked by
 * the caller) against the table. On refusal returns -EPERM and sets
 * *ret_reason to an owned, human-readable explanation. */
int args_check_server(char *const *argv, struct args_job *ret_job,
                      char **ret_reason);

/* A tree's -gsplit-dwarf outputs as the client names them (relative):
 * the object (-o, else the source's stem and ".o") and the .dwo beside
 * it, each owned. -ENOMEM only. */
int args_split_names(char *const *argv, const struct args_job *job,
                     char **ret_object, char **ret_dwo);

/* How many leading ".." a relative source name climbs before it
 * descends, or -1 when it cannot be placed below a directory of the job's
 * (absolute, empty, no file component, ".." after a descent, or a
 * character a line marker would escape). */
int args_relative_depth(const char *name);

/* Whether gcc's command line can turn on the warnings it says only for a
 * source read without line markers (-Wmisleading-indentation, and the
 * -Wformat family, whose caret needs the source's columns inside the
 * string): -Wall, or either by name, -Werror= included; not with -w.
 * Such a compile of gcc's text is checked from files without markers
 * (src/daemon/wordtree.h). */
bool args_front_end_words(char *const *argv);

/* Whether it turns on -Wmisleading-indentation, one of those. */
bool args_misleading_indentation(char *const *argv);

/* The tab width gcc measures columns with: the last -ftabstop=N of 1 to
 * 100 (gcc ignores others), 8 without; 0 for a value gcc refuses. */
unsigned args_tab_width(char *const *argv);

/* Whether it asks for warnings in system headers (-Wsystem-headers). */
bool args_system_headers(char *const *argv);

/* Which prefix maps a path goes through. */
enum args_map {
  ARGS_MAP_DEBUG, /* -fdebug-prefix-map, -ffile-prefix-map */
  ARGS_MAP_MACRO, /* -fmacro-prefix-map, -ffile-prefix-map */
};

/* path as gcc writes it after argv's prefix maps of that kind: the last
 * map given whose old prefix starts path replaces that prefix. Owned. */
int args_remap(char *const *argv, enum args_map kind, const char *path,
               char **ret_path);
