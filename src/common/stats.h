/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The daemon's status, as one model shared by herdccd (which fills and
 * encodes it) and the monitors (which fetch and decode it): the JSON form
 * of the stats port. The plain-text form (distcc 3.4's --stats format,
 * for existing scrapers) is the daemon's alone, written from its counters
 * (herdccd's statsd.h), not from this model.
 *
 * The stats port speaks just enough HTTP/1.0: a request line
 * "GET /json" (any version, headers ignored) gets the JSON document
 * (Content-Type: application/json), "GET /text" distcc's text with
 * herdccd's own keys after distcc's; anything else, or nothing within a
 * short grace period, gets distcc's text unchanged. A peer the server's
 * --allow leaves out gets "403 Forbidden" and the reason. Either way the
 * server closes the connection after the body.
 *
 * The decoder takes bytes from a stranger on the network: it is strict
 * JSON (RFC 8259) with caps on depth, string lengths and counts, ignores
 * members it does not know (newer servers), and never trusts a number to
 * fit without checking. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define STATS_JSON_PATH    "/json"
#define STATS_TEXT_PATH    "/text" /* distcc's text, then herdccd's keys */
#define STATS_DEFAULT_PORT 3633
#define STATS_JSON_VERSION 1

/* Caps: a document larger than STATS_JSON_MAX is refused unread. */
#define STATS_JSON_MAX  (1024 * 1024)
#define STATS_JOBS_MAX  1024
#define STATS_ALLOW_MAX 64

enum stats_result {
  STATS_RESULT_OK,            /* compiled, object sent */
  STATS_RESULT_COMPILE_ERROR, /* the compiler said no: the user's error */
  STATS_RESULT_REFUSED,       /* access, compiler or argument refused */
  STATS_RESULT_TIMEOUT,       /* --io-timeout or --job-lifetime */
  STATS_RESULT_CLIENT_GONE,   /* the client hung up mid-job */
  STATS_RESULT_BUSY,          /* turned away with the busy reply */
  STATS_RESULT_PROTOCOL,      /* malformed request */
  STATS_RESULT_OTHER,         /* anything else (I/O error, crash, ...) */
  STATS_RESULT_COUNT_
};

/* "ok", "compile_error", "refused", "timeout", "client_gone", "busy",
 * "protocol", "other": the JSON member names. */
const char *stats_result_name(enum stats_result result);

enum stats_phase {
  STATS_PHASE_WAITING, /* request arrived, waiting for a slot */
  STATS_PHASE_RECEIVE, /* reading the request and the source */
  STATS_PHASE_COMPILE, /* compiler running */
  STATS_PHASE_SEND,    /* sending the reply */
  STATS_PHASE_COUNT_
};

/* "waiting", "receive", "compile", "send". */
const char *stats_phase_name(enum stats_phase phase);

struct stats_job {
  char             client[64];  /* "ADDR:PORT", "[v6]:PORT" */
  char             source[256]; /* the source name the client sent */
  char             compiler[64];
  uint64_t         size; /* bytes of preprocessed source so far */
  enum stats_phase phase;
  int64_t          started;    /* UNIX time, seconds: when it was received */
  int32_t          pid;        /* the server's job process, 0: unknown */
  uint64_t         phase_ms;   /* in the current phase so far */
  uint64_t         receive_ms; /* receiving the source so far */
};

struct stats_config {
  uint16_t port;
  uint16_t stats_port;
  unsigned jobs;     /* --jobs */
  bool     zeroconf; /* publishing over mDNS */
  bool     lzo;      /* protocol 2 (LZO) accepted */
  size_t   allow_count;
  char     allow[STATS_ALLOW_MAX][48]; /* CIDRs; "private" for the default */
};

/* The result cache (herdccd's cache.h): counters since the daemon
 * started, and what the cache holds now. A document from a server
 * without a cache has no "cache" member: enabled is false. */
struct stats_cache {
  bool     enabled;
  uint64_t hits;      /* jobs served from the cache */
  uint64_t misses;    /* jobs looked up and compiled */
  uint64_t stores;    /* results stored */
  uint64_t evictions; /* entries evicted to make room */
  uint64_t bytes;     /* in use now */
  uint64_t entries;   /* held now */
  uint64_t max_bytes; /* --cache-size */
};

/* The hits' share of the jobs looked up, in percent; 0 before any. */
double stats_cache_hit_percent(const struct stats_cache *cache);

struct stats {
  char                version[32]; /* herdccd's */
  char                host[128];   /* gethostname() */
  int64_t             now;         /* UNIX time of the snapshot */
  int64_t             uptime_s;
  struct stats_config config;
  uint64_t            results[STATS_RESULT_COUNT_];
  uint64_t            jobs_done;    /* sum of results */
  uint64_t            bytes_in;     /* preprocessed source received */
  uint64_t            bytes_out;    /* objects sent */
  double              jobs_per_min; /* over the last minute */
  /* Milliseconds finished jobs spent in each phase: with bytes_in and
   * bytes_out, the average throughput receiving and sending. */
  uint64_t           phase_ms[STATS_PHASE_COUNT_];
  uint64_t           accepted;   /* connections accepted */
  uint64_t           longest_ms; /* the longest job, 0: none yet */
  char               longest_source[256];
  uint64_t           max_rss_kb; /* a compiler's largest peak RSS */
  double             load[3];    /* /proc/loadavg */
  unsigned           cpus;
  unsigned           running; /* jobs in a slot now */
  struct stats_cache cache;
  size_t             job_count; /* entries in jobs */
  struct stats_job  *jobs;      /* owned */
};

/* Free what s owns (not s itself); accepts NULL. */
void stats_clear(struct stats *s);

/* Encode s as one JSON document; *ret_text (NUL-terminated, owned by the
 * caller) and its length. -ENOMEM. */
int stats_to_json(const struct stats *s, char **ret_text, size_t *ret_len);

/* Decode a JSON document into *ret_stats (written only on success; the
 * caller stats_clear()s it). -EBADMSG with a reason in why (a buffer of
 * why_len bytes, may be NULL) when text is not a status document. */
int stats_from_json(const char *text, size_t len, struct stats *ret_stats,
                    char *why, size_t why_len);

/* What a stats port's peer asks for, from the bytes it sent (len of
 * them at buf, no NUL needed): "GET /json" (then a space, '?' or the end
 * of the line) the JSON document, "GET /text" distcc's text with
 * herdccd's keys after it, anything else distcc's text. */
enum stats_form {
  STATS_FORM_TEXT,      /* distcc's text, unchanged */
  STATS_FORM_TEXT_OURS, /* distcc's text, then herdccd's keys */
  STATS_FORM_JSON,
};

enum stats_form stats_request_form(const char *buf, size_t len);
