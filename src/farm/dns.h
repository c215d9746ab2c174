/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Servers and addresses from DNS, for one compile: +srv and +srv=DOMAIN
 * entries (SRV _distcc._tcp.DOMAIN and unicast DNS-SD) and every plain host
 * name in the host list. herdcc-resolve (discovery/resolve.c, with c-ares)
 * does the lookups in the background and keeps one cache file per query in
 * STATE/dns/ with the records' TTL; a compile reads those files and never
 * waits for DNS, but on a cold cache, for at most HERDCC_DNS_TIMEOUT plus
 * DNS_COLD_WAIT_EXTRA_MS. A
 * stale file is still used while a refresh runs. A failed lookup is one
 * warning line, once per failed refresh, and the build goes on with the
 * other hosts or locally. c-ares is not linked here. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

#include "hosts.h"
#include "zcache.h"

/* A cold cache waits for the refresh deadline and the refresher's start:
 * failing a named host for want of a lookup would fail the build under
 * HERDCC_FALLBACK=0. Later compiles never wait. */
#define DNS_COLD_WAIT_EXTRA_MS 250

/* Start a refresh of the stale DNS caches list needs, wait on a cold
 * cache, and replace every +srv entry of list with the servers found that
 * can run compiler_path (those whose TXT names other compilers are left
 * out; compiler_path NULL: all). Returns how many failed lookups it warned
 * of (each is told once, by the first compile after the lookup). */
int dns_expand(struct hosts_list *list, const char *state_dir,
               const char *compiler_path);

/* The same with a longer wait on a cold cache (for --ping). */
int dns_expand_wait(struct hosts_list *list, const char *state_dir,
                    const char *compiler_path, int cold_wait_ms);

/* For the monitors: start one refresh of the stale DNS caches that list
 * needs (+srv entries and host names) and wait at most cold_wait_ms for
 * the missing ones; nothing when this installation has no
 * herdcc-resolve. */
int dns_refresh(const struct hosts_list *list, const char *state_dir,
                int cold_wait_ms);

/* The cached servers of one +srv entry (*ret_entries owned by the caller)
 * and what its lookup recorded; -ENOENT when nothing is cached yet. */
int dns_srv_servers(const char *state_dir, const struct hosts_entry *srv,
                    struct zcache_entry **ret_entries, size_t *ret_count,
                    struct zcache_meta *ret_meta);

/* 1 when the DNS cache says name has no address (a lookup that failed, its
 * period not over), with *ret_why (owned) saying why; 0 when it is not
 * known to fail (resolved, not looked up yet, expired, or no herdcc-resolve
 * in this installation). A compile passes such a name over: the failure
 * was told once, when the lookup failed. */
int dns_unresolvable(const char *state_dir, const char *name, char **ret_why);

/* Print the servers of one +srv entry for --show-hosts. */
int dns_show(FILE *out, const char *state_dir, const struct hosts_entry *srv);

struct dns_address {
  struct sockaddr_storage address;
  socklen_t               length;
};

/* The cached addresses of a host name, in the order the resolver gave
 * them, with port.
 * *ret_addresses is owned by the caller (free). -ENOENT when nothing is
 * cached yet (*ret_why says so), -EHOSTUNREACH when the lookup failed
 * (*ret_why says why); *ret_why is owned by the caller. -ENOTSUP when this
 * installation has no herdcc-resolve: then resolve another way. */
int dns_addresses(const char *state_dir, const char *name, uint16_t port,
                  struct dns_address **ret_addresses, size_t *ret_count,
                  char **ret_why);

/* Whether name is a numeric IPv4 or IPv6 address. */
bool dns_is_numeric(const char *name);
