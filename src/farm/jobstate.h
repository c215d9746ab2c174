/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Client job state files: what each running herdcc is doing, for the
 * monitors (herdcc-top, herdcc-monitor). One small file per client
 * process in the jobs directory (jobstate_dir()), named
 * "job-UID-PID", replaced atomically at every phase change (the state is
 * written to a spare file, ".job-UID-PID.tmp", which then trades names
 * with the published one: a rename) and removed when the client exits or
 * is stopped by a signal.
 *
 * The encoding is fixed and self-describing: a magic, a byte-order mark
 * written in the writer's byte order (a reader swaps when it reads the
 * mark reversed, so a file written on a machine of the other byte order
 * reads the same), a format version, fixed-size integer fields and two
 * length-prefixed strings. The decoder trusts nothing: every length is
 * checked against the buffer and a cap, strings must be valid printable
 * text without NUL, and a file whose owner is not the process it names is
 * ignored by the scanner (a shared, world-writable directory cannot be
 * used to make one user's file pass for another's job).
 *
 * A file whose process is gone (no such pid, or a pid reused by another
 * process: the kernel's start time differs) is stale; the scanner skips
 * it and removes it when asked and allowed. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum job_phase {
  JOB_PHASE_STARTING,   /* started, nothing decided yet */
  JOB_PHASE_WAIT_SLOT,  /* waiting for a free server or local slot */
  JOB_PHASE_PREPROCESS, /* running cpp (possibly while connecting) */
  JOB_PHASE_CONNECT,    /* connecting to the server */
  JOB_PHASE_SEND,       /* sending the request and the source */
  JOB_PHASE_COMPILE,    /* waiting for the server's compiler */
  JOB_PHASE_RECEIVE,    /* receiving the reply */
  JOB_PHASE_LOCAL,      /* compiling on this machine */
  JOB_PHASE_COUNT_
};

/* How the job reaches its server. */
enum job_conn {
  JOB_CONN_NONE, /* not connected (yet), or compiling here */
  JOB_CONN_TCP,
  JOB_CONN_SSH,
  JOB_CONN_COUNT_
};

/* How its bodies travel. */
enum job_codec {
  JOB_CODEC_NONE, /* protocol 1: as they are */
  JOB_CODEC_LZO,  /* protocol 2 */
  JOB_CODEC_ZLIB, /* herdcc's own */
  JOB_CODEC_COUNT_
};

/* Caps on the strings a file may carry (bytes, without a terminator). */
#define JOBSTATE_HOST_MAX 255
#define JOBSTATE_FILE_MAX 1023

/* The most a state file can hold; a larger file is refused unread. */
#define JOBSTATE_FILE_SIZE_MAX 2048

struct job_state {
  uint32_t       pid;
  uint64_t       proc_start; /* /proc/PID/stat starttime (clock ticks) */
  int64_t        started_us; /* CLOCK_REALTIME, µs since the epoch */
  int64_t        phase_us;   /* when the current phase began, same clock */
  enum job_phase phase;
  int32_t        slot; /* -1: none */
  enum job_conn  conn;
  enum job_codec codec;
  uint16_t       port;       /* the server's TCP port; 0: none or ssh */
  uint64_t       sent;       /* source bytes sent to the server */
  uint64_t       send_us;    /* how long sending them took */
  uint64_t       received;   /* reply bytes received */
  uint64_t       receive_us; /* how long receiving them took */
  char           host[JOBSTATE_HOST_MAX + 1]; /* "" until one is chosen */
  char           file[JOBSTATE_FILE_MAX + 1]; /* the source file */
};

/* "starting", "wait-slot", "preprocess", "connect", "send", "compile",
 * "receive", "local"; NULL for a value outside the enum. */
const char *job_phase_name(enum job_phase phase);

/* "-", "tcp", "ssh"; NULL outside the enum. */
const char *job_conn_name(enum job_conn conn);

/* "none", "lzo", "zlib"; NULL outside the enum. */
const char *job_codec_name(enum job_codec codec);

/* Encode state into buf (cap bytes, at least JOBSTATE_FILE_SIZE_MAX);
 * returns the length, or -EINVAL when a field does not fit its cap. */
int jobstate_encode(const struct job_state *state, uint8_t *buf, size_t cap);

/* Decode a file's bytes; -EBADMSG (bad magic, version, length, phase or
 * text) with *ret_why saying which when ret_why is not NULL. Writes
 * *ret_state only on success. */
int jobstate_decode(const uint8_t *buf, size_t len, struct job_state *ret_state,
                    const char **ret_why);

/* The jobs directory: $HERDCC_JOBS_DIR when set (a directory that several
 * users may share: the administrator makes it sticky and world-writable,
 * like /tmp), else STATE/jobs where STATE is the client's state directory
 * ($HERDCC_DIR, $DISTCC_DIR, ~/.herdcc). Created (0755) when missing.
 * *ret_dir is owned by the caller. */
int jobstate_dir(char **ret_dir);

/* The kernel's start time of pid (field 22 of /proc/PID/stat), or -errno
 * (-ESRCH when there is no such process). */
int jobstate_proc_start(pid_t pid, uint64_t *ret_start);

/* One job seen by a scan, with what the file system says about it. */
struct job_seen {
  struct job_state state;
  uid_t            owner; /* the file's owner, not what the file says */
};

typedef void (*jobstate_seen_fn)(const struct job_seen *job, void *userdata);

/* Call seen for every live, valid job file in dir (no particular order).
 * Files are opened without following links, must be regular, at most
 * JOBSTATE_FILE_SIZE_MAX bytes, named job-UID-PID with UID the file's
 * owner and PID the pid inside, and name a live process with the same
 * start time owned by the same user. Stale files are removed when
 * remove_stale is set and the caller may remove them; invalid ones are
 * skipped. Returns the number of jobs seen, or -errno when dir cannot be
 * read. */
int jobstate_scan(const char *dir, bool remove_stale, jobstate_seen_fn seen,
                  void *userdata);

/* The writer side, used by one herdcc process for its own job. */
struct jobstate_writer;

/* Start publishing this process's job for file (borrowed). NULL when the
 * directory cannot be used (the compile goes on without state). */
struct jobstate_writer *jobstate_writer_new(const char *file);

/* Record a phase change (host may be NULL: keep the previous one; slot -1:
 * none). Errors are ignored: state is advisory. */
void jobstate_writer_phase(struct jobstate_writer *w, enum job_phase phase,
                           const char *host, int slot);

/* The connection the job uses from now on (port 0: none, or ssh);
 * published with the next phase change. */
void jobstate_writer_link(struct jobstate_writer *w, enum job_conn conn,
                          uint16_t port, enum job_codec codec);

/* Bytes sent (or received, with receiving) and how long that took, in
 * µs; published with the next phase change or jobstate_writer_update. */
void jobstate_writer_transfer(struct jobstate_writer *w, bool receiving,
                              uint64_t bytes, uint64_t us);

/* Publish what is recorded now, in the same phase. */
void jobstate_writer_update(struct jobstate_writer *w);

/* Remove the file and free; accepts NULL, returns NULL. */
struct jobstate_writer *jobstate_writer_free(struct jobstate_writer *w);

/* The path of w's file (for an async-signal-safe unlink in a signal
 * handler); borrowed, valid until jobstate_writer_free. */
const char *jobstate_writer_path(const struct jobstate_writer *w);

/* The path of the temporary file w writes before each rename, so that a
 * signal handler that unlinks both never leaves anything behind, without
 * holding signals around every phase change; borrowed, valid until
 * jobstate_writer_free. */
const char *jobstate_writer_tmp_path(const struct jobstate_writer *w);
