/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Compiler colours. herdcc collects a compile's diagnostics (diag.h), so
 * gcc and clang never see the terminal and would write them plain. When
 * herdcc's own standard error is a terminal (and TERM is not "dumb") and
 * the command line chooses nothing, gcc and clang are asked for
 * -fdiagnostics-color=always, locally and on the server, so a build
 * through herdcc looks as a local one does. The option does not change
 * the object (gcc leaves diagnostic options out of the debug info). */
#pragma once

#include <stdbool.h>

#define COLOR_OPTION "-fdiagnostics-color=always"

/* Whether argv (argv[0]: the compiler as named, compiler: its resolved
 * path, both borrowed) should get COLOR_OPTION. */
bool color_wanted(char *const *argv, const char *compiler);

/* A new vector: argv[0], COLOR_OPTION, then the rest of argv. The strings
 * are borrowed from argv; the caller frees the array only. NULL when out
 * of memory. */
char **color_add(char *const *argv);
