/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tests of herdccd's result cache in a private directory: a key changes
 * with every part of what it covers (so a stale hit is impossible), a
 * damaged entry is a miss and is removed, the least recently used entries
 * go first when the cache is full, the cache survives being reopened, and
 * what must not be stored is not. The compiler is a shell script standing
 * in for a driver: it answers -print-prog-name=cc1 with a file beside it,
 * so that "the compiler binary changed" and "cc1 changed" are real
 * changes of real files. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "cache.h"
#include "macro.h"

struct fixture {
  char          dir[64];
  char          cache_dir[96];
  char          compiler[96];
  char          cc1[96];
  struct cache *cache;
};

static void write_text(const char *path, const char *text, mode_t mode)
{
  FILE *f = fopen(path, "w");

  assert_non_null(f);
  fputs(text, f);
  fclose(f);
  chmod(path, mode);
}

static void write_compiler(struct fixture *f, const char *extra)
{
  char script[512];

  snprintf(script, sizeof(script),
           "#!/bin/sh\n"
           "case \"$1\" in -print-prog-name=cc1) echo %s ;; *) echo \"$1\" ;; "
           "esac\n%s",
           f->cc1, extra);
  write_text(f->compiler, script, 0755);
}

static int setup(void **state)
{
  struct fixture *f = calloc(1, sizeof(*f));

  assert_non_null(f);
  snprintf(f->dir, sizeof(f->dir), "/tmp/test-cache-XXXXXX");
  assert_non_null(mkdtemp(f->dir));
  snprintf(f->cache_dir, sizeof(f->cache_dir), "%s/cache", f->dir);
  snprintf(f->compiler, sizeof(f->compiler), "%s/gcc", f->dir);
  snprintf(f->cc1, sizeof(f->cc1), "%s/cc1", f->dir);
  write_compiler(f, "");
  write_text(f->cc1, "cc1, first build\n", 0755);
  unsetenv("CACHE_TEST_VARIABLE");
  unsetenv("SOURCE_DATE_EPOCH");
  assert_int_equal(
    cache_open(f->cache_dir, 1 << 20, (uid_t)-1, (gid_t)-1, &f->cache), 0);
  *state = f;
  return 0;
}

static int teardown(void **state)
{
  struct fixture *f = *state;
  char            cmd[128];

  cache_free(f->cache);
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
  assert_int_equal(system(cmd), 0);
  free(f);
  return 0;
}

/* The key of a job running argv (NULL-terminated, argv[0] replaced by
 * the fixture's compiler) on source; false when it must not be cached. */
/* The driver's answer, as herdccd's compile_probe gives it. */
static int probe(void *userdata, char *const *argv, char **ret_stdout)
{
  char  cmd[512];
  char *out = calloc(1, 4096);

  (void)userdata;
  assert_non_null(out);
  snprintf(cmd, sizeof(cmd), "'%s' '%s'", argv[0], argv[1]);
  FILE *p = popen(cmd, "r");
  assert_non_null(p);
  size_t n = fread(out, 1, 4095, p);
  out[n]   = '\0';
  pclose(p);
  *ret_stdout = out;
  return 0;
}

static void begin(struct fixture *f, const char *const *argv,
                  struct cache_key *k)
{
  char  *copy[32] = { f->compiler };
  size_t i;

  for (i = 1; argv[i]; i++) {
    copy[i] = (char *)argv[i];
  }
  copy[i] = NULL;
  assert_int_equal(cache_key_begin(f->cache, copy, probe, NULL, k), 0);
}

static bool key_of(struct fixture *f, const char *const *argv,
                   const char *source, uint8_t key[SHA256_DIGEST_SIZE])
{
  struct cache_key k;

  begin(f, argv, &k);
  /* in two chunks, as the wire may deliver it */
  size_t half = strlen(source) / 2;
  cache_key_source(&k, source, half);
  cache_key_source(&k, source + half, strlen(source) - half);
  return cache_key_finish(&k, key);
}

static void store_object(struct fixture *f, const uint8_t *key,
                         const char *object)
{
  struct proto_reply reply = {
    .serr       = (char *)"a warning\n",
    .serr_len   = 10,
    .object     = (char *)object,
    .object_len = strlen(object),
  };
  assert_int_equal(cache_store(f->cache, key, &reply, NULL, 0, NULL), 0);
}

/* The object stored under key, or NULL on a miss (owned by the caller). */
static char *lookup_object(struct fixture *f, const uint8_t *key)
{
  struct proto_reply reply = { 0 };
  int                r     = cache_lookup(f->cache, key, &reply, NULL, NULL);

  if (r == -ENOENT) {
    return NULL;
  }
  assert_int_equal(r, 0);
  char *object = TAKE_PTR(reply.object);
  proto_reply_clear(&reply);
  return object;
}

#define BASE_ARGV \
  "gcc", "-O2", "-c", "-x", "cpp-output", "-", "-o", CACHE_JOB_DIR "/output.o"
#define BASE_SOURCE "# 1 \"x.c\"\nint x = 1;\n"

static const char *const base_argv[] = { BASE_ARGV, NULL };

/* What a case changes before its key is taken. */
enum change {
  CHANGE_NONE,
  CHANGE_COMPILER, /* the driver binary is replaced */
  CHANGE_CC1,      /* the program the driver runs is replaced */
  CHANGE_ENV,      /* LANG (the compiler's messages) */
  CHANGE_EPOCH,    /* SOURCE_DATE_EPOCH */
};

static void apply(struct fixture *f, enum change change)
{
  switch (change) {
    case CHANGE_NONE:
      break;
    case CHANGE_COMPILER:
      write_compiler(f, "# version 2\n");
      break;
    case CHANGE_CC1:
      write_text(f->cc1, "cc1, second build with a fix\n", 0755);
      break;
    case CHANGE_ENV:
      setenv("LANG", "de_DE.UTF-8", 1);
      break;
    case CHANGE_EPOCH:
      setenv("SOURCE_DATE_EPOCH", "1700000000", 1);
      break;
  }
}

/* A stale hit is impossible: whatever part of the key differs from the
 * stored job's, the lookup misses. */
static void test_key_cases(void **state)
{
  static const struct {
    const char       *name;
    const char *const argv[12];
    const char       *source;
    enum change       change;
  } cases[] = {
    { "compiler binary changed",
     { BASE_ARGV, NULL },
     BASE_SOURCE,                                                                            CHANGE_COMPILER },
    { "cc1 changed",                                   { BASE_ARGV, NULL }, BASE_SOURCE,     CHANGE_CC1      },
    { "an argument changed",
     { "gcc", "-O1", "-c", "-x", "cpp-output", "-", "-o",
        CACHE_JOB_DIR "/output.o", NULL },
     BASE_SOURCE,                                                                            CHANGE_NONE     },
    { "an argument added",
     { BASE_ARGV, "-g", NULL },
     BASE_SOURCE,                                                                            CHANGE_NONE     },
    { "arguments split differently",
     { "gcc", "-O", "2", "-c", "-x", "cpp-output", "-", "-o",
        CACHE_JOB_DIR "/output.o", NULL },
     BASE_SOURCE,                                                                            CHANGE_NONE     },
    { "-S instead of -c",
     { "gcc", "-O2", "-S", "-x", "cpp-output", "-", "-o",
        CACHE_JOB_DIR "/output.s", NULL },
     BASE_SOURCE,                                                                            CHANGE_NONE     },
    { "source changed",
     { BASE_ARGV, NULL },
     "# 1 \"x.c\"\nint x = 2;\n",                                                            CHANGE_NONE     },
    { "source name changed",
     { BASE_ARGV, NULL },
     "# 1 \"y.c\"\nint x = 1;\n",                                                            CHANGE_NONE     },
    { "source grew",                                   { BASE_ARGV, NULL }, BASE_SOURCE " ", CHANGE_NONE     },
    /* -g: gcc -E writes the working directory into the source, and the
       server maps its job directory to the client's in the command line */
    { "-g with another cwd (in the source)",
     { BASE_ARGV, "-g", NULL },
     "# 1 \"/home/b/src//\"\n# 1 \"x.c\"\nint x = 1;\n",                                     CHANGE_NONE     },
    { "-g with another cwd (in a prefix map)",
     { BASE_ARGV, "-g", "-fdebug-prefix-map=" CACHE_JOB_DIR "=/home/b/src",
        NULL },
     BASE_SOURCE,                                                                            CHANGE_NONE     },
    { "-g with another source name (in a prefix map)",
     { BASE_ARGV, "-g", "-fdebug-prefix-map=<stdin>=lib/x.c", NULL },
     BASE_SOURCE,                                                                            CHANGE_NONE     },
    { "LANG changed",                                  { BASE_ARGV, NULL }, BASE_SOURCE,     CHANGE_ENV      },
    { "SOURCE_DATE_EPOCH set",                         { BASE_ARGV, NULL }, BASE_SOURCE,     CHANGE_EPOCH    },
  };
  struct fixture *f = *state;

  for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
    /* the stored job: the base, with the -g context of case i's kind */
    const char *const g_argv[]   = { BASE_ARGV, "-g", NULL };
    const char *const map_argv[] = {
      BASE_ARGV, "-g", "-fdebug-prefix-map=" CACHE_JOB_DIR "=/home/a/src", NULL
    };
    const char *const  name_argv[]   = { BASE_ARGV, "-g",
                                         "-fdebug-prefix-map=<stdin>=x.c", NULL };
    const char *const *stored_argv   = base_argv;
    const char        *stored_source = BASE_SOURCE;
    if (strstr(cases[i].name, "(in the source)")) {
      stored_argv   = g_argv;
      stored_source = "# 1 \"/home/a/src//\"\n# 1 \"x.c\"\nint x = 1;\n";
    } else if (strstr(cases[i].name, "cwd (in a prefix map)")) {
      stored_argv = map_argv;
    } else if (strstr(cases[i].name, "source name (in a prefix map)")) {
      stored_argv = name_argv;
    }
    uint8_t stored[SHA256_DIGEST_SIZE], again[SHA256_DIGEST_SIZE];
    uint8_t changed[SHA256_DIGEST_SIZE];
    assert_true(key_of(f, stored_argv, stored_source, stored));
    store_object(f, stored, "the stored object");
    /* the control: the same job again is a hit */
    assert_true(key_of(f, stored_argv, stored_source, again));
    _cleanup_free_ char *hit = lookup_object(f, again);
    if (!hit || strcmp(hit, "the stored object") != 0) {
      fail_msg("case \"%s\": the unchanged job missed", cases[i].name);
    }
    apply(f, cases[i].change);
    assert_true(key_of(f, cases[i].argv, cases[i].source, changed));
    _cleanup_free_ char *stale = lookup_object(f, changed);
    if (stale || memcmp(changed, stored, sizeof(stored)) == 0) {
      fail_msg("case \"%s\": a stale hit", cases[i].name);
    }
    unsetenv("LANG");
    unsetenv("SOURCE_DATE_EPOCH");
  }
}

/* The stored reply comes back whole: status, stderr, stdout, object. */
static void test_round_trip(void **state)
{
  struct fixture    *f = *state;
  uint8_t            key[SHA256_DIGEST_SIZE];
  struct proto_reply in = {
    .status     = 1 << 8,
    .serr       = (char *)"x.c:1:1: error: expected ';'\n",
    .serr_len   = 29,
    .sout       = (char *)"out",
    .sout_len   = 3,
    .object     = NULL,
    .object_len = 0,
  };
  struct proto_reply out = { .version = 2 };

  assert_true(key_of(f, base_argv, BASE_SOURCE, key));
  assert_int_equal(cache_lookup(f->cache, key, &out, NULL, NULL), -ENOENT);
  assert_int_equal(cache_store(f->cache, key, &in, "x.o: x.c\n", 9, NULL), 0);
  char  *dep     = NULL;
  size_t dep_len = 0;
  assert_int_equal(cache_lookup(f->cache, key, &out, &dep, &dep_len), 0);
  assert_int_equal(out.version, 2);
  assert_int_equal(out.status, 1 << 8);
  assert_int_equal(out.serr_len, in.serr_len);
  assert_memory_equal(out.serr, in.serr, in.serr_len);
  assert_int_equal(out.sout_len, 3);
  assert_memory_equal(out.sout, "out", 3);
  assert_int_equal(out.object_len, 0);
  assert_int_equal(dep_len, 9);
  assert_memory_equal(dep, "x.o: x.c\n", 9);
  free(dep);
  proto_reply_clear(&out);
}

static void entry_file(struct fixture *f, const uint8_t *key, char *path,
                       size_t size)
{
  char hex[SHA256_HEX_SIZE];

  sha256_hex(key, hex);
  snprintf(path, size, "%s/v1/%.2s/%s", f->cache_dir, hex, hex + 2);
}

/* A damaged entry is a miss, and is removed: truncated at any length,
 * any byte flipped (the key, the lengths, the checksum, the object). */
static void test_damaged(void **state)
{
  struct fixture *f = *state;
  uint8_t         key[SHA256_DIGEST_SIZE];
  char            path[256];
  struct stat     st;

  assert_true(key_of(f, base_argv, BASE_SOURCE, key));
  entry_file(f, key, path, sizeof(path));
  store_object(f, key, "0123456789abcdef");
  assert_int_equal(stat(path, &st), 0);
  size_t size = (size_t)st.st_size;
  for (size_t cut = 0; cut < size; cut++) {
    store_object(f, key, "0123456789abcdef");
    assert_int_equal(truncate(path, (off_t)cut), 0);
    _cleanup_free_ char *object = lookup_object(f, key);
    if (object || access(path, F_OK) == 0) {
      fail_msg("truncated to %zu of %zu bytes: not a miss", cut, size);
    }
  }
  for (size_t at = 0; at < size; at++) {
    store_object(f, key, "0123456789abcdef");
    int fd = open(path, O_RDWR);
    assert_true(fd >= 0);
    unsigned char byte;
    assert_int_equal(pread(fd, &byte, 1, (off_t)at), 1);
    byte ^= 0x04;
    assert_int_equal(pwrite(fd, &byte, 1, (off_t)at), 1);
    close(fd);
    _cleanup_free_ char *object = lookup_object(f, key);
    if (object || access(path, F_OK) == 0) {
      fail_msg("byte %zu of %zu flipped: not a miss", at, size);
    }
  }
  /* a byte appended */
  store_object(f, key, "0123456789abcdef");
  int fd = open(path, O_WRONLY | O_APPEND);
  assert_true(fd >= 0);
  assert_int_equal(write(fd, "x", 1), 1);
  close(fd);
  assert_null(lookup_object(f, key));
  /* and the cache still works */
  store_object(f, key, "0123456789abcdef");
  _cleanup_free_ char *object = lookup_object(f, key);
  assert_string_equal(object, "0123456789abcdef");
}

/* Over its size, the least recently used entries go; a hit counts as a
 * use. */
static void test_eviction(void **state)
{
  struct fixture *f = *state;
  char            object[20000];
  uint8_t         keys[12][SHA256_DIGEST_SIZE];
  unsigned        evicted_total = 0;

  cache_free(f->cache);
  /* room for about five of the entries below */
  assert_int_equal(
    cache_open(f->cache_dir, 5 * 20100 + 1000, (uid_t)-1, (gid_t)-1, &f->cache),
    0);
  memset(object, 'o', sizeof(object) - 1);
  object[sizeof(object) - 1] = '\0';
  for (unsigned i = 0; i < ARRAY_SIZE(keys); i++) {
    char source[64];
    snprintf(source, sizeof(source), "int x%u;\n", i);
    assert_true(key_of(f, base_argv, source, keys[i]));
    struct proto_reply reply   = { .object     = object,
                                   .object_len = sizeof(object) - 1 };
    unsigned           evicted = 0;
    assert_int_equal(cache_store(f->cache, keys[i], &reply, NULL, 0, &evicted),
                     0);
    evicted_total += evicted;
    /* entry 0 is used after every store: it must stay */
    _cleanup_free_ char *hit = lookup_object(f, keys[0]);
    if (!hit) {
      fail_msg("the entry in use was evicted after store %u", i);
    }
    usleep(2000); /* distinct mtimes */
    uint64_t bytes, entries;
    assert_int_equal(cache_usage(f->cache, &bytes, &entries), 0);
    if (bytes > cache_max_bytes(f->cache)) {
      fail_msg("after store %u: %llu bytes in a cache of %llu", i,
               (unsigned long long)bytes,
               (unsigned long long)cache_max_bytes(f->cache));
    }
  }
  assert_true(evicted_total >= ARRAY_SIZE(keys) - 5);
  /* the oldest unused ones went, the newest stayed */
  _cleanup_free_ char *old    = lookup_object(f, keys[1]);
  _cleanup_free_ char *newest = lookup_object(f, keys[ARRAY_SIZE(keys) - 1]);
  assert_null(old);
  assert_non_null(newest);
}

/* Closed and opened again (a restart), the cache still has its entries
 * and counts them afresh, whatever the usage file said. */
static void test_reopen(void **state)
{
  struct fixture *f = *state;
  uint8_t         key[SHA256_DIGEST_SIZE];
  char            usage[256];
  uint64_t        bytes, entries;

  assert_true(key_of(f, base_argv, BASE_SOURCE, key));
  store_object(f, key, "kept across restarts");
  cache_free(f->cache);
  snprintf(usage, sizeof(usage), "%s/v1/usage", f->cache_dir);
  write_text(usage, "garbage", 0600);
  assert_int_equal(
    cache_open(f->cache_dir, 1 << 20, (uid_t)-1, (gid_t)-1, &f->cache), 0);
  assert_int_equal(cache_usage(f->cache, &bytes, &entries), 0);
  assert_int_equal(entries, 1);
  assert_true(bytes > strlen("kept across restarts"));
  _cleanup_free_ char *object = lookup_object(f, key);
  assert_string_equal(object, "kept across restarts");
}

/* A source that still holds __DATE__, __TIME__ or __TIMESTAMP__ (text
 * the server preprocesses) is not cached, wherever the chunks split it. */
static void test_volatile_source(void **state)
{
  static const char *const sources[] = {
    "const char *t = __TIME__;\n",
    "const char *d = __DATE__;\n",
    "const char *s = __TIMESTAMP__;\n",
  };
  struct fixture *f = *state;

  for (size_t i = 0; i < ARRAY_SIZE(sources); i++) {
    size_t len = strlen(sources[i]);
    for (size_t cut = 0; cut <= len; cut++) {
      struct cache_key k;
      uint8_t          key[SHA256_DIGEST_SIZE];
      begin(f, base_argv, &k);
      /* one byte at a time up to the cut, then the rest */
      for (size_t b = 0; b < cut; b++) {
        cache_key_source(&k, sources[i] + b, 1);
      }
      cache_key_source(&k, sources[i] + cut, len - cut);
      if (cache_key_finish(&k, key)) {
        fail_msg("\"%s\" cut at %zu: cacheable", sources[i], cut);
      }
    }
  }
  uint8_t key[SHA256_DIGEST_SIZE];
  assert_true(key_of(f, base_argv, "const char *t = __TIM;\n", key));
}

static void test_storable(void **state)
{
  static const char *const dir = "/tmp/herdccd-AbC123";

  static const struct {
    const char *name;
    uint32_t    status;
    const char *serr;
    const char *object;
    bool        timed_out;
    bool        storable;
  } cases[] = {
    { "compiled",                        0,      "",               "ELF...", false, true  },
    { "a compile error",                 1 << 8, "x.c:1: error\n", "",       false, true  },
    { "an internal compiler error",      4 << 8, "ICE\n",          "",       false, false },
    { "killed by a signal",              9,      "",               "",       false, false },
    { "timed out",                       0,      "",               "ELF...", true,  false },
    { "the job directory in the object", 0,      "",
     "DW_AT_comp_dir /tmp/herdccd-AbC123",                                   false, false },
    { "the job directory in stderr",     1 << 8,
     "/tmp/herdccd-AbC123/output.o: error\n",                      "",       false, false },
  };
  struct fixture *f = *state;

  for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
    struct proto_reply reply = {
      .status     = cases[i].status,
      .serr       = (char *)cases[i].serr,
      .serr_len   = strlen(cases[i].serr),
      .object     = (char *)cases[i].object,
      .object_len = strlen(cases[i].object),
    };
    if (cache_storable(f->cache, &reply, dir, cases[i].timed_out) !=
        cases[i].storable) {
      fail_msg("case \"%s\"", cases[i].name);
    }
  }
  /* larger than an eighth of the cache */
  char *big = calloc(1, (1 << 20) / CACHE_ENTRY_SHARE + 1);
  assert_non_null(big);
  struct proto_reply reply = { .object     = big,
                               .object_len = (1 << 20) / CACHE_ENTRY_SHARE };
  assert_false(cache_storable(f->cache, &reply, dir, false));
  free(big);
}

static int failing_probe(void *userdata, char *const *argv, char **ret_stdout)
{
  (void)argv;
  (void)ret_stdout;
  (*(int *)userdata)++;
  return -ETIMEDOUT;
}

/* A driver that does not answer its probe is not cached, and is not asked
 * again on every job; once it changes it is asked again. */
static void test_probe_fails(void **state)
{
  struct fixture  *f      = *state;
  char            *argv[] = { f->compiler, (char *)"-c", NULL };
  struct cache_key k;
  int              calls = 0;

  assert_int_equal(cache_key_begin(f->cache, argv, NULL, NULL, &k), -EAGAIN);
  assert_int_equal(
    cache_learn_compiler(f->cache, f->compiler, failing_probe, &calls),
    -EOPNOTSUPP);
  for (int i = 0; i < 3; i++) {
    assert_int_equal(cache_key_begin(f->cache, argv, failing_probe, &calls, &k),
                     -EOPNOTSUPP);
  }
  assert_int_equal(calls, 1);
  write_compiler(f, "# answers now\n");
  assert_int_equal(cache_key_begin(f->cache, argv, probe, NULL, &k), 0);
}

/* The server's sandbox setting is part of the key. */
static void test_key_context(void **state)
{
  struct fixture  *f = *state;
  struct cache_key on, off;
  uint8_t          a[SHA256_DIGEST_SIZE], b[SHA256_DIGEST_SIZE];

  begin(f, base_argv, &on);
  begin(f, base_argv, &off);
  cache_key_add(&on, "sandbox", "on");
  cache_key_add(&off, "sandbox", "off");
  cache_key_source(&on, BASE_SOURCE, strlen(BASE_SOURCE));
  cache_key_source(&off, BASE_SOURCE, strlen(BASE_SOURCE));
  assert_true(cache_key_finish(&on, a));
  assert_true(cache_key_finish(&off, b));
  assert_memory_not_equal(a, b, sizeof(a));
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(test_key_cases, setup, teardown),
    cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
    cmocka_unit_test_setup_teardown(test_damaged, setup, teardown),
    cmocka_unit_test_setup_teardown(test_eviction, setup, teardown),
    cmocka_unit_test_setup_teardown(test_reopen, setup, teardown),
    cmocka_unit_test_setup_teardown(test_volatile_source, setup, teardown),
    cmocka_unit_test_setup_teardown(test_storable, setup, teardown),
    cmocka_unit_test_setup_teardown(test_probe_fails, setup, teardown),
    cmocka_unit_test_setup_teardown(test_key_context, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
