#include "server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "exitcode.h"
#include "io.h"
#include "log.h"
#include "macro.h"
#include "publish.h"
#include "strv.h"

struct server {
  const struct server_config *config;
  int                        *listen_fds; /* owned, each owned */
  size_t                      n_listen;
  int                         epoll_fd;
  int                         signal_fd;
  sigset_t                    old_mask; /* restored in job processes */
  pid_t                      *children; /* job processes, config->jobs */
  size_t                      n_children;
  bool                        accepting;
  char                       *pid_file; /* owned: absolute, or NULL */
  bool                        pid_file_written;
  int                         ready_fd; /* to the starting process */
};

/* ---- sockets ------------------------------------------------------------ */

int server_parse_address(const char *text, uint16_t port,
                         struct sockaddr_storage *ret_addr, socklen_t *ret_len)
{
  struct sockaddr_storage addr = { 0 };
  struct sockaddr_in     *in   = (struct sockaddr_in *)&addr;
  struct sockaddr_in6    *in6  = (struct sockaddr_in6 *)&addr;
  char                    bare[INET6_ADDRSTRLEN];
  size_t                  len = strlen(text);

  if (inet_pton(AF_INET, text, &in->sin_addr) == 1) {
    in->sin_family = AF_INET;
    in->sin_port   = htons(port);
    *ret_addr      = addr;
    *ret_len       = sizeof(*in);
    return 0;
  }
  if (len >= 2 && text[0] == '[' && text[len - 1] == ']') {
    text++;
    len -= 2;
  }
  if (len >= sizeof(bare)) {
    return -EINVAL;
  }
  memcpy(bare, text, len);
  bare[len] = '\0';
  if (inet_pton(AF_INET6, bare, &in6->sin6_addr) != 1) {
    return -EINVAL;
  }
  in6->sin6_family = AF_INET6;
  in6->sin6_port   = htons(port);
  *ret_addr        = addr;
  *ret_len         = sizeof(*in6);
  return 0;
}

static int open_listener(const struct sockaddr_storage *addr, socklen_t len,
                         bool dual_stack, int *ret_fd)
{
  int                 one = 1, v6only = !dual_stack;
  _cleanup_close_ int fd =
    socket(addr->ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

  if (fd < 0) {
    return -errno;
  }
  if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
      (addr->ss_family == AF_INET6 &&
       setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof(v6only)) <
         0) ||
      bind(fd, (const struct sockaddr *)addr, len) < 0 ||
      listen(fd, SERVER_BACKLOG) < 0) {
    return -errno;
  }
  *ret_fd = TAKE_FD(fd);
  return 0;
}

static int add_listener(struct server *s, const char *text, bool dual_stack)
{
  struct sockaddr_storage addr;
  socklen_t               len;
  int                     fd = -1;
  int r = server_parse_address(text, s->config->port, &addr, &len);

  if (r >= 0) {
    r = open_listener(&addr, len, dual_stack, &fd);
  }
  if (r < 0) {
    return r;
  }
  int *fds = reallocarray(s->listen_fds, s->n_listen + 1, sizeof(int));
  if (!fds) {
    close(fd);
    return -ENOMEM;
  }
  fds[s->n_listen++] = fd;
  s->listen_fds      = fds;
  log_info("Listening on %s port %u", text, s->config->port);
  return 0;
}

/* Every --listen address, or any address: IPv6 and IPv4 on one socket,
 * plain IPv4 where the machine has no IPv6. */
static int bind_all(struct server *s)
{
  char *const *listen = s->config->listen;
  int          r;

  if (!listen || !*listen) {
    r = add_listener(s, "::", true);
    if (r == -EAFNOSUPPORT || r == -EADDRNOTAVAIL) {
      r = add_listener(s, "0.0.0.0", false);
    }
    if (r < 0) {
      log_error("Failed to bind port %u: %s", s->config->port, strerror(-r));
    }
    return r;
  }
  for (; *listen; listen++) {
    r = add_listener(s, *listen, false);
    if (r < 0) {
      log_error("Failed to bind %s port %u: %s", *listen, s->config->port,
                strerror(-r));
      return r;
    }
  }
  return 0;
}

/* ---- start-up ----------------------------------------------------------- */

/* Fork; the starting process waits for the serving one to report its
 * start-up result and exits with it. Returns in the serving process. */
static int daemonize(struct server *s)
{
  int pipe_fds[2];

  if (pipe2(pipe_fds, O_CLOEXEC) < 0) {
    return -errno;
  }
  pid_t pid = fork();
  if (pid < 0) {
    int r = -errno;
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    return r;
  }
  if (pid > 0) {
    unsigned char code = EXIT_GENERAL;
    close(pipe_fds[1]);
    while (read(pipe_fds[0], &code, 1) < 0 && errno == EINTR) {
    }
    _exit(code);
  }
  close(pipe_fds[0]);
  s->ready_fd = pipe_fds[1];
  if (setsid() < 0 || chdir("/") < 0) {
    return -errno;
  }
  return 0;
}

static void notify_ready(struct server *s, int code)
{
  unsigned char byte = (unsigned char)code;

  if (s->ready_fd >= 0) {
    ssize_t ignored = write(s->ready_fd, &byte, 1);
    (void)ignored;
    close(s->ready_fd);
    s->ready_fd = -1;
  }
}

/* Standard streams of a detached daemon lead nowhere. */
static void detach_streams(const struct server_config *config)
{
  _cleanup_close_ int null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);

  if (null_fd < 0) {
    return;
  }
  dup2(null_fd, STDIN_FILENO);
  dup2(null_fd, STDOUT_FILENO);
  if (!config->keep_stderr) {
    dup2(null_fd, STDERR_FILENO);
  }
}

static int write_pid_file(const char *path, const struct privs *privs)
{
  _cleanup_free_ char *tmp = NULL;
  _cleanup_close_ int  fd  = -1;
  int                  r   = io_tmp_beside(path, &tmp, &fd);

  if (r < 0) {
    return r;
  }
  /* Owned by the user we become, so that it can remove the file. */
  if (dprintf(fd, "%d\n", (int)getpid()) < 0 || fchmod(fd, 0644) < 0 ||
      (privs->drop && fchown(fd, privs->uid, privs->gid) < 0) ||
      rename(tmp, path) < 0) {
    r = -errno;
    unlink(tmp);
    return r;
  }
  return 0;
}

static int setup_loop(struct server *s)
{
  sigset_t set;

  sigemptyset(&set);
  sigaddset(&set, SIGCHLD);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  if (sigprocmask(SIG_BLOCK, &set, &s->old_mask) < 0) {
    return -errno;
  }
  s->signal_fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  s->epoll_fd  = epoll_create1(EPOLL_CLOEXEC);
  s->children  = calloc(s->config->jobs, sizeof(pid_t));
  if (s->signal_fd < 0 || s->epoll_fd < 0) {
    return -errno;
  }
  if (!s->children) {
    return -ENOMEM;
  }
  struct epoll_event ev = { .events = EPOLLIN, .data.fd = s->signal_fd };
  if (epoll_ctl(s->epoll_fd, EPOLL_CTL_ADD, s->signal_fd, &ev) < 0) {
    return -errno;
  }
  for (size_t i = 0; i < s->n_listen; i++) {
    ev.data.fd = s->listen_fds[i];
    if (epoll_ctl(s->epoll_fd, EPOLL_CTL_ADD, s->listen_fds[i], &ev) < 0) {
      return -errno;
    }
  }
  s->accepting = true;
  return 0;
}

/* Everything between binding and accepting, in the serving process. */
/* The compilers a stock client may ask for, as this server runs them;
 * cc first (distcc's TXT keys describe it). */
static char **published_compilers(const struct compilers *compilers)
{
  static const char *const names[] = { "cc",  "gcc",   "g++",
                                       "c++", "clang", "clang++" };
  char                   **paths   = NULL;

  for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
    char *path = NULL, *reason = NULL;
    if (compilers_resolve(compilers, names[i], &path, &reason) >= 0 &&
        strv_consume(&paths, path) < 0) {
      free(path);
    }
    free(reason);
  }
  return paths;
}

/* Publish over mDNS from a process of its own (publish.h). */
static void start_publishing(struct server *s)
{
  const struct server_config *config = s->config;
  _cleanup_strv_free_ char  **paths =
    published_compilers(config->job->compilers);
  struct publish_config publish = {
    .port           = config->port,
    .listen         = config->listen,
    .jobs           = config->jobs,
    .compiler_paths = (const char *const *)paths,
  };
  pid_t pid;
  int   r = publish_start(&publish, &pid);

  if (r < 0) {
    log_warning("Failed to start publishing over mDNS: %s", strerror(-r));
  }
}

static int start_serving(struct server *s)
{
  const struct server_config *config = s->config;
  int                         r      = setup_loop(s);

  if (r < 0) {
    log_error("Failed to set up the event loop: %s", strerror(-r));
    return EXIT_GENERAL;
  }
  if (s->pid_file) {
    r = write_pid_file(s->pid_file, config->privs);
    if (r < 0) {
      log_error("Failed to write pid file %s: %s", s->pid_file, strerror(-r));
      return EXIT_GENERAL;
    }
    s->pid_file_written = true;
  }
  r = privs_apply(config->privs);
  if (r < 0) {
    log_error("Failed to drop privileges to user %s: %s",
              config->privs->drop ? config->privs->user : "(current)",
              r == -EPERM ? "refusing to run jobs as root" : strerror(-r));
    return EXIT_SETUID_FAILED;
  }
  if (config->detach) {
    if (config->syslog_once_detached) {
      log_use_syslog();
    }
    detach_streams(config);
  }
  if (config->zeroconf) {
    start_publishing(s);
  }
  log_notice("Ready: pid %d, %u job slots%s%s", (int)getpid(), config->jobs,
             config->privs->drop ? ", running as " : "",
             config->privs->drop ? config->privs->user : "");
  return 0;
}

/* ---- the loop ----------------------------------------------------------- */

static void set_accepting(struct server *s, bool on)
{
  struct epoll_event ev = { .events = on ? EPOLLIN : 0 };

  for (size_t i = 0; i < s->n_listen; i++) {
    ev.data.fd = s->listen_fds[i];
    epoll_ctl(s->epoll_fd, EPOLL_CTL_MOD, s->listen_fds[i], &ev);
  }
  s->accepting = on;
}

static void close_listeners(struct server *s)
{
  for (size_t i = 0; i < s->n_listen; i++) {
    close(s->listen_fds[i]);
  }
  s->n_listen = 0;
}

/* In a job process: drop the server's descriptors, serve, exit. */
static _noreturn_ void run_job(struct server *s, int fd,
                               const struct sockaddr_storage *peer,
                               socklen_t                      peer_len)
{
  close_listeners(s);
  close(s->epoll_fd);
  close(s->signal_fd);
  sigprocmask(SIG_SETMASK, &s->old_mask, NULL);
  int r =
    job_serve(fd, fd, (const struct sockaddr *)peer, peer_len, s->config->job);
  close(fd);
  _exit(r >= 0 || r == -EPERM ? 0 : 1);
}

static void accept_one(struct server *s, int listen_fd)
{
  struct sockaddr_storage peer;
  socklen_t               len = sizeof(peer);
  _cleanup_close_ int fd = accept4(listen_fd, (struct sockaddr *)&peer, &len,
                                   SOCK_CLOEXEC | SOCK_NONBLOCK);

  if (fd < 0) {
    if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED) {
      log_warning("Failed to accept a connection: %m");
    }
    return;
  }
  pid_t pid = fork();
  if (pid < 0) {
    log_error("Failed to start a job process: %m");
    return;
  }
  if (pid == 0) {
    run_job(s, TAKE_FD(fd), &peer, len);
  }
  s->children[s->n_children++] = pid;
  if (s->n_children >= s->config->jobs) {
    set_accepting(s, false);
  }
}

static void forget_child(struct server *s, pid_t pid, int status)
{
  for (size_t i = 0; i < s->n_children; i++) {
    if (s->children[i] == pid) {
      s->children[i] = s->children[--s->n_children];
      break;
    }
  }
  if (WIFSIGNALED(status) && WTERMSIG(status) != SIGTERM) {
    log_warning("Job process %d was killed by signal %d", (int)pid,
                WTERMSIG(status));
  }
}

static void reap(struct server *s)
{
  int   status;
  pid_t pid;

  while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
    forget_child(s, pid, status);
  }
  if (!s->accepting && s->n_listen > 0 && s->n_children < s->config->jobs) {
    set_accepting(s, true);
  }
}

/* Returns true when the daemon is told to stop. */
static bool handle_signals(struct server *s)
{
  struct signalfd_siginfo info;
  bool                    stop = false;

  while (read(s->signal_fd, &info, sizeof(info)) == (ssize_t)sizeof(info)) {
    if (info.ssi_signo == SIGCHLD) {
      reap(s);
    } else if (info.ssi_signo == SIGHUP) {
      log_info("Ignoring SIGHUP");
    } else {
      log_notice("Stopping on signal %u", info.ssi_signo);
      stop = true;
    }
  }
  return stop;
}

static long long now_ms(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int epoll_timeout(long long deadline)
{
  if (deadline < 0) {
    return -1;
  }
  long long left = deadline - now_ms();
  return left < 0 ? 0 : left > 60000 ? 60000 : (int)left;
}

static int serve(struct server *s)
{
  unsigned  lifetime = s->config->lifetime_s;
  long long deadline = lifetime ? now_ms() + (long long)lifetime * 1000 : -1;

  for (;;) {
    struct epoll_event events[8];
    int                n = epoll_wait(s->epoll_fd, events, ARRAY_SIZE(events),
                                      epoll_timeout(deadline));
    if (n < 0 && errno != EINTR) {
      log_error("Failed to wait for events: %m");
      return EXIT_GENERAL;
    }
    if (deadline >= 0 && now_ms() >= deadline) {
      log_notice("Lifetime of %u s is over, stopping", lifetime);
      return 0;
    }
    for (int i = 0; i < n; i++) {
      if (events[i].data.fd != s->signal_fd) {
        if (s->accepting) {
          accept_one(s, events[i].data.fd);
        }
      } else if (handle_signals(s)) {
        for (size_t k = 0; k < s->n_children; k++) {
          kill(s->children[k], SIGTERM);
        }
        return 0;
      }
    }
  }
}

static void server_clear(struct server *s)
{
  close_listeners(s);
  free(s->listen_fds);
  free(s->children);
  if (s->epoll_fd >= 0) {
    close(s->epoll_fd);
  }
  if (s->signal_fd >= 0) {
    close(s->signal_fd);
  }
  if (s->ready_fd >= 0) {
    close(s->ready_fd);
  }
  if (s->pid_file_written && unlink(s->pid_file) < 0) {
    log_info("Failed to remove pid file %s: %m", s->pid_file);
  }
  free(s->pid_file);
}

/* The pid file's name, absolute: a detached daemon works from "/". */
static int absolute_path(const char *path, char **ret_path)
{
  _cleanup_free_ char *cwd = path[0] == '/' ? NULL : getcwd(NULL, 0);
  char                *joined;

  if (path[0] != '/' && !cwd) {
    return -errno;
  }
  if (asprintf(&joined, "%s%s%s", cwd ? cwd : "", cwd ? "/" : "", path) < 0) {
    return -ENOMEM;
  }
  *ret_path = joined;
  return 0;
}

int server_run(const struct server_config *config)
{
  _cleanup_(server_clear) struct server s = {
    .config    = config,
    .epoll_fd  = -1,
    .signal_fd = -1,
    .ready_fd  = -1,
  };
  int r = config->pid_file ? absolute_path(config->pid_file, &s.pid_file) : 0;

  if (r < 0) {
    log_error("Failed to resolve pid file %s: %s", config->pid_file,
              strerror(-r));
    return EXIT_GENERAL;
  }
  r = bind_all(&s);
  if (r < 0) {
    return EXIT_BIND_FAILED;
  }
  if (config->detach) {
    r = daemonize(&s);
    if (r < 0) {
      log_error("Failed to detach: %s", strerror(-r));
      notify_ready(&s, EXIT_GENERAL);
      return EXIT_GENERAL;
    }
  }
  int code = start_serving(&s);
  notify_ready(&s, code);
  return code != 0 ? code : serve(&s);
}
