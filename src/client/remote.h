/* One compile on a remote server: preprocess locally while connecting,
 * send the request, receive the reply, and write the outputs as a local
 * compile would (atomically: a temporary file beside the target, then
 * rename). Distribution failures are told apart from compile errors so the
 * caller can fall back to a local compile for the first and not the
 * second. */
#pragma once

#include "args.h"
#include "hosts.h"

struct remote_job {
  const struct hosts_entry *host;      /* borrowed */
  struct args_plan         *plan;      /* borrowed; cpp_argv is edited */
  const char               *compiler;  /* resolved path, for cpp */
  const char               *state_dir; /* for the cpp slot locks */
  unsigned                  cpp_slots; /* --localslots_cpp */
  int                       connect_timeout_ms;
  int                       io_timeout_ms;
};

enum remote_outcome {
  REMOTE_DONE,           /* compiled remotely; exit_code is the
                            compiler's (0, or a compile error) */
  REMOTE_CPP_FAILED,     /* the local preprocessor failed; it has already
                            said why; exit_code is its status */
  REMOTE_NOT_DISTRIBUTED /* connect, protocol or server-side failure;
                            exit_code is the distcc code; why says what */
};

struct remote_result {
  enum remote_outcome outcome;
  int                 exit_code;
  char               *why; /* owned; set for REMOTE_NOT_DISTRIBUTED */
};

/* -ENOMEM and local I/O errors only; everything about the server is in
 * the result. */
int remote_compile(const struct remote_job *job,
                   struct remote_result    *ret_result);
