/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Servers found over mDNS, for one compile. They come from the discovery
 * cache that herdcc-discover keeps in the state directory (zcache.h); a
 * compile never waits for the network: it reads the cache, starts the
 * refresher in the background when none runs, and on a cold cache waits
 * at most ZEROCONF_COLD_WAIT_MS for a first picture. Servers are matched
 * to the compiler being run (its -dumpmachine and -dumpversion, cached in
 * the state directory per compiler binary); the others are left out, and
 * --show-hosts says why. Avahi and D-Bus are not linked here. */
#pragma once

#include <stdbool.h>
#include <stdio.h>

#include "hosts.h"
#include "zcache.h"

#define ZEROCONF_COLD_WAIT_MS 100

/* Replace every +zeroconf entry of list with the discovered servers that
 * can run compiler_path (a resolved path; NULL: take every server). */
int zeroconf_expand(struct hosts_list *list, const char *state_dir,
                    const char *compiler_path);

/* Print every discovered server for --show-hosts: address, port, slots,
 * protocol, and "ok" or why it is left out for compiler_path. */
int zeroconf_show(FILE *out, const char *state_dir, const char *compiler_path);

/* Every server of the discovery cache as it stands (no compiler filter),
 * for the monitors: the refresher is started (and kept wanted) the same
 * way a compile does, and a cold cache is waited for at most cold_wait_ms.
 * *ret_entries is owned by the caller (free); -ENOENT when nothing is
 * known yet. */
int zeroconf_servers(const char *state_dir, int cold_wait_ms,
                     struct zcache_entry **ret_entries, size_t *ret_count);

/* Whether an avahi-daemon runs on this machine (its socket exists). */
bool zeroconf_available(void);
