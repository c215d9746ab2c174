#include "codec.h"

#include <errno.h>
#include <lzo/lzo1x.h>
#include <stdlib.h>

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
