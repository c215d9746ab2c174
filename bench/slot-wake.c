/* SPDX-License-Identifier: GPL-2.0-or-later */
/* How long a compile waiting for a job slot (slots.h) takes to get it once
 * the holder releases it: a holder process takes the only slot, a waiter
 * blocks in slots_acquire(), the holder releases it at a known time, the
 * waiter notes when it has the slot. Two ways to release: slots_release()
 * (rings the doorbell: a futex wake) and a plain close() (what a killed
 * holder does: the waiter's timer, SLOTS_TIMER_MS, finds it). Prints the
 * median and the largest delay of each over ROUNDS rounds.
 *
 *   slot-wake STATE_DIR [ROUNDS]      (built by bench/slot-wake.sh) */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "slots.h"

static long long now_us(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

static int cmp(const void *a, const void *b)
{
  long long x = *(const long long *)a, y = *(const long long *)b;
  return x < y ? -1 : x > y;
}

/* One round: the delay in us between the release and the waiter's slot. */
static long long one_round(const char *state, int ring, long long *shared)
{
  char    *names[] = { (char *)"bench", NULL };
  unsigned limit   = 1, idx;
  int      fd;

  if (slots_try(state, names, &limit, 1, false, &idx, &fd) < 0) {
    return -1;
  }
  pid_t pid = fork();
  if (pid == 0) {
    int wfd;
    close(fd); /* the parent's lock, not the child's to hold */
    slots_acquire(state, names, &limit, 1, false, &idx, &wfd);
    shared[1] = now_us();
    _exit(0);
  }
  usleep(50000); /* the waiter is asleep by now */
  shared[0] = now_us();
  if (ring) {
    slots_release(state, fd);
  } else {
    close(fd);
  }
  waitpid(pid, NULL, 0);
  return shared[1] - shared[0];
}

int main(int argc, char **argv)
{
  const char *state  = argc > 1 ? argv[1] : "/tmp";
  int         rounds = argc > 2 ? atoi(argv[2]) : 21;
  long long  *shared = mmap(NULL, 2 * sizeof(long long), PROT_READ | PROT_WRITE,
                            MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  long long  *d[2];

  d[0] = calloc((size_t)rounds, sizeof(long long));
  d[1] = calloc((size_t)rounds, sizeof(long long));
  for (int i = 0; i < rounds; i++) { /* interleaved */
    d[1][i] = one_round(state, 1, shared);
    d[0][i] = one_round(state, 0, shared);
  }
  for (int ring = 1; ring >= 0; ring--) {
    qsort(d[ring], (size_t)rounds, sizeof(long long), cmp);
    printf("%-32s median %7.3f ms  max %7.3f ms\n",
           ring ? "slots_release (futex doorbell)"
                : "close only (the timer finds it)",
           (double)d[ring][rounds / 2] / 1000,
           (double)d[ring][rounds - 1] / 1000);
  }
  return 0;
}
