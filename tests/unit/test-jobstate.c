/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tests of the client job state files: the encoding (round trips, a file
 * written in the other byte order, every truncation, hostile bytes), the
 * state and jobs directories, and the scanner against what a shared
 * directory can hold (stale files, symlinks, FIFOs, huge files, misnamed
 * files, files of other users, reused pids). Each scan test works in a
 * fresh directory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "jobstate.h"
#include "macro.h"
#include "statedir.h"

/* ---- a state file built byte by byte ------------------------------------ */

/* The fields of a file as the bytes say them, lengths included, so that a
 * test can make them lie. */
struct raw {
  char        magic[4];
  uint32_t    bom, version, pid;
  uint64_t    proc_start, started_us, phase_us;
  uint32_t    phase, slot;
  uint32_t    conn, codec, port; /* version 2 */
  uint64_t    sent, send_us, received, receive_us;
  uint16_t    host_len; /* as declared */
  const char *host;
  size_t      host_bytes; /* as present */
  uint16_t    file_len;
  const char *file;
  size_t      file_bytes;
  size_t      trailing; /* extra bytes after the file name */
};

struct bytes {
  uint8_t b[8192];
  size_t  n;
  bool    big; /* big-endian, else little-endian */
};

static void put_uint(struct bytes *o, uint64_t v, size_t width)
{
  for (size_t i = 0; i < width; i++) {
    size_t shift = 8 * (o->big ? width - 1 - i : i);
    o->b[o->n++] = (uint8_t)(v >> shift);
  }
}

static void put_bytes(struct bytes *o, const void *p, size_t n)
{
  memcpy(o->b + o->n, p, n);
  o->n += n;
}

static void build(const struct raw *r, bool big, struct bytes *o)
{
  o->n   = 0;
  o->big = big;
  put_bytes(o, r->magic, 4);
  put_uint(o, r->bom, 4);
  put_uint(o, r->version, 4);
  put_uint(o, r->pid, 4);
  put_uint(o, r->proc_start, 8);
  put_uint(o, r->started_us, 8);
  put_uint(o, r->phase_us, 8);
  put_uint(o, r->phase, 4);
  put_uint(o, r->slot, 4);
  if (r->version >= 2) {
    put_uint(o, r->conn, 4);
    put_uint(o, r->codec, 4);
    put_uint(o, r->port, 4);
    put_uint(o, r->sent, 8);
    put_uint(o, r->send_us, 8);
    put_uint(o, r->received, 8);
    put_uint(o, r->receive_us, 8);
  }
  put_uint(o, r->host_len, 2);
  put_bytes(o, r->host, r->host_bytes);
  put_uint(o, r->file_len, 2);
  put_bytes(o, r->file, r->file_bytes);
  memset(o->b + o->n, 'x', r->trailing);
  o->n += r->trailing;
}

static struct raw raw_of(const struct job_state *s)
{
  struct raw r = {
    .magic      = { 'H', 'J', 'O', 'B' },
    .bom        = 0x01020304,
    .version    = 2,
    .pid        = s->pid,
    .proc_start = s->proc_start,
    .started_us = (uint64_t)s->started_us,
    .phase_us   = (uint64_t)s->phase_us,
    .phase      = (uint32_t)s->phase,
    .slot       = (uint32_t)s->slot,
    .conn       = (uint32_t)s->conn,
    .codec      = (uint32_t)s->codec,
    .port       = s->port,
    .sent       = s->sent,
    .send_us    = s->send_us,
    .received   = s->received,
    .receive_us = s->receive_us,
    .host       = s->host,
    .file       = s->file,
  };
  r.host_bytes = strlen(s->host);
  r.host_len   = (uint16_t)r.host_bytes;
  r.file_bytes = strlen(s->file);
  r.file_len   = (uint16_t)r.file_bytes;
  return r;
}

static bool host_is_big_endian(void)
{
  const uint16_t one = 1;
  return *(const uint8_t *)&one == 0;
}

static struct job_state sample(void)
{
  struct job_state s = {
    .pid        = 4242,
    .proc_start = 0x0102030405060708ull,
    .started_us = 1764000000123456,
    .phase_us   = 1764000000654321,
    .phase      = JOB_PHASE_COMPILE,
    .slot       = 3,
    .conn       = JOB_CONN_TCP,
    .codec      = JOB_CODEC_LZO,
    .port       = 3632,
    .sent       = 20480,
    .send_us    = 350,
    .received   = 4096,
    .receive_us = 120,
  };
  strcpy(s.host, "build1.example:3632");
  strcpy(s.file, "src/common/args.c");
  return s;
}

static void assert_state_equal(const struct job_state *a,
                               const struct job_state *b, const char *name)
{
  if (a->pid != b->pid || a->proc_start != b->proc_start ||
      a->started_us != b->started_us || a->phase_us != b->phase_us ||
      a->phase != b->phase || a->slot != b->slot || a->conn != b->conn ||
      a->codec != b->codec || a->port != b->port || a->sent != b->sent ||
      a->send_us != b->send_us || a->received != b->received ||
      a->receive_us != b->receive_us || strcmp(a->host, b->host) != 0 ||
      strcmp(a->file, b->file) != 0) {
    fail_msg("%s: decoded state differs", name);
  }
}

/* ---- encoding ----------------------------------------------------------- */

static void test_phase_names(void **state)
{
  static const struct {
    enum job_phase phase;
    const char    *name;
  } cases[] = {
    { JOB_PHASE_STARTING,         "starting"   },
    { JOB_PHASE_WAIT_SLOT,        "wait-slot"  },
    { JOB_PHASE_PREPROCESS,       "preprocess" },
    { JOB_PHASE_CONNECT,          "connect"    },
    { JOB_PHASE_SEND,             "send"       },
    { JOB_PHASE_COMPILE,          "compile"    },
    { JOB_PHASE_RECEIVE,          "receive"    },
    { JOB_PHASE_LOCAL,            "local"      },
    { JOB_PHASE_COUNT_,           NULL         },
    { (enum job_phase) - 1,       NULL         },
    { (enum job_phase)0x7fffffff, NULL         },
  };

  (void)state;
  for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
    const char *got = job_phase_name(cases[i].phase);
    if (!cases[i].name ? got != NULL : !got || strcmp(got, cases[i].name)) {
      fail_msg("phase %d: got %s", (int)cases[i].phase, got ? got : "NULL");
    }
  }
}

static void set_long(char *dst, char c, size_t n)
{
  memset(dst, c, n);
  dst[n] = '\0';
}

static void test_round_trip(void **state)
{
  static const struct {
    const char    *name;
    enum job_phase phase;
    int32_t        slot;
    const char    *host;
    const char    *file;
    size_t         long_host, long_file; /* fill to this length instead */
  } cases[] = {
    { "plain",      JOB_PHASE_COMPILE,    3,    "build1:3632", "a.c",                0,                 0                 },
    { "empty",      JOB_PHASE_STARTING,   -1,   "",            "",                   0,                 0                 },
    { "wait",       JOB_PHASE_WAIT_SLOT,  -1,   "",            "dir/b.c",            0,                 0                 },
    { "local",      JOB_PHASE_LOCAL,      0,    "localhost",   "x.cc",               0,                 0                 },
    { "ipv6",       JOB_PHASE_CONNECT,    999,  "[::1]:3632",  "y.c",                0,                 0                 },
    { "utf-8",      JOB_PHASE_SEND,       1,    "h\xc3\xb4te", "\xe6\x96\x87.c",     0,                 0                 },
    { "4-byte utf", JOB_PHASE_RECEIVE,    2,    "h",           "\xf0\x9f\x90\x84.c", 0,                 0                 },
    { "max host",   JOB_PHASE_PREPROCESS, 5,    NULL,          "m.c",                JOBSTATE_HOST_MAX, 0                 },
    { "max file",   JOB_PHASE_LOCAL,      7,    "h",           NULL,                 0,                 JOBSTATE_FILE_MAX },
    { "max both",   JOB_PHASE_COMPILE,    1000, NULL,          NULL,                 JOBSTATE_HOST_MAX,
     JOBSTATE_FILE_MAX                                                                                                    },
  };

  (void)state;
  for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
    struct job_state in = sample(), out;
    uint8_t          buf[JOBSTATE_FILE_SIZE_MAX];
    const char      *why = NULL;

    in.phase = cases[i].phase;
    in.slot  = cases[i].slot;
    if (cases[i].long_host) {
      set_long(in.host, 'h', cases[i].long_host);
    } else {
      strcpy(in.host, cases[i].host);
    }
    if (cases[i].long_file) {
      set_long(in.file, 'f', cases[i].long_file);
    } else {
      strcpy(in.file, cases[i].file);
    }
    int n = jobstate_encode(&in, buf, sizeof(buf));
    if (n <= 0 || (size_t)n > JOBSTATE_FILE_SIZE_MAX) {
      fail_msg("%s: encode gave %d", cases[i].name, n);
    }
    if (jobstate_decode(buf, (size_t)n, &out, &why) != 0) {
      fail_msg("%s: decode failed: %s", cases[i].name, why);
    }
    assert_state_equal(&in, &out, cases[i].name);

    /* The encoder writes the documented layout in this machine's order. */
    struct raw   r = raw_of(&in);
    struct bytes b;
    build(&r, host_is_big_endian(), &b);
    if (b.n != (size_t)n || memcmp(b.b, buf, b.n) != 0) {
      fail_msg("%s: encoding differs from the documented layout",
               cases[i].name);
    }
  }
}

/* A version 1 file (a client from before the link fields) reads with
 * none of them. */
static void test_version_1(void **state)
{
  struct job_state in  = sample(), out;
  const char      *why = NULL;
  struct raw       r   = raw_of(&in);
  struct bytes     b;

  (void)state;
  r.version = 1;
  build(&r, false, &b);
  assert_int_equal(jobstate_decode(b.b, b.n, &out, &why), 0);
  assert_int_equal(out.conn, JOB_CONN_NONE);
  assert_int_equal(out.codec, JOB_CODEC_NONE);
  assert_int_equal(out.port, 0);
  assert_true(out.sent == 0 && out.send_us == 0 && out.received == 0 &&
              out.receive_us == 0);
  in.conn  = JOB_CONN_NONE;
  in.codec = JOB_CODEC_NONE;
  in.port  = 0;
  in.sent = in.send_us = in.received = in.receive_us = 0;
  assert_state_equal(&in, &out, "version 1");
  assert_string_equal(job_conn_name(JOB_CONN_SSH), "ssh");
  assert_string_equal(job_codec_name(JOB_CODEC_ZLIB), "zlib");
  assert_null(job_conn_name(JOB_CONN_COUNT_));
  assert_null(job_codec_name(JOB_CODEC_COUNT_));
}

static void test_encode_refuses(void **state)
{
  static const struct {
    const char    *name;
    enum job_phase phase;
    int32_t        slot;
    uint32_t       pid;
    int64_t        started_us;
    const char    *host;
    const char    *file;
  } cases[] = {
    { "phase past the enum",   JOB_PHASE_COUNT_, 0,  1,       0,  "h",        "f"      },
    { "slot -2",               JOB_PHASE_LOCAL,  -2, 1,       0,  "h",        "f"      },
    { "pid 0",                 JOB_PHASE_LOCAL,  0,  0,       0,  "h",        "f"      },
    { "pid past the kernel's", JOB_PHASE_LOCAL,  0,  4194305, 0,  "h",        "f"      },
    { "negative time",         JOB_PHASE_LOCAL,  0,  1,       -1, "h",        "f"      },
    { "newline in file",       JOB_PHASE_LOCAL,  0,  1,       0,  "h",        "a\nb.c" },
    { "escape in host",        JOB_PHASE_LOCAL,  0,  1,       0,  "\x1b[31m", "f"      },
    { "bad utf-8",             JOB_PHASE_LOCAL,  0,  1,       0,  "h",        "\xff.c" },
  };

  (void)state;
  for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
    struct job_state s = sample();
    uint8_t          buf[JOBSTATE_FILE_SIZE_MAX];

    s.phase      = cases[i].phase;
    s.slot       = cases[i].slot;
    s.pid        = cases[i].pid;
    s.started_us = cases[i].started_us;
    strcpy(s.host, cases[i].host);
    strcpy(s.file, cases[i].file);
    if (jobstate_encode(&s, buf, sizeof(buf)) != -EINVAL) {
      fail_msg("%s: encoded", cases[i].name);
    }
  }
  /* A host without its terminator within the field. */
  struct job_state s = sample();
  uint8_t          buf[JOBSTATE_FILE_SIZE_MAX];
  memset(s.host, 'h', sizeof(s.host));
  assert_int_equal(jobstate_encode(&s, buf, sizeof(buf)), -EINVAL);
  /* A buffer too small for the file. */
  s = sample();
  assert_int_equal(jobstate_encode(&s, buf, 60), -EINVAL);
  /* Link fields out of their ranges. */
  s      = sample();
  s.conn = JOB_CONN_COUNT_;
  assert_int_equal(jobstate_encode(&s, buf, sizeof(buf)), -EINVAL);
  s       = sample();
  s.codec = JOB_CODEC_COUNT_;
  assert_int_equal(jobstate_encode(&s, buf, sizeof(buf)), -EINVAL);
  s         = sample();
  s.send_us = UINT64_MAX;
  assert_int_equal(jobstate_encode(&s, buf, sizeof(buf)), -EINVAL);
}

/* A file written on a machine of either byte order, built by hand, reads
 * the same. */
static void test_byte_orders(void **state)
{
  struct job_state in = sample(), out;
  struct raw       r  = raw_of(&in);
  struct bytes     b;
  const char      *why = NULL;

  (void)state;
  for (int big = 0; big <= 1; big++) {
    build(&r, big, &b);
    memset(&out, 0, sizeof(out));
    if (jobstate_decode(b.b, b.n, &out, &why) != 0) {
      fail_msg("%s-endian: %s", big ? "big" : "little", why);
    }
    assert_state_equal(&in, &out, big ? "big-endian" : "little-endian");
  }
  /* slot -1 and the largest values survive the swap. */
  in.slot       = -1;
  in.proc_start = UINT64_MAX;
  in.started_us = INT64_MAX;
  in.phase_us   = 0;
  in.pid        = 4194304;
  r             = raw_of(&in);
  for (int big = 0; big <= 1; big++) {
    build(&r, big, &b);
    assert_int_equal(jobstate_decode(b.b, b.n, &out, &why), 0);
    assert_state_equal(&in, &out, "extremes");
  }
}

static void test_truncated(void **state)
{
  struct job_state in = sample();
  uint8_t          buf[JOBSTATE_FILE_SIZE_MAX];
  int              n = jobstate_encode(&in, buf, sizeof(buf));

  (void)state;
  assert_true(n > 0);
  for (size_t len = 0; len < (size_t)n; len++) {
    struct job_state out;
    const char      *why = NULL;
    memset(&out, 0x5a, sizeof(out));
    /* From the heap, so that a read past len is caught by ASan. */
    uint8_t *copy = malloc(len ? len : 1);
    assert_non_null(copy);
    memcpy(copy, buf, len);
    int r = jobstate_decode(copy, len, &out, &why);
    free(copy);
    if (r != -EBADMSG || !why) {
      fail_msg("truncated at %zu: %d", len, r);
    }
    if (out.pid != 0x5a5a5a5a) {
      fail_msg("truncated at %zu: state written on failure", len);
    }
  }
}

/* One hostile change to a valid file, and what the decoder says. */
struct hostile {
  const char *name;
  void (*mutate)(struct raw *r);
  const char *why;
};

static void h_magic(struct raw *r)
{
  memcpy(r->magic, "HJOC", 4);
}

static void h_bom(struct raw *r)
{
  r->bom = 0x01020403;
}

static void h_version_0(struct raw *r)
{
  r->version = 0;
}

static void h_version_3(struct raw *r)
{
  r->version = 3;
}

static void h_conn(struct raw *r)
{
  r->conn = JOB_CONN_COUNT_;
}

static void h_codec(struct raw *r)
{
  r->codec = 0xffffffff;
}

static void h_port(struct raw *r)
{
  r->port = 65536;
}

static void h_sent(struct raw *r)
{
  r->sent = UINT64_C(1) << 63;
}

static void h_receive_us(struct raw *r)
{
  r->receive_us = UINT64_MAX;
}

static void h_pid_0(struct raw *r)
{
  r->pid = 0;
}

static void h_pid_huge(struct raw *r)
{
  r->pid = 0xffffffff;
}

static void h_time(struct raw *r)
{
  r->started_us = UINT64_MAX;
}

static void h_phase(struct raw *r)
{
  r->phase = JOB_PHASE_COUNT_;
}

static void h_phase_huge(struct raw *r)
{
  r->phase = 0xffffffff;
}

static void h_slot(struct raw *r)
{
  r->slot = 0xfffffffe;
}

static void h_host_past_end(struct raw *r)
{
  r->host_len = (uint16_t)(r->host_bytes + 40);
}

static void h_host_huge(struct raw *r)
{
  r->host_len = 0xffff;
}

static void h_host_over_cap(struct raw *r)
{
  static char big[JOBSTATE_HOST_MAX + 1];
  memset(big, 'h', sizeof(big));
  r->host       = big;
  r->host_bytes = sizeof(big);
  r->host_len   = sizeof(big);
}

static void h_file_past_end(struct raw *r)
{
  r->file_len = (uint16_t)(r->file_bytes + 1);
}

static void h_file_huge(struct raw *r)
{
  r->file_len = 0xffff;
}

static void h_file_short(struct raw *r)
{
  r->file_len = (uint16_t)(r->file_bytes - 1); /* leaves a trailing byte */
}

static void h_trailing(struct raw *r)
{
  r->trailing = 1;
}

static void h_nul_in_file(struct raw *r)
{
  r->file       = "a\0b.c";
  r->file_bytes = r->file_len = 5;
}

static void h_nul_host(struct raw *r)
{
  r->host       = "\0";
  r->host_bytes = r->host_len = 1;
}

static void h_newline(struct raw *r)
{
  r->file       = "a.c\nfake-job";
  r->file_bytes = r->file_len = 12;
}

static void h_escape(struct raw *r)
{
  r->file       = "\x1b]0;owned\x07";
  r->file_bytes = r->file_len = 10;
}

static void h_del(struct raw *r)
{
  r->host       = "a\x7f";
  r->host_bytes = r->host_len = 2;
}

static void h_c1(struct raw *r)
{
  r->file       = "\xc2\x9b"
                  "31m.c"; /* U+009B, the 8-bit CSI */
  r->file_bytes = r->file_len = 7;
}

static void h_bad_utf8(struct raw *r)
{
  r->file       = "\xff\xfe.c";
  r->file_bytes = r->file_len = 4;
}

static void h_overlong(struct raw *r)
{
  r->file       = "\xc0\xaf.c"; /* an overlong '/' */
  r->file_bytes = r->file_len = 4;
}

static void h_surrogate(struct raw *r)
{
  r->file       = "\xed\xa0\x80.c";
  r->file_bytes = r->file_len = 5;
}

static void h_cut_utf8(struct raw *r)
{
  r->file       = "a\xe6\x96";
  r->file_bytes = r->file_len = 3;
}

static void h_bidi(struct raw *r)
{
  r->file       = "a\xe2\x80\xae"
                  "c.exe"; /* U+202E */
  r->file_bytes = r->file_len = 9;
}

static const struct hostile hostile_cases[] = {
  { "bad magic",            h_magic,         "bad magic"           },
  { "bad byte-order mark",  h_bom,           "bad byte-order mark" },
  { "version 0",            h_version_0,     "unknown version"     },
  { "version 3",            h_version_3,     "unknown version"     },
  { "connection past enum", h_conn,          "bad link"            },
  { "codec 2^32-1",         h_codec,         "bad link"            },
  { "port 65536",           h_port,          "bad link"            },
  { "sent past int64",      h_sent,          "bad transfer"        },
  { "receive time huge",    h_receive_us,    "bad transfer"        },
  { "pid 0",                h_pid_0,         "bad pid"             },
  { "pid 2^32-1",           h_pid_huge,      "bad pid"             },
  { "time past int64",      h_time,          "bad time"            },
  { "phase past the enum",  h_phase,         "bad phase"           },
  { "phase 2^32-1",         h_phase_huge,    "bad phase"           },
  { "slot -2",              h_slot,          "bad slot"            },
  { "host past the end",    h_host_past_end, "truncated"           },
  { "host length 65535",    h_host_huge,     "string too long"     },
  { "host over its cap",    h_host_over_cap, "string too long"     },
  { "file past the end",    h_file_past_end, "truncated"           },
  { "file length 65535",    h_file_huge,     "string too long"     },
  { "file length short",    h_file_short,    "trailing bytes"      },
  { "trailing byte",        h_trailing,      "trailing bytes"      },
  { "NUL in file",          h_nul_in_file,   "string not text"     },
  { "host a NUL",           h_nul_host,      "string not text"     },
  { "newline",              h_newline,       "string not text"     },
  { "terminal escape",      h_escape,        "string not text"     },
  { "DEL",                  h_del,           "string not text"     },
  { "C1 control",           h_c1,            "string not text"     },
  { "invalid UTF-8",        h_bad_utf8,      "string not text"     },
  { "overlong UTF-8",       h_overlong,      "string not text"     },
  { "surrogate",            h_surrogate,     "string not text"     },
  { "cut UTF-8",            h_cut_utf8,      "string not text"     },
  { "bidi override",        h_bidi,          "string not text"     },
};

static void test_hostile(void **state)
{
  (void)state;
  for (size_t i = 0; i < ARRAY_SIZE(hostile_cases); i++) {
    for (int big = 0; big <= 1; big++) {
      struct job_state in = sample(), out;
      struct raw       r  = raw_of(&in);
      struct bytes     b;
      const char      *why = NULL;

      hostile_cases[i].mutate(&r);
      build(&r, big, &b);
      /* Exactly as long as the bytes, on the heap: ASan sees overreads. */
      uint8_t *copy = malloc(b.n);
      assert_non_null(copy);
      memcpy(copy, b.b, b.n);
      memset(&out, 0x5a, sizeof(out));
      int rc = jobstate_decode(copy, b.n, &out, &why);
      free(copy);
      if (rc != -EBADMSG) {
        fail_msg("%s (%s-endian): decoded", hostile_cases[i].name,
                 big ? "big" : "little");
      }
      if (!why || strcmp(why, hostile_cases[i].why) != 0) {
        fail_msg("%s: said \"%s\", expected \"%s\"", hostile_cases[i].name,
                 why ? why : "NULL", hostile_cases[i].why);
      }
      if (out.pid != 0x5a5a5a5a) {
        fail_msg("%s: state written on failure", hostile_cases[i].name);
      }
    }
  }
  /* Larger than any state file can be, whatever it holds. */
  static uint8_t   huge[JOBSTATE_FILE_SIZE_MAX + 1];
  struct job_state out;
  assert_int_equal(jobstate_decode(huge, sizeof(huge), &out, NULL), -EBADMSG);
  /* ret_why may be NULL. */
  assert_int_equal(jobstate_decode(huge, 3, &out, NULL), -EBADMSG);
}

/* ---- directories -------------------------------------------------------- */

static int make_dir(void **state)
{
  char *dir = strdup("/tmp/herdcc-test-jobstate.XXXXXX");

  if (!dir || !mkdtemp(dir)) {
    free(dir);
    return -1;
  }
  *state = dir;
  return 0;
}

static int remove_dir(void **state)
{
  char *cmd = NULL;

  if (asprintf(&cmd, "rm -rf '%s'", (char *)*state) >= 0) {
    (void)!system(cmd);
  }
  free(cmd);
  free(*state);
  unsetenv("HERDCC_JOBS_DIR");
  return 0;
}

static char *path_in(const char *dir, const char *name)
{
  char *path = NULL;
  assert_true(asprintf(&path, "%s/%s", dir, name) > 0);
  return path;
}

static void test_dirs(void **state)
{
  const char          *top    = *state;
  _cleanup_free_ char *herdcc = path_in(top, "h"), *distcc = path_in(top, "d");
  _cleanup_free_ char *home = path_in(top, "home"), *jobs = path_in(top, "j");
  _cleanup_free_ char *home_state = path_in(home, ".herdcc");
  _cleanup_free_ char *deep       = path_in(top, "x/y/z");
  char *saved_home = getenv("HOME") ? strdup(getenv("HOME")) : NULL;

  static const struct {
    const char *name;
    int         herdcc, distcc, jobs_dir; /* 0 unset, 1 set, 2 empty */
    int         want_state;               /* 0 herdcc, 1 distcc, 2 home */
    int         want_jobs; /* 0 STATE/jobs, 1 $HERDCC_JOBS_DIR, 2 deep */
  } cases[] = {
    { "HERDCC_DIR first",                  1, 1, 0, 0, 0 },
    { "DISTCC_DIR second",                 0, 1, 0, 1, 0 },
    { "HOME last",                         0, 0, 0, 2, 0 },
    { "empty HERDCC_DIR: HOME",            2, 1, 0, 2, 0 },
    { "HERDCC_JOBS_DIR",                   1, 0, 1, 0, 1 },
    { "empty HERDCC_JOBS_DIR",             1, 0, 2, 0, 0 },
    { "HERDCC_JOBS_DIR made with parents", 1, 0, 3, 0, 2 },
  };

  setenv("HOME", home, 1);
  for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
    const char          *states[] = { herdcc, distcc, home_state };
    const char          *want_jobs[3];
    _cleanup_free_ char *state_jobs = NULL, *got = NULL, *got_jobs = NULL;

    cases[i].herdcc == 1   ? setenv("HERDCC_DIR", herdcc, 1)
    : cases[i].herdcc == 2 ? setenv("HERDCC_DIR", "", 1)
                           : unsetenv("HERDCC_DIR");
    cases[i].distcc ? setenv("DISTCC_DIR", distcc, 1) : unsetenv("DISTCC_DIR");
    cases[i].jobs_dir == 1   ? setenv("HERDCC_JOBS_DIR", jobs, 1)
    : cases[i].jobs_dir == 2 ? setenv("HERDCC_JOBS_DIR", "", 1)
    : cases[i].jobs_dir == 3 ? setenv("HERDCC_JOBS_DIR", deep, 1)
                             : unsetenv("HERDCC_JOBS_DIR");
    state_jobs   = path_in(states[cases[i].want_state], "jobs");
    want_jobs[0] = state_jobs;
    want_jobs[1] = jobs;
    want_jobs[2] = deep;

    if (statedir_get(&got) != 0 ||
        strcmp(got, states[cases[i].want_state]) != 0) {
      fail_msg("%s: state directory %s", cases[i].name, got ? got : "-");
    }
    if (jobstate_dir(&got_jobs) != 0 ||
        strcmp(got_jobs, want_jobs[cases[i].want_jobs]) != 0) {
      fail_msg("%s: jobs directory %s", cases[i].name,
               got_jobs ? got_jobs : "-");
    }
    struct stat st;
    if (stat(got_jobs, &st) != 0 || !S_ISDIR(st.st_mode)) {
      fail_msg("%s: %s not created", cases[i].name, got_jobs);
    }
  }
  unsetenv("HERDCC_DIR");
  unsetenv("DISTCC_DIR");
  unsetenv("HERDCC_JOBS_DIR");
  if (saved_home) {
    setenv("HOME", saved_home, 1);
  }
  free(saved_home);
}

/* ---- scanning ----------------------------------------------------------- */

struct seen_list {
  size_t          count;
  struct job_seen jobs[8];
};

static void on_seen(const struct job_seen *job, void *userdata)
{
  struct seen_list *list = userdata;
  if (list->count < ARRAY_SIZE(list->jobs)) {
    list->jobs[list->count] = *job;
  }
  list->count++;
}

static int scan(const char *dir, bool remove_stale, struct seen_list *list)
{
  memset(list, 0, sizeof(*list));
  return jobstate_scan(dir, remove_stale, on_seen, list);
}

/* A valid state file at dir/name for pid (start time start). */
static void write_job(const char *dir, const char *name, pid_t pid,
                      uint64_t start, size_t pad)
{
  struct job_state s = sample();
  uint8_t          buf[JOBSTATE_FILE_SIZE_MAX];

  s.pid        = (uint32_t)pid;
  s.proc_start = start;
  int n        = jobstate_encode(&s, buf, sizeof(buf));
  assert_true(n > 0);
  _cleanup_free_ char *path = path_in(dir, name);
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  assert_true(fd >= 0);
  assert_int_equal(write(fd, buf, (size_t)n), n);
  for (size_t i = 0; i < pad; i += sizeof(buf)) {
    memset(buf, 0, sizeof(buf));
    assert_true(write(fd, buf, sizeof(buf)) > 0);
  }
  close(fd);
}

static char *job_name(uid_t uid, pid_t pid)
{
  char *name = NULL;
  assert_true(asprintf(&name, "job-%u-%d", (unsigned)uid, (int)pid) > 0);
  return name;
}

static bool exists(const char *dir, const char *name)
{
  _cleanup_free_ char *path = path_in(dir, name);
  struct stat          st;
  return lstat(path, &st) == 0;
}

/* The pid of a child that has exited and been reaped. */
static pid_t dead_pid(void)
{
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    _exit(0);
  }
  assert_int_equal(waitpid(pid, NULL, 0), pid);
  return pid;
}

static void test_writer_and_live_job(void **state)
{
  const char      *dir = *state;
  struct seen_list list;

  setenv("HERDCC_JOBS_DIR", dir, 1);
  struct jobstate_writer *w = jobstate_writer_new("dir/one.c");
  assert_non_null(w);
  _cleanup_free_ char *name = job_name(geteuid(), getpid());
  _cleanup_free_ char *path = path_in(dir, name);
  assert_string_equal(jobstate_writer_path(w), path);

  assert_int_equal(scan(dir, true, &list), 1);
  assert_int_equal(list.jobs[0].state.pid, (uint32_t)getpid());
  assert_int_equal(list.jobs[0].owner, geteuid());
  assert_int_equal(list.jobs[0].state.phase, JOB_PHASE_STARTING);
  assert_int_equal(list.jobs[0].state.slot, -1);
  assert_string_equal(list.jobs[0].state.file, "dir/one.c");
  assert_string_equal(list.jobs[0].state.host, "");
  int64_t started = list.jobs[0].state.started_us;
  assert_true(started > 0);

  jobstate_writer_phase(w, JOB_PHASE_COMPILE, "srv:3632", 2);
  assert_int_equal(scan(dir, true, &list), 1);
  assert_int_equal(list.jobs[0].state.phase, JOB_PHASE_COMPILE);
  assert_string_equal(list.jobs[0].state.host, "srv:3632");
  assert_int_equal(list.jobs[0].state.slot, 2);
  assert_true(list.jobs[0].state.phase_us >= started);
  assert_true(list.jobs[0].state.started_us == started);

  /* NULL keeps the host. */
  jobstate_writer_phase(w, JOB_PHASE_RECEIVE, NULL, 2);
  assert_int_equal(scan(dir, true, &list), 1);
  assert_string_equal(list.jobs[0].state.host, "srv:3632");

  /* A shorter state after a longer one: no stale bytes after it. */
  jobstate_writer_phase(w, JOB_PHASE_LOCAL, "h", 0);
  jobstate_writer_phase(w, JOB_PHASE_SEND, "a-much-longer-host-name:3632", 1);
  jobstate_writer_phase(w, JOB_PHASE_LOCAL, "h", 0);
  assert_int_equal(scan(dir, true, &list), 1);
  assert_string_equal(list.jobs[0].state.host, "h");

  /* The file, and the spare one it trades names with, are world-readable
   * (monitors of other users read them) whatever the umask. */
  struct stat          st;
  _cleanup_free_ char *tmp = NULL;
  assert_true(asprintf(&tmp, ".%s.tmp", name) > 0);
  _cleanup_free_ char *tmp_path = path_in(dir, tmp);
  assert_string_equal(jobstate_writer_tmp_path(w), tmp_path);
  assert_int_equal(stat(path, &st), 0);
  assert_int_equal(st.st_mode & 0777, 0644);
  assert_int_equal(stat(tmp_path, &st), 0);
  assert_int_equal(st.st_mode & 0777, 0644);

  /* Removed by someone else: the next phase change puts it back. */
  assert_int_equal(unlink(path), 0);
  assert_int_equal(scan(dir, true, &list), 0);
  jobstate_writer_phase(w, JOB_PHASE_RECEIVE, NULL, 1);
  assert_int_equal(scan(dir, true, &list), 1);
  assert_int_equal(list.jobs[0].state.phase, JOB_PHASE_RECEIVE);
  jobstate_writer_phase(w, JOB_PHASE_COMPILE, NULL, 1);
  assert_int_equal(scan(dir, true, &list), 1);
  assert_int_equal(list.jobs[0].state.phase, JOB_PHASE_COMPILE);

  assert_null(jobstate_writer_free(w));
  assert_false(exists(dir, name));
  assert_false(exists(dir, tmp));

  /* The spare's name taken by something that is not ours to remove: the
   * state is still shown, written in place. */
  assert_int_equal(mkdir(tmp_path, 0755), 0);
  w = jobstate_writer_new("dir/one.c");
  assert_non_null(w);
  jobstate_writer_phase(w, JOB_PHASE_SEND, "srv:3632", 1);
  assert_int_equal(scan(dir, true, &list), 1);
  assert_int_equal(list.jobs[0].state.phase, JOB_PHASE_SEND);
  jobstate_writer_phase(w, JOB_PHASE_LOCAL, "h", 0);
  assert_int_equal(scan(dir, true, &list), 1);
  assert_int_equal(list.jobs[0].state.phase, JOB_PHASE_LOCAL);
  assert_string_equal(list.jobs[0].state.host, "h");
  assert_null(jobstate_writer_free(w));
  assert_false(exists(dir, name));
  assert_true(exists(dir, tmp));
  assert_int_equal(rmdir(tmp_path), 0);
  assert_int_equal(scan(dir, true, &list), 0);
  assert_null(jobstate_writer_free(NULL));
  assert_null(jobstate_writer_path(NULL));
  assert_null(jobstate_writer_tmp_path(NULL));
  jobstate_writer_phase(NULL, JOB_PHASE_LOCAL, "x", 1);
}

static void test_writer_umask_and_text(void **state)
{
  const char      *dir = *state;
  struct seen_list list;
  char             longname[3000];

  setenv("HERDCC_JOBS_DIR", dir, 1);
  mode_t old = umask(077);
  /* Names that are not text are written as text.h cleans them: '?' for
   * each byte that is not UTF-8 and for each refused character; a long
   * name keeps its end. */
  struct jobstate_writer *w = jobstate_writer_new("a\nb\x1b\xff.c");
  umask(old);
  assert_non_null(w);
  struct stat st;
  assert_int_equal(stat(jobstate_writer_path(w), &st), 0);
  assert_int_equal(st.st_mode & 0777, 0644);
  assert_int_equal(scan(dir, false, &list), 1);
  assert_string_equal(list.jobs[0].state.file, "a?b??.c");

  jobstate_writer_phase(w, JOB_PHASE_CONNECT, "h\tx\xe2\x80\xae", -7);
  assert_int_equal(scan(dir, false, &list), 1);
  assert_string_equal(list.jobs[0].state.host, "h?x?");
  assert_int_equal(list.jobs[0].state.slot, -1);
  w = jobstate_writer_free(w);

  memset(longname, 'd', sizeof(longname));
  memcpy(longname + sizeof(longname) - 8, "/tail.c", 8);
  w = jobstate_writer_new(longname);
  assert_non_null(w);
  assert_int_equal(scan(dir, false, &list), 1);
  assert_int_equal(strlen(list.jobs[0].state.file), JOBSTATE_FILE_MAX);
  assert_memory_equal(list.jobs[0].state.file, "...", 3);
  const char *f = list.jobs[0].state.file;
  assert_string_equal(f + strlen(f) - 7, "/tail.c");
  w = jobstate_writer_free(w);

  /* A long name of multi-byte characters is cut on a character
   * boundary. */
  size_t n = 0;
  while (n + 3 < sizeof(longname)) {
    memcpy(longname + n, "\xe6\x96\x87", 3);
    n += 3;
  }
  longname[n] = '\0';
  w           = jobstate_writer_new(longname);
  assert_non_null(w);
  assert_int_equal(scan(dir, false, &list), 1);
  w = jobstate_writer_free(w);
}

static void test_writer_unusable_dir(void **state)
{
  const char          *dir  = *state;
  _cleanup_free_ char *file = path_in(dir, "not-a-dir");

  int fd = open(file, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  assert_true(fd >= 0);
  close(fd);
  setenv("HERDCC_JOBS_DIR", file, 1);
  assert_null(jobstate_writer_new("a.c"));
  _cleanup_free_ char *sub = path_in(file, "sub");
  setenv("HERDCC_JOBS_DIR", sub, 1);
  assert_null(jobstate_writer_new("a.c"));
  assert_true(jobstate_scan(sub, true, on_seen, NULL) < 0);
}

static void test_proc_start(void **state)
{
  uint64_t a, b;

  (void)state;
  assert_int_equal(jobstate_proc_start(getpid(), &a), 0);
  assert_int_equal(jobstate_proc_start(getpid(), &b), 0);
  assert_true(a == b && a > 0);
  assert_int_equal(jobstate_proc_start(dead_pid(), &a), -ESRCH);
  assert_int_equal(jobstate_proc_start(0, &a), -ESRCH);
  assert_int_equal(jobstate_proc_start(-1, &a), -ESRCH);
}

/* A file left by a process that is gone is stale: skipped, and removed
 * only when asked. */
static void test_scan_stale(void **state)
{
  const char          *dir = *state;
  struct seen_list     list;
  pid_t                pid  = dead_pid();
  _cleanup_free_ char *name = job_name(geteuid(), pid);

  write_job(dir, name, pid, 12345, 0);
  assert_int_equal(scan(dir, false, &list), 0);
  assert_true(exists(dir, name));
  assert_int_equal(scan(dir, true, &list), 0);
  assert_false(exists(dir, name));
}

/* Our own pid with another start time: the pid was reused. */
static void test_scan_reused_pid(void **state)
{
  const char          *dir = *state;
  struct seen_list     list;
  uint64_t             start;
  _cleanup_free_ char *name = job_name(geteuid(), getpid());

  assert_int_equal(jobstate_proc_start(getpid(), &start), 0);
  write_job(dir, name, getpid(), start + 1, 0);
  assert_int_equal(scan(dir, true, &list), 0);
  assert_false(exists(dir, name));
  /* With the right start time it is live. */
  write_job(dir, name, getpid(), start, 0);
  assert_int_equal(scan(dir, true, &list), 1);
  assert_true(exists(dir, name));
}

static void alarm_fail(int sig)
{
  (void)sig;
  static const char msg[] = "scan hung\n";
  (void)!write(STDERR_FILENO, msg, sizeof(msg) - 1);
  _exit(1);
}

/* What a hostile user could leave in a shared directory: none of it is a
 * job, none of it hangs or crashes the scan, and none of it is removed as
 * stale (it is not a state file of a process that ended). */
static void test_scan_hostile(void **state)
{
  const char          *dir = *state;
  struct seen_list     list;
  uint64_t             start;
  uid_t                uid       = geteuid();
  pid_t                pid       = getpid();
  _cleanup_free_ char *elsewhere = NULL, *outside = NULL;
  char                 name[128];

  assert_int_equal(jobstate_proc_start(pid, &start), 0);
  /* A valid file outside the directory, for the links. */
  assert_true(asprintf(&outside, "%s.outside", dir) > 0);
  assert_int_equal(mkdir(outside, 0755), 0);
  write_job(outside, "real", pid, start, 0);
  elsewhere = path_in(outside, "real");

  static const char *const kinds[] = {
    "symlink",      "fifo",          "oversized",      "pid differs from name",
    "leading zero", "trailing text", "uid of another", "directory",
  };
  signal(SIGALRM, alarm_fail);
  for (size_t i = 0; i < ARRAY_SIZE(kinds); i++) {
    _cleanup_free_ char *path = NULL;
    snprintf(name, sizeof(name), "job-%u-%d", (unsigned)uid, (int)pid);
    switch (i) {
      case 0:
        path = path_in(dir, name);
        assert_int_equal(symlink(elsewhere, path), 0);
        break;
      case 1:
        path = path_in(dir, name);
        assert_int_equal(mkfifo(path, 0666), 0);
        break;
      case 2:
        write_job(dir, name, pid, start, 1024 * 1024);
        break;
      case 3:
        snprintf(name, sizeof(name), "job-%u-%d", (unsigned)uid, (int)pid + 1);
        write_job(dir, name, pid, start, 0);
        break;
      case 4:
        snprintf(name, sizeof(name), "job-%u-0%d", (unsigned)uid, (int)pid);
        write_job(dir, name, pid, start, 0);
        break;
      case 5:
        snprintf(name, sizeof(name), "job-%u-%dx", (unsigned)uid, (int)pid);
        write_job(dir, name, pid, start, 0);
        break;
      case 6:
        snprintf(name, sizeof(name), "job-%u-%d", (unsigned)uid + 1, (int)pid);
        write_job(dir, name, pid, start, 0);
        break;
      case 7:
        path = path_in(dir, name);
        assert_int_equal(mkdir(path, 0755), 0);
        break;
    }
    alarm(5);
    int n = scan(dir, true, &list);
    alarm(0);
    if (n != 0) {
      fail_msg("%s: %d jobs seen", kinds[i], n);
    }
    if (!exists(dir, name)) {
      fail_msg("%s: removed", kinds[i]);
    }
    _cleanup_free_ char *victim = path_in(dir, name);
    if (i == 7) {
      assert_int_equal(rmdir(victim), 0);
    } else {
      assert_int_equal(unlink(victim), 0);
    }
  }
  signal(SIGALRM, SIG_DFL);
  unlink(elsewhere);
  rmdir(outside);
}

/* Files of other users: one owned by nobody that names our uid (a forgery
 * of our job), one owned by nobody that names nobody and our process (a
 * claim on another user's process). Needs root to chown. */
static void test_scan_other_owner(void **state)
{
  const char      *dir = *state;
  struct seen_list list;
  uint64_t         start;
  const uid_t      nobody = 65534;

  if (geteuid() != 0) {
    skip();
  }
  assert_int_equal(jobstate_proc_start(getpid(), &start), 0);

  static const struct {
    const char *what;
    bool        name_nobody;
  } cases[] = {
    { "forged as ours",     false },
    { "claims our process", true  },
  };

  for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
    _cleanup_free_ char *name =
      job_name(cases[i].name_nobody ? nobody : geteuid(), getpid());
    _cleanup_free_ char *path = path_in(dir, name);
    write_job(dir, name, getpid(), start, 0);
    assert_int_equal(chown(path, nobody, nobody), 0);
    if (scan(dir, true, &list) != 0) {
      fail_msg("%s: seen as a job", cases[i].what);
    }
    if (!exists(dir, name)) {
      fail_msg("%s: removed", cases[i].what);
    }
    unlink(path);
  }
}

/* A writer's temporary file is removed once its process is gone, never
 * while it lives. */
static void test_scan_tmp(void **state)
{
  const char      *dir = *state;
  struct seen_list list;
  char             dead[64], live[64], foreign[64];
  pid_t            gone = dead_pid();

  snprintf(dead, sizeof(dead), ".job-%u-%d.tmp", (unsigned)geteuid(),
           (int)gone);
  snprintf(live, sizeof(live), ".job-%u-%d.tmp", (unsigned)geteuid(),
           (int)getpid());
  snprintf(foreign, sizeof(foreign), ".job-%u-%d.tmp", (unsigned)geteuid() + 1,
           (int)gone);
  write_job(dir, dead, gone, 1, 0);
  write_job(dir, live, getpid(), 1, 0);
  write_job(dir, foreign, gone, 1, 0);
  assert_int_equal(scan(dir, false, &list), 0);
  assert_true(exists(dir, dead));
  assert_int_equal(scan(dir, true, &list), 0);
  assert_false(exists(dir, dead));
  assert_true(exists(dir, live));
  assert_true(exists(dir, foreign)); /* its name and owner disagree */
}

/* Several jobs at once, and files that are not jobs at all. */
static void test_scan_many(void **state)
{
  const char      *dir = *state;
  struct seen_list list;
  pid_t            children[3];
  int              ready[2];

  assert_int_equal(pipe(ready), 0);
  setenv("HERDCC_JOBS_DIR", dir, 1);
  for (size_t i = 0; i < ARRAY_SIZE(children); i++) {
    children[i] = fork();
    assert_true(children[i] >= 0);
    if (children[i] == 0) {
      char file[32];
      snprintf(file, sizeof(file), "child%zu.c", i);
      struct jobstate_writer *w = jobstate_writer_new(file);
      jobstate_writer_phase(w, JOB_PHASE_LOCAL, "localhost", (int)i);
      (void)!write(ready[1], "x", 1);
      pause(); /* until killed */
      _exit(0);
    }
  }
  char c;
  for (size_t i = 0; i < ARRAY_SIZE(children); i++) {
    assert_int_equal(read(ready[0], &c, 1), 1);
  }
  write_job(dir, "README", getpid(), 1, 0);
  write_job(dir, "job-", getpid(), 1, 0);
  write_job(dir, "job-0-", getpid(), 1, 0);
  assert_int_equal(scan(dir, true, &list), 3);
  for (size_t i = 0; i < list.count; i++) {
    assert_int_equal(list.jobs[i].state.phase, JOB_PHASE_LOCAL);
    assert_memory_equal(list.jobs[i].state.file, "child", 5);
  }
  /* Killed -9: nothing removes their files, the scanner sees them
   * stale. */
  for (size_t i = 0; i < ARRAY_SIZE(children); i++) {
    kill(children[i], SIGKILL);
    waitpid(children[i], NULL, 0);
  }
  assert_int_equal(scan(dir, true, &list), 0);
  for (size_t i = 0; i < ARRAY_SIZE(children); i++) {
    _cleanup_free_ char *name = job_name(geteuid(), children[i]);
    assert_false(exists(dir, name));
  }
  assert_true(exists(dir, "README"));
  assert_int_equal(jobstate_scan(dir, false, NULL, NULL), 0);
  close(ready[0]);
  close(ready[1]);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_phase_names),
    cmocka_unit_test(test_round_trip),
    cmocka_unit_test(test_version_1),
    cmocka_unit_test(test_encode_refuses),
    cmocka_unit_test(test_byte_orders),
    cmocka_unit_test(test_truncated),
    cmocka_unit_test(test_hostile),
    cmocka_unit_test(test_proc_start),
    cmocka_unit_test_setup_teardown(test_dirs, make_dir, remove_dir),
    cmocka_unit_test_setup_teardown(test_writer_and_live_job, make_dir,
                                    remove_dir),
    cmocka_unit_test_setup_teardown(test_writer_umask_and_text, make_dir,
                                    remove_dir),
    cmocka_unit_test_setup_teardown(test_writer_unusable_dir, make_dir,
                                    remove_dir),
    cmocka_unit_test_setup_teardown(test_scan_stale, make_dir, remove_dir),
    cmocka_unit_test_setup_teardown(test_scan_reused_pid, make_dir, remove_dir),
    cmocka_unit_test_setup_teardown(test_scan_hostile, make_dir, remove_dir),
    cmocka_unit_test_setup_teardown(test_scan_other_owner, make_dir,
                                    remove_dir),
    cmocka_unit_test_setup_teardown(test_scan_tmp, make_dir, remove_dir),
    cmocka_unit_test_setup_teardown(test_scan_many, make_dir, remove_dir),
  };

  return cmocka_run_group_tests(tests, NULL, NULL);
}
