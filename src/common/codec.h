/* SPDX-License-Identifier: GPL-2.0-or-later */
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

/* herdcc's own bodies (PROTO_VERSION_ZLIB): one zlib stream (RFC 1950,
 * header and Adler-32 included), at CODEC_ZLIB_LEVEL. */
#define CODEC_ZLIB_LEVEL 6

int codec_zlib_compress(const void *in, size_t len, char **ret_out,
                        size_t *ret_len);

/* The same errors as codec_lzo_decompress(); bytes after the stream's end
 * are corrupt too. */
int codec_zlib_decompress(const void *in, size_t len, size_t cap,
                          char **ret_out, size_t *ret_len);
