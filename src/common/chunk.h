/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Where a source is cut into chunks for the native extension's chunked
 * source (version 4, docs/protocol.md "The source in chunks"): a cut is
 * decided by the content alone (a gear hash over the last 64 bytes, cut
 * where its top CHUNK_AVERAGE_BITS bits are zero), between CHUNK_MIN and
 * CHUNK_MAX bytes, so that the same header text in two translation units
 * gives the same chunks after at most a chunk or two, wherever it starts.
 * The server never cuts (the client's list says where); only the client
 * calls this, and any rule would be correct: this one only makes equal
 * text meet in equal chunks. */
#pragma once

#include <stddef.h>

#define CHUNK_MIN          512
#define CHUNK_MAX          16384
#define CHUNK_AVERAGE_BITS 11 /* about 2 KiB past CHUNK_MIN */

/* The length of the first chunk of buf (len bytes): len itself when len
 * is at most CHUNK_MIN, never more than CHUNK_MAX. 0 only for len 0. */
size_t chunk_cut(const void *buf, size_t len);
