/* SPDX-License-Identifier: GPL-2.0-or-later */
/* gcc's "-E -fdirectives-only" text, made fit for the server.
 *
 * In that text the includes and conditionals are resolved and the rest of
 * every source line is kept, after line markers "# N \"FILE\" FLAGS"; the
 * server's compiler preprocesses it again. Four things come out of gcc 12
 * otherwise than a local compile would see them, and this module mends or
 * reports them, reading the files the markers name:
 *
 * - #define and #undef lines are written normalised ("#define A(x,y) x"):
 *   each is put back as the source has it, continuation lines included,
 *   so that the server's diagnostics quote and point into the real line;
 * - the lines of conditional directives and skipped blocks are blank:
 *   each source line with something on it gets its indentation back and
 *   an empty "//" comment (a blank to the compiler), because gcc's
 *   -Wmisleading-indentation reads the lines between a guard's body and
 *   the next statement, and a less indented one there keeps it quiet;
 * - the preprocessor's own diagnostics about those lines (a macro
 *   redefined) would be said twice, here and by the server: they are
 *   dropped from the preprocessor's output (the server says them);
 * - the pragmas gcc registers "with expansion" (#pragma message, #pragma
 *   redefine_extname, #pragma omp and #pragma acc when enabled) are lost,
 *   line and all: a file that holds one is reported, and the caller
 *   preprocesses fully instead. System headers are not searched for them
 *   (those that hold such pragmas need -fopenmp, which the argument table
 *   keeps away from -fdirectives-only). */
#pragma once

#include <stdbool.h>

/* Mend the text in *text_fd (a memory file, from its start) and the
 * preprocessor's diagnostics in err_fd: *text_fd is replaced by a new
 * memory file when lines were put back (the old one closed), err_fd is
 * rewritten in place. *ret_lost says whether a pragma was lost (the text
 * is then left as it is). */
int cppscan_mend(int *text_fd, int err_fd, bool *ret_lost);
