/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The discovery caches as a compile sees them, shared by +zeroconf
 * (zeroconf.c) and DNS (dns.c): a cache file in the state directory that a
 * helper process refreshes in the background, the helper started when the
 * cache is stale and none runs (one per directory: it holds an flock on
 * DIR/lock), a bounded wait on a cold cache, and the cached servers spliced
 * into the host list in place of the entry that named them. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "hosts.h"
#include "zcache.h"

/* Whether a helper holds dir's lock. */
bool dcache_refresher_running(const char *dir);

/* Run the helper at path with argv, detached from this process and its
 * terminal, unless a helper holds dir's lock. Borrowed arguments. */
void dcache_start_refresher(const char *dir, const char *path,
                            char *const *argv);

/* Wait until every one of paths exists, for at most max_ms. */
void dcache_wait(const char *const *paths, size_t n, int max_ms);

/* Whether a cached server may take the compile. */
typedef bool (*dcache_keep_fn)(const struct zcache_entry *entry,
                               const void                *userdata);

/* The order a compile uses cached servers in: the indexes of the entries
 * keep accepts (keep NULL: all) in order[] (count places), fastest job
 * slot first (TXT speed= over jobs=; a slot is taken in list order, so a
 * job goes to the fastest free one), then the servers that publish no
 * speed, each group in cache order. Returns how many. */
size_t dcache_order(const struct zcache_entry *entries, size_t count,
                    dcache_keep_fn keep, const void *userdata, size_t *order);

/* Replace list->entries[i] with the servers of entries that keep accepts
 * (keep NULL: all of them), in dcache_order's order; *ret_added says how
 * many. */
int dcache_splice(struct hosts_list *list, size_t i,
                  const struct zcache_entry *entries, size_t count,
                  dcache_keep_fn keep, const void *userdata, size_t *ret_added);

/* -dumpmachine and -dumpversion of the compiler binary at path, cached in
 * STATE/compilers/ by path, size and modification time so that a compile
 * runs neither. */
int dcache_compiler_identity(const char *state_dir, const char *path,
                             struct service_compiler *ret_cc);

/* Why a cached server cannot take a compile for cc, or NULL (cc NULL:
 * every server can). unknown_ok keeps a server that names no compilers
 * (a plain SRV record: its administrator vouches for it). */
const char *dcache_left_out_because(const struct zcache_entry     *entry,
                                    const struct service_compiler *cc,
                                    bool                           unknown_ok);

/* dcache_keep_fn forms of it; userdata is the struct service_compiler. */
bool dcache_keep_for_compiler(const struct zcache_entry *entry,
                              const void                *userdata);
bool dcache_keep_for_compiler_or_unknown(const struct zcache_entry *entry,
                                         const void                *userdata);
