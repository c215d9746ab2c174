/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One run of the compiler for a job (compile.h): the process started in
 * the job directory with the request's limits (CPU time, memory, file
 * size, no core), in the sandbox unless the server runs without one
 * (sandbox.h), its standard output and error in files of the job
 * directory; then the wait for whichever comes first: its end (or, in a
 * sandbox, its init's report of it), the client hanging up, a stop signal
 * or the job's lifetime. Every way out kills the compiler's whole process
 * group. compile.c decides what runs and what the reply holds. */
#pragma once

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

#include "compile.h"

/* How compilerun_wait() ended, when not with an error. */
enum wait_end {
  WAIT_EXITED,
  WAIT_REPORTED, /* the sandbox reported the compiler's end: its init is
                    still to be reaped */
  WAIT_TIMED_OUT,
};

/* SIGCHLD, SIGTERM and SIGINT arrive on a descriptor while a job runs. */
struct compilerun_signals {
  int      fd;
  bool     blocked;
  sigset_t old_mask;
};

/* Block SIGCHLD, SIGTERM and SIGINT into signals->fd. */
int compilerun_signals_block(struct compilerun_signals *signals);

/* Close the descriptor and restore the mask; for _cleanup_. */
void compilerun_signals_restorep(struct compilerun_signals *signals);

/* Start the compiler with in_fd as its standard input, in cwd (the job
 * directory dir or one below it), its outputs in dir named with tag, in
 * a sandbox unless the server runs without one (then *ret_status_fd is
 * -1). */
int compilerun_spawn(const struct compile_request *req, const char *dir,
                     const char *cwd, const char *tag, char **argv, int in_fd,
                     pid_t *ret_pid, int *ret_status_fd);

/* compilerun_spawn with placeholders (borrowed, or NULL: a NULL-terminated
 * list of absolute paths) made empty files in the sandbox
 * (sandbox_spec.placeholders): the files clang's driver wants to exist
 * where a -ivfsoverlay gives the contents. A path the sandbox refuses
 * fails its set-up (the reason in the stderr file, EXIT_GENERAL). Without
 * a sandbox (req->sandbox false: herdccd --no-sandbox) a non-empty list
 * is -EOPNOTSUPP, and nothing runs. */
int compilerun_spawn_with(const struct compile_request *req, const char *dir,
                          const char *cwd, const char *tag, char **argv,
                          int in_fd, const char *const *placeholders,
                          pid_t *ret_pid, int *ret_status_fd);

/* Wait for the compiler pid (see the top); its wait status in
 * *ret_status. enum wait_end, or -ECONNRESET (the client went away),
 * -EINTR (a stop signal) or another -errno, the compiler killed. */
int compilerun_wait(const struct compile_request *req, pid_t pid, int signal_fd,
                    int status_fd, int *ret_status);

/* Kill the compiler's whole process group and collect the compiler: its
 * wait status. */
int compilerun_kill(pid_t pid);
