/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Running programs for the client (the preprocessor, the compiler for a
 * local compile) and cleaning up after an interrupt: temporary files
 * registered here are removed and the running child is killed when
 * SIGINT, SIGTERM or SIGHUP arrives, and the client exits 128 + signal. */
#pragma once

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Install the interrupt handlers, and ignore SIGPIPE (children get the
 * disposition herdcc was started with). */
void run_setup_signals(void);

/* Remember a temporary file to remove on interrupt (path is borrowed and
 * must stay valid until run_forget_file). */
void run_track_file(const char *path);
void run_forget_file(const char *path);

/* Remove every tracked file now. */
void run_remove_tracked_files(void);

/* The job's state file and the temporary file it is replaced from
 * (jobstate.h; both borrowed, NULL to forget them): removed on interrupt
 * like tracked files, but left alone by run_remove_tracked_files(), since
 * the job goes on. Call it with the interrupts held, together with the
 * files' creation or removal. */
void run_set_job_files(const char *path, const char *tmp_path);

/* Hold the interrupt signals (SIGINT, SIGTERM, SIGHUP) while a file the
 * handler knows of is replaced or freed; release restores *old. */
void run_hold_interrupts(sigset_t *ret_old);
void run_release_interrupts(const sigset_t *old);

/* io_write_file_atomic() with the interrupt signals held until it is
 * done, so an interrupt never leaves its temporary file behind. */
int run_write_file_atomic(const char *path, const void *buf, size_t len);

/* Start argv[0] (a path) with stdout going to stdout_fd and stderr to
 * stderr_fd (each inherited when < 0). The child is killed on interrupt
 * until waited for. own_group puts it in a process group of its own, so
 * that it is killed with its own children (the compiler proper, which
 * would otherwise go on writing its outputs): only for a child that never
 * touches the terminal. -ENOENT and the like when it cannot be executed. */
int run_spawn(char *const *argv, int stdout_fd, int stderr_fd, bool own_group,
              pid_t *ret_pid);

/* Wait for a child started by run_spawn; *ret_status is the wait status. */
int run_wait(pid_t pid, int *ret_status);

/* Like run_wait without waiting: 1 with *ret_status set when the child has
 * ended, 0 while it runs. */
int run_poll(pid_t pid, int *ret_status);

/* Kill a child started by run_spawn (with its group, if it has one) and
 * wait for it. */
void run_terminate(pid_t pid);

/* Replace this process with argv[0]; only returns on failure, -errno. */
int run_exec(char *const *argv);

/* The exit code a wait status stands for (128 + signal when killed). */
int run_exit_code(int status);
