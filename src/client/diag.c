/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "diag.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io.h"
#include "macro.h"

/* An flock()ed descriptor on STATE/lock/stderr, or -1 (then the block is
 * written anyway). Closing it releases the lock. */
static int take_lock(const char *state_dir)
{
  char lock_dir[4096], path[4200];

  if (!state_dir) {
    return -1;
  }
  snprintf(lock_dir, sizeof(lock_dir), "%s/lock", state_dir);
  snprintf(path, sizeof(path), "%s/stderr", lock_dir);
  int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
  if (fd < 0 && errno == ENOENT && io_mkdir_p(lock_dir, 0777) >= 0) {
    fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
  }
  if (fd < 0) {
    return -1;
  }
  while (flock(fd, LOCK_EX) < 0) {
    if (errno != EINTR) {
      close(fd);
      return -1;
    }
  }
  return fd;
}

/* The size of what fd holds, positioned at its start; 0 when empty or
 * unreadable. */
static size_t rewound_size(int fd)
{
  struct stat st;

  if (fd < 0 || fstat(fd, &st) < 0 || st.st_size <= 0 ||
      lseek(fd, 0, SEEK_SET) < 0) {
    return 0;
  }
  return (size_t)st.st_size;
}

void diag_write(const char *state_dir, int fd, const void *buf, size_t len)
{
  size_t fd_len = rewound_size(fd);

  if (fd_len == 0 && len == 0) {
    return;
  }
  _cleanup_close_ int lock = take_lock(state_dir); /* held to the end */
  (void)lock;
  if (fd_len) {
    io_copy_fd(STDERR_FILENO, fd, fd_len, -1);
  }
  if (len) {
    io_write_all(STDERR_FILENO, buf, len, -1);
  }
}
