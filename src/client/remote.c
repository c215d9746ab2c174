#include "remote.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "exitcode.h"
#include "io.h"
#include "log.h"
#include "macro.h"
#include "proto.h"
#include "run.h"
#include "slots.h"

/* ---- connecting --------------------------------------------------------- */

static int connect_address(const struct addrinfo *ai, int timeout_ms,
                           int *ret_fd)
{
  _cleanup_close_ int fd =
    socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) {
    return -errno;
  }
  if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
    if (errno != EINPROGRESS) {
      return -errno;
    }
    int r = io_wait(fd, POLLOUT, timeout_ms);
    if (r < 0) {
      return r;
    }
    int       error = 0;
    socklen_t len   = sizeof(error);
    getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len);
    if (error) {
      return -error;
    }
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  *ret_fd = TAKE_FD(fd);
  return 0;
}

/* Try each address of the host in turn. */
static int connect_host(const struct hosts_entry *host, int timeout_ms,
                        int *ret_fd, char **ret_why)
{
  struct addrinfo  hints = { .ai_socktype = SOCK_STREAM,
                             .ai_flags    = AI_NUMERICSERV };
  struct addrinfo *list  = NULL;
  char             port[8];

  snprintf(port, sizeof(port), "%u", host->port);
  int gai = getaddrinfo(host->name, port, &hints, &list);
  if (gai != 0) {
    return asprintf(ret_why, "cannot resolve %s: %s", host->name,
                    gai_strerror(gai)) < 0
             ? -ENOMEM
             : -EHOSTUNREACH;
  }
  int r = -EHOSTUNREACH;
  for (struct addrinfo *ai = list; ai; ai = ai->ai_next) {
    r = connect_address(ai, timeout_ms, ret_fd);
    if (r == 0) {
      break;
    }
  }
  freeaddrinfo(list);
  if (r < 0 && asprintf(ret_why, "cannot connect to %s:%s: %s", host->name,
                        port, strerror(-r)) < 0) {
    return -ENOMEM;
  }
  return r;
}

static void set_cork(int fd, int on)
{
  setsockopt(fd, IPPROTO_TCP, TCP_CORK, &on, sizeof(on));
}

/* ---- the exchange ------------------------------------------------------- */

/* What a failed exchange with the server means, as a distcc exit code. */
static int wire_exit_code(int r)
{
  switch (r) {
    case -ETIMEDOUT:
      return EXIT_TIMEOUT;
    case -ENODATA:
      return EXIT_TRUNCATED;
    case -EPROTO:
    case -EMSGSIZE:
    case -EFBIG:
      return EXIT_PROTOCOL_ERROR;
    default:
      return EXIT_IO_ERROR;
  }
}

static int set_failure(struct remote_result *result, int exit_code,
                       const char *what, int r)
{
  result->outcome   = REMOTE_NOT_DISTRIBUTED;
  result->exit_code = exit_code;
  const char *reason =
    r == -ENODATA ? "server provided no answer" : strerror(-r);
  return asprintf(&result->why, "%s: %s", what, reason) < 0 ? -ENOMEM : 0;
}

/* The DOTI body: the preprocessor output, or the input itself when it
 * needs no preprocessing. */
static int send_source(int sock, int source_fd, bool lzo, int timeout_ms)
{
  struct stat st;

  if (fstat(source_fd, &st) < 0 || lseek(source_fd, 0, SEEK_SET) < 0) {
    return -errno;
  }
  set_cork(sock, 1);
  int r = proto_send_body_fd(sock, "DOTI", source_fd, (size_t)st.st_size, lzo,
                             timeout_ms);
  set_cork(sock, 0);
  return r;
}

/* ---- outputs ------------------------------------------------------------ */

static int write_atomically(const char *target, const char *buf, size_t len)
{
  _cleanup_free_ char *tmp = NULL;
  _cleanup_close_ int  fd  = -1;
  int                  r   = io_tmp_beside(target, &tmp, &fd);

  if (r < 0) {
    return r;
  }
  run_track_file(tmp);
  r = io_write_all(fd, buf, len, -1);
  if (r >= 0) {
    r = io_chmod_default(tmp);
  }
  if (r >= 0 && rename(tmp, target) < 0) {
    r = -errno;
  }
  if (r < 0) {
    unlink(tmp);
  }
  run_forget_file(tmp);
  return r;
}

/* Diagnostics in one write each, so parallel jobs' blocks never mix. */
static void pass_on_output(const struct proto_reply *reply)
{
  if (reply->sout_len) {
    io_write_all(STDOUT_FILENO, reply->sout, reply->sout_len, -1);
  }
  if (reply->serr_len) {
    io_write_all(STDERR_FILENO, reply->serr, reply->serr_len, -1);
  }
}

/* Exit codes 100..118 are the server's own (refusals, a missing compiler,
 * busy); a killed compiler is a server crash. Both are distribution
 * failures: the job may well compile elsewhere. */
static bool is_server_failure(uint32_t status)
{
  int code = WEXITSTATUS(status);
  return WIFSIGNALED(status) || (code >= EXIT_GENERAL && code <= EXIT_TIMEOUT);
}

static int finish_reply(const struct remote_job  *job,
                        const struct proto_reply *reply, const char *deps_tmp,
                        struct remote_result *result)
{
  if (is_server_failure(reply->status)) {
    size_t line       = strcspn(reply->serr ? reply->serr : "", "\n");
    result->outcome   = REMOTE_NOT_DISTRIBUTED;
    result->exit_code = WIFSIGNALED(reply->status) ? EXIT_COMPILER_CRASHED
                                                   : WEXITSTATUS(reply->status);
    return asprintf(&result->why, "server failed the job: %.*s", (int)line,
                    reply->serr_len ? reply->serr : "(no message)") < 0
             ? -ENOMEM
             : 0;
  }
  pass_on_output(reply);
  result->outcome   = REMOTE_DONE;
  result->exit_code = run_exit_code((int)reply->status);
  if (reply->status != 0) {
    unlink(job->plan->output); /* as the compiler itself would */
    return 0;
  }
  int r = write_atomically(job->plan->output, reply->object, reply->object_len);
  if (r >= 0 && deps_tmp && rename(deps_tmp, job->plan->deps_file) < 0) {
    r = -errno;
  }
  if (r < 0) {
    log_error("Failed to write %s: %s", job->plan->output, strerror(-r));
    result->exit_code = EXIT_IO_ERROR;
  }
  return 0;
}

/* ---- the job ------------------------------------------------------------ */

struct job_state {
  int   sock;
  int   cpp_slot_fd; /* held while cpp runs */
  int   source_fd;
  pid_t cpp_pid;
  char *deps_tmp;
};

static int start_cpp(const struct remote_job *job, struct job_state *state)
{
  struct args_plan *plan = job->plan;

  if (!plan->cpp_argv) {
    state->source_fd = open(plan->input, O_RDONLY | O_CLOEXEC);
    return state->source_fd < 0 ? -errno : 0;
  }
  state->source_fd = memfd_create("herdcc-cpp", MFD_CLOEXEC);
  if (state->source_fd < 0) {
    return -errno;
  }
  if (plan->deps_file) {
    _cleanup_close_ int fd = -1;
    int r = io_tmp_beside(plan->deps_file, &state->deps_tmp, &fd);
    if (r < 0) {
      return r;
    }
    run_track_file(state->deps_tmp);
    r = io_chmod_default(state->deps_tmp);
    if (r < 0) {
      return r;
    }
    free(plan->cpp_argv[plan->deps_file_index]);
    plan->cpp_argv[plan->deps_file_index] = strdup(state->deps_tmp);
  }
  free(plan->cpp_argv[0]);
  plan->cpp_argv[0] = strdup(job->compiler);
  if (!plan->cpp_argv[0] ||
      (plan->deps_file && !plan->cpp_argv[plan->deps_file_index])) {
    return -ENOMEM;
  }
  char    *slot_names[] = { (char *)"cpp_localhost", NULL };
  unsigned slot;
  if (slots_acquire(job->state_dir, slot_names, &job->cpp_slots, 1, false,
                    &slot, &state->cpp_slot_fd) < 0) {
    state->cpp_slot_fd = -1; /* run unthrottled rather than not at all */
  }
  return run_spawn(plan->cpp_argv, state->source_fd, &state->cpp_pid);
}

/* Connect and send the arguments while cpp runs. */
static int send_request_head(const struct remote_job *job,
                             struct job_state        *state,
                             struct remote_result    *result)
{
  uint32_t version = job->host->lzo ? 2 : 1;
  char    *why     = NULL;
  int r = connect_host(job->host, job->connect_timeout_ms, &state->sock, &why);

  if (r < 0) {
    result->outcome   = REMOTE_NOT_DISTRIBUTED;
    result->exit_code = EXIT_CONNECT_FAILED;
    result->why       = why;
    return r == -ENOMEM ? r : 0;
  }
  set_cork(state->sock, 1);
  r = proto_send_request_args(state->sock, version, job->plan->server_argv,
                              job->io_timeout_ms);
  set_cork(state->sock, 0);
  if (r < 0) {
    return set_failure(result, wire_exit_code(r), "failed to send request", r);
  }
  return 0;
}

static int wait_cpp(struct job_state *state, struct remote_result *result)
{
  int status;

  if (state->cpp_pid <= 0) {
    return 0;
  }
  int r          = run_wait(state->cpp_pid, &status);
  state->cpp_pid = 0;
  if (r < 0) {
    return r;
  }
  if (status != 0) {
    result->outcome   = REMOTE_CPP_FAILED;
    result->exit_code = run_exit_code(status);
  }
  return 0;
}

static int exchange(const struct remote_job *job, struct job_state *state,
                    struct remote_result *result)
{
  uint32_t           version = job->host->lzo ? 2 : 1;
  struct proto_reply reply;
  int                r;

  r = send_source(state->sock, state->source_fd, version == 2,
                  job->io_timeout_ms);
  if (r < 0) {
    return set_failure(result, wire_exit_code(r), "failed to send source", r);
  }
  r = proto_recv_reply(state->sock, version, &proto_default_limits,
                       job->io_timeout_ms, &reply);
  if (r < 0) {
    return set_failure(result, wire_exit_code(r), "failed to read reply", r);
  }
  r = finish_reply(job, &reply, state->deps_tmp, result);
  proto_reply_clear(&reply);
  return r;
}

static void job_state_clear(struct job_state *state)
{
  if (state->cpp_pid > 0) {
    int ignored;
    kill(state->cpp_pid, SIGTERM);
    run_wait(state->cpp_pid, &ignored);
  }
  if (state->deps_tmp) {
    unlink(state->deps_tmp); /* renamed away already on success */
    run_forget_file(state->deps_tmp);
    free(state->deps_tmp);
  }
  closep(&state->sock);
  closep(&state->source_fd);
  closep(&state->cpp_slot_fd);
}

int remote_compile(const struct remote_job *job,
                   struct remote_result    *ret_result)
{
  struct job_state state = { .sock = -1, .source_fd = -1, .cpp_slot_fd = -1 };
  struct remote_result result = { .outcome = REMOTE_DONE };
  int                  r      = start_cpp(job, &state);

  if (r >= 0) {
    r = send_request_head(job, &state, &result);
  }
  if (r >= 0) {
    /* cpp's verdict first: a failed cpp ends the job, whatever the
       network did. */
    struct remote_result cpp = { .outcome = REMOTE_DONE };
    r                        = wait_cpp(&state, &cpp);
    if (r >= 0 && cpp.outcome == REMOTE_CPP_FAILED) {
      free(result.why);
      result = cpp;
    }
  }
  if (r >= 0 && result.outcome == REMOTE_DONE) {
    r = exchange(job, &state, &result);
  }
  job_state_clear(&state);
  if (r < 0) {
    free(result.why);
    return r;
  }
  *ret_result = result;
  return 0;
}
