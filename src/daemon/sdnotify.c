/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "sdnotify.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "macro.h"

#define SDNOTIFY_MAX_FDS 64

int sdnotify_send(const char *state)
{
  const char        *path = getenv("NOTIFY_SOCKET");
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  size_t             len;

  if (!path || !*path) {
    return 0;
  }
  len = strlen(path);
  if ((path[0] != '/' && path[0] != '@') || len >= sizeof(addr.sun_path)) {
    return -EINVAL;
  }
  memcpy(addr.sun_path, path, len);
  if (path[0] == '@') {
    addr.sun_path[0] = '\0'; /* the abstract namespace */
  }
  _cleanup_close_ int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return -errno;
  }
  socklen_t addr_len =
    (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
  if (sendto(fd, state, strlen(state), MSG_NOSIGNAL,
             (const struct sockaddr *)&addr, addr_len) < 0) {
    return -errno;
  }
  return 1;
}

static int parse_count(const char *text, long max, long *ret)
{
  char *end;

  errno      = 0;
  long value = text ? strtol(text, &end, 10) : -1;
  if (!text || errno || end == text || *end || value < 0 || value > max) {
    return -EINVAL;
  }
  *ret = value;
  return 0;
}

static bool is_listening_stream(int fd)
{
  int       type = 0, listening = 0;
  socklen_t len = sizeof(type);

  if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0 ||
      type != SOCK_STREAM) {
    return false;
  }
  len = sizeof(listening);
  return getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) == 0 &&
         listening;
}

static int take_fd(int fd)
{
  int flags = fcntl(fd, F_GETFL);

  if (flags < 0 || !is_listening_stream(fd) ||
      fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0 ||
      fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) {
    return -EINVAL;
  }
  return 0;
}

int sdnotify_listen_fds(int **ret_fds, size_t *ret_n)
{
  const char *pid_text = getenv("LISTEN_PID");
  const char *n_text   = getenv("LISTEN_FDS");
  long        pid, n;

  if (!pid_text || !n_text) {
    return 0;
  }
  int r = parse_count(pid_text, (long)INT32_MAX, &pid);
  if (r >= 0) {
    r = parse_count(n_text, SDNOTIFY_MAX_FDS, &n);
  }
  unsetenv("LISTEN_PID");
  unsetenv("LISTEN_FDS");
  unsetenv("LISTEN_FDNAMES");
  if (r < 0) {
    return r;
  }
  if ((pid_t)pid != getpid() || n == 0) {
    return 0; /* meant for another process */
  }
  int *fds = calloc((size_t)n, sizeof(int));
  if (!fds) {
    return -ENOMEM;
  }
  for (long i = 0; i < n; i++) {
    fds[i] = SDNOTIFY_LISTEN_FDS_START + (int)i;
    if (take_fd(fds[i]) < 0) {
      free(fds);
      return -EINVAL;
    }
  }
  *ret_fds = fds;
  *ret_n   = (size_t)n;
  return 1;
}
