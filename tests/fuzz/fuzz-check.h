/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the fuzz targets check beyond "no crash": an accepted command line
 * is safe to run on the server. The rules are written out again here, as a
 * list of what must never pass, independent of the argument table they
 * test. */
#pragma once

#include <stdio.h>
#include <stdlib.h>

#include "args.h"

/* Like assert(), but kept in every build type. */
#define FUZZ_CHECK(cond)                                                       \
  do {                                                                         \
    if (!(cond)) {                                                             \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
      abort();                                                                 \
    }                                                                          \
  } while (0)

/* argv (argv[0] the compiler) was accepted by args_check_server as job:
 * abort() unless the job's indexes make sense and no argument but the
 * source and the output name (both replaced by the daemon) names a path,
 * starts a response file, or is an option that loads code, runs another
 * program or writes a file of its own. */
void fuzz_check_accepted(char *const *argv, const struct args_job *job);
