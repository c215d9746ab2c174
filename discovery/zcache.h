/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The discovery cache: the servers herdcc-discover found, one line each,
 * in a file in the state directory that every compile reads and never
 * waits for. Written atomically (temporary file and rename). Text, so
 * byte order never matters; a line that does not parse is skipped.
 *
 *   # herdcc discovery cache 1
 *   ADDR \t PORT \t JOBS \t FLAGS \t COMPILERS \t NAME
 *
 * FLAGS is "-" or a comma-separated list of "lzo", "herd", "stats=PORT"
 * (the TXT stats port, for the monitors) and "speed=N" (the TXT speed, for
 * the client's host order); readers ignore flags they do not know. COMPILERS is
 * "machine/version,..." or "-".
 *
 * The DNS caches (herdcc-resolve) add, after the header, when the file
 * stops being fresh and, for a lookup that failed, why:
 *
 *   # expires UNIX_TIME
 *   # error TEXT */
#pragma once

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#include "service.h"

/* How long one DNS refresh may take by default (HERDCC_DNS_TIMEOUT, ms):
 * herdcc-resolve's deadline, which a compile on a cold DNS cache waits
 * for (plus the refresher's start-up) rather than fail a named host. */
#define DNS_DEFAULT_TIMEOUT_MS 500

struct zcache_entry {
  char                addr[INET6_ADDRSTRLEN]; /* numeric */
  uint16_t            port;
  struct service_info info;
  char                name[128]; /* the DNS-SD instance name */
};

int zcache_write(const char *path, const struct zcache_entry *entries,
                 size_t count);

struct zcache_meta {
  long long expires;    /* UNIX time; 0: not given */
  char      error[160]; /* "" when the lookup succeeded */
};

/* The same with the DNS lines of meta. */
int zcache_write_meta(const char *path, const struct zcache_entry *entries,
                      size_t count, const struct zcache_meta *meta);

/* The DNS lines of a cache file; zeroes when it has none. */
int zcache_read_meta(const char *path, struct zcache_meta *ret_meta);

/* *ret_entries is owned by the caller (free). */
int zcache_read(const char *path, struct zcache_entry **ret_entries,
                size_t *ret_count);

/* Become the one refresher of a cache directory: an flock on DIR/lock,
 * held until the process exits (clients test it to know one runs).
 * -EBUSY when another process holds it. */
int zcache_take_refresher_lock(const char *dir);
