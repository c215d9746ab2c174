/* Runs one checked compile for a job. A private job directory (mkdtemp
 * under $TMPDIR or /tmp, mode 0700) receives the source as input.EXT (the
 * preprocessed extension of its language); the command line is rewritten
 * so that the compiler reads that file and writes output.o (output.s for
 * -S) beside it, whatever the client named them. The compiler runs by
 * fork+exec, no shell: its own process group, cwd and TMPDIR the job
 * directory, stdin /dev/null, stdout and stderr to files there, niced,
 * with RLIMIT_CPU (the job lifetime), RLIMIT_FSIZE and no core dumps.
 * While it runs the client connection is watched: if the client hangs up,
 * the job lifetime passes or SIGTERM/SIGINT arrives, the whole process
 * group is killed. The directory is removed on every path. */
#pragma once

#include <stddef.h>

#include "args.h"
#include "proto.h"

#define COMPILE_FSIZE_LIMIT (1024ull * 1024 * 1024)

struct compile_request {
  char *const           *argv;          /* borrowed: the request's argv */
  const char            *compiler_path; /* borrowed: the executable */
  const struct args_job *job;           /* borrowed: args_check_server's */
  const char            *source;        /* borrowed: DOTI, uncompressed */
  size_t                 source_len;
  int                    client_fd;  /* watched for hang-up */
  int                    nice;       /* niceness of the compiler */
  unsigned               lifetime_s; /* 0: no limit */
  size_t                 max_output; /* cap on stdout, stderr and object */
};

/* Run it and fill status, serr, sout and object of *ret_reply (the
 * caller's version is kept). A compiler that fails is a success here: its
 * status says so. -ECONNRESET when the client went away, -EINTR when
 * SIGTERM or SIGINT arrived, another -errno when the job could not run. */
int compile_run(const struct compile_request *req,
                struct proto_reply           *ret_reply);
