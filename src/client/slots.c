/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "slots.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
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

/* The doorbell's counter, mapped shared; NULL when it cannot be (then
 * the timer alone wakes a waiter). munmap(bell, sizeof(*bell)) after. */
static uint32_t *doorbell_map(const char *state_dir, bool ring)
{
  char path[4096];

  if (snprintf(path, sizeof(path), "%s/lock/doorbell", state_dir) >=
      (int)sizeof(path)) {
    return NULL;
  }
  _cleanup_close_ int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
  struct stat         st;
  if (fd < 0 || fstat(fd, &st) < 0 ||
      (st.st_size < (off_t)sizeof(uint32_t) &&
       ftruncate(fd, sizeof(uint32_t)) < 0)) {
    return NULL;
  }
  void *bell =
    mmap(NULL, sizeof(uint32_t), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (ring) {
    futimens(fd, NULL); /* IN_ATTRIB for slots_watch() */
  }
  return bell == MAP_FAILED ? NULL : bell;
}

int slots_watch(const char *state_dir)
{
  char path[4096];

  if (snprintf(path, sizeof(path), "%s/lock/doorbell", state_dir) >=
      (int)sizeof(path)) {
    return -ENAMETOOLONG;
  }
  uint32_t *bell = doorbell_map(state_dir, false); /* the file exists */
  if (bell) {
    munmap(bell, sizeof(*bell));
  }
  _cleanup_close_ int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0 || inotify_add_watch(fd, path, IN_ATTRIB) < 0) {
    return -errno;
  }
  return TAKE_FD(fd);
}

void slots_watch_drain(int fd)
{
  char buf[4096];
  while (read(fd, buf, sizeof(buf)) > 0) {
  }
}

void slots_release(const char *state_dir, int fd)
{
  if (fd < 0) {
    return;
  }
  close(fd);
  uint32_t *bell = state_dir ? doorbell_map(state_dir, true) : NULL;
  if (bell) {
    __atomic_add_fetch(bell, 1, __ATOMIC_SEQ_CST);
    syscall(SYS_futex, bell, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
    munmap(bell, sizeof(*bell));
  }
}

/* Sleep until the doorbell rings past seen, or the timer. */
static void doorbell_wait(uint32_t *bell, uint32_t seen)
{
  struct timespec timer = { .tv_sec  = SLOTS_TIMER_MS / 1000,
                            .tv_nsec = (SLOTS_TIMER_MS % 1000) * 1000000L };
  if (!bell) {
    nanosleep(&timer, NULL);
    return;
  }
  syscall(SYS_futex, bell, FUTEX_WAIT, seen, &timer, NULL, 0);
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
  int r =
    slots_try(state_dir, names, limits, count, keep_on_exec, ret_index, ret_fd);
  uint32_t *bell = r == -EAGAIN ? doorbell_map(state_dir, false) : NULL;

  while (r == -EAGAIN) {
    /* read before looking: a release in between is not missed */
    uint32_t seen = bell ? __atomic_load_n(bell, __ATOMIC_SEQ_CST) : 0;
    r = slots_try(state_dir, names, limits, count, keep_on_exec, ret_index,
                  ret_fd);
    if (r == -EAGAIN) {
      doorbell_wait(bell, seen);
    }
  }
  if (bell) {
    munmap(bell, sizeof(*bell));
  }
  return r;
}
