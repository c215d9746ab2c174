/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "remote.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "cpprun.h"
#include "diag.h"
#include "dns.h"
#include "env.h"
#include "exitcode.h"
#include "herd.h"
#include "io.h"
#include "jobstatus.h"
#include "links.h"
#include "log.h"
#include "macro.h"
#include "offer.h"
#include "proto.h"
#include "run.h"
#include "ssh.h"
#include "strv.h"

/* ---- connecting --------------------------------------------------------- */

/* Wait for a connection in progress. cpp's end is watched too: -ECANCELED
 * when it failed, so the job ends without waiting for the network. */
static int wait_connected(const struct remote_job *job, int sock,
                          int timeout_ms)
{
  long long deadline = clock_now_ms() + timeout_ms;

  for (;;) {
    struct pollfd pfd[2] = {
      { .fd = sock,            .events = POLLOUT },
      { .fd = job->cpp->pidfd, .events = POLLIN  }
    };
    long long left = deadline - clock_now_ms();
    int       n    = left > 0 ? poll(pfd, 2, (int)left) : 0;
    if (n < 0 && errno != EINTR) {
      return -errno;
    }
    if (n == 0) {
      return -ETIMEDOUT;
    }
    if (n > 0 && pfd[1].revents) {
      int r = cpprun_settle(job, true);
      if (r < 0 || cpprun_failed(job->cpp)) {
        return r < 0 ? r : -ECANCELED;
      }
    }
    if (n > 0 && pfd[0].revents) {
      int       error = 0;
      socklen_t len   = sizeof(error);
      getsockopt(sock, SOL_SOCKET, SO_ERROR, &error, &len);
      return -error;
    }
  }
}

static int connect_address(const struct remote_job *job,
                           const struct addrinfo *ai, int *ret_fd)
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
    int r = wait_connected(job, fd, job->connect_timeout_ms);
    if (r < 0) {
      return r;
    }
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  *ret_fd = TAKE_FD(fd);
  return 0;
}

/* One attempt's connection, and the address it reached. */
struct attempt {
  int              sock;
  uint32_t         herd; /* the extension version sock opened with */
  char             address[BACKOFF_ADDRESS_MAX];
  long long        started_ms;
  struct ssh_conn *ssh;     /* owned: the ssh process of an ssh host */
  uint32_t         version; /* request_version(), chosen once; 0: not yet */
  char            *dwo;     /* owned: a tree's .dwo (HDWO), once read */
  size_t           dwo_len;
};

/* How long the next step of an attempt may wait: the I/O timeout, cut to
 * what is left of the job timeout (HERDCC_JOB_TIMEOUT) when one is set. */
static int step_timeout_ms(const struct remote_job *job,
                           const struct attempt    *at)
{
  if (job->job_timeout_ms <= 0) {
    return job->io_timeout_ms;
  }
  long long left = at->started_ms + job->job_timeout_ms - clock_now_ms();
  if (left < 1) {
    left = 1;
  }
  return left < job->io_timeout_ms ? (int)left : job->io_timeout_ms;
}

/* Connect to one address unless it is backed off or was tried already;
 * -EAGAIN when passed over. A failure backs the address off. */
static int try_address(const struct remote_job *job, const struct addrinfo *ai,
                       struct attempt *at)
{
  char address[BACKOFF_ADDRESS_MAX];

  if (backoff_format_address(ai->ai_addr, address) < 0) {
    return -EAGAIN;
  }
  if (backoff_skip(job->backoff, address)) {
    log_info("%s is backed off or was tried already: passed over", address);
    return -EAGAIN;
  }
  int r = backoff_note_tried(job->backoff, address);
  if (r >= 0) {
    r = connect_address(job, ai, &at->sock);
  }
  if (r == 0) {
    memcpy(at->address, address, sizeof(address));
    log_debug("connected to %s", address);
  } else if (r != -ECANCELED && r != -ENOMEM) {
    backoff_mark(job->backoff, address, BACKOFF_ADDRESS, strerror(-r));
  }
  return r;
}

/* The addresses of host: a numeric one as it is, a name's from the DNS
 * cache (dns.h), never a blocking lookup; getaddrinfo() only in an
 * installation without herdcc-resolve. Each is one addrinfo in *ret_list
 * (owned: freeaddrinfo). */
static int host_addresses(const struct remote_job  *job,
                          const struct hosts_entry *host,
                          struct addrinfo **ret_list, char **ret_why)
{
  struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
                            .ai_flags    = AI_NUMERICSERV };
  char            port[8];

  snprintf(port, sizeof(port), "%u", host->port);
  if (!dns_is_numeric(host->name)) {
    _cleanup_free_ struct dns_address *cached = NULL;
    size_t                             count;
    int r = dns_addresses(job->state_dir, host->name, host->port, &cached,
                          &count, ret_why);
    if (r == -ENOMEM || r == -ENOENT || r == -EHOSTUNREACH) {
      return r == -ENOENT ? -EHOSTUNREACH : r;
    }
    if (r >= 0) {
      /* the cached addresses, in order, as numeric lookups */
      struct addrinfo *head = NULL, **tail = &head;
      for (size_t i = 0; i < count; i++) {
        char  text[INET6_ADDRSTRLEN];
        int   family = cached[i].address.ss_family;
        void *a =
          family == AF_INET
            ? (void *)&((struct sockaddr_in *)&cached[i].address)->sin_addr
            : (void *)&((struct sockaddr_in6 *)&cached[i].address)->sin6_addr;
        struct addrinfo *one = NULL;
        hints.ai_flags       = AI_NUMERICSERV | AI_NUMERICHOST;
        if (inet_ntop(family, a, text, sizeof(text)) &&
            getaddrinfo(text, port, &hints, &one) == 0) {
          *tail = one;
          while (*tail) {
            tail = &(*tail)->ai_next;
          }
        }
      }
      *ret_list = head;
      return 0;
    }
  } else {
    hints.ai_flags |= AI_NUMERICHOST;
  }
  int gai = getaddrinfo(host->name, port, &hints, ret_list);
  if (gai != 0) {
    return asprintf(ret_why, "cannot resolve %s: %s", host->name,
                    gai_strerror(gai)) < 0
             ? -ENOMEM
             : -EHOSTUNREACH;
  }
  return 0;
}

/* An ssh host: one "address", its ssh key (ssh.h), backed off like any. */
static int connect_ssh(const struct remote_job  *job,
                       const struct hosts_entry *host, struct attempt *at,
                       char **ret_why)
{
  char key[SSH_KEY_MAX];

  ssh_key(host, key);
  if (backoff_skip(job->backoff, key)) {
    log_info("%s is backed off or was tried already: passed over", key);
    return asprintf(ret_why, "%s is backed off or was tried already", key) < 0
             ? -ENOMEM
             : -EAGAIN;
  }
  int r = backoff_note_tried(job->backoff, key);
  if (r >= 0) {
    r = ssh_start(host, job->state_dir, job->connect_timeout_ms, &at->ssh,
                  &at->sock);
  }
  if (r == -ENOMEM) {
    return r;
  }
  if (r < 0) {
    backoff_mark(job->backoff, key, BACKOFF_ADDRESS, strerror(-r));
    return asprintf(ret_why, "cannot start ssh for %s: %s", key, strerror(-r)) <
               0
             ? -ENOMEM
             : -EHOSTUNREACH;
  }
  snprintf(at->address, sizeof(at->address), "%s", key);
  log_debug("started ssh for %s", key);
  return 0;
}

/* Try each address of the host in turn. */
static int connect_host(const struct remote_job  *job,
                        const struct hosts_entry *host, struct attempt *at,
                        char **ret_why)
{
  struct addrinfo *list = NULL;
  char             port[8];

  if (host->kind == HOSTS_SSH) {
    return connect_ssh(job, host, at, ret_why);
  }
  snprintf(port, sizeof(port), "%u", host->port);
  int r = host_addresses(job, host, &list, ret_why);
  if (r < 0) {
    return r;
  }
  int last = -EAGAIN;
  r        = -EAGAIN;
  for (struct addrinfo *ai = list; ai; ai = ai->ai_next) {
    r    = try_address(job, ai, at);
    last = r == -EAGAIN ? last : r;
    if (r == 0 || r == -ECANCELED || r == -ENOMEM) {
      break;
    }
  }
  freeaddrinfo(list);
  if (r == 0 || r == -ECANCELED || r == -ENOMEM) {
    return r;
  }
  if (last == -EAGAIN) {
    r = asprintf(ret_why,
                 "every address of %s:%s is backed off or was tried already",
                 host->name, port);
  } else {
    r = asprintf(ret_why, "cannot connect to %s:%s: %s", host->name, port,
                 strerror(-last));
  }
  if (r < 0) {
    return -ENOMEM;
  }
  return last == -EAGAIN ? -EAGAIN : -EHOSTUNREACH;
}

/* ---- failures ----------------------------------------------------------- */

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

/* What a server's failure status says about its address. First match
 * wins; any other code from 100 to 118, and a compiler killed by a signal
 * (a server crash), back the address off for every compiler. */
static const struct server_failure {
  int                exit_code;
  enum backoff_scope scope;
} server_failures[] = {
  { EXIT_COMPILER_MISSING, BACKOFF_COMPILER }, /* missing or not allowed */
  { EXIT_BUSY,             BACKOFF_NONE     }, /* full now, free soon */
  { EXIT_BAD_ARGUMENTS,    BACKOFF_NONE     }, /* this command line only */
};

static enum backoff_scope server_failure_scope(int exit_code)
{
  for (size_t i = 0; i < ARRAY_SIZE(server_failures); i++) {
    if (server_failures[i].exit_code == exit_code) {
      return server_failures[i].scope;
    }
  }
  return BACKOFF_ADDRESS;
}

/* A distribution failure at the address of the attempt: say why, and back
 * the address off as scope says. */
static _printf_(6, 7) int fail_at(const struct remote_job *job,
                                  const struct attempt    *at,
                                  struct remote_result *result, int exit_code,
                                  enum backoff_scope scope, const char *fmt,
                                  ...)
{
  va_list ap;

  result->outcome   = REMOTE_NOT_DISTRIBUTED;
  result->exit_code = exit_code;
  va_start(ap, fmt);
  int n = vasprintf(&result->why, fmt, ap);
  va_end(ap);
  if (n < 0) {
    result->why = NULL;
    return -ENOMEM;
  }
  if (at->address[0]) {
    backoff_mark(job->backoff, at->address, scope, result->why);
  }
  return 0;
}

/* How long ssh may take to end once the reply is in, before it is told
 * to (its session is over: only its goodbye is left). */
#define REMOTE_SSH_END_MS 50
/* How long an ssh that failed may take to say why. */
#define REMOTE_SSH_WORDS_MS 2000

static int fail_on_wire(const struct remote_job *job, const struct attempt *at,
                        struct remote_result *result, const char *what, int r)
{
  _cleanup_free_ char *ssh = NULL;

  if (r == -ENOMEM) {
    return r;
  }
  if (at->ssh) {
    /* Closed for ssh, so that it ends, and asked what it met. */
    shutdown(at->sock, SHUT_RDWR);
    if (ssh_failure(at->ssh, REMOTE_SSH_WORDS_MS, &ssh) < 0) {
      return -ENOMEM;
    }
  }
  return fail_at(job, at, result, wire_exit_code(r), BACKOFF_ADDRESS,
                 "%s %s: %s", what, at->address,
                 ssh             ? ssh
                 : r == -ENODATA ? "server provided no answer"
                                 : strerror(-r));
}

/* ---- outputs ------------------------------------------------------------ */

/* Exit codes 100..118 are the server's own (refusals, a missing compiler,
 * busy); a killed compiler is a server crash. Both are distribution
 * failures: the job may well compile elsewhere. */
static bool is_server_failure(uint32_t status)
{
  int code = proto_status_code(status);
  return proto_status_signal(status) ||
         (code >= EXIT_GENERAL && code <= EXIT_TIMEOUT);
}

static int fail_on_server(const struct remote_job  *job,
                          const struct attempt     *at,
                          const struct proto_reply *reply,
                          struct remote_result     *result)
{
  bool signalled = proto_status_signal(reply->status) != 0;
  int  code =
    signalled ? EXIT_COMPILER_CRASHED : proto_status_code(reply->status);
  int line = (int)strcspn(reply->serr ? reply->serr : "", "\n");

  return fail_at(job, at, result, code,
                 signalled ? BACKOFF_ADDRESS : server_failure_scope(code),
                 "server %s failed the job: %.*s", at->address, line,
                 reply->serr_len ? reply->serr : "(no message)");
}

/* The compile of expanded text said something, or failed: what it said
 * may differ from a local compile's (no source excerpts, no macro
 * expansion notes), so the job goes again as source text. */
static bool speaks(const struct remote_job  *job,
                   const struct proto_reply *reply)
{
  return job->plan->expanded_first &&
         (reply->status != 0 || reply->serr_len > 0 || reply->sout_len > 0);
}

/* gcc's preprocessor said something here (a #warning, -Wundef) and the
 * server's compiler said something too: a local compile says them in
 * source order, which neither side alone knows, so the job runs here.
 * clang's server says the preprocessor's words again itself. */
static bool both_speak(const struct remote_job  *job,
                       const struct proto_reply *reply, bool lost)
{
  struct stat st;

  return (!job->plan->rewrite_includes || lost) && reply->serr_len > 0 &&
         job->cpp->err_fd >= 0 && fstat(job->cpp->err_fd, &st) == 0 &&
         st.st_size > 0;
}

/* Write what the reply holds, as the local compile would; 1 when the job is
 * to go again as source text (speaks()), with nothing written. */
static int finish_reply(const struct remote_job *job, const struct attempt *at,
                        const struct proto_reply *reply,
                        struct remote_result     *result)
{
  const struct args_plan *plan = job->plan;

  if (is_server_failure(reply->status)) {
    return fail_on_server(job, at, reply, result);
  }
  backoff_forget(job->backoff, at->address);
  if (speaks(job, reply)) {
    return 1;
  }
  /* clang's text lost what its preprocessor said of an #if (not a tree's,
     whose server compiles the files themselves): those words stand, as
     for gcc */
  bool lost = plan->rewrite_includes && !plan->tree &&
              cpprun_said_more(job->cpp, reply->serr, reply->serr_len);
  if (cpprun_drop_repeated(job->cpp, reply->serr, reply->serr_len,
                           plan->rewrite_includes && !lost) < 0) {
    log_debug("Failed to compare the preprocessor's words with the "
              "server's: they stand");
  }
  if (both_speak(job, reply, lost)) {
    result->here = true;
    return fail_at(job, at, result, EXIT_GENERAL, BACKOFF_NONE,
                   "the preprocessor here and the compiler on %s both "
                   "spoke: only a local compile says them in their order",
                   at->address);
  }
  if (plan->dwo && reply->status == 0 && at->dwo_len == 0) {
    return fail_at(job, at, result, EXIT_GENERAL, BACKOFF_NONE,
                   "%s sent no .dwo for %s", at->address, plan->input);
  }
  if (reply->sout_len) {
    io_write_all(STDOUT_FILENO, reply->sout, reply->sout_len, -1);
  }
  /* clang compiles -frewrite-includes text as source: the server says
     again, in their place, what the preprocessor said (#warning, #pragma
     message), so of the preprocessor's words only its driver's stand. */
  diag_write(job->state_dir, job->cpp->err_fd, reply->serr, reply->serr_len);
  result->outcome   = REMOTE_DONE;
  result->exit_code = proto_status_signal(reply->status)
                        ? 128 + proto_status_signal(reply->status)
                        : proto_status_code(reply->status);
  if (reply->status != 0) {
    if (!io_is_special(plan->output)) {
      unlink(plan->output); /* as the compiler itself would */
    }
    if (plan->dwo) {
      unlink(plan->dwo);
    }
    return 0;
  }
  int r =
    plan->dwo ? run_write_file_atomic(plan->dwo, at->dwo, at->dwo_len) : 0;
  r = r < 0
        ? r
        : run_write_file_atomic(plan->output, reply->object, reply->object_len);
  if (r >= 0 && job->cpp->deps_tmp &&
      rename(job->cpp->deps_tmp, plan->deps_file) < 0) {
    r = -errno;
  }
  if (r < 0) {
    log_error("Failed to write %s: %s", plan->output, strerror(-r));
    result->exit_code = EXIT_IO_ERROR;
  }
  return 0;
}

/* ---- the exchange ------------------------------------------------------- */

/* The protocol of a request to host: for a herdccd, zlib bodies or LZO
 * as the link says (links.h); else LZO with ,lzo, else plain. */
static uint32_t request_version(const struct remote_job  *job,
                                const struct hosts_entry *host,
                                struct attempt           *at)
{
  if (!at->version) { /* the request and its bodies agree */
    at->version = host->herd && links_use_zlib(job->state_dir, at->address)
                    ? PROTO_VERSION_ZLIB
                  : host->lzo || host->herd ? 2
                                            : 1;
  }
  return at->version;
}

/* Send the arguments on a connection made (while cpp runs, the first
 * time). */
static int send_request_args(const struct remote_job  *job,
                             const struct hosts_entry *host, struct attempt *at,
                             struct remote_result *result)
{
  uint32_t version = request_version(job, host, at);
  int      r;

  io_cork(at->sock, true);
  r = proto_send_request_args(at->sock, version, job->plan->server_argv,
                              job->io_timeout_ms);
  io_cork(at->sock, false);
  return r < 0 ? fail_on_wire(job, at, result, "failed to send request to", r)
               : 0;
}

/* Connect and send the arguments. */
static int send_request_head(const struct remote_job  *job,
                             const struct hosts_entry *host, struct attempt *at,
                             struct remote_result *result)
{
  char *why = NULL;
  int   r   = connect_host(job, host, at, &why);

  if (r == -ENOMEM) {
    return r;
  }
  if (r < 0) {
    result->outcome     = REMOTE_NOT_DISTRIBUTED;
    result->exit_code   = r == -ECANCELED ? EXIT_GENERAL : EXIT_CONNECT_FAILED;
    result->why         = why;
    result->passed_over = r == -EAGAIN;
    return 0;
  }
  return send_request_args(job, host, at, result);
}

/* cpp's verdict comes first: a failed cpp ends the job, whatever the
 * network did. With a connection made, wait for cpp; without one only look,
 * so a retry or the local compile need not wait for it. */
static int settle_cpp(const struct remote_job *job,
                      struct remote_result    *result)
{
  if (result->outcome == REMOTE_DONE && job->cpp->pid > 0) {
    jobstatus_phase(JOB_PHASE_PREPROCESS);
  }
  int r = cpprun_settle(job, result->outcome == REMOTE_DONE);

  if (r >= 0 && cpprun_failed(job->cpp)) {
    free(result->why);
    *result = (struct remote_result){
      .outcome   = REMOTE_CPP_FAILED,
      .exit_code = run_exit_code(job->cpp->status),
    };
  }
  return r;
}

/* The DOTI body: the preprocessor output, or the input itself when it
 * needs no preprocessing. */
static int send_source(int sock, int source_fd, enum proto_codec codec,
                       int timeout_ms)
{
  struct stat st;

  if (fstat(source_fd, &st) < 0 || lseek(source_fd, 0, SEEK_SET) < 0) {
    return -errno;
  }
  io_cork(sock, true);
  int r = proto_send_body_fd(sock, "DOTI", source_fd, (size_t)st.st_size, codec,
                             timeout_ms);
  io_cork(sock, false);
  return r;
}

/* Extension version 3: the profile the compile reads (HPRF), before the
 * digest or the source. */
static int send_profile(const struct remote_job *job, const struct attempt *at)
{
  _cleanup_close_ int fd =
    open(job->plan->profile, O_RDONLY | O_CLOEXEC | O_NOCTTY);
  struct stat st;

  if (fd < 0 || fstat(fd, &st) < 0) {
    return -errno;
  }
  if ((uint64_t)st.st_size > proto_default_limits.max_body) {
    return -EFBIG;
  }
  return proto_send_body_fd(at->sock, "HPRF", fd, (size_t)st.st_size,
                            PROTO_CODEC_NONE, step_timeout_ms(job, at));
}

/* The source's size, as DOTI carries it before compression. */
static uint64_t source_size(int source_fd)
{
  struct stat st;

  return fstat(source_fd, &st) == 0 && st.st_size > 0 ? (uint64_t)st.st_size
                                                      : 0;
}

/* Extension version 2: the digest first (from version 4 with the list of
 * chunks). 1 when the server has the result (its reply follows), 0 when
 * it wants the source, or some of its chunks (offer->need). */
static int offer_digest(const struct remote_job *job, const struct attempt *at,
                        struct offer *offer)
{
  int r =
    offer_load(job->cpp->source_fd, at->herd >= HERD_CHUNK_VERSION, offer);

  if (r >= 0) {
    r = offer_send_digest(at->sock, offer, step_timeout_ms(job, at));
  }
  if (r >= 0) {
    jobstatus_phase(JOB_PHASE_COMPILE);
    r = offer_read_answer(at->sock, offer, step_timeout_ms(job, at));
  }
  return r;
}

/* DOTI: what the server wants of an offered source, or all of it. */
static int send_offered(const struct remote_job *job, const struct attempt *at,
                        const struct offer *offer, uint32_t version,
                        size_t *ret_sent)
{
  if (!offer->source) {
    *ret_sent = (size_t)source_size(job->cpp->source_fd);
    return send_source(at->sock, job->cpp->source_fd,
                       proto_version_codec(version), step_timeout_ms(job, at));
  }
  return offer_send_source(at->sock, offer, proto_version_codec(version),
                           step_timeout_ms(job, at), ret_sent);
}

/* How the job reaches host, for the monitors (jobstatus). */
static void publish_link(const struct hosts_entry *host, uint32_t version)
{
  static const enum job_codec codecs[] = {
    [PROTO_CODEC_NONE] = JOB_CODEC_NONE,
    [PROTO_CODEC_LZO]  = JOB_CODEC_LZO,
    [PROTO_CODEC_ZLIB] = JOB_CODEC_ZLIB,
  };
  enum proto_codec codec = proto_version_codec(version);
  bool             ssh   = host->kind == HOSTS_SSH;

  jobstatus_link(ssh ? JOB_CONN_SSH : JOB_CONN_TCP, ssh ? 0 : host->port,
                 (unsigned)codec < ARRAY_SIZE(codecs) ? codecs[codec]
                                                      : JOB_CODEC_NONE);
}

/* Extension version 5: a tree's -gsplit-dwarf .dwo after the reply of a
 * compile that ran, packed as the reply's object. */
static int recv_dwo(const struct remote_job *job, struct attempt *at,
                    uint32_t version)
{
  free(at->dwo);
  at->dwo     = NULL;
  at->dwo_len = 0;
  return proto_recv_body(at->sock, "HDWO", proto_default_limits.max_body,
                         proto_version_codec(version), step_timeout_ms(job, at),
                         &at->dwo, &at->dwo_len);
}

static int exchange(const struct remote_job  *job,
                    const struct hosts_entry *host, struct attempt *at,
                    struct remote_result *result)
{
  uint32_t                            version = request_version(job, host, at);
  struct proto_reply                  reply;
  int                                 hit   = 0;
  _cleanup_(offer_clear) struct offer offer = { .source = NULL };
  size_t                              sent  = 0;

  publish_link(host, version);
  jobstatus_phase(JOB_PHASE_SEND);
  if (job->plan->profile) {
    int r = send_profile(job, at);
    if (r < 0) {
      return fail_on_wire(job, at, result, "failed to send the profile to", r);
    }
  }
  if (at->herd >= HERD_DIGEST_VERSION) {
    hit = offer_digest(job, at, &offer);
    if (hit < 0) {
      return fail_on_wire(job, at, result, "failed to offer the digest to",
                          hit);
    }
  }
  long long send_at = clock_now_us(); /* the source alone */
  int       r       = hit ? 0 : send_offered(job, at, &offer, version, &sent);
  if (r < 0) {
    return fail_on_wire(job, at, result, "failed to send source to", r);
  }
  if (!hit) {
    jobstatus_sent(sent, (uint64_t)(clock_now_us() - send_at));
  }
  /* The server compiles until its reply starts; one timeout bounds both
   * the wait and the reply, as it would without the phase change. */
  int       timeout_ms = step_timeout_ms(job, at);
  long long until      = clock_now_ms() + timeout_ms;
  jobstatus_phase(JOB_PHASE_COMPILE);
  r = io_wait(at->sock, POLLIN, timeout_ms);
  if (r >= 0 && !hit && host->herd && host->kind == HOSTS_TCP &&
      sent >= LINKS_MIN_BYTES) {
    /* once the reply starts, the whole source has been acknowledged: the
       kernel's last sample is of its end, past a shaper's burst */
    links_record(job->state_dir, at->address, links_measure(at->sock));
  }
  if (r >= 0) {
    long long left       = until - clock_now_ms();
    long long receive_at = clock_now_us();
    jobstatus_phase(JOB_PHASE_RECEIVE);
    r = proto_recv_reply(at->sock, version, &proto_default_limits,
                         left < 1 ? 1 : (int)left, &reply);
    if (r >= 0 && job->plan->dwo && !is_server_failure(reply.status)) {
      r = recv_dwo(job, at, version);
    }
    if (r >= 0) {
      jobstatus_received(reply.object_len + reply.serr_len + reply.sout_len +
                           at->dwo_len,
                         (uint64_t)(clock_now_us() - receive_at));
    }
  }
  if (r < 0) {
    return fail_on_wire(job, at, result, "failed to read reply from", r);
  }
  r              = finish_reply(job, at, &reply, result);
  result->cached = hit > 0;
  proto_reply_clear(&reply);
  return r;
}

static int compile_attempt(struct remote_job        *job,
                           const struct hosts_entry *host, struct attempt *at,
                           struct remote_result *ret_result);

/* The expanded text's compile spoke: preprocess again as source text and
 * send it to the same host, on a new connection. */
static int again_as_text(struct remote_job *job, const struct hosts_entry *host,
                         struct attempt *at, struct remote_result *ret_result)
{
  log_info("the compile of %s said something: again as source text, so "
           "that it says what a local compile says",
           job->plan->input);
  int r = args_plan_use_text(job->plan);
  if (r < 0) {
    return r;
  }
  job->cpp = cpprun_free(job->cpp);
  *at      = (struct attempt){ .sock = -1, .started_ms = clock_now_ms() };
  return compile_attempt(job, host, at, ret_result);
}

/* The rest of an attempt once connected (at->sock >= 0) or not. */
static int compile_attempt(struct remote_job        *job,
                           const struct hosts_entry *host, struct attempt *at,
                           struct remote_result *ret_result)
{
  struct remote_result result = { .outcome = REMOTE_DONE };
  int                  r      = job->cpp ? 0 : cpprun_start(job);

  if (r >= 0 && job->plan->profile && at->herd < HERD_PROFILE_VERSION) {
    /* Only a herdccd invitation of version 3 on takes the profile. */
    r                  = fail_at(job, at, &result, EXIT_GENERAL, BACKOFF_NONE,
                                 "%s: a profile goes only to a herdccd that invited the job",
                                 host->name);
    result.passed_over = true;
    result.unfit       = true;
  } else if (r >= 0 && (job->plan->tree || job->plan->dwo) &&
             at->herd < HERD_TREE_VERSION) {
    /* Only a herdccd of version 5 on rebuilds the files, or sends the
       .dwo. */
    const char *what =
      job->plan->dwo ? "-gsplit-dwarf" : "clang DWARF 5 debug info";
    r                  = fail_at(job, at, &result, EXIT_GENERAL, BACKOFF_NONE,
                                 "%s: %s goes only to a herdccd that invited the job "
                                                  "(version %d)",
                                 host->name, what, HERD_TREE_VERSION);
    result.passed_over = true;
    result.unfit       = true;
  } else if (r >= 0 && job->cpp->scanning) {
    r = settle_cpp(job, &result); /* which text goes: the command line */
  }
  if (r >= 0 && result.outcome == REMOTE_DONE) {
    r = at->sock >= 0 ? send_request_args(job, host, at, &result)
                      : send_request_head(job, host, at, &result);
  }
  if (r >= 0) {
    r = settle_cpp(job, &result);
  }
  if (r >= 0 && result.outcome == REMOTE_DONE) {
    r = exchange(job, host, at, &result);
  }
  closep(&at->sock);
  free(at->dwo);
  at->dwo = NULL;
  at->ssh = ssh_free(at->ssh, REMOTE_SSH_END_MS);
  if (r == 1) {
    return again_as_text(job, host, at, ret_result);
  }
  if (r < 0) {
    free(result.why);
    return r;
  }
  *ret_result = result;
  return 0;
}

int remote_compile(struct remote_job *job, const struct hosts_entry *host,
                   struct remote_result *ret_result)
{
  struct attempt at = { .sock = -1, .started_ms = clock_now_ms() };

  return compile_attempt(job, host, &at, ret_result);
}

int remote_compile_on(struct remote_job *job, const struct hosts_entry *host,
                      int sock, const char *address,
                      struct remote_result *ret_result)
{
  struct attempt at = { .sock       = sock,
                        .herd       = job->herd,
                        .started_ms = clock_now_ms() };

  job->herd = 0; /* a retry connects afresh, in the classic dialect */
  snprintf(at.address, sizeof(at.address), "%s", address);
  return compile_attempt(job, host, &at, ret_result);
}

int remote_prepare(struct remote_job *job)
{
  return job->cpp ? 0 : cpprun_start(job);
}

int remote_choose_text(struct remote_job *job)
{
  if (!job->cpp || !job->cpp->scanning) {
    return 0;
  }
  jobstatus_phase(JOB_PHASE_PREPROCESS);
  return cpprun_settle(job, true);
}

bool remote_cpp_check(struct remote_job *job, int *ret_fd)
{
  if (cpprun_settle(job, false) >= 0 && cpprun_failed(job->cpp)) {
    return true;
  }
  *ret_fd = job->cpp->pid > 0 ? job->cpp->pidfd : -1;
  return false;
}

int remote_cpp_status(const struct remote_job *job)
{
  return run_exit_code(job->cpp->status);
}

int remote_addresses(const struct remote_job  *job,
                     const struct hosts_entry *host, struct addrinfo **ret_list,
                     char **ret_why)
{
  return host_addresses(job, host, ret_list, ret_why);
}

void remote_job_clear(struct remote_job *job)
{
  job->cpp = cpprun_free(job->cpp);
}
