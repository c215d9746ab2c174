/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "startup.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compilers.h"
#include "exitcode.h"
#include "io.h"
#include "log.h"
#include "macro.h"
#include "publish.h"
#include "sdnotify.h"
#include "strv.h"

/* The kernel's queue of connections not yet accepted, per socket. */
#define STARTUP_BACKLOG 128

/* ---- sockets ------------------------------------------------------------ */

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
      listen(fd, STARTUP_BACKLOG) < 0) {
    return -errno;
  }
  *ret_fd = TAKE_FD(fd);
  return 0;
}

/* A listening socket for text and port, appended to (*fds, *n). */
static int add_listener(const char *text, uint16_t port, bool dual_stack,
                        int **fds, size_t *n)
{
  struct sockaddr_storage addr;
  socklen_t               len;
  int                     fd = -1;
  int                     r  = io_parse_address(text, port, &addr, &len);

  if (r >= 0) {
    r = open_listener(&addr, len, dual_stack, &fd);
  }
  if (r < 0) {
    return r;
  }
  int *grown = reallocarray(*fds, *n + 1, sizeof(int));
  if (!grown) {
    close(fd);
    return -ENOMEM;
  }
  grown[(*n)++] = fd;
  *fds          = grown;
  log_info("Listening on %s port %u", text, port);
  return 0;
}

/* Every --listen address, or any address: IPv6 and IPv4 on one socket,
 * plain IPv4 where the machine has no IPv6. */
int startup_bind_all(char *const *listen, uint16_t port, int **fds, size_t *n)
{
  int r;

  if (!listen || !*listen) {
    r = add_listener("::", port, true, fds, n);
    if (r == -EAFNOSUPPORT || r == -EADDRNOTAVAIL) {
      r = add_listener("0.0.0.0", port, false, fds, n);
    }
    if (r < 0) {
      log_error("Failed to bind port %u: %s", port, strerror(-r));
    }
    return r;
  }
  for (; *listen; listen++) {
    r = add_listener(*listen, port, false, fds, n);
    if (r < 0) {
      log_error("Failed to bind %s port %u: %s", *listen, port, strerror(-r));
      return r;
    }
  }
  return 0;
}

/* ---- detaching ---------------------------------------------------------- */

/* Fork; the starting process waits for the serving one to report its
 * start-up result and exits with it. Returns in the serving process. */
int startup_daemonize(int *ret_ready_fd)
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
  *ret_ready_fd = pipe_fds[1];
  if (setsid() < 0 || chdir("/") < 0) {
    return -errno;
  }
  return 0;
}

void startup_report(int *ready_fd, int code)
{
  unsigned char byte = (unsigned char)code;

  if (*ready_fd >= 0) {
    ssize_t ignored = write(*ready_fd, &byte, 1);
    (void)ignored;
    close(*ready_fd);
    *ready_fd = -1;
  }
}

/* Standard streams of a detached daemon lead nowhere. */
void startup_detach_streams(bool keep_stderr)
{
  _cleanup_close_ int null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);

  if (null_fd < 0) {
    return;
  }
  dup2(null_fd, STDIN_FILENO);
  dup2(null_fd, STDOUT_FILENO);
  if (!keep_stderr) {
    dup2(null_fd, STDERR_FILENO);
  }
}

int startup_write_pid_file(const char *path, const struct privs *privs)
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

/* ---- publishing --------------------------------------------------------- */

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
void startup_publish(const struct server_config *config, unsigned speed)
{
  _cleanup_strv_free_ char **paths =
    published_compilers(config->job->compilers);
  struct publish_config publish = {
    .port           = config->port,
    .listen         = config->listen,
    .jobs           = config->jobs,
    .stats_port     = config->stats ? config->stats->port : 0,
    .speed          = speed,
    .compiler_paths = (const char *const *)paths,
  };
  pid_t pid;
  int   r = publish_start(&publish, &pid);

  if (r < 0) {
    log_warning("Failed to start publishing over mDNS: %s", strerror(-r));
  }
}

/* ---- reports ------------------------------------------------------------ */

/* Readiness and stopping for a service manager (Type=notify). */
void startup_notify(const char *state, unsigned jobs)
{
  char text[256];

  snprintf(text, sizeof(text), "%s\nMAINPID=%d\nSTATUS=%u job slots", state,
           (int)getpid(), jobs);
  int r = sdnotify_send(text);
  if (r < 0) {
    log_warning("Failed to notify the service manager: %s", strerror(-r));
  }
}

/* The pid file's name, absolute: a detached daemon works from "/". */
int startup_absolute_path(const char *path, char **ret_path)
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
