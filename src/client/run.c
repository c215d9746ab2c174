/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "run.h"

#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "io.h"
#include "macro.h"

extern char **environ;

#define RUN_MAX_TRACKED 8

/* State the signal handler reads: paths to unlink and the child to kill
 * (its process group when negative). Written only with the signals
 * blocked. */
static const char *volatile tracked_files[RUN_MAX_TRACKED];
static const char *volatile job_files[2];
static volatile pid_t running_child;

/* SIGPIPE is ignored here, so a server that goes away mid-transfer is an
 * error to handle (EPIPE) rather than the end of the client; children get
 * the disposition herdcc itself was started with. */
static bool sigpipe_was_ignored;

static void on_interrupt(int sig)
{
  if (running_child != 0) {
    kill(running_child, SIGTERM);
  }
  for (size_t i = 0; i < RUN_MAX_TRACKED; i++) {
    if (tracked_files[i]) {
      unlink(tracked_files[i]);
    }
  }
  for (size_t i = 0; i < ARRAY_SIZE(job_files); i++) {
    if (job_files[i]) {
      unlink(job_files[i]);
    }
  }
  _exit(128 + sig);
}

void run_setup_signals(void)
{
  struct sigaction sa = { .sa_handler = on_interrupt };
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGHUP, &sa, NULL);
  sigpipe_was_ignored = signal(SIGPIPE, SIG_IGN) == SIG_IGN;
}

static void block_signals(sigset_t *old)
{
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  sigprocmask(SIG_BLOCK, &set, old);
}

void run_hold_interrupts(sigset_t *ret_old)
{
  block_signals(ret_old);
}

void run_release_interrupts(const sigset_t *old)
{
  sigprocmask(SIG_SETMASK, old, NULL);
}

void run_set_job_files(const char *path, const char *tmp_path)
{
  job_files[0] = path;
  job_files[1] = tmp_path;
}

static void set_tracked(const char *match, const char *value)
{
  sigset_t old;
  block_signals(&old);
  for (size_t i = 0; i < RUN_MAX_TRACKED; i++) {
    if (tracked_files[i] == match) {
      tracked_files[i] = value;
      break;
    }
  }
  sigprocmask(SIG_SETMASK, &old, NULL);
}

void run_track_file(const char *path)
{
  set_tracked(NULL, path);
}

void run_forget_file(const char *path)
{
  set_tracked(path, NULL);
}

void run_remove_tracked_files(void)
{
  sigset_t old;
  block_signals(&old);
  for (size_t i = 0; i < RUN_MAX_TRACKED; i++) {
    if (tracked_files[i]) {
      unlink(tracked_files[i]);
      tracked_files[i] = NULL;
    }
  }
  sigprocmask(SIG_SETMASK, &old, NULL);
}

int run_write_file_atomic(const char *path, const void *buf, size_t len)
{
  sigset_t old;

  block_signals(&old);
  int r = io_write_file_atomic(path, buf, len);
  sigprocmask(SIG_SETMASK, &old, NULL);
  return r;
}

int run_spawn(char *const *argv, int stdout_fd, int stderr_fd, bool own_group,
              pid_t *ret_pid)
{
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t          attr;
  sigset_t                   old, none, deflt;
  pid_t                      pid;

  posix_spawn_file_actions_init(&actions);
  if (stdout_fd >= 0) {
    posix_spawn_file_actions_adddup2(&actions, stdout_fd, STDOUT_FILENO);
  }
  if (stderr_fd >= 0) {
    posix_spawn_file_actions_adddup2(&actions, stderr_fd, STDERR_FILENO);
  }
  /* The child starts with default handlers and nothing blocked. */
  posix_spawnattr_init(&attr);
  sigemptyset(&none);
  sigemptyset(&deflt);
  if (!sigpipe_was_ignored) {
    sigaddset(&deflt, SIGPIPE);
  }
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &deflt);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK |
                                    POSIX_SPAWN_SETSIGDEF |
                                    (own_group ? POSIX_SPAWN_SETPGROUP : 0));

  block_signals(&old);
  int r = posix_spawn(&pid, argv[0], &actions, &attr, argv, environ);
  if (r == 0) {
    running_child = own_group ? -pid : pid;
  }
  sigprocmask(SIG_SETMASK, &old, NULL);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (r != 0) {
    return -r;
  }
  *ret_pid = pid;
  return 0;
}

int run_wait(pid_t pid, int *ret_status)
{
  int status;

  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      return -errno;
    }
  }
  running_child = 0;
  *ret_status   = status;
  return 0;
}

int run_poll(pid_t pid, int *ret_status)
{
  int   status;
  pid_t r;

  while ((r = waitpid(pid, &status, WNOHANG)) < 0) {
    if (errno != EINTR) {
      return -errno;
    }
  }
  if (r == 0) {
    return 0;
  }
  running_child = 0;
  *ret_status   = status;
  return 1;
}

void run_terminate(pid_t pid)
{
  int ignored;

  kill(running_child == -pid ? -pid : pid, SIGTERM);
  run_wait(pid, &ignored);
}

int run_exec(char *const *argv)
{
  if (!sigpipe_was_ignored) {
    signal(SIGPIPE, SIG_DFL);
  }
  execv(argv[0], argv);
  return -errno;
}

int run_exit_code(int status)
{
  if (WIFSIGNALED(status)) {
    return 128 + WTERMSIG(status);
  }
  return WEXITSTATUS(status);
}
