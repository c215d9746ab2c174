/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The invitation round of one compile (docs/protocol.md, "The
 * invitation"): connect at once, non-blocking, to the native servers of
 * the host list (at most INVITE_MAX_ASK of them, drawn by capacity),
 * say HERD, and read what each answers: an invitation (a slot reserved
 * for this compile), a place in its waiting room, busy. Stock servers and
 * this machine take part through their slot files (slots.h), tried when
 * they would be the best choice. select.h values the offers; the round
 * commits to the best free one, closes the others at once (releasing
 * their reservations and places), and returns the connection, on which
 * the caller sends the job; or the slot file it took. Offers are valued
 * again on every answer, so an invitation from a slow server is declined
 * while a faster one is about to free a slot, and a server declined is
 * asked again when it has become the best choice. The preprocessor runs
 * meanwhile; its failure ends the round. */
#pragma once

#include <stdbool.h>

#include "backoff.h"
#include "hosts.h"
#include "remote.h"

/* Native servers asked at once; when every one answers with its waiting
 * room, as many more, up to INVITE_BATCHES times in all (1: the farm
 * simulation, bench/farm-sim.c, finds that asking further inflates every
 * waiting room with compiles that will not stay, and makespans grow). */
#define INVITE_MAX_ASK 8
#define INVITE_BATCHES 1

/* How long a compile that has an answer waits for the servers that have
 * not answered yet before it counts them out (they may still answer). */
#define INVITE_GRACE_MS 30

/* Native servers the owner of a command line is chosen among (the first
 * of the host list, when there are more). */
#define INVITE_OWNER_MAX 1024

struct invite_candidate {
  const struct hosts_entry *entry;      /* borrowed */
  const char               *slot_name;  /* borrowed: its slot files' name */
  unsigned                  limit;      /* its slot files (not herd) */
  double                    slot_speed; /* known speed of a slot, 0: none */
  bool                      herd;       /* ask it with HERD */
  bool                      owner;      /* the command line's owner
                                           (select_owner): always asked,
                                           preferred */
};

enum invite_outcome {
  INVITE_SERVER,     /* invited: sock is the connection */
  INVITE_SLOT,       /* a slot file was free: slot_fd holds it */
  INVITE_NONE,       /* every native server is busy or failed, and no slot
                        file is free */
  INVITE_CPP_FAILED, /* the preprocessor failed (its words are dropped) */
};

struct invite_result {
  enum invite_outcome outcome;
  unsigned            index; /* the candidate chosen */
  int                 sock;  /* INVITE_SERVER: owned by the caller */
  char                address[BACKOFF_ADDRESS_MAX]; /* INVITE_SERVER */
  uint32_t            herd;    /* INVITE_SERVER: the extension version */
  int                 slot_fd; /* INVITE_SLOT: owned by the caller */
  int                 slot;    /* INVITE_SLOT: its number */
  double slot_speed; /* INVITE_SERVER, INVITE_SLOT: as the round valued it */
};

/* Run the round over the n candidates (the preprocessor started by
 * remote_prepare()). -ENOMEM and local errors only. */
int invite_choose(struct remote_job *job, const struct invite_candidate *cands,
                  unsigned n, struct invite_result *ret_result);
