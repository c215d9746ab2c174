/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "job.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "args.h"
#include "chunks.h"
#include "clock.h"
#include "compile.h"
#include "exitcode.h"
#include "herd.h"
#include "io.h"
#include "log.h"
#include "macro.h"
#include "strv.h"
#include "text.h"

/* The name SERR lines start with; herdcc clients look for it. */
#define JOB_SERVER_NAME "herdccd"

/* The highest version whose reply we can still write: protocol 3 (pump
 * mode) replies as protocol 2 does. */
#define JOB_VERSION_ANSWERABLE 3

struct job {
  int                       in_fd;
  int                       out_fd;
  const struct job_config  *config;
  char                      peer[ACCESS_PEER_NAME_MAX];
  uint32_t                  version;     /* 0 until DIST was read */
  char                    **argv;        /* owned: the request's */
  bool                      source_read; /* DOTI consumed (or abandoned) */
  struct args_job           args;
  char                     *compiler_path; /* owned */
  long long                 started_ms;
  struct statsd_slot       *slot;       /* borrowed, or NULL */
  enum stats_result         result;     /* what the stats port counts */
  uint64_t                  bytes_in;   /* source received */
  uint64_t                  bytes_out;  /* object sent */
  uint32_t                  herd;       /* the extension version, 0: none */
  bool                      digest_due; /* HDIG is still to be answered */
  bool                      keyed;      /* key holds a cache key */
  enum statsd_cache_outcome cache;      /* what the cache did */
  unsigned                  evicted;    /* entries our store evicted */
  struct cache_key          key;
  uint8_t                   digest[SHA256_DIGEST_SIZE];
  bool                      chunked; /* the source comes in chunks */
  struct chunks_source      chunks;
};

static void job_clear(struct job *job)
{
  strv_free(job->argv);
  free(job->compiler_path);
  chunks_clear(&job->chunks);
}

static _printf_(3, 4) void job_log(const struct job *job, enum log_level level,
                                   const char *fmt, ...)
{
  char    text[2048], clean[2048];
  va_list ap;

  /* Peer-chosen text (arguments, file names) must not forge log lines or
     reach a terminal raw: the one cleaner (text.h). */
  va_start(ap, fmt);
  vsnprintf(text, sizeof(text), fmt, ap);
  va_end(ap);
  log_write(level, "Job from %s: %s", job->peer,
            text_clean(clean, sizeof(clean), text, 0));
}

static const char *job_source_name(const struct job *job)
{
  return job->args.input_index ? job->argv[job->args.input_index] : "-";
}

static int send_reply(struct job *job, struct proto_reply *reply)
{
  reply->version = job->version;
  io_cork(job->out_fd, true);
  int r = proto_send_reply(job->out_fd, reply, job->config->io_timeout_ms);
  io_cork(job->out_fd, false);
  if (r < 0) {
    job_log(job, LOG_LEVEL_WARNING, "Failed to send the reply: %s",
            strerror(-r));
  }
  return r;
}

/* Read and discard the source a refused request still carries, so that the
 * client is not reset while it sends. */
static int drain_source(struct job *job)
{
  job->source_read = true;
  return proto_recv_body_stream(job->in_fd, "DOTI",
                                job->config->limits->max_body,
                                job->config->io_timeout_ms, NULL, NULL, NULL);
}

static int answer_digest(struct job *job, const char *token)
{
  job->digest_due = false;
  return proto_send_header(job->out_fd, token, 0, job->config->io_timeout_ms);
}

/* Extension version 4: the chunks that the server asks for (HNED). */
static int answer_need(struct job *job, bool ask_none)
{
  struct chunks_source *src = &job->chunks;

  chunks_gather(job->config->chunks, src, ask_none);
  job->digest_due = false;
  job->chunked    = true;
  /* one segment: a second small write would wait for the client's
     delayed ACK (Nagle) */
  io_cork(job->out_fd, true);
  int r = proto_send_body(job->out_fd, "HNED", src->need, src->need_len,
                          PROTO_CODEC_NONE, job->config->io_timeout_ms);
  io_cork(job->out_fd, false);
  return r;
}

/* The source's digest the client sends first (HDIG, extension version 2)
 * into digest, and from version 4 its list of chunks. */
static int read_digest(struct job *job, uint8_t digest[HERD_DIGEST_LEN])
{
  _cleanup_free_ char *buf = NULL;
  size_t               len = 0;
  int r = proto_recv_body(job->in_fd, "HDIG", HERD_DIGEST_LEN, false,
                          job->config->io_timeout_ms, &buf, &len);

  if (r >= 0 && len != HERD_DIGEST_LEN) {
    r = -EPROTO;
  }
  if (r >= 0) {
    memcpy(digest, buf, HERD_DIGEST_LEN);
  }
  if (r >= 0 && job->herd >= HERD_CHUNK_VERSION) {
    r = chunks_read_list(job->in_fd, job->config->limits->max_body,
                         job->config->io_timeout_ms, &job->chunks);
  }
  return r;
}

/* A miss: the source, whole (HSRC) or the chunks asked for (HNED). */
static int ask_source(struct job *job, bool ask_none)
{
  return job->herd >= HERD_CHUNK_VERSION ? answer_need(job, ask_none)
                                         : answer_digest(job, "HSRC");
}

/* Refuse or fail the job with a normal reply: STAT exit_code << 8 and one
 * line "herdccd: TEXT" in SERR. Returns -EPERM once the reply is sent. */
static _printf_(3, 4) int job_fail(struct job *job, int exit_code,
                                   const char *fmt, ...)
{
  _cleanup_free_ char *text = NULL;
  _cleanup_free_ char *line = NULL;
  va_list              ap;

  va_start(ap, fmt);
  int r = vasprintf(&text, fmt, ap);
  va_end(ap);
  if (r < 0 || asprintf(&line, "%s: %s\n", JOB_SERVER_NAME, text) < 0) {
    return -ENOMEM;
  }
  job_log(job, LOG_LEVEL_WARNING, "%s", text);
  if (job->argv && !job->source_read && job->digest_due) {
    /* a refusal is a miss: the source comes (no chunk of it from version
       4 on), then the reply */
    uint8_t digest[HERD_DIGEST_LEN];
    r = read_digest(job, digest);
    r = r < 0 ? r : ask_source(job, true);
    if (r < 0) {
      return r;
    }
  }
  if (job->argv && !job->source_read) {
    r = drain_source(job);
    if (r == -ENODATA) {
      return -EPERM; /* gone (its cpp failed?): nobody to tell */
    }
    if (r < 0) {
      job_log(job, LOG_LEVEL_DEBUG, "Failed to read the rest: %s",
              strerror(-r));
    }
  }
  struct proto_reply reply = {
    .status   = proto_status_exit(exit_code),
    .serr     = line,
    .serr_len = strlen(line),
  };
  r = send_reply(job, &reply);
  return r < 0 ? r : -EPERM;
}

static int read_request(struct job *job)
{
  uint32_t version = 0;
  int      r =
    proto_recv_request_args(job->in_fd, job->config->limits,
                            job->config->io_timeout_ms, &version, &job->argv);

  if (r >= 0) {
    job->version = version;
    return 0;
  }
  job->result = r == -ENODATA || r == -ECONNRESET ? STATS_RESULT_CLIENT_GONE
                : r == -ETIMEDOUT                 ? STATS_RESULT_TIMEOUT
                : r == -EMSGSIZE                  ? STATS_RESULT_REFUSED
                                                  : STATS_RESULT_PROTOCOL;
  if (r == -EPROTONOSUPPORT && version <= JOB_VERSION_ANSWERABLE) {
    job->version = version;
    return job_fail(job, EXIT_PROTOCOL_ERROR,
                    "refused: protocol version %u is not supported by this "
                    "server (it speaks 1 and 2)",
                    version);
  }
  if (r == -EMSGSIZE) {
    job->version = 1; /* the codec does not tell which it was */
    return job_fail(job, EXIT_PROTOCOL_ERROR,
                    "refused: the command line is longer than this server "
                    "accepts");
  }
  if (r == -ENODATA) {
    job_log(job, LOG_LEVEL_INFO,
            "connection closed before the request was complete");
  } else {
    job_log(job, LOG_LEVEL_WARNING, "dropped: bad request (%s)", strerror(-r));
  }
  return r;
}

static int check_compiler(struct job *job)
{
  _cleanup_free_ char *reason = NULL;
  int r = compilers_resolve(job->config->compilers, job->argv[0],
                            &job->compiler_path, &reason);

  job->result = r == -ENOMEM ? STATS_RESULT_OTHER : STATS_RESULT_REFUSED;

  if (r == -EPERM) {
    return job_fail(job, EXIT_COMPILER_MISSING, "refused: %s", reason);
  }
  if (r == -ENOENT) {
    return job_fail(job, EXIT_COMPILER_MISSING, "failed to exec %s: %s",
                    job->argv[0], reason);
  }
  if (r < 0) {
    return job_fail(job, EXIT_OUT_OF_MEMORY, "out of memory");
  }
  return 0;
}

static int check_args(struct job *job)
{
  _cleanup_free_ char *reason = NULL;
  int                  r = args_check_server(job->argv, &job->args, &reason);

  job->result = r == -EPERM ? STATS_RESULT_REFUSED : STATS_RESULT_OTHER;

  if (r == -EPERM) {
    return job_fail(job, EXIT_BAD_ARGUMENTS, "refused: %s", reason);
  }
  if (r < 0) {
    return job_fail(job, EXIT_OUT_OF_MEMORY, "out of memory");
  }
  if (job->args.split_dwarf && job->herd < HERD_TREE_VERSION) {
    /* the .dwo comes after the reply (HDWO): only a client that reads it */
    job->result = STATS_RESULT_REFUSED;
    return job_fail(job, EXIT_BAD_ARGUMENTS,
                    "refused: option -gsplit-dwarf needs herdcc's extension, "
                    "version %d, to bring the .dwo back",
                    HERD_TREE_VERSION);
  }
  return 0;
}

/* A server that cannot confine compilers runs none, unless told to. */
static int check_sandbox(struct job *job)
{
  if (!job->config->sandbox_missing) {
    return 0;
  }
  job->result = STATS_RESULT_REFUSED;
  return job_fail(job, EXIT_GENERAL,
                  "refused: this server cannot confine compilers (%s); "
                  "its administrator can allow user namespaces, or run "
                  "herdccd --no-sandbox",
                  job->config->sandbox_missing);
}

static void describe_status(uint32_t status, char *buf, size_t len)
{
  if (proto_status_signal(status)) {
    snprintf(buf, len, "killed by signal %d", proto_status_signal(status));
  } else {
    snprintf(buf, len, "exit %d", proto_status_code(status));
  }
}

static void log_result(const struct job *job, const struct proto_reply *reply,
                       int sent, bool cached)
{
  char   result[64], chunked[96] = "";
  double secs = (double)(clock_now_ms() - job->started_ms) / 1000.0;

  describe_status(reply->status, result, sizeof(result));
  if (job->chunked && !cached) {
    snprintf(chunked, sizeof(chunked), " (%zu of %zu source bytes sent)",
             job->chunks.need_bytes, job->chunks.len);
  }
  job_log(job, reply->status == 0 ? LOG_LEVEL_NOTICE : LOG_LEVEL_WARNING,
          "%s %s: %s, %.2f s%s%s%s", job->argv[0], job_source_name(job), result,
          secs, chunked,
          !cached              ? ""
          : job->bytes_in == 0 ? " (from the cache, no source sent)"
                               : " (from the cache)",
          sent < 0 ? " (reply not delivered)" : "");
}

/* Why the source did not arrive, answered or logged. */
static int source_failed(struct job *job, int r)
{
  job->source_read = true;
  job->result      = r == -EMSGSIZE    ? STATS_RESULT_REFUSED
                     : r == -ETIMEDOUT ? STATS_RESULT_TIMEOUT
                     : r == -ENODATA || r == -ECONNRESET || r == -EPIPE
                       ? STATS_RESULT_CLIENT_GONE
                       : STATS_RESULT_OTHER;
  if (r == -EMSGSIZE) {
    return job_fail(job, EXIT_PROTOCOL_ERROR,
                    "refused: the source is larger than this server accepts");
  }
  if (r == -ENODATA) {
    job_log(job, LOG_LEVEL_INFO,
            "%s %s: client closed the connection before sending the source",
            job->argv[0], job_source_name(job));
  } else {
    job_log(job, LOG_LEVEL_WARNING, "%s %s: failed to receive the source: %s",
            job->argv[0], job_source_name(job), strerror(-r));
  }
  return r;
}

static int compile_ended(struct job *job, int r)
{
  job->result =
    r == -ECONNRESET ? STATS_RESULT_CLIENT_GONE : STATS_RESULT_OTHER;
  if (r == -ECONNRESET) {
    job_log(job, LOG_LEVEL_WARNING, "%s %s: client went away, compile killed",
            job->argv[0], job_source_name(job));
  } else if (r == -EINTR) {
    job_log(job, LOG_LEVEL_NOTICE, "%s %s: server stopping, compile killed",
            job->argv[0], job_source_name(job));
  } else {
    r = job_fail(job, r == -ENOMEM ? EXIT_OUT_OF_MEMORY : EXIT_GENERAL,
                 "failed to run %s: %s", job->argv[0], strerror(-r));
  }
  return r;
}

/* ---- the result cache (cache.h) ---------------------------------------- */

static void key_source(void *userdata, const void *buf, size_t len)
{
  cache_key_source(userdata, buf, len);
}

/* A compiler driver asked which programs it runs: confined as its
 * compiles are. */
static int probe_compiler(void *userdata, char *const *argv, char **ret_stdout)
{
  return compile_probe(userdata, argv, 64 * 1024, ret_stdout);
}

/* Begin the job's key from the command line the compiler will run; a job
 * that cannot be keyed is compiled and not stored. */
static void cache_begin(struct job *job, struct compile_request *req)
{
  _cleanup_strv_free_ char **argv = NULL;

  if (!job->config->cache ||
      compile_command_line(req, CACHE_JOB_DIR, &argv) < 0) {
    return;
  }
  /* A driver new to the cache is asked for its programs now (a few runs
   * of a millisecond or so, once per compiler): so the first jobs of a
   * new compiler are cached too. */
  int r =
    cache_key_begin(job->config->cache, argv, probe_compiler, req, &job->key);
  if (r < 0) {
    job_log(job, r == -EOPNOTSUPP ? LOG_LEVEL_DEBUG : LOG_LEVEL_INFO,
            "Failed to key the job for the cache: %s", strerror(-r));
    return;
  }
  cache_key_add(&job->key, "sandbox", req->sandbox ? "on" : "off");
  if (job->args.own_name) {
    /* gcc -g3 or -fsanitize=address compiled under the client's own name
       (compile.c): not the object a server before that change stored */
    cache_key_add(&job->key, "macro-names", "own-name");
  }
  job->keyed           = true;
  req->source_tap      = key_source;
  req->source_tap_data = &job->key;
}

/* Once the whole source is in: the stored reply for the job, or -ENOENT. */
static int cache_find(struct job *job, struct proto_reply *reply)
{
  if (!job->keyed || !cache_key_finish(&job->key, job->digest)) {
    job->keyed = false;
    return -ENOENT;
  }
  int r      = cache_lookup(job->config->cache, job->digest, reply, NULL, NULL);
  job->cache = r >= 0 ? STATSD_CACHE_HIT : STATSD_CACHE_MISS;
  return r;
}

/* After the reply went out: keep what this server's compile produced. */
static void cache_keep(struct job *job, const struct compile *compile,
                       const struct proto_reply *reply)
{
  if (!job->keyed ||
      !cache_storable(job->config->cache, reply, compile_dir(compile),
                      compile_timed_out(compile))) {
    return;
  }
  int r =
    cache_store(job->config->cache, job->digest, reply, NULL, 0, &job->evicted);
  if (r >= 0) {
    job->cache = STATSD_CACHE_STORED;
  } else {
    job_log(job, LOG_LEVEL_WARNING, "Failed to store the result: %s",
            strerror(-r));
  }
}

/* Extension version 2: the digest before the source. A hit is answered
 * at once (HHIT, then the reply): no compiler runs, no source comes. A
 * miss (HSRC) asks for the source; what is stored then is keyed by the
 * source received, never by the digest a client claimed. */
static int digest_first(struct job *job, struct proto_reply *reply)
{
  uint8_t digest[HERD_DIGEST_LEN];
  int     r = read_digest(job, digest);

  if (r < 0) {
    job->source_read = true;
    return source_failed(job, r == -EFBIG ? -EMSGSIZE : r);
  }
  if (job->keyed) {
    struct cache_key key = job->key;
    uint8_t          name[SHA256_DIGEST_SIZE];
    cache_key_finish_digest(&key, digest, name);
    if (cache_lookup(job->config->cache, name, reply, NULL, NULL) >= 0) {
      job->cache       = STATSD_CACHE_HIT;
      job->source_read = true;
      r                = answer_digest(job, "HHIT");
      return r < 0 ? r : 1;
    }
  }
  return ask_source(job, false);
}

/* A hit: the compiler started for nothing is killed, the stored reply
 * goes out. */
static int serve_cached(struct job *job, struct proto_reply *reply)
{
  job->result =
    reply->status == 0 ? STATS_RESULT_OK : STATS_RESULT_COMPILE_ERROR;
  statsd_slot_phase(job->slot, STATS_PHASE_SEND);
  int r = send_reply(job, reply);
  if (r < 0) {
    job->result =
      r == -ETIMEDOUT ? STATS_RESULT_TIMEOUT : STATS_RESULT_CLIENT_GONE;
  } else {
    job->bytes_out = reply->object_len;
  }
  log_result(job, reply, r, true);
  proto_reply_clear(reply);
  return r;
}

/* Extension version 3: the profile a compile reads comes between the
 * last ARGV and HDIG (or DOTI), as the file the command line's profile
 * option stands for; never a path of the client's. A connection of
 * another dialect cannot bring it: refused. */
static int read_profile(struct job *job, char **ret_buf, size_t *ret_len)
{
  if (job->herd < HERD_PROFILE_VERSION) {
    job->result = STATS_RESULT_REFUSED;
    return job_fail(job, EXIT_BAD_ARGUMENTS,
                    "refused: option %s needs the profile sent with the job "
                    "(herdcc's extension, version %d)",
                    job->argv[job->args.profile_index], HERD_PROFILE_VERSION);
  }
  int r = proto_recv_body(job->in_fd, "HPRF", job->config->limits->max_body,
                          PROTO_CODEC_NONE, job->config->io_timeout_ms, ret_buf,
                          ret_len);
  if (r < 0) {
    job->digest_due = false; /* the framing is lost */
    return source_failed(job, r == -EFBIG ? -EMSGSIZE : r);
  }
  return 0;
}

/* Extension version 4: the chunks asked for, then the whole source into
 * the compiler. */
static int feed_chunks(struct job *job, struct compile *compile)
{
  int r = chunks_receive(job->in_fd, proto_version_codec(job->version),
                         job->config->io_timeout_ms, &job->chunks);

  return r < 0 ? r
               : compile_feed_from(compile, job->chunks.buf, job->chunks.len);
}

/* Extension version 5: a tree's -gsplit-dwarf .dwo after the reply of a
 * compile that ran (empty when it failed or wrote none), packed as the
 * connection packs DOTO. */
static int send_dwo(struct job *job, const char *path, uint32_t status)
{
  _cleanup_free_ char *dwo = NULL;
  size_t               len = 0;

  if (status == 0 &&
      io_read_file(path, job->config->limits->max_body, &dwo, &len) < 0) {
    len = 0;
  }
  int r = proto_send_body(job->out_fd, "HDWO", dwo, len,
                          proto_version_codec(job->version),
                          job->config->io_timeout_ms);
  if (r < 0) {
    job_log(job, LOG_LEVEL_WARNING, "Failed to send the .dwo: %s",
            strerror(-r));
  }
  return r;
}

/* A tree job whose files could not be rebuilt, or whose check gave
 * another text (compile.c): refused, its reason named; the client
 * compiles it. */
static int tree_refused(struct job *job, const struct compile *compile)
{
  job->result = STATS_RESULT_REFUSED;
  return job_fail(job, EXIT_GENERAL, "refused: %s", compile_refusal(compile));
}

/* Start the compiler at once, then stream the source into it: its
 * start-up overlaps the client's preprocessor. */
static int run(struct job *job)
{
  struct compile_request req = {
    .argv          = job->argv,
    .compiler_path = job->compiler_path,
    .job           = &job->args,
    .client_fd     = job->in_fd,
    .lzo           = proto_version_codec(job->version),
    .sandbox       = job->config->sandbox,
    .io_timeout_ms = job->config->io_timeout_ms,
    .nice          = job->config->nice,
    .lifetime_s    = job->config->lifetime_s,
    .max_source    = job->config->limits->max_body,
    .max_output    = job->config->limits->max_body,
    .source_bytes  = job->slot ? &job->slot->size : NULL,
  };
  _cleanup_(compile_freep) struct compile *compile = NULL;
  struct proto_reply                       reply   = { 0 };
  _cleanup_free_ char                     *profile = NULL;

  if (job->args.profile_index) {
    int r = read_profile(job, &profile, &req.profile_len);
    if (r < 0) {
      return r;
    }
    req.profile = profile;
  } else if (!job->args.split_dwarf) {
    /* a profile is not in the key, a .dwo not in an entry: not cached */
    cache_begin(job, &req);
  }
  if (job->digest_due) {
    int hit = digest_first(job, &reply);
    if (hit != 0) {
      return hit > 0 ? serve_cached(job, &reply) : hit;
    }
  }
  int r = compile_start(&req, &compile);
  if (r < 0) {
    return compile_ended(job, r);
  }
  r = job->chunked ? feed_chunks(job, compile) : compile_feed(compile);
  job->bytes_in = compile_source_bytes(compile);
  if (r == -EBADMSG) {
    compile          = compile_free(compile);
    job->source_read = true;
    job->result      = STATS_RESULT_PROTOCOL;
    return job_fail(job, EXIT_PROTOCOL_ERROR,
                    "refused: a chunk of the source is not what its "
                    "SHA-256 in the list says");
  }
  if (r == -EILSEQ && compile_refusal(compile)) {
    job->source_read = true;
    return tree_refused(job, compile);
  }
  if (r < 0) {
    compile = compile_free(compile);
    return source_failed(job, r);
  }
  job->source_read = true;
  if (cache_find(job, &reply) >= 0) {
    compile = compile_free(compile);
    return serve_cached(job, &reply);
  }
  statsd_slot_phase(job->slot, STATS_PHASE_COMPILE);
  r = compile_finish(compile, &reply);
  if (r == -EILSEQ && compile_refusal(compile)) {
    return tree_refused(job, compile);
  }
  if (r < 0) {
    return compile_ended(job, r);
  }
  /* A compiler killed at the --job-lifetime is a timeout; any other
     failure of its is the user's compile error. */
  job->result = compile_timed_out(compile) ? STATS_RESULT_TIMEOUT
                : reply.status == 0        ? STATS_RESULT_OK
                                           : STATS_RESULT_COMPILE_ERROR;
  statsd_slot_phase(job->slot, STATS_PHASE_SEND);
  r = send_reply(job, &reply);
  if (r >= 0 && compile_dwo(compile)) {
    r = send_dwo(job, compile_dwo(compile), reply.status);
  }
  if (r < 0) {
    job->result =
      r == -ETIMEDOUT ? STATS_RESULT_TIMEOUT : STATS_RESULT_CLIENT_GONE;
  } else {
    job->bytes_out = reply.object_len;
  }
  log_result(job, &reply, r, false);
  cache_keep(job, compile, &reply);
  if (job->chunked) {
    chunks_keep(job->config->chunks, &job->chunks);
  }
  proto_reply_clear(&reply);
  return r;
}

static int serve(struct job *job, const struct sockaddr *peer,
                 socklen_t peer_len)
{
  const struct job_config *config = job->config;
  bool                     allowed =
    peer_len == 0 || access_list_allows(config->access, peer, peer_len);

  access_peer_name(peer, peer_len, job->peer);
  if (!allowed) {
    /* Before a byte of the request is read (the server turns such peers
       away itself; this is --inetd's case): the reply is in version 1. */
    job->version = 1;
    job->result  = STATS_RESULT_REFUSED;
    return job_fail(job, EXIT_ACCESS_DENIED,
                    "refused: access denied for %s (not on this server's "
                    "allow-list)",
                    job->peer);
  }
  int r = read_request(job);
  if (r >= 0) {
    statsd_slot_describe(job->slot, job->argv[0], "-");
    r = check_compiler(job);
  }
  if (r >= 0) {
    r = check_args(job);
  }
  if (r >= 0) {
    r = check_sandbox(job);
  }
  if (r >= 0) {
    statsd_slot_describe(job->slot, job->argv[0], job_source_name(job));
    r = run(job);
  }
  return r;
}

int job_serve(int in_fd, int out_fd, const struct sockaddr *peer,
              socklen_t peer_len, uint32_t herd,
              const struct job_config *config, struct statsd_slot *slot)
{
  _cleanup_(job_clear) struct job job = {
    .herd       = herd,
    .digest_due = herd >= HERD_DIGEST_VERSION,
    .in_fd      = in_fd,
    .out_fd     = out_fd,
    .config     = config,
    .started_ms = clock_now_ms(),
    .slot       = slot,
    .result     = STATS_RESULT_OTHER,
  };
  int r = serve(&job, peer, peer_len);

  statsd_slot_cache(slot, job.cache, job.evicted);
  statsd_slot_finish(slot, job.result, job.bytes_in, job.bytes_out);
  return r;
}
