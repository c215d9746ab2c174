/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "compilerun.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "exitcode.h"
#include "io.h"
#include "log.h"
#include "macro.h"
#include "sandbox.h"
#include "strv.h"

struct compile_fds {
  int in_fd;
  int out_fd;
  int err_fd;
};

static void lower_limit(int resource, rlim_t soft, rlim_t hard)
{
  struct rlimit lim;

  if (getrlimit(resource, &lim) == 0) {
    lim.rlim_max = lim.rlim_max < hard ? lim.rlim_max : hard;
    lim.rlim_cur = soft < lim.rlim_max ? soft : lim.rlim_max;
    setrlimit(resource, &lim);
  }
}

/* In the child: become the compiler. Never returns. */
static _noreturn_ void exec_compiler(const struct compile_request *req,
                                     const char *dir, const char *cwd,
                                     char **argv, const struct compile_fds *fds)
{
  sigset_t none;

  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  for (int sig = 1; sig < NSIG; sig++) {
    signal(sig, SIG_DFL); /* SIGPIPE was ignored; exec keeps that */
  }
  setpgid(0, 0);
  if (dup2(fds->in_fd, STDIN_FILENO) < 0 ||
      dup2(fds->out_fd, STDOUT_FILENO) < 0 ||
      dup2(fds->err_fd, STDERR_FILENO) < 0 || chdir(cwd) < 0 ||
      setenv("TMPDIR", dir, 1) < 0) {
    _exit(EXIT_GENERAL);
  }
  lower_limit(RLIMIT_CORE, 0, 0);
  lower_limit(RLIMIT_FSIZE, COMPILE_FSIZE_LIMIT, COMPILE_FSIZE_LIMIT);
  lower_limit(RLIMIT_AS, COMPILE_AS_LIMIT, COMPILE_AS_LIMIT);
  lower_limit(RLIMIT_NPROC, COMPILE_NPROC_LIMIT, COMPILE_NPROC_LIMIT);
  if (req->lifetime_s) {
    /* A margin, so that the wall-clock deadline is what usually ends an
       overrunning compile and the reply can say so. */
    lower_limit(RLIMIT_CPU, req->lifetime_s + 1, req->lifetime_s + 2);
  }
  setpriority(PRIO_PROCESS, 0, req->nice); /* raising needs root: ignored */
  execv(argv[0], argv);
  dprintf(STDERR_FILENO, "herdccd: failed to exec %s: %s\n", req->argv[0],
          strerror(errno));
  _exit(EXIT_COMPILER_MISSING);
}

struct exec_args {
  const struct compile_request *req;
  const char                   *dir;
  const char                   *cwd;
  char                        **argv;
  const struct compile_fds     *fds;
};

static void exec_in_sandbox(void *userdata)
{
  const struct exec_args *a = userdata;

  exec_compiler(a->req, a->dir, a->cwd, a->argv, a->fds);
}

/* Start the compiler with in_fd as its standard input, in cwd (the job
 * directory dir or one below it), in a sandbox unless the server runs
 * without one (then *ret_status_fd is -1). */
int compilerun_spawn(const struct compile_request *req, const char *dir,
                     const char *cwd, const char *tag, char **argv, int in_fd,
                     pid_t *ret_pid, int *ret_status_fd)
{
  return compilerun_spawn_with(req, dir, cwd, tag, argv, in_fd, NULL, ret_pid,
                               ret_status_fd);
}

int compilerun_spawn_with(const struct compile_request *req, const char *dir,
                          const char *cwd, const char *tag, char **argv,
                          int in_fd, const char *const *placeholders,
                          pid_t *ret_pid, int *ret_status_fd)
{
  _cleanup_free_ char *out_path = NULL, *err_path = NULL;

  if (placeholders && placeholders[0] && !req->sandbox) {
    return -EOPNOTSUPP; /* the files would have to be made for real */
  }
  if (asprintf(&out_path, "%s/stdout%s", dir, tag) < 0) {
    out_path = NULL;
  }
  if (asprintf(&err_path, "%s/stderr%s", dir, tag) < 0) {
    err_path = NULL;
  }
  _cleanup_close_ int out_fd = out_path ? io_new_file(out_path) : -ENOMEM;
  _cleanup_close_ int err_fd = err_path ? io_new_file(err_path) : -ENOMEM;

  if (out_fd < 0 || err_fd < 0) {
    return out_fd < 0 ? out_fd : err_fd;
  }
  struct compile_fds fds = { in_fd, out_fd, err_fd };
  if (req->sandbox) {
    struct sandbox_spec spec = {
      .job_dir      = dir,
      .compiler     = req->compiler_path,
      .err_fd       = err_fd,
      .placeholders = placeholders,
    };
    struct exec_args args = { req, dir, cwd, argv, &fds };
    pid_t            pid;
    int r = sandbox_spawn(&spec, exec_in_sandbox, &args, &pid, ret_status_fd);
    if (r >= 0) {
      setpgid(pid, pid);
      *ret_pid = pid;
    }
    return r;
  }
  *ret_status_fd = -1;
  pid_t pid      = fork();
  if (pid < 0) {
    return -errno;
  }
  if (pid == 0) {
    exec_compiler(req, dir, cwd, argv, &fds);
  }
  setpgid(pid, pid); /* also here: killpg must work at once */
  *ret_pid = pid;
  return 0;
}

int compilerun_signals_block(struct compilerun_signals *signals)
{
  sigset_t set;

  sigemptyset(&set);
  sigaddset(&set, SIGCHLD);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  if (sigprocmask(SIG_BLOCK, &set, &signals->old_mask) < 0) {
    return -errno;
  }
  signals->blocked = true;
  signals->fd      = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  return signals->fd < 0 ? -errno : 0;
}

void compilerun_signals_restorep(struct compilerun_signals *signals)
{
  if (signals->fd >= 0) {
    close(signals->fd);
  }
  if (signals->blocked) {
    sigprocmask(SIG_SETMASK, &signals->old_mask, NULL);
  }
}

/* Whether SIGTERM or SIGINT is among the signals waiting on fd. */
static bool stop_requested(int fd)
{
  struct signalfd_siginfo info;
  bool                    stop = false;

  while (read(fd, &info, sizeof(info)) == (ssize_t)sizeof(info)) {
    stop |= info.ssi_signo == SIGTERM || info.ssi_signo == SIGINT;
  }
  return stop;
}

/* Kill the compiler's whole process group and collect the compiler. */
int compilerun_kill(pid_t pid)
{
  int status = SIGKILL;

  killpg(pid, SIGKILL);
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
}

static int poll_timeout(long long deadline)
{
  if (deadline < 0) {
    return -1;
  }
  long long left = deadline - clock_now_ms();
  return left < 0 ? 0 : left > 60000 ? 60000 : (int)left;
}

/* Whether the sandbox's report (the compiler's wait status) is in. */
static bool read_report(int status_fd, int *ret_status)
{
  int32_t report;

  if (read(status_fd, &report, sizeof(report)) != (ssize_t)sizeof(report)) {
    return false;
  }
  *ret_status = report;
  return true;
}

/* Wait for the compiler, the client's hang-up, a stop signal or the job
 * lifetime, whichever comes first. In a sandbox the compiler's end is
 * what its init reports on status_fd (the init's own end, later, waits
 * for the kernel to take its namespaces down: not worth a reply's wait). */
int compilerun_wait(const struct compile_request *req, pid_t pid, int signal_fd,
                    int status_fd, int *ret_status)
{
  long long deadline =
    req->lifetime_s ? clock_now_ms() + (long long)req->lifetime_s * 1000 : -1;

  for (;;) {
    siginfo_t info = { 0 };
    if (waitid(P_PID, (id_t)pid, &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
        info.si_pid == pid) {
      /* Exited but not yet reaped, so the group id is still ours: kill
         anything the compiler left behind, then collect it. */
      *ret_status = compilerun_kill(pid);
      return WAIT_EXITED;
    }
    struct pollfd fds[] = {
      { .fd = signal_fd,      .events = POLLIN    },
      { .fd = req->client_fd, .events = POLLRDHUP },
      { .fd = status_fd,      .events = POLLIN    },
    };
    int n = poll(fds, ARRAY_SIZE(fds), poll_timeout(deadline));
    if (n < 0 && errno != EINTR) {
      int r = -errno;
      compilerun_kill(pid);
      return r;
    }
    if (n == 0 && deadline >= 0 && clock_now_ms() >= deadline) {
      *ret_status = compilerun_kill(pid);
      return WAIT_TIMED_OUT;
    }
    if (n > 0 && fds[1].revents) {
      compilerun_kill(pid);
      return -ECONNRESET;
    }
    if (n > 0 && fds[0].revents && stop_requested(signal_fd)) {
      compilerun_kill(pid);
      return -EINTR;
    }
    if (n > 0 && fds[2].revents) {
      if (read_report(status_fd, ret_status)) {
        return WAIT_REPORTED;
      }
      status_fd = -1; /* ended without a report: its exit says why */
    }
  }
}
