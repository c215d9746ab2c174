/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One compile on remote servers: preprocess locally while connecting, send
 * the request, receive the reply, and write the outputs as a local compile
 * would (atomically: a temporary file beside the target, then rename).
 * Distribution failures are told apart from compile errors so the caller
 * can retry elsewhere, then fall back to a local compile, for the first and
 * not the second. The preprocessor runs once: its output (a memory file)
 * serves every attempt. Its diagnostics, and the server's, are written as
 * whole blocks (diag.h). Addresses that fail are backed off (backoff.h). */
#pragma once

#include <stdbool.h>

#include "args.h"
#include "backoff.h"
#include "hosts.h"

struct cpprun;

/* Defaults of HERDCC_CONNECT_TIMEOUT (ms: well under distcc's fixed 4 s on
 * a LAN) and HERDCC_IO_TIMEOUT (s). */
#define REMOTE_CONNECT_TIMEOUT_MS 1500
#define REMOTE_IO_TIMEOUT_S       300

struct remote_job {
  struct args_plan *plan;    /* borrowed; args_plan_use_text() may turn
                                 it into the source text's (remote.c) */
  const char     *compiler;  /* resolved path, for cpp */
  const char     *state_dir; /* for the cpp slot and stderr locks */
  unsigned        cpp_slots; /* --localslots_cpp */
  int             connect_timeout_ms;
  int             io_timeout_ms;
  int             job_timeout_ms; /* 0: none; bounds one remote attempt */
  struct backoff *backoff;        /* borrowed: which addresses to pass over,
                                     and where failures are recorded */
  struct cpprun *cpp;             /* owned: the preprocessor's run and output,
                                         made by the first attempt; released by
                                         remote_job_clear() */
  uint32_t herd;    /* the extension version the next remote_compile_on's
                       connection opened with (invite.h); 0: none */
  double size;      /* expected size over the typical job's (history.h), for
                       the host choice; 0: unknown */
  double mean_work; /* the typical job's work, ms at speed 1 (history.h);
                       0: unknown */
};

enum remote_outcome {
  REMOTE_DONE,           /* compiled remotely; exit_code is the
                            compiler's (0, or a compile error) */
  REMOTE_CPP_FAILED,     /* the local preprocessor failed; exit_code is
                            its status; what it said is dropped, for the
                            compile here says it again and more */
  REMOTE_NOT_DISTRIBUTED /* connect, protocol or server-side failure;
                            exit_code is the distcc code; why says what */
};

struct remote_result {
  enum remote_outcome outcome;
  int                 exit_code;
  char               *why;         /* owned; set for REMOTE_NOT_DISTRIBUTED */
  bool                passed_over; /* REMOTE_NOT_DISTRIBUTED without trying:
                                      every address of the host was backed
                                      off or tried already */
  bool cached;                     /* REMOTE_DONE from the server's result
                                      cache, without a compile (HHIT) */
  bool unfit;                      /* REMOTE_NOT_DISTRIBUTED because this
                                      server cannot take such a job (a
                                      profile to one older than extension
                                      version 3): not the farm's failure */
  bool here;                       /* REMOTE_NOT_DISTRIBUTED because only a
                                      compile here prints what it prints:
                                      the preprocessor here and the server's
                                      compiler both spoke, and a local
                                      compile interleaves the two */
};

/* One attempt on host. The first attempt starts the preprocessor, which
 * runs while the connection is made; a failed preprocessor ends the
 * attempt at once, without waiting for the network. A later attempt sends the
 * same output again. Returns -ENOMEM and local errors (the preprocessor could
 * not start, a memory file could not be made) only; everything about the
 * server is in the result. */
int remote_compile(struct remote_job *job, const struct hosts_entry *host,
                   struct remote_result *ret_result);

/* The same on a connection made already (sock, owned: closed in here) to
 * address (backoff's form): the invitation's (invite.h). From extension
 * version 2 on (job->herd, consumed here) the source's digest goes first
 * (HDIG); the server answers HHIT with the stored reply (no source sent,
 * no compile) or HSRC for the source. A plan with a profile sends it
 * first (HPRF, version 3); on any other connection the job is not
 * distributed (passed over: no backoff). */
int remote_compile_on(struct remote_job *job, const struct hosts_entry *host,
                      int sock, const char *address,
                      struct remote_result *ret_result);

/* Start the preprocessor (if it has not started), so it runs while the
 * hosts are asked. */
int remote_prepare(struct remote_job *job);

/* A plan that scans its source text first (args.h, scan_indent) knows
 * which text it sends, and so the server's command line, only once the
 * preprocessor has ended: wait for it, before an invitation reserves a
 * slot for the request. After remote_prepare(); -errno. */
int remote_choose_text(struct remote_job *job);

/* Whether the preprocessor has failed (it has said why); else *ret_fd is
 * a descriptor that becomes readable when it ends, or -1 once it has
 * ended or cannot be watched. After remote_prepare(). */
bool remote_cpp_check(struct remote_job *job, int *ret_fd);

/* The exit code of a preprocessor that failed. */
int remote_cpp_status(const struct remote_job *job);

/* The addresses of host, as remote_compile() connects to them: numeric,
 * or from the DNS cache; never a blocking lookup. *ret_list is owned
 * (freeaddrinfo); *ret_why says why there is none. */
struct addrinfo;
int remote_addresses(const struct remote_job  *job,
                     const struct hosts_entry *host, struct addrinfo **ret_list,
                     char **ret_why);

/* Stop the preprocessor if it still runs, remove the temporary dependency
 * file, close the output. */
void remote_job_clear(struct remote_job *job);
