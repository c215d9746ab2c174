/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tests of the source in chunks as herdccd receives it (chunks.h), over a
 * socket pair, with a real chunk store in a private directory: a first
 * job asks for every chunk and the store keeps them, a second asks for
 * none, a damaged stored chunk is asked for again, a refused job asks for
 * none, and a chunk that is not what its SHA-256 says, or a DOTI of the
 * wrong length, is refused. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "chunk.h"
#include "chunks.h"
#include "fixture.h"
#include "macro.h"
#include "sha256.h"

#define TIMEOUT_MS 5000

struct pair {
  int           client, server;
  struct cache *store;
};

static void pair_open(struct pair *p, const char *dir)
{
  int fds[2];

  assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
  p->client = fds[0];
  p->server = fds[1];
  assert_int_equal(
    cache_open_below(dir, CHUNKS_DIR, 1 << 24, (uid_t)-1, (gid_t)-1, &p->store),
    0);
}

static void pair_close(struct pair *p)
{
  close(p->client);
  close(p->server);
  cache_free(p->store);
}

/* A source of three chunks (the middle one changes with tag). */
static size_t make_source(char *buf, char tag, struct herd_chunk chunks[3])
{
  static const size_t lens[3] = { 3000, 700, 5000 };
  size_t              at      = 0;

  for (size_t i = 0; i < 3; i++) {
    for (size_t k = 0; k < lens[i]; k++) {
      buf[at + k] = i == 1 ? tag : (char)('a' + (k * 7 + i) % 26);
    }
    chunks[i].len = (uint32_t)lens[i];
    sha256_buffer(buf + at, lens[i], chunks[i].digest);
    at += lens[i];
  }
  return at;
}

static void send_list(const struct pair *p, const struct herd_chunk *chunks,
                      size_t count)
{
  uint8_t list[8 * HERD_CHUNK_ENTRY_LEN];

  herd_format_chunks(list, chunks, count);
  assert_int_equal(proto_send_body(p->client, "HCKL", list,
                                   count * HERD_CHUNK_ENTRY_LEN,
                                   PROTO_CODEC_NONE, TIMEOUT_MS),
                   0);
}

/* One job: the list, what the store gives, the asked-for chunks sent as
 * the client sends them; the result of chunks_receive. */
static int job(struct pair *p, const char *source, size_t len,
               const struct herd_chunk *chunks, uint8_t *ret_need,
               struct chunks_source *src)
{
  char   body[16384];
  size_t body_len = 0, at = 0;

  send_list(p, chunks, 3);
  assert_int_equal(chunks_read_list(p->server, 1 << 20, TIMEOUT_MS, src), 0);
  assert_int_equal(src->count, 3);
  assert_int_equal(src->len, len);
  chunks_gather(p->store, src, false);
  *ret_need = src->need[0];
  for (size_t i = 0; i < 3; at += chunks[i++].len) {
    if (herd_needs(src->need, i)) {
      memcpy(body + body_len, source + at, chunks[i].len);
      body_len += chunks[i].len;
    }
  }
  assert_int_equal(proto_send_body(p->client, "DOTI", body, body_len,
                                   PROTO_CODEC_ZLIB, TIMEOUT_MS),
                   0);
  int r = chunks_receive(p->server, PROTO_CODEC_ZLIB, TIMEOUT_MS, src);
  if (r >= 0) {
    assert_memory_equal(src->buf, source, len);
  }
  return r;
}

static int damage_one(const char *path, const struct stat *st, int type,
                      struct FTW *ftw)
{
  (void)ftw;
  if (type != FTW_F || strstr(path, "/v1/") == NULL ||
      strstr(path, "usage") != NULL || st->st_size < 100) {
    return 0;
  }
  int fd = open(path, O_WRONLY);
  assert_true(fd >= 0);
  assert_int_equal(pwrite(fd, "\xff\xfe", 2, st->st_size - 10), 2);
  close(fd);
  return 1; /* one is enough */
}

static void test_store(void **state)
{
  struct pair          p;
  struct herd_chunk    chunks[3];
  char                 source[9000] = { 0 };
  struct chunks_source src          = { .chunks = NULL };
  uint8_t              need;

  pair_open(&p, *state);
  size_t len = make_source(source, 'x', chunks);
  assert_int_equal(job(&p, source, len, chunks, &need, &src), 0);
  assert_int_equal(need, 0x07); /* a cold store: every chunk */
  chunks_keep(p.store, &src);
  assert_int_equal(job(&p, source, len, chunks, &need, &src), 0);
  assert_int_equal(need, 0x00); /* all of them stored */

  make_source(source, 'y', chunks); /* an edit in the middle */
  assert_int_equal(job(&p, source, len, chunks, &need, &src), 0);
  assert_int_equal(need, 0x02);
  chunks_keep(p.store, &src);

  /* a damaged entry is a miss: asked for again, never used */
  assert_int_equal(nftw(*state, damage_one, 16, FTW_PHYS), 1);
  assert_int_equal(job(&p, source, len, chunks, &need, &src), 0);
  assert_int_equal(__builtin_popcount(need), 1);
  chunks_keep(p.store, &src);
  assert_int_equal(job(&p, source, len, chunks, &need, &src), 0);
  assert_int_equal(need, 0x00);
  chunks_clear(&src);
  pair_close(&p);
}

static void test_refused(void **state)
{
  struct pair          p;
  struct herd_chunk    chunks[3];
  char                 source[9000] = { 0 };
  struct chunks_source src          = { .chunks = NULL };
  uint8_t              need         = 0xff;

  pair_open(&p, *state);
  size_t len = make_source(source, 'x', chunks);
  /* a chunk that is not what the list says */
  source[3000 + 700 + 17] ^= 1;
  assert_int_equal(job(&p, source, len, chunks, &need, &src), -EBADMSG);
  /* a refused job asks for nothing */
  send_list(&p, chunks, 3);
  assert_int_equal(chunks_read_list(p.server, 1 << 20, TIMEOUT_MS, &src), 0);
  chunks_gather(p.store, &src, true);
  assert_int_equal(src.need[0], 0);
  assert_int_equal(src.need_bytes, 0);
  /* a list over the cap */
  send_list(&p, chunks, 3);
  assert_int_equal(chunks_read_list(p.server, 8000, TIMEOUT_MS, &src),
                   -EMSGSIZE);
  /* a DOTI longer than the chunks asked for (the last: it is left unread) */
  send_list(&p, chunks, 3);
  assert_int_equal(chunks_read_list(p.server, 1 << 20, TIMEOUT_MS, &src), 0);
  chunks_gather(p.store, &src, false);
  assert_int_equal(proto_send_body(p.client, "DOTI", source, len + 1,
                                   PROTO_CODEC_NONE, TIMEOUT_MS),
                   0);
  assert_int_equal(chunks_receive(p.server, PROTO_CODEC_NONE, TIMEOUT_MS, &src),
                   -EPROTO);
  chunks_clear(&src);
  pair_close(&p);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(test_store, fixture_dir_make,
                                    fixture_dir_remove),
    cmocka_unit_test_setup_teardown(test_refused, fixture_dir_make,
                                    fixture_dir_remove),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
