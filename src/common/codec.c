/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "codec.h"

#include <errno.h>
#include <limits.h>
#include <lzo/lzo1x.h>
#include <stdint.h>
#include <stdlib.h>
#include <zlib.h>

#include "macro.h"

static int lzo_ready(void)
{
  static int state; /* 0 untried, 1 ok, -1 failed */

  if (state == 0) {
    state = lzo_init() == LZO_E_OK ? 1 : -1;
  }
  return state > 0 ? 0 : -EIO;
}

int codec_lzo_compress(const void *in, size_t len, char **ret_out,
                       size_t *ret_len)
{
  if (lzo_ready() < 0) {
    return -EIO;
  }
  /* LZO's documented worst case for incompressible input. */
  size_t               bound = len + len / 16 + 64 + 3;
  _cleanup_free_ char *out   = malloc(bound);
  _cleanup_free_ void *work  = malloc(LZO1X_1_MEM_COMPRESS);
  if (!out || !work) {
    return -ENOMEM;
  }
  lzo_uint out_len = bound;
  if (lzo1x_1_compress(in, len, (unsigned char *)out, &out_len, work) !=
      LZO_E_OK) {
    return -EIO;
  }
  *ret_out = TAKE_PTR(out);
  *ret_len = out_len;
  return 0;
}

int codec_lzo_decompress(const void *in, size_t len, size_t cap, char **ret_out,
                         size_t *ret_len)
{
  if (lzo_ready() < 0) {
    return -EIO;
  }
  size_t size = len * 4 < 65536 ? 65536 : len * 4;

  for (;;) {
    if (size > cap) {
      size = cap;
    }
    _cleanup_free_ char *out = malloc(size ? size : 1);
    if (!out) {
      return -ENOMEM;
    }
    lzo_uint out_len = size;
    int      r =
      lzo1x_decompress_safe(in, len, (unsigned char *)out, &out_len, NULL);
    if (r == LZO_E_OK) {
      *ret_out = TAKE_PTR(out);
      *ret_len = out_len;
      return 0;
    }
    if (r != LZO_E_OUTPUT_OVERRUN) {
      return -EBADMSG;
    }
    if (size >= cap) {
      return -EFBIG;
    }
    size *= 2;
  }
}

int codec_zlib_compress(const void *in, size_t len, char **ret_out,
                        size_t *ret_len)
{
  uLong                bound = compressBound((uLong)len);
  _cleanup_free_ char *out   = malloc(bound ? bound : 1);

  if (!out || (uLong)len != len) {
    return -ENOMEM;
  }
  uLongf out_len = bound;
  int r = compress2((Bytef *)out, &out_len, in, (uLong)len, CODEC_ZLIB_LEVEL);
  if (r != Z_OK) {
    return r == Z_MEM_ERROR ? -ENOMEM : -EIO;
  }
  *ret_out = TAKE_PTR(out);
  *ret_len = out_len;
  return 0;
}

int codec_zlib_decompress(const void *in, size_t len, size_t cap,
                          char **ret_out, size_t *ret_len)
{
  z_stream             z    = { 0 };
  size_t               size = len * 4 < 65536 ? 65536 : len * 4;
  _cleanup_free_ char *out  = NULL;
  int                  r;

  if (len > UINT_MAX || inflateInit(&z) != Z_OK) {
    return -ENOMEM;
  }
  z.next_in  = (Bytef *)(uintptr_t)in;
  z.avail_in = (uInt)len;
  for (;;) {
    size        = size > cap ? cap : size;
    char *grown = realloc(out, size ? size : 1);
    if (!grown) {
      r = -ENOMEM;
      break;
    }
    out         = grown;
    z.next_out  = (Bytef *)out + z.total_out;
    z.avail_out = (uInt)(size - z.total_out);
    int zr      = inflate(&z, Z_FINISH);
    if (zr == Z_STREAM_END) {
      r = z.avail_in == 0 ? 0 : -EBADMSG;
      break;
    }
    if (zr != Z_BUF_ERROR && zr != Z_OK) {
      r = zr == Z_MEM_ERROR ? -ENOMEM : -EBADMSG;
      break;
    }
    if (z.avail_out > 0) { /* no progress with room left: truncated */
      r = -EBADMSG;
      break;
    }
    if (size >= cap) {
      r = -EFBIG;
      break;
    }
    size = size * 2 > UINT_MAX ? UINT_MAX : size * 2;
  }
  if (r == 0) {
    *ret_len = z.total_out;
    *ret_out = TAKE_PTR(out);
  }
  inflateEnd(&z);
  return r;
}
