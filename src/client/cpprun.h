/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The local preprocessor of one remote compile (remote.h): started once,
 * under a cpp slot (slots.h), while the connection is made; its output
 * in a memory file that every attempt sends, its diagnostics in another,
 * said with the server's (diag.h). gcc's -fdirectives-only text is mended
 * once cpp has ended (cppscan.h), and preprocessed again in full when it
 * lost a pragma, or when it was written only to be scanned for
 * -Wmisleading-indentation (indentscan.h) and no guard may call for that
 * warning; gcc's expanded text with comments is cut down to the
 * comments gcc reads (cppstrip.h). It runs its own copy of the plan's cpp_argv:
 * the compiler resolved, -MF pointed at a temporary file beside the target,
 * renamed into place with the object (run.h cleans it on interrupt). */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "remote.h"

struct cpprun {
  pid_t       pid;   /* > 0 while it runs */
  int         pidfd; /* readable once it has ended; -1 without kernel support */
  int         slot_fd;   /* a cpp slot, held while it runs */
  const char *state_dir; /* borrowed: the slot's */
  int         source_fd; /* its output (a memory file), or the input itself */
  int         err_fd;    /* its stderr (a memory file) */
  int         status;    /* its wait status once ended */
  char       *deps_tmp;  /* the .d file it writes, beside the target; tracked */
  char      **argv;      /* owned: what it runs */
  bool        scanning;  /* it writes the source text of a scan_indent plan
                            (args.h), not argv's expanded text, yet */
};

/* Start job's preprocessor (job->cpp; the input itself when the plan has
 * no cpp_argv). -ENOMEM and local errors. */
int cpprun_start(struct remote_job *job);

/* Collect its end: waiting for it, or only looking when !wait. Mends
 * -fdirectives-only text then. A failed cpp's diagnostics are dropped:
 * its compile runs here, and says them again. */
int cpprun_settle(const struct remote_job *job, bool wait);

/* Drop from its diagnostics the lines that name a program, not a source
 * ("cc1: warning: command-line option ...", "gcc: warning: ..."), and that
 * the server's compiler said too (in
 * words, len bytes): a local compile says them once, at its start, where
 * the server's words have them. only_programs: drop every other line too
 * (clang's server says a source's words again itself; its driver's words
 * of options the server is not given, "-lm: 'linker' input unused",
 * only the preprocessor here says). -ENOMEM and I/O errors. */
int cpprun_drop_repeated(struct cpprun *cpp, const char *words, size_t len,
                         bool only_programs);

/* Whether its diagnostics hold a line of a source's that words (the
 * server's, len bytes) do not: clang's text has each #if it evaluated
 * replaced by its value, so what the preprocessor said of one (-Wundef)
 * the server's compile of the text does not say again. Program lines and
 * the count ("1 warning generated.") do not count. */
bool cpprun_said_more(const struct cpprun *cpp, const char *words, size_t len);

/* Whether it has ended and failed. */
bool cpprun_failed(const struct cpprun *cpp);

/* Stop it if it runs, remove its temporary .d file, free. NULL. */
struct cpprun *cpprun_free(struct cpprun *cpp);
