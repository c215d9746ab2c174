/* Body codecs of the distcc wire protocol. Version 1 sends bodies raw;
 * version 2 sends each non-empty DOTI/SERR/SOUT/DOTO body as one raw
 * LZO1X-1 stream with no header, so the receiver learns the uncompressed
 * size only by decompressing. Shared by client and daemon. */
#pragma once

#include <stddef.h>

/* Compress len bytes; *ret_out is owned by the caller. */
int codec_lzo_compress(const void *in, size_t len, char **ret_out,
                       size_t *ret_len);

/* Decompress a raw LZO1X stream whose output may be at most cap bytes;
 * -EFBIG past the cap, -EBADMSG on a corrupt stream. */
int codec_lzo_decompress(const void *in, size_t len, size_t cap, char **ret_out,
                         size_t *ret_len);
