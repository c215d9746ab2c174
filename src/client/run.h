/* Running programs for the client (the preprocessor, the compiler for a
 * local compile) and cleaning up after an interrupt: temporary files
 * registered here are removed and the running child is killed when
 * SIGINT, SIGTERM or SIGHUP arrives, and the client exits 128 + signal. */
#pragma once

#include <sys/types.h>

/* Install the interrupt handlers. */
void run_setup_signals(void);

/* Remember a temporary file to remove on interrupt (path is borrowed and
 * must stay valid until run_forget_file). */
void run_track_file(const char *path);
void run_forget_file(const char *path);

/* Remove every tracked file now. */
void run_remove_tracked_files(void);

/* Start argv[0] (a path) with stdout going to stdout_fd (or inherited when
 * stdout_fd < 0). The child is killed on interrupt until waited for. */
int run_spawn(char *const *argv, int stdout_fd, pid_t *ret_pid);

/* Wait for a child started by run_spawn; *ret_status is the wait status. */
int run_wait(pid_t pid, int *ret_status);

/* Replace this process with argv[0]; only returns on failure, -errno. */
int run_exec(char *const *argv);

/* The exit code a wait status stands for (128 + signal when killed). */
int run_exit_code(int status);
