#include "slots.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "io.h"
#include "macro.h"

/* -EAGAIN when the slot is taken. */
static int try_slot(const char *lock_dir, const char *name, unsigned slot,
                    bool keep_on_exec, int *ret_fd)
{
  char path[8192];
  int  flags = O_RDWR | O_CREAT | (keep_on_exec ? 0 : O_CLOEXEC);

  if (snprintf(path, sizeof(path), "%s/%s_%u", lock_dir, name, slot) >=
      (int)sizeof(path)) {
    return -ENAMETOOLONG;
  }
  int fd = open(path, flags, 0666);
  if (fd < 0) {
    return -errno;
  }
  if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
    int r = errno == EWOULDBLOCK ? -EAGAIN : -errno;
    close(fd);
    return r;
  }
  *ret_fd = fd;
  return 0;
}

static void pause_ms(long ms)
{
  struct timespec ts = { .tv_sec  = ms / 1000,
                         .tv_nsec = (ms % 1000) * 1000000 };
  while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
  }
}

int slots_try(const char *state_dir, char *const *names, const unsigned *limits,
              unsigned count, bool keep_on_exec, unsigned *ret_index,
              int *ret_fd)
{
  char lock_dir[4096];

  snprintf(lock_dir, sizeof(lock_dir), "%s/lock", state_dir);
  int r = io_mkdir_p(lock_dir, 0777);
  if (r < 0) {
    return r;
  }
  for (unsigned i = 0; i < count; i++) {
    for (unsigned slot = 0; slot < limits[i]; slot++) {
      r = try_slot(lock_dir, names[i], slot, keep_on_exec, ret_fd);
      if (r == 0) {
        *ret_index = i;
        return (int)slot;
      }
      if (r != -EAGAIN) {
        return r;
      }
    }
  }
  return -EAGAIN;
}

int slots_acquire(const char *state_dir, char *const *names,
                  const unsigned *limits, unsigned count, bool keep_on_exec,
                  unsigned *ret_index, int *ret_fd)
{
  long wait_ms = 5;

  for (;;) {
    int r = slots_try(state_dir, names, limits, count, keep_on_exec, ret_index,
                      ret_fd);
    if (r != -EAGAIN) {
      return r;
    }
    pause_ms(wait_ms);
    wait_ms = wait_ms < 200 ? wait_ms * 2 : 200;
  }
}
