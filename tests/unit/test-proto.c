/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tests of the distcc wire protocol codec over a socketpair: exact bytes on
 * the wire, round trips of headers, bodies, requests and replies in
 * versions 1 and 2, and what a malformed, oversized, truncated or silent
 * peer gets. Where both ends must run at once (bodies larger than the
 * socket buffer), a thread plays the peer; short malformed input is written
 * into the socketpair before the read. */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "codec.h"
#include "macro.h"
#include "proto.h"
#include "strv.h"

#define TIMEOUT_MS 5000
#define MIB        (1024u * 1024u)

/* A string literal as bytes and length (NULs included). */
#define WIRE(s) s, sizeof(s) - 1

/* ---- the largest allocation --------------------------------------------- */

/* A length over its cap must be refused before anything is allocated for it.
 * To see that, malloc and calloc record the largest request and hand on to
 * glibc's allocator. Sanitizer builds bring their own malloc: there the
 * record stays 0 and those checks prove nothing. */
#if defined(__SANITIZE_ADDRESS__)
#  define TEST_SANITIZER_MALLOC
#elif defined(__has_feature)
#  if __has_feature(address_sanitizer)
#    define TEST_SANITIZER_MALLOC
#  endif
#endif

static size_t largest_allocation;

#ifndef TEST_SANITIZER_MALLOC
void *__libc_malloc(size_t size);
void *__libc_calloc(size_t n, size_t size);

static void note_allocation(size_t size)
{
  if (size > __atomic_load_n(&largest_allocation, __ATOMIC_RELAXED)) {
    __atomic_store_n(&largest_allocation, size, __ATOMIC_RELAXED);
  }
}

void *malloc(size_t size)
{
  note_allocation(size);
  return __libc_malloc(size);
}

void *calloc(size_t n, size_t size)
{
  size_t total;
  if (!__builtin_mul_overflow(n, size, &total)) {
    note_allocation(total);
  }
  return __libc_calloc(n, size);
}
#endif

static void allocation_reset(void)
{
  __atomic_store_n(&largest_allocation, 0, __ATOMIC_RELAXED);
}

static size_t allocation_largest(void)
{
  return __atomic_load_n(&largest_allocation, __ATOMIC_RELAXED);
}

/* ---- helpers ------------------------------------------------------------ */

/* fd[0] reads what fd[1] writes, and the other way round. */
static void pair_open(int fd[2])
{
  assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fd), 0);
}

/* Close one end: its peer reads the end of the stream. */
static void hang_up(int *fd)
{
  if (*fd >= 0) {
    close(*fd);
    *fd = -1;
  }
}

static void pair_close(int fd[2])
{
  hang_up(&fd[0]);
  hang_up(&fd[1]);
}

/* Bytes a peer wrote, then hung up: fd[0] reads them. */
static void pair_with_input(int fd[2], const void *bytes, size_t len)
{
  pair_open(fd);
  assert_int_equal(write(fd[1], bytes, len), (ssize_t)len);
  hang_up(&fd[1]);
}

/* Everything fd has until the peer hangs up, NUL-terminated. */
static char *read_to_end(int fd, size_t *ret_len)
{
  char  *buf  = NULL;
  size_t len  = 0;
  size_t size = 0;

  for (;;) {
    if (len + 1 >= size) {
      size = size ? size * 2 : 4096;
      buf  = realloc(buf, size);
      assert_non_null(buf);
    }
    ssize_t n = read(fd, buf + len, size - len - 1);
    assert_true(n >= 0);
    if (n == 0) {
      break;
    }
    len += (size_t)n;
  }
  buf[len] = '\0';
  *ret_len = len;
  return buf;
}

/* "gcc -c x.c" as a vector. */
static char **split(const char *line)
{
  _cleanup_free_ char *copy = strdup(line);
  char                *save = NULL;
  char               **strv = NULL;

  assert_non_null(copy);
  char *word = strtok_r(copy, " ", &save);
  while (word) {
    assert_int_equal(strv_push(&strv, word), 0);
    word = strtok_r(NULL, " ", &save);
  }
  return strv;
}

/* Deterministic bytes that LZO cannot shrink. */
static char *random_bytes(size_t len)
{
  char    *buf   = malloc(len ? len : 1);
  uint64_t state = 0x9e3779b97f4a7c15u;

  assert_non_null(buf);
  for (size_t i = 0; i < len; i++) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    buf[i] = (char)(state >> 24);
  }
  return buf;
}

/* Text that LZO shrinks a lot. */
static char *source_text(size_t len)
{
  static const char line[] = "static int add(int a, int b) { return a + b; }\n";
  char             *buf    = malloc(len ? len : 1);

  assert_non_null(buf);
  for (size_t i = 0; i < len; i++) {
    buf[i] = line[i % (sizeof(line) - 1)];
  }
  return buf;
}

static long long now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- the peer thread ---------------------------------------------------- */

/* What a peer sends on fd. */
typedef int (*peer_send_fn)(int fd, const void *arg);

/* One side of an exchange, run on a thread: send(fd, arg), then hang up.
 * The test closes its own end before peer_join(), so that a peer still
 * writing to a reader that gave up fails instead of blocking. */
struct peer {
  pthread_t    thread;
  int          fd;
  peer_send_fn send;
  const void  *arg;
  int          result;
};

static void *peer_main(void *data)
{
  struct peer *peer = data;
  peer->result      = peer->send(peer->fd, peer->arg);
  close(peer->fd);
  return NULL;
}

/* Start the peer on fd (which it closes when done). */
static void peer_start(struct peer *peer, int fd, peer_send_fn send,
                       const void *arg)
{
  *peer = (struct peer){ .fd = fd, .send = send, .arg = arg };
  assert_int_equal(pthread_create(&peer->thread, NULL, peer_main, peer), 0);
}

static int peer_join(struct peer *peer)
{
  assert_int_equal(pthread_join(peer->thread, NULL), 0);
  return peer->result;
}

struct body_msg {
  const char *token;
  const char *buf;
  size_t      len;
  int         lzo; /* enum proto_codec */
};

static int send_body(int fd, const void *arg)
{
  const struct body_msg *m = arg;
  return proto_send_body(fd, m->token, m->buf, m->len, m->lzo, TIMEOUT_MS);
}

struct fd_msg {
  int    file;
  size_t len;
  int    lzo; /* enum proto_codec */
};

static int send_body_fd(int fd, const void *arg)
{
  const struct fd_msg *m = arg;
  return proto_send_body_fd(fd, "DOTI", m->file, m->len, m->lzo, TIMEOUT_MS);
}

struct request_msg {
  uint32_t     version;
  char *const *argv;
};

static int send_request(int fd, const void *arg)
{
  const struct request_msg *m = arg;
  return proto_send_request_args(fd, m->version, m->argv, TIMEOUT_MS);
}

static int send_reply(int fd, const void *arg)
{
  return proto_send_reply(fd, arg, TIMEOUT_MS);
}

/* ---- headers ------------------------------------------------------------ */

struct header_bytes_case {
  const char *token;
  uint32_t    value;
  const char *wire;
};

static const struct header_bytes_case header_bytes_cases[] = {
  { "DIST", 1,           "DIST00000001" },
  { "ARGC", 5,           "ARGC00000005" },
  { "DOTI", 0xabcdef01u, "DOTIabcdef01" },
  { "DOTO", 0,           "DOTO00000000" },
  { "STAT", UINT32_MAX,  "STATffffffff" },
};

/* Lowercase hex, eight digits, no terminator: what distcc sends. */
static void test_header_bytes(void **state)
{
  (void)state;
  for (size_t i = 0; i < ARRAY_SIZE(header_bytes_cases); i++) {
    const struct header_bytes_case *c     = &header_bytes_cases[i];
    int                             fd[2] = { -1, -1 };

    pair_open(fd);
    assert_int_equal(proto_send_header(fd[1], c->token, c->value, TIMEOUT_MS),
                     0);
    hang_up(&fd[1]);
    size_t               len;
    _cleanup_free_ char *wire = read_to_end(fd[0], &len);
    if (len != PROTO_HEADER_LEN || memcmp(wire, c->wire, len) != 0) {
      fail_msg("%s %u: sent \"%.*s\", expected \"%s\"", c->token, c->value,
               (int)len, wire, c->wire);
    }
    pair_close(fd);
  }
}

struct header_case {
  const char *wire; /* what the peer sent before hanging up */
  const char *token;
  int         result;
  uint32_t    value;
};

static const struct header_case header_cases[] = {
  { "DIST00000002", "DIST", 0,        2           },
  { "ARGCffffffff", "ARGC", 0,        UINT32_MAX  },
  { "DISTABCDEF01", "DIST", 0,        0xabcdef01u }, /* uppercase hex */
  { "DISTaBcDeF01", "DIST", 0,        0xabcdef01u },
  { "DONE00000002", "DIST", -EPROTO,  0           }, /* another token */
  { "dist00000001", "DIST", -EPROTO,  0           },
  { "DIST0000000g", "DIST", -EPROTO,  0           }, /* not hex */
  { "DIST 0000001", "DIST", -EPROTO,  0           },
  { "DIST-0000001", "DIST", -EPROTO,  0           },
  { "DIST0x000001", "DIST", -EPROTO,  0           },
  { "DIST0000",     "DIST", -ENODATA, 0           }, /* truncated */
  { "DI",           "DIST", -ENODATA, 0           },
  { "",             "DIST", -ENODATA, 0           },
};

static void test_header_parse(void **state)
{
  (void)state;
  for (size_t i = 0; i < ARRAY_SIZE(header_cases); i++) {
    const struct header_case *c     = &header_cases[i];
    int                       fd[2] = { -1, -1 };
    uint32_t                  value = 0x5a5a5a5a; /* written on success only */

    pair_with_input(fd, c->wire, strlen(c->wire));
    int r = proto_recv_header(fd[0], c->token, &value, TIMEOUT_MS);
    pair_close(fd);
    if (r != c->result) {
      fail_msg("\"%s\" read as %s: returned %d, expected %d", c->wire, c->token,
               r, c->result);
    }
    if (value != (r == 0 ? c->value : 0x5a5a5a5a)) {
      fail_msg("\"%s\": value %#x", c->wire, value);
    }
  }
}

/* ---- bodies ------------------------------------------------------------- */

enum body_kind {
  BODY_EMPTY,
  BODY_ONE_BYTE,
  BODY_RANDOM,
  BODY_TEXT,
  BODY_NULS,
};

struct body_case {
  const char    *name;
  enum body_kind kind;
  size_t         len;
};

static const struct body_case body_cases[] = {
  { "empty",                 BODY_EMPTY,    0         },
  { "one byte",              BODY_ONE_BYTE, 1         },
  { "1 MiB of random bytes", BODY_RANDOM,   MIB       },
  { "3 MiB of source text",  BODY_TEXT,     3 * MIB   },
  { "64 KiB of NULs",        BODY_NULS,     64 * 1024 },
};

static char *body_make(const struct body_case *c)
{
  switch (c->kind) {
    case BODY_EMPTY:
      return strdup("");
    case BODY_ONE_BYTE:
      return strdup("x");
    case BODY_RANDOM:
      return random_bytes(c->len);
    case BODY_TEXT:
      return source_text(c->len);
    case BODY_NULS:
      return calloc(1, c->len);
  }
  return NULL;
}

/* proto_send_body to proto_recv_body, in version 1 (raw) and 2 (LZO). */
static void test_body_round_trip(void **state)
{
  (void)state;
  for (size_t i = 0; i < ARRAY_SIZE(body_cases); i++) {
    for (int lzo = 0; lzo <= 2; lzo++) {
      const struct body_case *c     = &body_cases[i];
      _cleanup_free_ char    *body  = body_make(c);
      int                     fd[2] = { -1, -1 };
      struct peer             peer;
      struct body_msg         msg = { .token = "DOTI",
                                      .buf   = body,
                                      .len   = c->len,
                                      .lzo   = lzo };

      assert_non_null(body);
      pair_open(fd);
      peer_start(&peer, TAKE_FD(fd[1]), send_body, &msg);
      char  *got = NULL;
      size_t len = 0;
      int    r =
        proto_recv_body(fd[0], "DOTI", 4 * MIB, lzo, TIMEOUT_MS, &got, &len);
      pair_close(fd);
      int sent = peer_join(&peer);
      if (r != 0 || sent != 0) {
        fail_msg("%s, version %d: received %d, sent %d", c->name, 1 + lzo, r,
                 sent);
      }
      if (len != c->len || memcmp(got, body, len) != 0 || got[len] != '\0') {
        fail_msg("%s, version %d: %zu bytes came back, not the %zu sent "
                 "(NUL-terminated)",
                 c->name, 1 + lzo, len, c->len);
      }
      free(got);
    }
  }
}

/* Version 2 on the wire: the token carries the compressed length, the body
 * is a raw LZO1X stream; an empty body is "DOTO00000000" and nothing else. */
static void test_body_lzo_wire(void **state)
{
  (void)state;
  _cleanup_free_ char *text  = source_text(MIB);
  int                  fd[2] = { -1, -1 };
  struct peer          peer;
  struct body_msg msg = { .token = "SOUT", .buf = text, .len = MIB, .lzo = 1 };

  pair_open(fd);
  peer_start(&peer, TAKE_FD(fd[1]), send_body, &msg);
  size_t               len;
  _cleanup_free_ char *wire = read_to_end(fd[0], &len);
  pair_close(fd);
  assert_int_equal(peer_join(&peer), 0);
  unsigned packed = 0;
  assert_int_equal(sscanf(wire, "SOUT%8x", &packed), 1);
  assert_int_equal(packed, len - PROTO_HEADER_LEN);
  assert_true(packed < MIB / 10);
  _cleanup_free_ char *plain = NULL;
  size_t               plain_len;
  assert_int_equal(codec_lzo_decompress(wire + PROTO_HEADER_LEN, packed, MIB,
                                        &plain, &plain_len),
                   0);
  assert_int_equal(plain_len, MIB);
  assert_memory_equal(plain, text, MIB);

  pair_open(fd);
  assert_int_equal(proto_send_body(fd[1], "DOTO", "", 0, true, TIMEOUT_MS), 0);
  hang_up(&fd[1]);
  _cleanup_free_ char *empty = read_to_end(fd[0], &len);
  pair_close(fd);
  assert_int_equal(len, PROTO_HEADER_LEN);
  assert_memory_equal(empty, "DOTO00000000", PROTO_HEADER_LEN);
}

/* proto_send_body_fd sends the next len bytes of a file, from its offset. */
static void test_body_from_fd(void **state)
{
  (void)state;
  for (int lzo = 0; lzo <= 2; lzo++) {
    _cleanup_free_ char *text  = source_text(MIB + 7);
    _cleanup_close_ int  file  = memfd_create("body", MFD_CLOEXEC);
    int                  fd[2] = { -1, -1 };
    struct peer          peer;
    struct fd_msg        msg = { .file = file, .len = MIB, .lzo = lzo };

    assert_true(file >= 0);
    assert_int_equal(write(file, text, MIB + 7), (ssize_t)(MIB + 7));
    assert_int_equal(lseek(file, 7, SEEK_SET), 7);
    pair_open(fd);
    peer_start(&peer, TAKE_FD(fd[1]), send_body_fd, &msg);
    _cleanup_free_ char *got = NULL;
    size_t               len = 0;
    int                  r =
      proto_recv_body(fd[0], "DOTI", 2 * MIB, lzo, TIMEOUT_MS, &got, &len);
    pair_close(fd);
    int sent = peer_join(&peer);
    if (r != 0 || sent != 0 || len != MIB || memcmp(got, text + 7, MIB) != 0) {
      fail_msg("body from a file, version %d: received %d (%zu bytes), "
               "sent %d",
               1 + lzo, r, len, sent);
    }
  }
}

/* ---- malformed bodies --------------------------------------------------- */

/* Received with a cap of 16 bytes. */
struct bad_body_case {
  const char *name;
  const char *wire;
  size_t      wire_len;
  bool        lzo;
  int         result;
};

static const struct bad_body_case bad_body_cases[] = {
  { "another token",      WIRE("SOUT00000001x"),     false, -EPROTO   },
  { "over the cap",       WIRE("DOTI00000011"),      false, -EMSGSIZE },
  { "over the LZO cap",   WIRE("DOTI00000055"),      true,  -EMSGSIZE },
  { "length 2^32-1",      WIRE("DOTIffffffff"),      false, -EMSGSIZE },
  { "length 2^32-1, LZO", WIRE("DOTIffffffff"),      true,  -EMSGSIZE },
  { "body cut short",     WIRE("DOTI00000010abcde"), false, -ENODATA  },
  { "LZO body cut short", WIRE("DOTI00000010abcde"), true,  -ENODATA  },
  { "no body",            WIRE("DOTI00000001"),      false, -ENODATA  },
};

static void test_body_malformed(void **state)
{
  (void)state;
  for (size_t i = 0; i < ARRAY_SIZE(bad_body_cases); i++) {
    const struct bad_body_case *c     = &bad_body_cases[i];
    int                         fd[2] = { -1, -1 };
    char                       *got   = (char *)"untouched";
    size_t                      len   = 12345;

    pair_with_input(fd, c->wire, c->wire_len);
    allocation_reset();
    int r = proto_recv_body(fd[0], "DOTI", 16, c->lzo, TIMEOUT_MS, &got, &len);
    size_t largest = allocation_largest();
    pair_close(fd);
    if (r != c->result) {
      fail_msg("%s: returned %d, expected %d", c->name, r, c->result);
    }
    if (strcmp(got, "untouched") != 0 || len != 12345) {
      fail_msg("%s: failed, but the outputs were written", c->name);
    }
    if (largest > 4096) {
      fail_msg("%s: allocated %zu bytes for it", c->name, largest);
    }
  }
}

/* An LZO body is compressed text: cut short, or with bytes after its end,
 * it is a protocol error; one that expands past the cap is refused without
 * allocating much more than the cap. */
struct bad_lzo_case {
  const char *name;
  size_t      cut;  /* bytes cut from the end of the stream */
  size_t      junk; /* bytes added after its end */
  size_t      cap;
  int         result;
};

static const struct bad_lzo_case bad_lzo_cases[] = {
  { "cut short by 3 bytes",    3,    0, 2 * MIB,   -EPROTO },
  { "cut short by 1000 bytes", 1000, 0, 2 * MIB,   -EPROTO },
  { "with junk after its end", 0,    4, 2 * MIB,   -EPROTO },
  { "expanding past the cap",  0,    0, 64 * 1024, -EFBIG  },
};

static void test_body_lzo_malformed(void **state)
{
  (void)state;
  _cleanup_free_ char *text   = source_text(MIB);
  _cleanup_free_ char *packed = NULL;
  size_t               packed_len;

  assert_int_equal(codec_lzo_compress(text, MIB, &packed, &packed_len), 0);
  assert_true(packed_len > 1000 && packed_len < 64 * 1024);
  for (size_t i = 0; i < ARRAY_SIZE(bad_lzo_cases); i++) {
    const struct bad_lzo_case *c     = &bad_lzo_cases[i];
    size_t                     len   = packed_len - c->cut + c->junk;
    _cleanup_free_ char       *wire  = malloc(PROTO_HEADER_LEN + len + 1);
    int                        fd[2] = { -1, -1 };
    char                      *got   = NULL;
    size_t                     got_len;

    assert_non_null(wire);
    snprintf(wire, PROTO_HEADER_LEN + 1, "DOTI%08zx", len);
    memcpy(wire + PROTO_HEADER_LEN, packed, packed_len - c->cut);
    memset(wire + PROTO_HEADER_LEN + packed_len - c->cut, 0x11, c->junk);
    pair_with_input(fd, wire, PROTO_HEADER_LEN + len);
    allocation_reset();
    int r =
      proto_recv_body(fd[0], "DOTI", c->cap, true, TIMEOUT_MS, &got, &got_len);
    size_t largest = allocation_largest();
    pair_close(fd);
    if (r != c->result) {
      fail_msg("LZO body %s: returned %d, expected %d", c->name, r, c->result);
    }
    if (got) {
      fail_msg("LZO body %s: failed, but a buffer came back", c->name);
    }
    if (largest > c->cap) {
      fail_msg("LZO body %s: allocated %zu bytes, cap %zu", c->name, largest,
               c->cap);
    }
  }
}

/* ---- requests ----------------------------------------------------------- */

static void test_request_round_trip(void **state)
{
  (void)state;
  static const char *const lines[] = {
    "gcc -c x.c -o x.o",
    "g++ -x c++-cpp-output -O2 -g -c x.cc -o out/x.o",
    "cc",
  };
  for (uint32_t version = 1; version <= 2; version++) {
    for (size_t i = 0; i < ARRAY_SIZE(lines); i++) {
      _cleanup_strv_free_ char **argv        = split(lines[i]);
      _cleanup_strv_free_ char **got         = NULL;
      int                        fd[2]       = { -1, -1 };
      uint32_t                   got_version = 0;
      struct peer                peer;

      assert_int_equal(strv_push(&argv, ""), 0); /* an empty argument too */
      struct request_msg msg = { .version = version, .argv = argv };
      pair_open(fd);
      peer_start(&peer, TAKE_FD(fd[1]), send_request, &msg);
      int r = proto_recv_request_args(fd[0], &proto_default_limits, TIMEOUT_MS,
                                      &got_version, &got);
      pair_close(fd);
      int sent = peer_join(&peer);
      if (r != 0 || sent != 0 || got_version != version) {
        fail_msg("\"%s\", version %u: received %d (version %u), sent %d",
                 lines[i], version, r, got_version, sent);
      }
      size_t n    = strv_length(argv);
      bool   same = strv_length(got) == n;
      for (size_t k = 0; same && k < n; k++) {
        same = strcmp(got[k], argv[k]) == 0;
      }
      if (!same) {
        _cleanup_free_ char *text = strv_join(got);
        fail_msg("\"%s\", version %u: came back as \"%s\"", lines[i], version,
                 text);
      }
    }
  }
}

/* The bytes of a request, as distccd reads them. */
static void test_request_bytes(void **state)
{
  (void)state;
  static const char expected[] = "DIST00000001ARGC00000003ARGV00000003gcc"
                                 "ARGV00000002-cARGV00000003x.c";
  char *const argv[] = { (char *)"gcc", (char *)"-c", (char *)"x.c", NULL };
  int         fd[2]  = { -1, -1 };

  pair_open(fd);
  assert_int_equal(proto_send_request_args(fd[1], 1, argv, TIMEOUT_MS), 0);
  hang_up(&fd[1]);
  size_t               len;
  _cleanup_free_ char *wire = read_to_end(fd[0], &len);
  pair_close(fd);
  assert_int_equal(len, sizeof(expected) - 1);
  assert_memory_equal(wire, expected, len);
}

struct bad_request_case {
  const char *name;
  int         result;
  uint32_t    version; /* for -EPROTONOSUPPORT: the version read */
  const char *wire;
  size_t      wire_len;
};

/* Limits small enough to reach: 4 arguments of up to 16 bytes. */
static const struct proto_limits small_limits = {
  .max_argc    = 4,
  .max_arg_len = 16,
  .max_body    = 1024,
};

/* Name and result on one line, the bytes the peer sent on the next. */
/* clang-format off */
static const struct bad_request_case bad_request_cases[] = {
  { "another token first", -EPROTO, 0,
    WIRE("ARGC00000001") },
  { "version 3", -EPROTONOSUPPORT, 3,
    WIRE("DIST00000003ARGC00000001") },
  { "version 0", -EPROTONOSUPPORT, 0,
    WIRE("DIST00000000") },
  { "version 2^32-1", -EPROTONOSUPPORT, UINT32_MAX,
    WIRE("DISTffffffff") },
  { "ARGC 0", -EPROTO, 0,
    WIRE("DIST00000001ARGC00000000") },
  { "ARGC over the cap", -EMSGSIZE, 0,
    WIRE("DIST00000001ARGC00000005") },
  { "ARGC 2^32-1", -EMSGSIZE, 0,
    WIRE("DIST00000002ARGCffffffff") },
  { "ARGV over the cap", -EMSGSIZE, 0,
    WIRE("DIST00000001ARGC00000001ARGV00000011") },
  { "ARGV 2^32-1", -EMSGSIZE, 0,
    WIRE("DIST00000001ARGC00000001ARGVffffffff") },
  { "ARGV with a NUL", -EPROTO, 0,
    WIRE("DIST00000001ARGC00000001ARGV00000003a\0b") },
  { "ARGV of NULs", -EPROTO, 0,
    WIRE("DIST00000001ARGC00000001ARGV00000002\0\0") },
  { "DOTI for ARGV", -EPROTO, 0,
    WIRE("DIST00000001ARGC00000001DOTI00000001x") },
  { "fewer ARGV than ARGC", -ENODATA, 0,
    WIRE("DIST00000001ARGC00000002ARGV00000002cc") },
  { "ARGV cut short", -ENODATA, 0,
    WIRE("DIST00000001ARGC00000001ARGV00000005gc") },
  { "ARGC cut short", -ENODATA, 0,
    WIRE("DIST00000001ARGC0000") },
  { "nothing", -ENODATA, 0,
    WIRE("") },
};
/* clang-format on */

static void test_request_malformed(void **state)
{
  (void)state;
  for (size_t i = 0; i < ARRAY_SIZE(bad_request_cases); i++) {
    const struct bad_request_case *c       = &bad_request_cases[i];
    char                          *marker  = (char *)"untouched";
    char                         **argv    = &marker;
    uint32_t                       version = 0x5a5a5a5a;
    int                            fd[2]   = { -1, -1 };

    pair_with_input(fd, c->wire, c->wire_len);
    allocation_reset();
    int r = proto_recv_request_args(fd[0], &small_limits, TIMEOUT_MS, &version,
                                    &argv);
    size_t largest = allocation_largest();
    pair_close(fd);
    if (r != c->result) {
      fail_msg("%s: returned %d, expected %d", c->name, r, c->result);
    }
    if (argv != &marker) {
      fail_msg("%s: failed, but argv was written", c->name);
    }
    uint32_t want = r == -EPROTONOSUPPORT ? c->version : 0x5a5a5a5a;
    if (version != want) {
      fail_msg("%s: version %#x, expected %#x", c->name, version, want);
    }
    if (largest > 4096) {
      fail_msg("%s: allocated %zu bytes for it", c->name, largest);
    }
  }
}

/* ---- replies ------------------------------------------------------------ */

struct reply_case {
  const char *name;
  uint32_t    status;
  const char *serr;
  const char *sout;
  const char *object; /* what the server has */
  bool        doto;   /* whether DOTO carries it: only when status is 0 */
};

/* clang-format off */
static const struct reply_case reply_cases[] = {
  { .name = "success", .status = 0,
    .serr = "x.c:1: warning: unused\n", .sout = "", .object = "obj",
    .doto = true },
  { .name = "success, silent", .status = 0,
    .serr = "", .sout = "", .object = "obj", .doto = true },
  { .name = "exit 1", .status = 1 << 8,
    .serr = "x.c:1: error: oops\n", .sout = "", .object = "stale",
    .doto = false },
  { .name = "killed by signal 9", .status = 9,
    .serr = "", .sout = "out\n", .object = "stale", .doto = false },
  { .name = "exit 110, nothing said", .status = 110 << 8,
    .serr = "", .sout = "", .object = "", .doto = false },
};
/* clang-format on */

static struct proto_reply reply_of(const struct reply_case *c, uint32_t version)
{
  return (struct proto_reply){
    .version    = version,
    .status     = c->status,
    .serr       = (char *)c->serr,
    .serr_len   = strlen(c->serr),
    .sout       = (char *)c->sout,
    .sout_len   = strlen(c->sout),
    .object     = (char *)c->object,
    .object_len = strlen(c->object),
  };
}

static void test_reply_round_trip(void **state)
{
  (void)state;
  for (uint32_t version = 1; version <= 2; version++) {
    for (size_t i = 0; i < ARRAY_SIZE(reply_cases); i++) {
      const struct reply_case *c     = &reply_cases[i];
      struct proto_reply       sent  = reply_of(c, version);
      struct proto_reply       got   = { 0 };
      int                      fd[2] = { -1, -1 };
      struct peer              peer;

      pair_open(fd);
      peer_start(&peer, TAKE_FD(fd[1]), send_reply, &sent);
      int r = proto_recv_reply(fd[0], version, &proto_default_limits,
                               TIMEOUT_MS, &got);
      pair_close(fd);
      int s = peer_join(&peer);
      if (r != 0 || s != 0) {
        fail_msg("%s, version %u: received %d, sent %d", c->name, version, r,
                 s);
      }
      if (got.version != version || got.status != c->status ||
          got.serr_len != sent.serr_len ||
          memcmp(got.serr, c->serr, got.serr_len) != 0 ||
          got.sout_len != sent.sout_len ||
          memcmp(got.sout, c->sout, got.sout_len) != 0) {
        fail_msg("%s, version %u: DONE/STAT/SERR/SOUT differ", c->name,
                 version);
      }
      const char *object = c->doto ? c->object : "";
      if (got.object_len != strlen(object) ||
          memcmp(got.object, object, got.object_len) != 0) {
        fail_msg("%s, version %u: DOTO of %zu bytes, expected %zu", c->name,
                 version, got.object_len, strlen(object));
      }
      proto_reply_clear(&got);
      if (got.serr || got.sout || got.object) {
        fail_msg("%s: proto_reply_clear left buffers behind", c->name);
      }
    }
  }
}

/* A failed compile's reply, byte for byte as distcc reads it. */
static void test_reply_bytes(void **state)
{
  (void)state;
  struct reply_case  failed = { .status = 1 << 8,
                                .serr   = "oops",
                                .sout   = "",
                                .object = "stale" };
  struct proto_reply reply  = reply_of(&failed, 1);

  static const char expected[] = "DONE00000001STAT00000100SERR00000004oops"
                                 "SOUT00000000DOTO00000000";
  int               fd[2]      = { -1, -1 };

  pair_open(fd);
  assert_int_equal(proto_send_reply(fd[1], &reply, TIMEOUT_MS), 0);
  hang_up(&fd[1]);
  size_t               len;
  _cleanup_free_ char *wire = read_to_end(fd[0], &len);
  pair_close(fd);
  assert_int_equal(len, sizeof(expected) - 1);
  assert_memory_equal(wire, expected, len);
}

struct bad_reply_case {
  const char *name;
  uint32_t    version; /* the version of the request */
  int         result;
  const char *wire;
  size_t      wire_len;
};

/* Name and result on one line, the bytes the server sent on the next. */
/* clang-format off */
static const struct bad_reply_case bad_reply_cases[] = {
  { "another version", 1, -EPROTO,
    WIRE("DONE00000002STAT00000000") },
  { "another token", 1, -EPROTO,
    WIRE("DIST00000001") },
  { "no STAT", 1, -ENODATA,
    WIRE("DONE00000001") },
  { "SERR over the cap", 1, -EMSGSIZE,
    WIRE("DONE00000001STAT00000000SERR00000401") },
  { "DOTO cut short", 1, -ENODATA,
    WIRE("DONE00000001STAT00000000SERR00000000SOUT00000000DOTO00000004ob") },
  { "corrupt LZO in SOUT", 2, -EPROTO,
    WIRE("DONE00000002STAT00000000SERR00000000SOUT00000003\xff\xff\xff") },
};
/* clang-format on */

static void test_reply_malformed(void **state)
{
  (void)state;
  for (size_t i = 0; i < ARRAY_SIZE(bad_reply_cases); i++) {
    const struct bad_reply_case *c     = &bad_reply_cases[i];
    struct proto_reply           got   = { .status = 0x5a5a5a5a };
    int                          fd[2] = { -1, -1 };

    pair_with_input(fd, c->wire, c->wire_len);
    int r =
      proto_recv_reply(fd[0], c->version, &small_limits, TIMEOUT_MS, &got);
    pair_close(fd);
    if (r != c->result) {
      fail_msg("%s: returned %d, expected %d", c->name, r, c->result);
    }
    if (got.status != 0x5a5a5a5a || got.serr || got.sout || got.object) {
      fail_msg("%s: failed, but the reply was written", c->name);
    }
  }
}

/* ---- timeouts ----------------------------------------------------------- */

/* A peer that sends the start of a message, then nothing, and stays. */
struct silent_case {
  const char *name;
  const char *wire;
};

static const struct silent_case silent_cases[] = {
  { "nothing at all",       ""                                       },
  { "half a header",        "DIST0000"                               },
  { "a header, no body",    "DIST00000001ARGC00000001ARGV00000003"   },
  { "half a body",          "DIST00000001ARGC00000001ARGV00000003g"  },
  { "fewer ARGV than ARGC", "DIST00000001ARGC00000002ARGV00000002cc" },
};

static void test_timeout(void **state)
{
  (void)state;
  for (size_t i = 0; i < ARRAY_SIZE(silent_cases); i++) {
    const struct silent_case *c     = &silent_cases[i];
    int                       fd[2] = { -1, -1 };
    char                    **argv  = NULL;
    uint32_t                  version;

    pair_open(fd);
    size_t len = strlen(c->wire);
    assert_int_equal(write(fd[1], c->wire, len), (ssize_t)len);
    long long start = now_ms();
    int r = proto_recv_request_args(fd[0], &proto_default_limits, 100, &version,
                                    &argv);
    long long took = now_ms() - start;
    pair_close(fd);
    if (r != -ETIMEDOUT) {
      fail_msg("%s: returned %d, expected -ETIMEDOUT", c->name, r);
    }
    if (took < 90 || took > 3000) {
      fail_msg("%s: gave up after %lld ms, the timeout is 100 ms", c->name,
               took);
    }
    if (argv) {
      fail_msg("%s: timed out, but argv was written", c->name);
    }
  }
}

/* The STAT word of real children's ends: distcc's layout (exit << 8 |
 * signal), whatever this platform's wait status is. */
static int wait_status_of(int how)
{
  pid_t pid = fork();
  int   status;

  assert_true(pid >= 0);
  if (pid == 0) {
    struct rlimit none = { 0, 0 };
    setrlimit(RLIMIT_CORE, &none); /* no core file from the test */
    if (how >= 0) {
      _exit(how);
    }
    raise(-how);
    _exit(100);
  }
  assert_int_equal(waitpid(pid, &status, 0), pid);
  return status;
}

static void test_status_on_wire(void **state)
{
  (void)state;

  static const struct {
    int      how; /* exit code, or -signal */
    uint32_t wire;
  } cases[] = {
    { 0,        0x0000 },
    { 1,        0x0100 },
    { 3,        0x0300 },
    { 255,      0xff00 },
    { -SIGKILL, 0x0009 },
    { -SIGTERM, 0x000f },
  };

  for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
    uint32_t wire = proto_status_from_wait(wait_status_of(cases[i].how));
    if (wire != cases[i].wire) {
      fail_msg("end %d: STAT %#x, expected %#x", cases[i].how, wire,
               cases[i].wire);
    }
    int sig  = cases[i].how < 0 ? -cases[i].how : 0;
    int code = cases[i].how > 0 ? cases[i].how : 0;
    assert_int_equal(proto_status_signal(wire), sig);
    if (!sig) {
      assert_int_equal(proto_status_code(wire), code);
      assert_int_equal(proto_status_exit(code), wire);
    }
  }
  /* a stock distccd on Linux sets 0x80 when the compiler dumped core */
  assert_int_equal(proto_status_signal(0x8b), SIGSEGV);
  assert_int_equal(proto_status_code(0x6e00), 110);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_status_on_wire),
    cmocka_unit_test(test_header_bytes),
    cmocka_unit_test(test_header_parse),
    cmocka_unit_test(test_body_round_trip),
    cmocka_unit_test(test_body_lzo_wire),
    cmocka_unit_test(test_body_from_fd),
    cmocka_unit_test(test_body_malformed),
    cmocka_unit_test(test_body_lzo_malformed),
    cmocka_unit_test(test_request_round_trip),
    cmocka_unit_test(test_request_bytes),
    cmocka_unit_test(test_request_malformed),
    cmocka_unit_test(test_reply_round_trip),
    cmocka_unit_test(test_reply_bytes),
    cmocka_unit_test(test_reply_malformed),
    cmocka_unit_test(test_timeout),
  };

  signal(SIGPIPE, SIG_IGN); /* a peer that hung up is an error code */
  return cmocka_run_group_tests(tests, NULL, NULL);
}
