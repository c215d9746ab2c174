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

#include "env.h"
#include "io.h"
#include "macro.h"

/* This machine's slot kinds: a slot of one also takes a slot of the
 * machine's budget (SLOTS_BUDGET_NAME). While one kind waits (want: its
 * waiting flag, a lock file), the other leaves it a budget slot: the
 * lowest to a local compile, the highest to a preprocessor. */
static const struct {
  const char *name;
  const char *want;
  bool        compile; /* a local compile; else a preprocessor */
} local_kinds[] = {
  { "localhost",     SLOTS_WANT_NAME,     true  },
  { "cpp_localhost", SLOTS_CPP_WANT_NAME, false },
};

/* The budget slot each local slot held by this process brings along,
 * closed with it by slots_release(). */
static struct {
  int fd, budget_fd;
} held[4] = {
  { -1, -1 },
  { -1, -1 },
  { -1, -1 },
  { -1, -1 }
};

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
  for (size_t i = 0; i < ARRAY_SIZE(held); i++) {
    if (held[i].fd == fd) {
      close(held[i].budget_fd);
      held[i].fd = held[i].budget_fd = -1;
    }
  }
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

unsigned slots_budget(void)
{
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);

  return (unsigned)env_get_bounded("LOCAL_CPUS", cpus > 0 ? cpus : 1, 1,
                                   SLOTS_BUDGET_MAX);
}

/* Which of local_kinds name is, or -1 for a server's slots. */
static int local_kind(const char *name)
{
  for (size_t i = 0; i < ARRAY_SIZE(local_kinds); i++) {
    if (strcmp(name, local_kinds[i].name) == 0) {
      return (int)i;
    }
  }
  return -1;
}

/* The file of kind k's waiting flag (an open file description lock,
 * shared by every waiter of the kind), opened; -errno. */
static int want_open(const char *lock_dir, int k)
{
  char path[8192];

  snprintf(path, sizeof(path), "%s/%s", lock_dir, local_kinds[k].want);
  return open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
}

static bool kind_waiting(const char *lock_dir, int k)
{
  _cleanup_close_ int fd = want_open(lock_dir, k);
  struct flock        fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };

  return fd >= 0 && fcntl(fd, F_OFD_GETLK, &fl) == 0 && fl.l_type != F_UNLCK;
}

bool slots_local_waiting(const char *state_dir)
{
  char lock_dir[4096];

  snprintf(lock_dir, sizeof(lock_dir), "%s/lock", state_dir);
  return kind_waiting(lock_dir, 0);
}

/* A slot of the machine's budget for a local slot of kind k: a
 * preprocessor leaves the lowest to a local compile that waits, and, on a
 * budget of two or more, a local compile the highest to a preprocessor
 * that waits (the farm's work starts with it). */
static int take_budget(const char *lock_dir, int k, bool keep_on_exec,
                       int *ret_fd)
{
  unsigned budget = slots_budget();
  unsigned first = 0, end = budget;

  if (!local_kinds[k].compile && kind_waiting(lock_dir, 0)) {
    first = 1;
  } else if (local_kinds[k].compile && budget > 1 &&
             kind_waiting(lock_dir, 1)) {
    end = budget - 1;
  }
  for (unsigned b = first; b < end; b++) {
    int r = try_slot(lock_dir, SLOTS_BUDGET_NAME, b, keep_on_exec, ret_fd);
    if (r != -EAGAIN) {
      return r;
    }
  }
  return -EAGAIN;
}

/* The first free slot of name: -EAGAIN when every one is taken. */
static int take_of(const char *lock_dir, const char *name, unsigned limit,
                   bool keep_on_exec, int *ret_fd)
{
  for (unsigned slot = 0; slot < limit; slot++) {
    int r = try_slot(lock_dir, name, slot, keep_on_exec, ret_fd);
    if (r != -EAGAIN) {
      return r < 0 ? r : (int)slot;
    }
  }
  return -EAGAIN;
}

/* The same for one of this machine's kinds (local_kinds[k]): its budget
 * slot first, so that the kind's slots held never outnumber the budget,
 * released again when the kind has none free. */
static int take_local(const char *lock_dir, int k, unsigned limit,
                      bool keep_on_exec, int *ret_fd)
{
  size_t h = 0;
  int    budget_fd;

  while (h < ARRAY_SIZE(held) && held[h].fd >= 0) {
    h++;
  }
  if (h == ARRAY_SIZE(held)) {
    return -EMFILE;
  }
  int r = take_budget(lock_dir, k, keep_on_exec, &budget_fd);
  if (r < 0) {
    return r;
  }
  r = take_of(lock_dir, local_kinds[k].name, limit, keep_on_exec, ret_fd);
  if (r < 0) {
    close(budget_fd);
    return r;
  }
  held[h].fd        = *ret_fd;
  held[h].budget_fd = budget_fd;
  return r;
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
    int k = limits[i] ? local_kind(names[i]) : -1;
    r     = k >= 0 ? take_local(lock_dir, k, limits[i], keep_on_exec, ret_fd)
                   : take_of(lock_dir, names[i], limits[i], keep_on_exec, ret_fd);
    if (r >= 0) {
      *ret_index = i;
      return r;
    }
    if (r != -EAGAIN) {
      return r;
    }
  }
  return -EAGAIN;
}

int slots_want(const char *state_dir, char *const *names,
               const unsigned *limits, unsigned count)
{
  char lock_dir[4096];
  int  kind = -1;

  for (unsigned i = 0; i < count; i++) {
    int k = limits[i] > 0 ? local_kind(names[i]) : -1;
    kind  = k >= 0 && (kind < 0 || local_kinds[k].compile) ? k : kind;
  }
  snprintf(lock_dir, sizeof(lock_dir), "%s/lock", state_dir);
  if (kind < 0 || io_mkdir_p(lock_dir, 0777) < 0) {
    return -1;
  }
  int          fd = want_open(lock_dir, kind);
  struct flock fl = { .l_type = F_RDLCK, .l_whence = SEEK_SET };
  if (fd >= 0 && fcntl(fd, F_OFD_SETLK, &fl) < 0) {
    closep(&fd);
  }
  return fd >= 0 ? fd : -1;
}

int slots_acquire(const char *state_dir, char *const *names,
                  const unsigned *limits, unsigned count, bool keep_on_exec,
                  unsigned *ret_index, int *ret_fd)
{
  int r =
    slots_try(state_dir, names, limits, count, keep_on_exec, ret_index, ret_fd);
  uint32_t *bell = r == -EAGAIN ? doorbell_map(state_dir, false) : NULL;
  _cleanup_close_ int want =
    r == -EAGAIN ? slots_want(state_dir, names, limits, count) : -1;
  (void)want; /* its lock held while this waits, closed on return */

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
