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

/* Replace list->entries[i] with the servers of entries that keep accepts
 * (keep NULL: all of them); *ret_added says how many. */
int dcache_splice(struct hosts_list *list, size_t i,
                  const struct zcache_entry *entries, size_t count,
                  dcache_keep_fn keep, const void *userdata, size_t *ret_added);
