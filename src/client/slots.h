/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Job slots: how many compiles may run at once on each host, and how many
 * preprocessors on this machine. A slot is an flock() on a file in the
 * state directory ("lock/NAME_N"), so it is released by the kernel however
 * the holder ends, also across exec() when the descriptor is inherited.
 *
 * A compile waiting for a slot sleeps on a doorbell: a futex in a shared
 * memory file ("lock/doorbell", one counter for the state directory),
 * which slots_release() rings after closing a slot, waking every waiter
 * to look again (a poll() loop watches it through slots_watch()). No
 * polling: a holder that ends without ringing (killed,
 * or a compiler exec'd in its place) is noticed by a timer behind it,
 * SLOTS_TIMER_MS.
 *
 * This machine is a host like the others: its local compiles
 * ("localhost_N", --localslots or localhost/LIMIT) and its preprocessors
 * ("cpp_localhost_N", --localslots_cpp) each also take a slot of one
 * budget, "cpu_N" for N below slots_budget(). Both are taken at once or
 * not at all, so a job never holds one while it waits for the other, and
 * slots_release() frees both. A local compile that waits raises a flag
 * ("localhost_want", a shared lock), and preprocessors then leave cpu_0
 * to it: a stream of distributed compiles cannot starve it. A
 * preprocessor that waits raises its own ("cpp_localhost_want"), and on a
 * budget of two or more local compiles then leave the highest cpu_N to
 * it: local compiles cannot hold every CPU while the farm waits for work. */
#pragma once

#include <stdbool.h>

/* Try every slot of each name in turn until one is free, waiting for the
 * doorbell (or its timer) when all are busy. names/limits have count entries.
 * On success returns the slot's number (N in NAME_N, from 0), *ret_index says
 * which name was taken and *ret_fd holds the lock (close it to release).
 * keep_on_exec leaves the descriptor open across exec so a compiler run in
 * place of this process keeps the slot. */
int slots_acquire(const char *state_dir, char *const *names,
                  const unsigned *limits, unsigned count, bool keep_on_exec,
                  unsigned *ret_index, int *ret_fd);

/* The machine's budget: $HERDCC_LOCAL_CPUS, else the CPUs online. */
#define SLOTS_BUDGET_NAME   "cpu"
#define SLOTS_BUDGET_MAX    1000
#define SLOTS_WANT_NAME     "localhost_want"
#define SLOTS_CPP_WANT_NAME "cpp_localhost_want"
unsigned slots_budget(void);

/* Whether a local compile waits for a slot of state_dir now. */
bool slots_local_waiting(const char *state_dir);

/* For a wait over names that include this machine's local compiles (or
 * else its preprocessors): that kind's waiting flag, raised until the
 * descriptor is closed (-1: none). */
int slots_want(const char *state_dir, char *const *names,
               const unsigned *limits, unsigned count);

/* A waiter that has not been woken looks again after this long. */
#define SLOTS_TIMER_MS 200

/* Release the slot held by fd (closed; -1 is ignored) and ring the
 * doorbell of state_dir's waiters. */
void slots_release(const char *state_dir, int fd);

/* The doorbell as a descriptor, for a poll() loop (invite.h): readable
 * after a release (an inotify watch on the doorbell, which slots_release()
 * touches); slots_watch_drain() reads what is there. -errno when it cannot
 * be had (then the caller relies on its timer). */
int  slots_watch(const char *state_dir);
void slots_watch_drain(int fd);

/* One pass of the same, without waiting: -EAGAIN when every slot is taken.
 * A limit of 0 leaves a name out. */
int slots_try(const char *state_dir, char *const *names, const unsigned *limits,
              unsigned count, bool keep_on_exec, unsigned *ret_index,
              int *ret_fd);
