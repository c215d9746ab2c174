/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "io.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "macro.h"

/* The absolute deadline a timeout gives, -1 for none. */
static long long deadline_after(int timeout_ms)
{
  return timeout_ms < 0 ? -1 : clock_now_ms() + timeout_ms;
}

/* What is left of a deadline as a timeout (0 when past, -1 for none). */
static int time_left(long long deadline)
{
  if (deadline < 0) {
    return -1;
  }
  long long left = deadline - clock_now_ms();
  return left < 0 ? 0 : left > INT_MAX ? INT_MAX : (int)left;
}

int io_wait(int fd, short events, int timeout_ms)
{
  long long     deadline = timeout_ms < 0 ? -1 : clock_now_ms() + timeout_ms;
  struct pollfd pfd      = { .fd = fd, .events = events };

  for (;;) {
    int left = -1;
    if (deadline >= 0) {
      long long remaining = deadline - clock_now_ms();
      left                = remaining < 0 ? 0 : (int)remaining;
    }
    int r = poll(&pfd, 1, left);
    if (r > 0) {
      return 0;
    }
    if (r == 0) {
      return -ETIMEDOUT;
    }
    if (errno != EINTR) {
      return -errno;
    }
  }
}

int io_write_all(int fd, const void *buf, size_t len, int timeout_ms)
{
  const char *p        = buf;
  long long   deadline = deadline_after(timeout_ms);

  while (len > 0) {
    ssize_t n = write(fd, p, len);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      if (errno != EAGAIN) {
        return -errno;
      }
      n = 0;
    }
    p += n;
    len -= (size_t)n;
    if (len > 0 && n == 0) {
      int r = io_wait(fd, POLLOUT, time_left(deadline));
      if (r < 0) {
        return r;
      }
    }
  }
  return 0;
}

int io_read_all(int fd, void *buf, size_t len, int timeout_ms)
{
  char     *p        = buf;
  long long deadline = deadline_after(timeout_ms);

  while (len > 0) {
    int r = io_wait(fd, POLLIN, time_left(deadline));
    if (r < 0) {
      return r;
    }
    ssize_t n = read(fd, p, len);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) {
        continue;
      }
      return -errno;
    }
    if (n == 0) {
      return -ENODATA;
    }
    p += n;
    len -= (size_t)n;
  }
  return 0;
}

static int copy_by_buffer(int out_fd, int file_fd, size_t len,
                          long long deadline)
{
  char buf[65536];

  while (len > 0) {
    size_t  want = len < sizeof(buf) ? len : sizeof(buf);
    ssize_t n    = read(file_fd, buf, want);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      return -errno;
    }
    if (n == 0) {
      return -ENODATA;
    }
    int r = io_write_all(out_fd, buf, (size_t)n, time_left(deadline));
    if (r < 0) {
      return r;
    }
    len -= (size_t)n;
  }
  return 0;
}

int io_copy_fd(int out_fd, int file_fd, size_t len, int timeout_ms)
{
  long long deadline = deadline_after(timeout_ms);

  while (len > 0) {
    ssize_t n = sendfile(out_fd, file_fd, NULL, len);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      if (errno == EAGAIN) {
        int r = io_wait(out_fd, POLLOUT, time_left(deadline));
        if (r < 0) {
          return r;
        }
        continue;
      }
      if (errno == EINVAL || errno == ENOSYS) {
        return copy_by_buffer(out_fd, file_fd, len, deadline);
      }
      return -errno;
    }
    if (n == 0) {
      return -ENODATA;
    }
    len -= (size_t)n;
  }
  return 0;
}

int io_read_fd(int fd, size_t cap, char **ret_buf, size_t *ret_len)
{
  _cleanup_free_ char *buf  = NULL;
  size_t               used = 0, size = 0;

  for (;;) {
    if (size - used < 4096 + 1) {
      size_t new_size = size ? size * 2 : 16384;
      char  *n        = realloc(buf, new_size);
      if (!n) {
        return -ENOMEM;
      }
      buf  = n;
      size = new_size;
    }
    ssize_t n = read(fd, buf + used, size - used - 1);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      return -errno;
    }
    if (n == 0) {
      break;
    }
    used += (size_t)n;
    if (used > cap) {
      return -EFBIG;
    }
  }
  buf[used] = '\0';
  *ret_buf  = TAKE_PTR(buf);
  *ret_len  = used;
  return 0;
}

int io_read_file(const char *path, size_t cap, char **ret_buf, size_t *ret_len)
{
  _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return -errno;
  }
  return io_read_fd(fd, cap, ret_buf, ret_len);
}

int io_tmp_beside(const char *target, char **ret_path, int *ret_fd)
{
  const char          *slash   = strrchr(target, '/');
  int                  dir_len = slash ? (int)(slash - target + 1) : 0;
  const char          *base    = slash ? slash + 1 : target;
  _cleanup_free_ char *path    = NULL;

  if (asprintf(&path, "%.*s.%s.herdcc-XXXXXX", dir_len, target, base) < 0) {
    return -ENOMEM;
  }
  int fd = mkostemp(path, O_CLOEXEC);
  if (fd < 0) {
    return -errno;
  }
  *ret_path = TAKE_PTR(path);
  *ret_fd   = fd;
  return 0;
}

bool io_is_special(const char *path)
{
  struct stat st;

  return stat(path, &st) == 0 && !S_ISREG(st.st_mode);
}

/* A device or FIFO: written as the compiler would write it. */
static int write_in_place(const char *path, const void *buf, size_t len)
{
  _cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY);

  if (fd < 0) {
    return -errno;
  }
  return io_write_all(fd, buf, len, -1);
}

int io_write_file_atomic(const char *path, const void *buf, size_t len)
{
  if (io_is_special(path)) {
    return write_in_place(path, buf, len);
  }
  _cleanup_free_ char *tmp = NULL;
  _cleanup_close_ int  fd  = -1;
  int                  r   = io_tmp_beside(path, &tmp, &fd);

  if (r < 0) {
    return r;
  }
  r = io_write_all(fd, buf, len, -1);
  if (r >= 0) {
    r = io_chmod_default(tmp);
  }
  if (r >= 0 && rename(tmp, path) < 0) {
    r = -errno;
  }
  if (r < 0) {
    unlink(tmp);
  }
  return r;
}

int io_new_file(const char *path)
{
  int fd =
    open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  return fd < 0 ? -errno : fd;
}

int io_write_new_file(const char *path, const void *buf, size_t len)
{
  _cleanup_close_ int fd = io_new_file(path);

  return fd < 0 ? fd : io_write_all(fd, buf, len, -1);
}

int io_chmod_default(const char *path)
{
  mode_t mask = umask(0);
  umask(mask);
  if (chmod(path, 0666 & ~mask) < 0) {
    return -errno;
  }
  return 0;
}

int io_mkdir_p(const char *path, mode_t mode)
{
  char buf[PATH_MAX];

  if (strlen(path) >= sizeof(buf)) {
    return -ENAMETOOLONG;
  }
  strcpy(buf, path);
  for (char *p = buf + 1; *p; p++) {
    if (*p != '/') {
      continue;
    }
    *p = '\0';
    if (mkdir(buf, mode) < 0 && errno != EEXIST) {
      return -errno;
    }
    *p = '/';
  }
  if (mkdir(buf, mode) < 0 && errno != EEXIST) {
    return -errno;
  }
  return 0;
}

int io_parse_address(const char *text, uint16_t port,
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

void io_cork(int fd, bool on)
{
  int value = on;

  (void)setsockopt(fd, IPPROTO_TCP, TCP_CORK, &value, sizeof(value));
}
