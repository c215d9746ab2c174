/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Host choice: which of the offers a compile has at this moment it should
 * take, or whether it should wait for a better one. Every offer is valued
 * by when the job would finish there, in units of the typical job's time:
 * size / slot speed on a free slot (an invitation, a free local slot
 * file, this machine), plus the time for the jobs ahead of it to start
 * on a waiting one (the work ahead / (slots x slot speed): what the
 * server says is to run before it, weighted (select.c), else (ahead + 1)
 * typical jobs); an offer not answered yet counts as free, so a compile
 * does not take a slow free slot while a faster server may still invite
 * it. The size is the job's own over the typical (history.h), 1 when
 * unknown: a big job values speed over waiting. Pure code, no I/O: the
 * client uses it, and so does the farm simulation in bench/
 * (bench/farm-sim.c), compiled from the same file. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum select_kind {
  SELECT_GONE,    /* failed, busy or declined: not an option */
  SELECT_PENDING, /* asked, no answer yet */
  SELECT_WAITING, /* in a waiting room, ahead jobs before it */
  SELECT_FREE,    /* a slot is there for the taking (or reserved) */
};

struct select_offer {
  enum select_kind kind;
  double           slot_speed; /* the speed of one job slot, > 0 */
  unsigned         slots;      /* job slots of the host, >= 1 */
  unsigned         ahead;      /* SELECT_WAITING: jobs to start first */
  bool             said_work;  /* SELECT_WAITING: the server said work_ahead */
  double work_ahead; /* what is to run there before this job can start, in
                        typical jobs: those queued ahead by their sizes,
                        and what the running jobs still have to do; not
                        said, (ahead + 1) typical jobs */
  unsigned free;     /* SELECT_FREE: slots still free besides */
  double   size;     /* this job's expected size over the typical
                        one's; 0: unknown (1) */
  bool owner;        /* the server the command line's rendezvous
                        names (select_owner): where its result
                        is cached if the farm has it */
};

/* Costs within this fraction of each other are taken as equal (speeds are
 * measured, and measurements vary): then the offer with more free slots
 * wins, so equal servers share the work. */
#define SELECT_TIE 0.10

/* The owner of a command line wins over an offer up to this fraction
 * cheaper: a hit there costs no compile, and a miss stores the result
 * where the next build of any client looks first; beyond it the faster
 * offer wins, so a busy or slow owner does not hold the build up. On a
 * cold build this is what the preference may cost at most per job; on a
 * farm of equal servers with free slots it costs nothing. */
#define SELECT_OWNER_SLACK 0.25

/* When a typical job would end on offer, in typical job times at speed 1;
 * a very large number for SELECT_GONE. */
double select_cost(const struct select_offer *offer);

/* The best of n offers, or -1 when every offer is gone. The caller
 * commits when the best is SELECT_FREE, and waits otherwise. The owner
 * wins within SELECT_OWNER_SLACK unless it offers a place in its waiting
 * room against a free slot;
 * among equal costs (SELECT_TIE) a free offer beats one only hoped for,
 * and more free slots beat fewer; then the first wins: callers list
 * offers in the order they prefer. */
int select_best(const struct select_offer *offers, size_t n);

/* Rendezvous (highest random weight) hashing: the one of n servers, by
 * name, that owns the command line whose digest is key; -1 when n is 0.
 * Every client with the same servers names the same owner; a server
 * that leaves moves only the command lines it owned. */
int select_owner(uint64_t key, const char *const *names, size_t n);

/* A 64-bit digest of a command line (argv, NULL-terminated), the key of
 * select_owner(). */
uint64_t select_command_key(char *const *argv);

/* The slot speed to assume for a host that announces none: the median of
 * the n known ones (those > 0), or 1 when none is known. */
double select_default_speed(const double *speeds, size_t n);
