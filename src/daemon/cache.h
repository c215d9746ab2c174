/* SPDX-License-Identifier: GPL-2.0-or-later */
/* herdccd's result cache: what this server compiled, kept under a key
 * that covers everything that can change the result, so that the same
 * job from anyone in the farm comes back without compiling.
 *
 * The key is SHA-256 over, in order: a format tag and herdccd's version;
 * the compiler's identity (the driver as resolved, and the programs it
 * runs, cc1, cc1plus, cc1obj, cc1objplus and as, found once with
 * -print-prog-name and remembered in DIR/compilers/ by the driver's path
 * and stat; each of them by path, device, inode, size, mtime and ctime);
 * the environment variables that change a compiler's output or messages
 * (a table in cache.c); the server's settings that change how its
 * compilers run (cache_key_add: the sandbox); the command line exactly as
 * the server runs it,
 * with its job directory written as CACHE_JOB_DIR (compile.c's own
 * builder makes it; where gcc records the compile directory and the
 * source's name for -g, the server's command line and the source carry
 * them); and the SHA-256 of the source as the client sent it. Every part
 * goes in with its length, so no two keys run into each other.
 *
 * An entry is one file, DIR/v1/XY/REST (XY REST: the key in hex): a
 * header (magic, the key, a SHA-256 of everything after it, the exit
 * status and four lengths), then stderr, stdout, the object and the .d.
 * It is written to a temporary file beside its name and renamed, so a
 * reader sees a whole entry or none; a reader checks the magic, the key,
 * the lengths against the file's size and the checksum, and takes
 * anything else (a truncated file, a flipped byte, a crash half-way) as
 * a miss and removes it. No fsync: a torn entry after a crash fails its
 * checksum, and a lost one is a miss.
 *
 * Only results this server produced are stored (job.c calls cache_store
 * after its own compile, never with bytes from a peer), and only those
 * that a fresh compile would reproduce: an exit status of 0 or 1, no
 * timeout, no mention of the job directory in any output, no __DATE__,
 * __TIME__ or __TIMESTAMP__ left in the source, at most an eighth of the
 * cache's size.
 *
 * Size. DIR/v1/usage holds the bytes and entries in use; every writer
 * takes an flock() on it. A store that takes the cache over its size
 * evicts the least recently used entries (a hit touches its entry's
 * mtime) until it is at 90% of its size, and the scan that does it
 * counts afresh, mending the counts after a crash; cache_open does the
 * same once at start-up. Job processes share one cache: each forks from
 * the daemon with the struct cache cache_open made. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "proto.h"
#include "sha256.h"

/* The job directory as the key writes it. */
#define CACHE_JOB_DIR "/herdccd-job"
/* The default size, and the share of it one entry may take. */
#define CACHE_DEFAULT_SIZE (2ull * 1024 * 1024 * 1024)
#define CACHE_ENTRY_SHARE  8

struct cache;

/* Open (creating what is missing, mode 0700) the cache in dir of at most
 * max_bytes, count what it holds and evict down to its size. When uid is
 * not (uid_t)-1 (a daemon started as root that will switch users), the
 * directories and the usage file are given to uid:gid. */
int cache_open(const char *dir, uint64_t max_bytes, uid_t uid, gid_t gid,
               struct cache **ret_cache);

/* The same for the directory below in top, top made (and given to uid)
 * first: a second store of the same entries (chunks.h) beside the cache. */
int cache_open_below(const char *top, const char *below, uint64_t max_bytes,
                     uid_t uid, gid_t gid, struct cache **ret_cache);

/* Accepts NULL; returns NULL. */
struct cache *cache_free(struct cache *cache);

static inline void cache_freep(struct cache **cache)
{
  cache_free(*cache);
}

/* The default directory: $CACHE_DIRECTORY (the first of a list, as
 * systemd's CacheDirectory= sets it), /var/cache/herdccd for root,
 * $XDG_CACHE_HOME/herdccd, ~/.cache/herdccd. Owned by the caller. */
int cache_default_dir(char **ret_dir);

/* What the cache holds now (from the usage file). */
int      cache_usage(struct cache *cache, uint64_t *ret_bytes,
                     uint64_t *ret_entries);
uint64_t cache_max_bytes(const struct cache *cache);

/* A key being built. */
struct cache_key {
  struct sha256 head;     /* identity, environment, command line */
  struct sha256 source;   /* the source's bytes */
  bool          unstable; /* __DATE__ and friends seen in the source */
  char          tail[16]; /* the source's last bytes, for the scan */
  size_t        tail_len;
};

/* Runs argv (argv[0] the compiler driver) confined as a compile runs and
 * returns its standard output (owned by the caller). */
typedef int (*cache_probe_fn)(void *userdata, char *const *argv,
                              char **ret_stdout);

/* Begin the key of a job whose compiler runs argv (borrowed; argv[0]
 * the executable, the job directory written as CACHE_JOB_DIR): the
 * compiler's identity, the environment and argv go in. A driver not seen
 * before is asked for its programs through probe (-print-prog-name=NAME,
 * one run per name), and the answer kept in DIR/compilers/; a driver
 * that does not answer (a probe fails or times out) is remembered as such
 * and its jobs are not cached (-EOPNOTSUPP) until it changes. probe may
 * be NULL: an unknown driver is then -EAGAIN (see cache_learn_compiler). */
int cache_key_begin(struct cache *cache, char *const *argv,
                    cache_probe_fn probe, void *userdata,
                    struct cache_key *ret_key);

/* Ask the driver compiler (argv[0] of a job) for its programs through
 * probe and remember them, for a job whose cache_key_begin got -EAGAIN
 * (it was given no probe). herdccd gives cache_key_begin its probe, so
 * the first job of a new compiler learns it and is cached. */
int cache_learn_compiler(struct cache *cache, const char *compiler,
                         cache_probe_fn probe, void *userdata);

/* A setting of the server's that changes how its compilers run (the
 * sandbox), before the source. */
void cache_key_add(struct cache_key *key, const char *name, const char *value);

/* Source bytes, in order, as they come (any chunks). */
void cache_key_source(struct cache_key *key, const void *buf, size_t len);

/* The key. false when the job must not be cached (volatile source). */
bool cache_key_finish(struct cache_key *key,
                      uint8_t           ret_key[SHA256_DIGEST_SIZE]);

/* The key from the SHA-256 of the source, given in place of its bytes
 * (a native client's digest): the same key cache_key_finish gives for
 * that source. No source was seen, so nothing says it is volatile: look
 * up with it, never store under it (an entry exists only if its source
 * was checked when it was stored). */
void cache_key_finish_digest(struct cache_key *key,
                             const uint8_t     source[SHA256_DIGEST_SIZE],
                             uint8_t           ret_key[SHA256_DIGEST_SIZE]);

/* The entry for key into *ret_reply (status, serr, sout, object; the
 * version is left as it was) and, when ret_dep is not NULL, its .d
 * (NULL when none). -ENOENT on a miss; a damaged entry is removed and
 * is a miss too. */
int cache_lookup(struct cache *cache, const uint8_t key[SHA256_DIGEST_SIZE],
                 struct proto_reply *ret_reply, char **ret_dep,
                 size_t *ret_dep_len);

/* Whether reply, produced by this server's compile in job directory dir
 * (timed_out: killed at the job lifetime), is one a fresh compile would
 * reproduce. */
bool cache_storable(const struct cache *cache, const struct proto_reply *reply,
                    const char *dir, bool timed_out);

/* Store reply (and dep, dep_len: the .d, may be NULL) under key, then
 * evict if the cache is over its size; *ret_evicted (may be NULL) is the
 * number of entries that went. */
int cache_store(struct cache *cache, const uint8_t key[SHA256_DIGEST_SIZE],
                const struct proto_reply *reply, const char *dep,
                size_t dep_len, unsigned *ret_evicted);
