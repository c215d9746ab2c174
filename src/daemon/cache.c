/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The result cache (cache.h). About 900 lines on purpose: its parts (the
 * key, the entry format, the usage file and the eviction) each keep an
 * invariant of the others, and splitting them would put those invariants
 * into headers. The key hashes the compiler's identity the way entries
 * are looked up; an entry's checksum covers exactly the fields the decoder
 * reads back; every write and eviction changes the usage file under the
 * same flock(), so that its byte and entry counts stay the directory's.
 * Only cache.h's functions see any of it: no other module can write an
 * entry, or count one, in a way the reader does not expect. */
#include "cache.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "io.h"
#include "log.h"
#include "macro.h"

#define CACHE_FORMAT     "herdcc-cache-v1"
#define CACHE_MAGIC      "HERDCC-CACHE\0\0\0\1"
#define CACHE_MAGIC_SIZE 16
/* magic, key, checksum, status, four lengths */
#define CACHE_HEADER_SIZE \
  (CACHE_MAGIC_SIZE + 2 * SHA256_DIGEST_SIZE + 4 + 4 * 8)
/* The memo of a driver that did not answer -print-prog-name in time. */
#define CACHE_PROBE_FAILED   "probe failed\n"
#define CACHE_TEMP_MAX_AGE_S 3600 /* a writer that died left it */

struct cache {
  char    *dir; /* DIR/v1 */
  int      usage_fd;
  pid_t    usage_pid; /* the process that opened usage_fd */
  uint64_t max_bytes;
};

static int open_usage(struct cache *cache, uid_t uid, gid_t gid);

/* The programs a compiler driver runs for a compile, asked of it with
 * -print-prog-name: a name it answers without a path and that is not on
 * PATH (clang's cc1, which is clang itself) counts as absent. */
static const char *const cache_programs[] = {
  "cc1", "cc1plus", "cc1obj", "cc1objplus", "as",
};

/* The environment a compiler reads that changes its output or its
 * messages. herdccd's own environment: the same for every job. */
static const char *const cache_environment[] = {
  "LANG",
  "LANGUAGE",
  "LC_ALL",
  "LC_CTYPE",
  "LC_MESSAGES",
  "COLUMNS",
  "GCC_COLORS",
  "GCC_URLS",
  "TERM_URLS",
  "GCC_EXEC_PREFIX",
  "COMPILER_PATH",
  "GCC_COMPARE_DEBUG",
  "SOURCE_DATE_EPOCH",
  "DEPENDENCIES_OUTPUT",
  "SUNPRO_DEPENDENCIES",
};

/* Macros whose expansion depends on when the compile runs. */
static const char *const cache_volatile_macros[] = {
  "__DATE__",
  "__TIME__",
  "__TIMESTAMP__",
};

/* ---- the directory ------------------------------------------------------ */

int cache_default_dir(char **ret_dir)
{
  const char *env  = getenv("CACHE_DIRECTORY");
  const char *xdg  = getenv("XDG_CACHE_HOME");
  const char *home = getenv("HOME");
  int         r;

  if (env && env[0] == '/') {
    r = asprintf(ret_dir, "%.*s", (int)strcspn(env, ":"), env);
  } else if (geteuid() == 0) {
    r = asprintf(ret_dir, "%s", "/var/cache/herdccd");
  } else if (xdg && xdg[0] == '/') {
    r = asprintf(ret_dir, "%s/herdccd", xdg);
  } else if (home && home[0] == '/') {
    r = asprintf(ret_dir, "%s/.cache/herdccd", home);
  } else {
    return -ENOENT;
  }
  return r < 0 ? -ENOMEM : 0;
}

/* mkdir (missing parts included), then give it to uid:gid, no symlink
 * followed at the end. */
static int make_dir(const char *path, uid_t uid, gid_t gid)
{
  int r = io_mkdir_p(path, 0700);

  if (r < 0) {
    return r;
  }
  if (uid != (uid_t)-1) {
    _cleanup_close_ int fd =
      open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 || fchown(fd, uid, gid) < 0) {
      return -errno;
    }
  }
  return 0;
}

/* flock() belongs to an open file, which a fork shares: each job process
 * opens the usage file for itself before it locks. */
static int usage_lock(struct cache *cache, int op)
{
  if (cache->usage_pid != getpid()) {
    closep(&cache->usage_fd);
    int r = open_usage(cache, (uid_t)-1, (gid_t)-1);
    if (r < 0) {
      return r;
    }
  }
  while (flock(cache->usage_fd, op) < 0) {
    if (errno != EINTR) {
      return -errno;
    }
  }
  return 0;
}

static void usage_unlock(struct cache *cache)
{
  flock(cache->usage_fd, LOCK_UN);
}

/* The counts in the usage file ("BYTES ENTRIES\n"); zeros when it is
 * empty or damaged (the next scan mends it). */
static void usage_read(struct cache *cache, uint64_t *bytes, uint64_t *entries)
{
  char               text[64] = { 0 };
  unsigned long long b = 0, e = 0;
  ssize_t            n = pread(cache->usage_fd, text, sizeof(text) - 1, 0);

  if (n <= 0 || sscanf(text, "%llu %llu", &b, &e) != 2) {
    b = e = 0;
  }
  *bytes   = b;
  *entries = e;
}

static void usage_write(struct cache *cache, uint64_t bytes, uint64_t entries)
{
  char text[64];
  int  len = snprintf(text, sizeof(text), "%llu %llu\n",
                      (unsigned long long)bytes, (unsigned long long)entries);

  if (pwrite(cache->usage_fd, text, (size_t)len, 0) != len ||
      ftruncate(cache->usage_fd, len) < 0) {
    log_debug("Failed to write the cache's usage: %m");
  }
}

int cache_usage(struct cache *cache, uint64_t *ret_bytes, uint64_t *ret_entries)
{
  int r = usage_lock(cache, LOCK_SH);

  if (r < 0) {
    return r;
  }
  usage_read(cache, ret_bytes, ret_entries);
  usage_unlock(cache);
  return 0;
}

uint64_t cache_max_bytes(const struct cache *cache)
{
  return cache->max_bytes;
}

/* ---- eviction ----------------------------------------------------------- */

struct cache_file {
  char    *path;
  uint64_t size;
  int64_t  mtime_ns;
};

struct cache_scan {
  struct cache_file *files;
  size_t             count;
  size_t             alloc;
  uint64_t           bytes;
};

static void scan_clear(struct cache_scan *scan)
{
  for (size_t i = 0; i < scan->count; i++) {
    free(scan->files[i].path);
  }
  free(scan->files);
}

static int scan_add(struct cache_scan *scan, const char *path,
                    const struct stat *st)
{
  if (scan->count == scan->alloc) {
    size_t             alloc = scan->alloc ? 2 * scan->alloc : 256;
    struct cache_file *files = reallocarray(scan->files, alloc, sizeof(*files));
    if (!files) {
      return -ENOMEM;
    }
    scan->files = files;
    scan->alloc = alloc;
  }
  struct cache_file *f = &scan->files[scan->count];
  f->path              = strdup(path);
  if (!f->path) {
    return -ENOMEM;
  }
  f->size     = (uint64_t)st->st_size;
  f->mtime_ns = (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
  scan->count++;
  scan->bytes += f->size;
  return 0;
}

/* Every entry of one XY directory into scan; a temporary file a dead
 * writer left behind is removed. */
static int scan_dir(const char *dir, struct cache_scan *scan)
{
  DIR *d = opendir(dir);
  int  r = 0;

  if (!d) {
    return errno == ENOENT ? 0 : -errno;
  }
  for (struct dirent *e; r >= 0 && (e = readdir(d));) {
    char        path[PATH_MAX];
    struct stat st;
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 ||
        (size_t)snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) >=
          sizeof(path) ||
        lstat(path, &st) < 0 || !S_ISREG(st.st_mode)) {
      continue;
    }
    if (e->d_name[0] == '.') {
      if (time(NULL) - st.st_mtime > CACHE_TEMP_MAX_AGE_S) {
        unlink(path);
      }
      continue;
    }
    r = scan_add(scan, path, &st);
  }
  closedir(d);
  return r;
}

static int scan_all(struct cache *cache, struct cache_scan *scan)
{
  int r = 0;

  for (unsigned i = 0; i < 256 && r >= 0; i++) {
    char dir[PATH_MAX];
    snprintf(dir, sizeof(dir), "%s/%02x", cache->dir, i);
    r = scan_dir(dir, scan);
  }
  return r;
}

static int by_mtime(const void *a, const void *b)
{
  const struct cache_file *x = a, *y = b;

  return (x->mtime_ns > y->mtime_ns) - (x->mtime_ns < y->mtime_ns);
}

/* Under the usage lock: count every entry afresh and, when over
 * limit bytes, remove the least recently used down to 90% of the size. */
static int evict_locked(struct cache *cache, uint64_t limit,
                        unsigned *ret_evicted)
{
  _cleanup_(scan_clear) struct cache_scan scan    = { 0 };
  unsigned                                evicted = 0;
  int                                     r       = scan_all(cache, &scan);

  if (r < 0) {
    return r;
  }
  size_t entries = scan.count;
  if (scan.bytes > limit) {
    uint64_t target = cache->max_bytes / 10 * 9;
    qsort(scan.files, scan.count, sizeof(scan.files[0]), by_mtime);
    for (size_t i = 0; i < scan.count && scan.bytes > target; i++) {
      if (unlink(scan.files[i].path) == 0 || errno == ENOENT) {
        scan.bytes -= scan.files[i].size;
        entries--;
        evicted++;
      }
    }
  }
  usage_write(cache, scan.bytes, entries);
  if (ret_evicted) {
    *ret_evicted = evicted;
  }
  return 0;
}

/* ---- opening ------------------------------------------------------------ */

struct cache *cache_free(struct cache *cache)
{
  if (!cache) {
    return NULL;
  }
  closep(&cache->usage_fd);
  free(cache->dir);
  free(cache);
  return NULL;
}

static int open_usage(struct cache *cache, uid_t uid, gid_t gid)
{
  _cleanup_free_ char *path = NULL;

  if (asprintf(&path, "%s/usage", cache->dir) < 0) {
    return -ENOMEM;
  }
  cache->usage_fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (cache->usage_fd < 0) {
    return -errno;
  }
  cache->usage_pid = getpid();
  if (uid != (uid_t)-1 && fchown(cache->usage_fd, uid, gid) < 0) {
    return -errno;
  }
  return 0;
}

static int make_subdirs(const struct cache *cache, uid_t uid, gid_t gid)
{
  static const char *const subdirs[] = { "", "/compilers" };
  int                      r         = 0;

  for (size_t i = 0; i < ARRAY_SIZE(subdirs) && r >= 0; i++) {
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s%s", cache->dir, subdirs[i]);
    r = make_dir(path, uid, gid);
  }
  return r;
}

int cache_open(const char *dir, uint64_t max_bytes, uid_t uid, gid_t gid,
               struct cache **ret_cache)
{
  _cleanup_(cache_freep) struct cache *cache = calloc(1, sizeof(*cache));
  int                                  r;

  if (!cache) {
    return -ENOMEM;
  }
  cache->usage_fd  = -1;
  cache->max_bytes = max_bytes;
  if (asprintf(&cache->dir, "%s/v1", dir) < 0) {
    cache->dir = NULL;
    return -ENOMEM;
  }
  if ((r = make_dir(dir, uid, gid)) < 0 ||
      (r = make_subdirs(cache, uid, gid)) < 0 ||
      (r = open_usage(cache, uid, gid)) < 0 ||
      (r = usage_lock(cache, LOCK_EX)) < 0) {
    return r;
  }
  r = evict_locked(cache, cache->max_bytes, NULL);
  usage_unlock(cache);
  if (r < 0) {
    return r;
  }
  *ret_cache = TAKE_PTR(cache);
  return 0;
}

int cache_open_below(const char *top, const char *below, uint64_t max_bytes,
                     uid_t uid, gid_t gid, struct cache **ret_cache)
{
  _cleanup_free_ char *dir = NULL;
  int                  r   = make_dir(top, uid, gid);

  if (r < 0) {
    return r;
  }
  if (asprintf(&dir, "%s/%s", top, below) < 0) {
    return -ENOMEM;
  }
  return cache_open(dir, max_bytes, uid, gid, ret_cache);
}

/* ---- the compiler's identity -------------------------------------------- */

static void hash_bytes(struct sha256 *ctx, const void *data, size_t len)
{
  uint8_t prefix[8];

  for (unsigned i = 0; i < 8; i++) {
    prefix[i] = (uint8_t)((uint64_t)len >> (56 - 8 * i));
  }
  sha256_update(ctx, prefix, sizeof(prefix));
  sha256_update(ctx, data, len);
}

static void hash_string(struct sha256 *ctx, const char *s)
{
  hash_bytes(ctx, s, strlen(s));
}

/* A file's path and what stat says changes when it is replaced. */
static void hash_file(struct sha256 *ctx, const char *path)
{
  struct stat st;
  char        text[256];

  if (stat(path, &st) < 0) {
    snprintf(text, sizeof(text), "missing");
  } else {
    snprintf(text, sizeof(text), "%llu %llu %llu %lld.%09ld %lld.%09ld",
             (unsigned long long)st.st_dev, (unsigned long long)st.st_ino,
             (unsigned long long)st.st_size, (long long)st.st_mtim.tv_sec,
             st.st_mtim.tv_nsec, (long long)st.st_ctim.tv_sec,
             st.st_ctim.tv_nsec);
  }
  hash_string(ctx, path);
  hash_string(ctx, text);
}

/* Where a program the driver named runs from: its answer as a path, or
 * the name looked up on PATH; "-" when it is neither. */
static void resolve_program(const char *answer, char *out, size_t size)
{
  char        candidate[PATH_MAX];
  const char *path = getenv("PATH");

  snprintf(out, size, "-");
  if (strchr(answer, '/')) {
    if (!realpath(answer, candidate)) {
      return;
    }
    snprintf(out, size, "%s", candidate);
    return;
  }
  for (const char *p = path ? path : ""; answer[0] && *p;) {
    size_t n = strcspn(p, ":");
    char   joined[PATH_MAX];
    if ((size_t)snprintf(joined, sizeof(joined), "%.*s/%s", (int)n, p, answer) <
          sizeof(joined) &&
        access(joined, X_OK) == 0 && realpath(joined, candidate)) {
      snprintf(out, size, "%s", candidate);
      return;
    }
    p += n + (p[n] == ':');
  }
}

/* The programs of driver (realpath), one a line, from the memo in
 * DIR/compilers/ named by the driver's path and stat, or asked afresh. */
static int driver_programs(struct cache *cache, const char *driver,
                           cache_probe_fn probe, void *userdata,
                           char **ret_text)
{
  struct sha256        ctx;
  uint8_t              digest[SHA256_DIGEST_SIZE];
  char                 hex[SHA256_HEX_SIZE];
  _cleanup_free_ char *memo = NULL;
  _cleanup_free_ char *text = NULL;
  size_t               len  = 0;

  sha256_init(&ctx);
  hash_file(&ctx, driver);
  sha256_final(&ctx, digest);
  sha256_hex(digest, hex);
  if (asprintf(&memo, "%s/compilers/%s", cache->dir, hex) < 0) {
    return -ENOMEM;
  }
  if (io_read_file(memo, 64 * 1024, &text, &len) >= 0) {
    /* a driver that could not say is not cached until it changes */
    if (strcmp(text, CACHE_PROBE_FAILED) == 0) {
      return -EOPNOTSUPP;
    }
    *ret_text = TAKE_PTR(text);
    return 0;
  }
  if (!probe) {
    return -EAGAIN; /* cache_learn_compiler asks it, later */
  }
  for (size_t i = 0; i < ARRAY_SIZE(cache_programs); i++) {
    char                 option[64];
    char                 where[PATH_MAX];
    char                *joined;
    _cleanup_free_ char *answer = NULL;
    snprintf(option, sizeof(option), "-print-prog-name=%s", cache_programs[i]);
    char *const argv[] = { (char *)driver, option, NULL };
    int         r      = probe(userdata, argv, &answer);
    if (r < 0) {
      (void)io_write_file_atomic(memo, CACHE_PROBE_FAILED,
                                 strlen(CACHE_PROBE_FAILED));
      return r == -ENOMEM ? r : -EOPNOTSUPP;
    }
    answer[strcspn(answer, "\n")] = '\0';
    resolve_program(answer, where, sizeof(where));
    if (asprintf(&joined, "%s%s=%s\n", text ? text : "", cache_programs[i],
                 where) < 0) {
      return -ENOMEM;
    }
    free(text);
    text = joined;
  }
  if (io_write_file_atomic(memo, text, strlen(text)) < 0) {
    log_debug("Failed to remember the programs of %s: %m", driver);
  }
  *ret_text = TAKE_PTR(text);
  return 0;
}

int cache_learn_compiler(struct cache *cache, const char *compiler,
                         cache_probe_fn probe, void *userdata)
{
  char                 driver[PATH_MAX];
  _cleanup_free_ char *programs = NULL;

  if (!realpath(compiler, driver)) {
    return -errno;
  }
  return driver_programs(cache, driver, probe, userdata, &programs);
}

static int hash_compiler(struct cache *cache, struct sha256 *ctx,
                         const char *compiler, cache_probe_fn probe,
                         void *userdata)
{
  char                 driver[PATH_MAX];
  _cleanup_free_ char *programs = NULL;

  if (!realpath(compiler, driver)) {
    return -errno;
  }
  hash_file(ctx, driver);
  int r = driver_programs(cache, driver, probe, userdata, &programs);
  if (r < 0) {
    return r;
  }
  for (char *line = programs, *end; *line; line = end + 1) {
    end = strchr(line, '\n');
    if (!end) {
      break;
    }
    *end     = '\0';
    char *eq = strchr(line, '=');
    hash_string(ctx, line);
    if (eq && eq[1] == '/') {
      hash_file(ctx, eq + 1);
    }
  }
  return 0;
}

/* ---- the key ------------------------------------------------------------ */

int cache_key_begin(struct cache *cache, char *const *argv,
                    cache_probe_fn probe, void *userdata,
                    struct cache_key *ret_key)
{
  struct cache_key key = { 0 };

  sha256_init(&key.head);
  sha256_init(&key.source);
  hash_string(&key.head, CACHE_FORMAT);
  hash_string(&key.head, HERDCC_VERSION);
  int r = hash_compiler(cache, &key.head, argv[0], probe, userdata);
  if (r < 0) {
    return r;
  }
  for (size_t i = 0; i < ARRAY_SIZE(cache_environment); i++) {
    const char *value = getenv(cache_environment[i]);
    hash_string(&key.head, cache_environment[i]);
    hash_string(&key.head, value ? "=" : "-");
    hash_string(&key.head, value ? value : "");
  }
  size_t argc = 0;
  while (argv[argc]) {
    argc++;
  }
  hash_bytes(&key.head, "argv", 4);
  for (size_t i = 0; i < argc; i++) {
    hash_string(&key.head, argv[i]);
  }
  hash_bytes(&key.head, "source", 6);
  *ret_key = key;
  return 0;
}

void cache_key_add(struct cache_key *key, const char *name, const char *value)
{
  hash_string(&key->head, name);
  hash_string(&key->head, value);
}

static bool has_volatile_macro(const char *buf, size_t len)
{
  for (size_t i = 0; i < ARRAY_SIZE(cache_volatile_macros); i++) {
    if (memmem(buf, len, cache_volatile_macros[i],
               strlen(cache_volatile_macros[i]))) {
      return true;
    }
  }
  return false;
}

void cache_key_source(struct cache_key *key, const void *buf, size_t len)
{
  const char *p = buf;

  sha256_update(&key->source, buf, len);
  if (key->unstable) {
    return;
  }
  /* A macro name split between two chunks: the tail of the last one and
     the head of this one. */
  char   seam[2 * sizeof(key->tail)];
  size_t head = len < sizeof(key->tail) ? len : sizeof(key->tail);
  memcpy(seam, key->tail, key->tail_len);
  memcpy(seam + key->tail_len, p, head);
  key->unstable = has_volatile_macro(seam, key->tail_len + head) ||
                  has_volatile_macro(p, len);
  if (len >= sizeof(key->tail)) {
    memcpy(key->tail, p + len - sizeof(key->tail), sizeof(key->tail));
    key->tail_len = sizeof(key->tail);
  } else {
    size_t keep = key->tail_len + len > sizeof(key->tail)
                    ? sizeof(key->tail) - len
                    : key->tail_len;
    memmove(key->tail, key->tail + key->tail_len - keep, keep);
    memcpy(key->tail + keep, p, len);
    key->tail_len = keep + len;
  }
}

void cache_key_finish_digest(struct cache_key *key,
                             const uint8_t     source[SHA256_DIGEST_SIZE],
                             uint8_t           ret_key[SHA256_DIGEST_SIZE])
{
  hash_bytes(&key->head, source, SHA256_DIGEST_SIZE);
  sha256_final(&key->head, ret_key);
}

bool cache_key_finish(struct cache_key *key,
                      uint8_t           ret_key[SHA256_DIGEST_SIZE])
{
  uint8_t source[SHA256_DIGEST_SIZE];

  sha256_final(&key->source, source);
  cache_key_finish_digest(key, source, ret_key);
  return !key->unstable;
}

/* ---- entries ------------------------------------------------------------ */

static int entry_path(const struct cache *cache,
                      const uint8_t key[SHA256_DIGEST_SIZE], char **ret_path)
{
  char hex[SHA256_HEX_SIZE];

  sha256_hex(key, hex);
  return asprintf(ret_path, "%s/%.2s/%s", cache->dir, hex, hex + 2) < 0
           ? -ENOMEM
           : 0;
}

static void put_be(uint8_t *p, uint64_t value, unsigned bytes)
{
  for (unsigned i = 0; i < bytes; i++) {
    p[i] = (uint8_t)(value >> (8 * (bytes - 1 - i)));
  }
}

static uint64_t get_be(const uint8_t *p, unsigned bytes)
{
  uint64_t value = 0;

  for (unsigned i = 0; i < bytes; i++) {
    value = value << 8 | p[i];
  }
  return value;
}

/* The four parts of an entry, in file order. */
struct entry_parts {
  const char *data[4];
  size_t      len[4];
};

static void entry_checksum(const uint8_t *fields, const struct entry_parts *p,
                           uint8_t ret_digest[SHA256_DIGEST_SIZE])
{
  struct sha256 ctx;

  sha256_init(&ctx);
  sha256_update(&ctx, fields, 4 + 4 * 8);
  for (unsigned i = 0; i < 4; i++) {
    sha256_update(&ctx, p->data[i], p->len[i]);
  }
  sha256_final(&ctx, ret_digest);
}

static int remove_damaged(struct cache *cache, const char *path, size_t size)
{
  uint64_t bytes, entries;

  log_warning("Cache entry %s is damaged: removed", path);
  if (usage_lock(cache, LOCK_EX) < 0) {
    return -ENOENT;
  }
  if (unlink(path) == 0) {
    usage_read(cache, &bytes, &entries);
    usage_write(cache, bytes > size ? bytes - size : 0,
                entries > 0 ? entries - 1 : 0);
  }
  usage_unlock(cache);
  return -ENOENT;
}

static int copy_part(const char *data, size_t len, char **ret)
{
  char *copy = malloc(len + 1);

  if (!copy) {
    return -ENOMEM;
  }
  memcpy(copy, data, len);
  copy[len] = '\0';
  *ret      = copy;
  return 0;
}

/* Check buf (the whole file) against key and fill the reply. */
static int entry_decode(const uint8_t *buf, size_t len,
                        const uint8_t       key[SHA256_DIGEST_SIZE],
                        struct proto_reply *reply, char **ret_dep,
                        size_t *ret_dep_len)
{
  const uint8_t     *fields = buf + CACHE_MAGIC_SIZE + 2 * SHA256_DIGEST_SIZE;
  struct entry_parts parts;
  uint8_t            digest[SHA256_DIGEST_SIZE];
  size_t             offset = CACHE_HEADER_SIZE;

  if (len < CACHE_HEADER_SIZE ||
      memcmp(buf, CACHE_MAGIC, CACHE_MAGIC_SIZE) != 0 ||
      memcmp(buf + CACHE_MAGIC_SIZE, key, SHA256_DIGEST_SIZE) != 0) {
    return -EBADMSG;
  }
  for (unsigned i = 0; i < 4; i++) {
    uint64_t n = get_be(fields + 4 + 8 * i, 8);
    if (n > len - offset) {
      return -EBADMSG;
    }
    parts.data[i] = (const char *)buf + offset;
    parts.len[i]  = (size_t)n;
    offset += (size_t)n;
  }
  entry_checksum(fields, &parts, digest);
  if (offset != len ||
      memcmp(digest, buf + CACHE_MAGIC_SIZE + SHA256_DIGEST_SIZE,
             SHA256_DIGEST_SIZE) != 0) {
    return -EBADMSG;
  }
  struct proto_reply out = { .version = reply->version };
  char              *dep = NULL;
  out.status             = (uint32_t)get_be(fields, 4);
  int r                  = copy_part(parts.data[0], parts.len[0], &out.serr);
  r = r < 0 ? r : copy_part(parts.data[1], parts.len[1], &out.sout);
  r = r < 0 ? r : copy_part(parts.data[2], parts.len[2], &out.object);
  if (r >= 0 && ret_dep && parts.len[3] > 0) {
    r = copy_part(parts.data[3], parts.len[3], &dep);
  }
  if (r < 0) {
    proto_reply_clear(&out);
    return r;
  }
  out.serr_len   = parts.len[0];
  out.sout_len   = parts.len[1];
  out.object_len = parts.len[2];
  *reply         = out;
  if (ret_dep) {
    *ret_dep     = dep;
    *ret_dep_len = dep ? parts.len[3] : 0;
  }
  return 0;
}

int cache_lookup(struct cache *cache, const uint8_t key[SHA256_DIGEST_SIZE],
                 struct proto_reply *ret_reply, char **ret_dep,
                 size_t *ret_dep_len)
{
  _cleanup_free_ char *path = NULL;
  _cleanup_free_ char *buf  = NULL;
  size_t               len  = 0;
  int                  r    = entry_path(cache, key, &path);

  if (r < 0) {
    return r;
  }
  r = io_read_file(path, (size_t)cache->max_bytes, &buf, &len);
  if (r < 0) {
    return r == -ENOENT ? -ENOENT : remove_damaged(cache, path, 0);
  }
  r = entry_decode((const uint8_t *)buf, len, key, ret_reply, ret_dep,
                   ret_dep_len);
  if (r == -EBADMSG) {
    return remove_damaged(cache, path, len);
  }
  if (r >= 0) {
    utimensat(AT_FDCWD, path, NULL, 0); /* most recently used */
  }
  return r;
}

bool cache_storable(const struct cache *cache, const struct proto_reply *reply,
                    const char *dir, bool timed_out)
{
  const char *parts[] = { reply->serr, reply->sout, reply->object };
  size_t      lens[]  = { reply->serr_len, reply->sout_len, reply->object_len };
  size_t      dir_len = strlen(dir);
  uint64_t    total   = CACHE_HEADER_SIZE;

  if (timed_out ||
      (reply->status != 0 && reply->status != proto_status_exit(1))) {
    return false;
  }
  for (size_t i = 0; i < ARRAY_SIZE(parts); i++) {
    if (lens[i] > 0 && memmem(parts[i], lens[i], dir, dir_len)) {
      return false;
    }
    total += lens[i];
  }
  return total <= cache->max_bytes / CACHE_ENTRY_SHARE;
}

static int entry_write(int fd, const uint8_t key[SHA256_DIGEST_SIZE],
                       const struct entry_parts *parts, uint32_t status)
{
  uint8_t  header[CACHE_HEADER_SIZE];
  uint8_t *fields = header + CACHE_MAGIC_SIZE + 2 * SHA256_DIGEST_SIZE;
  int      r;

  memcpy(header, CACHE_MAGIC, CACHE_MAGIC_SIZE);
  memcpy(header + CACHE_MAGIC_SIZE, key, SHA256_DIGEST_SIZE);
  put_be(fields, status, 4);
  for (unsigned i = 0; i < 4; i++) {
    put_be(fields + 4 + 8 * i, parts->len[i], 8);
  }
  entry_checksum(fields, parts, header + CACHE_MAGIC_SIZE + SHA256_DIGEST_SIZE);
  r = io_write_all(fd, header, sizeof(header), -1);
  for (unsigned i = 0; i < 4 && r >= 0; i++) {
    r = io_write_all(fd, parts->data[i], parts->len[i], -1);
  }
  return r;
}

/* Put the written entry tmp in place at path and count it, evicting when
 * the cache is over its size. The rename happens under the usage lock, so
 * an eviction scan never counts an entry that its store counts again. */
static int publish(struct cache *cache, const char *tmp, const char *path,
                   uint64_t size, unsigned *ret_evicted)
{
  uint64_t    bytes, entries;
  struct stat old;
  int         r = usage_lock(cache, LOCK_EX);

  if (r < 0) {
    return r;
  }
  bool replaced = lstat(path, &old) == 0;
  if (rename(tmp, path) < 0) {
    r = -errno;
    usage_unlock(cache);
    return r;
  }
  usage_read(cache, &bytes, &entries);
  bytes += size;
  if (replaced) {
    bytes = (uint64_t)old.st_size < bytes ? bytes - (uint64_t)old.st_size : 0;
  } else {
    entries++;
  }
  usage_write(cache, bytes, entries);
  if (bytes > cache->max_bytes) {
    r = evict_locked(cache, cache->max_bytes, ret_evicted);
  }
  usage_unlock(cache);
  return r;
}

int cache_store(struct cache *cache, const uint8_t key[SHA256_DIGEST_SIZE],
                const struct proto_reply *reply, const char *dep,
                size_t dep_len, unsigned *ret_evicted)
{
  _cleanup_free_ char *path  = NULL;
  _cleanup_free_ char *tmp   = NULL;
  _cleanup_close_ int  fd    = -1;
  struct entry_parts   parts = {
    { reply->serr,     reply->sout,     reply->object,     dep               },
    { reply->serr_len, reply->sout_len, reply->object_len, dep ? dep_len : 0 },
  };
  int r = entry_path(cache, key, &path);

  if (ret_evicted) {
    *ret_evicted = 0;
  }
  if (r < 0) {
    return r;
  }
  char *slash = strrchr(path, '/');
  *slash      = '\0';
  r           = mkdir(path, 0700) < 0 && errno != EEXIST ? -errno : 0;
  *slash      = '/';
  if (r >= 0) {
    r = io_tmp_beside(path, &tmp, &fd);
  }
  if (r >= 0) {
    r = entry_write(fd, key, &parts, reply->status);
  }
  if (r < 0) {
    if (tmp) {
      unlink(tmp);
    }
    return r;
  }
  uint64_t size = CACHE_HEADER_SIZE;
  for (unsigned i = 0; i < 4; i++) {
    size += parts.len[i];
  }
  r = publish(cache, tmp, path, size, ret_evicted);
  if (r < 0) {
    unlink(tmp);
  }
  return r;
}
