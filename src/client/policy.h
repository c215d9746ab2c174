/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The client's compile policy: from what is known about one compile at a
 * point of its life (what the host list gave; how an attempt on a server
 * ended), what to do next: send it to a server, send it to another one,
 * run it here, or end with an exit code. Pure functions of their facts:
 * no I/O, no exits, no environment (policy_settings_from_env() reads the
 * variables once). main.c carries the decisions out and says why;
 * tests/unit/test-policy.c checks every row. */
#pragma once

#include <stdbool.h>

#include "log.h"
#include "remote.h"

/* Servers one compile tries before the local fallback. */
#define POLICY_MAX_ATTEMPTS 3

enum policy_action {
  POLICY_SEND,     /* distribute over the candidates */
  POLICY_RETRY,    /* try another server that has a free slot */
  POLICY_RUN_HERE, /* compile on this machine */
  POLICY_RETURN,   /* the compile is over: exit with exit_code */
};

struct policy_decision {
  enum policy_action action;
  int                exit_code; /* POLICY_RETURN */
  bool               in_slot;   /* POLICY_RUN_HERE: in a local compile slot
                                   (--localslots), as a fallback is */
  enum log_level level;         /* how loudly the reason is told */
};

struct policy_settings {
  bool     fallback;         /* $HERDCC_FALLBACK: run here when it fails */
  bool     skip_local_retry; /* $HERDCC_SKIP_LOCAL_RETRY */
  unsigned max_attempts;     /* servers tried, at least 1 */
};

/* What the host list gave the compile. */
enum policy_hosts {
  POLICY_HOSTS_BAD_SPEC,    /* an entry does not parse */
  POLICY_HOSTS_UNSET,       /* no host list anywhere */
  POLICY_HOSTS_UNREADABLE,  /* the list or the state directory failed */
  POLICY_HOSTS_BACKED_OFF,  /* every server is backed off */
  POLICY_HOSTS_UNRESOLVED,  /* every server is a name without address */
  POLICY_HOSTS_NONE_USABLE, /* none of a kind this build can use */
  POLICY_HOSTS_SOME,        /* candidates to send it to */
};

/* How one attempt on a server ended. */
struct policy_attempt {
  int                 local_error; /* -errno of this machine, or 0 */
  enum remote_outcome outcome;     /* when local_error is 0 */
  int                 exit_code;   /* the compiler's or distcc's code */
  bool                passed_over; /* not tried: backed off, tried already */
  unsigned            attempt;     /* 1 for the first server */
  bool                no_other;    /* no other server has a free slot */
  bool                unfit;       /* the server cannot take such a job */
  bool                here;        /* only a compile here says what it says */
};

struct policy_settings policy_settings_from_env(void);

/* Before any server is asked. told: the failure is news to this compile
 * (a DNS lookup it made and saw fail), so it is told as a warning. */
struct policy_decision policy_for_hosts(enum policy_hosts hosts, bool told,
                                        const struct policy_settings *s);

/* After an attempt: its result, another server, here, or a failure. */
struct policy_decision policy_after_attempt(const struct policy_attempt  *a,
                                            const struct policy_settings *s);
