/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The candidate hosts of one compile: the entries of the host list it can
 * use now, in list order (--randomize: shuffled), with their slot files'
 * names and limits and whether each was tried; an entry of a kind this
 * build does not support, a name the DNS cache says has no address and a
 * numeric address that is backed off are left out and counted, so that
 * the policy can say why nothing is sent. Then the taking of a job slot
 * among them: the first free one in list order (the job shown as waiting
 * while every slot is taken), the same while the preprocessor runs, and
 * another server for a retry. main.c's classic path and its retries take
 * their slots here; the invitation round (invite.h) is handed the same
 * hosts as its candidates. */
#pragma once

#include <stdbool.h>

#include "backoff.h"
#include "hosts.h"
struct remote_job; /* remote.h */

/* The hosts a compile can use now, in order. Each array has count entries
 * (names NULL-terminated); the entries are borrowed from the host list. */
struct candidates {
  char                     **names;
  unsigned                  *limits;
  const struct hosts_entry **entries;
  bool                      *tried;
  unsigned                   count;
  unsigned                   backed_off; /* left out */
  const struct hosts_entry  *unresolved; /* the first name left out */
};

void candidates_clear(struct candidates *c);

/* The hosts a compile can use now, in order (--randomize: shuffled);
 * state may be NULL (no DNS cache is read). 0 or -ENOMEM. */
int candidates_collect(const struct hosts_list *list, const char *state,
                       struct backoff *backoff, struct candidates *ret);

/* Whether a candidate is a native server (a herdccd, ",herd"). */
bool candidates_any_native(const struct candidates *c);

/* slots_acquire(), showing the job as waiting while every slot is taken;
 * the slot's number, or -errno. */
int candidates_acquire_slot(const char *state, char *const *names,
                            const unsigned *limits, unsigned count,
                            unsigned *ret_index, int *ret_fd);

/* candidates_acquire_slot() over the candidates while the preprocessor of
 * job runs: its end is collected as it comes, so that its slot is not held
 * while the job waits (slots.h). */
int candidates_acquire_beside_cpp(const char *state, const struct candidates *k,
                                  struct remote_job *job, unsigned *ret_index,
                                  int *ret_fd);

/* Another server with a free slot now, for a retry: never one tried
 * already, never localhost (the local fallback comes last). The slot's
 * number, or -errno. */
int candidates_pick_another(const char *state, const struct candidates *c,
                            unsigned *ret_index, int *ret_slot_fd);
