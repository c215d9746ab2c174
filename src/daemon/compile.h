/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Runs one checked compile for a job. The compiler is started as soon as
 * the request's command line has been checked, before its source arrives,
 * so that its start-up overlaps the client's preprocessor; the source is
 * then streamed into the compiler's standard input as it comes off the
 * wire. The command line is rewritten so that the compiler reads that
 * stream ("-x LANG -", LANG the preprocessed form of the language) and
 * writes output.o (output.s for -S) in a private job directory (mkdtemp
 * under $TMPDIR or /tmp, mode 0700), whatever the client named its files.
 * The compiler runs by fork+exec, no shell: its own process group, cwd and
 * TMPDIR the job directory, stdout and stderr to files there, niced, with
 * RLIMIT_CPU (the job lifetime), RLIMIT_FSIZE, RLIMIT_AS, RLIMIT_NPROC and
 * no core dumps. While it
 * runs the client connection is watched: if the client hangs up, the job
 * lifetime passes or SIGTERM/SIGINT arrives, the whole process group is
 * killed. The directory is removed on every path. Unless the server runs
 * with --no-sandbox the compiler runs in a sandbox (sandbox.h) whose only
 * writable place is the job directory. Starting and waiting for one
 * compiler process is compilerun.h's; this module decides what runs, feeds
 * it and makes the reply. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "args.h"
#include "proto.h"

#define COMPILE_FSIZE_LIMIT (1024ull * 1024 * 1024)
/* Address space of each compiler process: room for the largest C++ units
 * (cc1plus rarely needs 3 GiB), not for a runaway #include "/dev/zero". */
#define COMPILE_AS_LIMIT (8ull * 1024 * 1024 * 1024)
/* Processes of the job user (all jobs together: a driver, cc1, as each). */
#define COMPILE_NPROC_LIMIT 4096

struct compile_request {
  char *const           *argv;          /* borrowed: the request's argv */
  const char            *compiler_path; /* borrowed: the executable */
  const struct args_job *job;           /* borrowed: args_check_server's */
  int                    client_fd;     /* the source comes from here */
  enum proto_codec       lzo;           /* how the source is packed */
  bool                   sandbox;       /* confine the compiler (sandbox.h) */
  int                    io_timeout_ms;
  int                    nice;         /* niceness of the compiler */
  unsigned               lifetime_s;   /* 0: no limit */
  size_t                 max_source;   /* cap on the source */
  size_t                 max_output;   /* cap on stdout, stderr and object */
  uint64_t              *source_bytes; /* borrowed, or NULL: bytes of
                                          source received so far, stored
                                          atomically (the stats port reads
                                          it from another process) */
  /* Called with every source byte received, in order (the result
     cache's key); NULL for none. */
  void (*source_tap)(void *userdata, const void *buf, size_t len);
  void       *source_tap_data;
  const char *profile; /* borrowed: the job's profile (HPRF), when
                          job->profile_index */
  size_t profile_len;
};

/* The compiler's command line for req in job directory dir, what
 * compile_start runs in its own (owned by the caller): the result cache
 * keys jobs by it with a fixed dir. */
int compile_command_line(const struct compile_request *req, const char *dir,
                         char ***ret_argv);

struct compile;

/* Start the compiler for req (borrowed; it must outlive the compile). */
int compile_start(const struct compile_request *req,
                  struct compile              **ret_compile);

/* Receive DOTI from the client into the compiler. -EMSGSIZE when the
 * source is over the cap (nothing of it was read), -ENODATA when the
 * client closed early, another -errno when the wire failed. */
int compile_feed(struct compile *compile);

/* Feed the source already received (len bytes at source; chunks.h) as
 * compile_feed feeds DOTI's. */
int compile_feed_from(struct compile *compile, const void *source, size_t len);

/* Wait for the compiler and fill status, serr, sout and object of
 * *ret_reply (the caller's version is kept). A compiler that fails is a
 * success here: its status says so. -ECONNRESET when the client went away,
 * -EINTR when SIGTERM or SIGINT arrived, another -errno when the job could
 * not run. */
int compile_finish(struct compile *compile, struct proto_reply *ret_reply);

/* Bytes of (uncompressed) source received so far. */
uint64_t compile_source_bytes(const struct compile *compile);

/* How long compile_probe waits. */
#define COMPILE_PROBE_MS 2000

/* Run argv (argv[0] the executable; borrowed) the way req's compiler runs,
 * in a job directory of its own, with the same limits and niceness, no
 * input, and return what it wrote on standard output (at most cap bytes;
 * owned by the caller): the result cache asks a compiler driver which
 * programs it runs this way. -ETIMEDOUT after COMPILE_PROBE_MS. */
int compile_probe(const struct compile_request *req, char *const *argv,
                  size_t cap, char **ret_stdout);

/* The job directory (borrowed from compile). */
const char *compile_dir(const struct compile *compile);

/* Whether compile_finish killed the compiler at the job lifetime. */
/* Why a tree job's files could not be rebuilt or did not check
 * (compile_feed's -EILSEQ), or NULL. */
const char *compile_refusal(const struct compile *compile);

/* A tree's -gsplit-dwarf: the .dwo the compile wrote (or would have),
 * once it ran; else NULL. */
const char *compile_dwo(const struct compile *compile);

bool compile_timed_out(const struct compile *compile);

/* Kill the compiler if it still runs, remove the job directory. Accepts
 * NULL; returns NULL. */
struct compile *compile_free(struct compile *compile);

static inline void compile_freep(struct compile **compile)
{
  compile_free(*compile);
}
