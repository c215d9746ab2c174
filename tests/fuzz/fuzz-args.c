/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: the argument table. The input is a command line, one
 * argument a line (the first line is the compiler). The daemon's check,
 * args_check_server, must accept only safe command lines
 * (fuzz-check.h); the client's planner, args_plan, must not crash, and
 * what it sends to a server for a remote plan must pass that server's
 * check, in the language the client preprocessed it as. */

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "fuzz-check.h"
#include "macro.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Lines of text, as a NULL-terminated vector pointing into *ret_text. */
static char **split_lines(const uint8_t *data, size_t size, char **ret_text)
{
  char  *text = malloc(size + 1);
  char **argv = calloc(size + 2, sizeof(char *));
  size_t argc = 0;

  FUZZ_CHECK(text && argv);
  memcpy(text, data, size);
  text[size]   = '\0';
  argv[argc++] = text;
  for (size_t i = 0; i < size; i++) {
    if (text[i] == '\n') {
      text[i]      = '\0';
      argv[argc++] = &text[i + 1];
    }
  }
  *ret_text = text;
  return argv;
}

static void check_server(char *const *argv)
{
  struct args_job      job;
  _cleanup_free_ char *reason = NULL;
  int                  r      = args_check_server(argv, &job, &reason);

  if (r == 0) {
    FUZZ_CHECK(!reason);
    fuzz_check_accepted(argv, &job);
  } else {
    FUZZ_CHECK(r == -EPERM && reason);
  }
}

static void check_plan(char *const *argv)
{
  struct args_plan plan;

  FUZZ_CHECK(args_plan(argv, &plan) == 0);
  if (plan.remote) {
    struct args_job      job;
    _cleanup_free_ char *reason = NULL;
    FUZZ_CHECK(!plan.why_local && plan.server_argv && plan.output);
    if (args_check_server(plan.server_argv, &job, &reason) != 0) {
      fprintf(stderr, "the server refuses a remote plan: %s\n", reason);
      abort();
    }
    fuzz_check_accepted(plan.server_argv, &job);
    FUZZ_CHECK(strcmp(job.lang->cpp_output, plan.lang->cpp_output) == 0);
  } else {
    FUZZ_CHECK(plan.why_local && !plan.server_argv);
  }
  args_plan_clear(&plan);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  _cleanup_free_ char  *text = NULL;
  _cleanup_free_ char **argv = split_lines(data, size, &text);

  check_server(argv);
  check_plan(argv);
  return 0;
}
