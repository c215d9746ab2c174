/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The farm as a monitor shows it: the servers this machine's client would
 * use, with where each came from, what their status endpoints say, and
 * this machine's own client jobs.
 *
 * Servers come from the same places a compile takes them (the same
 * modules of this library, not a second reader): the host list (hostlist_load:
 * the HERDCC_HOSTS/DISTCC_HOSTS variables or the hosts files), the mDNS
 * discovery cache that herdcc-discover keeps (+zeroconf) and the DNS
 * caches of herdcc-resolve (+srv, and the addresses of host names). Stale
 * caches get their background refresh exactly as a compile triggers it;
 * nothing here waits on the network except farm_fetch, which is bounded.
 *
 * Everything a server or a state file says is untrusted text: print it
 * through text_clean (src/common/text.h). */
#pragma once

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jobstate.h"
#include "statsfetch.h"

enum farm_source {
  FARM_SOURCE_STATIC, /* the host list, by address or name */
  FARM_SOURCE_MDNS,   /* +zeroconf: the mDNS discovery cache */
  FARM_SOURCE_DNS,    /* +srv: SRV records or unicast DNS-SD */
  FARM_SOURCE_COUNT_
};

/* "static", "mdns", "dns". */
const char *farm_source_name(enum farm_source source);

/* What one status fetch ended as. */
enum farm_status {
  FARM_STATUS_UNKNOWN,     /* not asked (yet) */
  FARM_STATUS_OK,          /* stats holds the answer */
  FARM_STATUS_UNREACHABLE, /* no connection, or no answer in time */
  FARM_STATUS_REFUSED,     /* the server answered 403: --allow */
  FARM_STATUS_NO_STATS,    /* nothing listens on the stats port */
  FARM_STATUS_BAD_REPLY,   /* an answer that is not a status document */
  FARM_STATUS_UNRESOLVED,  /* a host name with no known address */
  FARM_STATUS_COUNT_
};

/* "unknown", "ok", "unreachable", "refused", "no stats", "bad reply",
 * "unresolved": the words both monitors show (herdcc-monitor through
 * gettext: they are marked for translation). */
const char *farm_status_name(enum farm_status status);

/* Whether the status is a failure someone should look at (unreachable,
 * refused, bad reply, unresolved): the tray's failing state, top's and
 * the window's colour. */
bool farm_status_failing(enum farm_status status);

#define FARM_NAME_MAX 256
#define FARM_WHY_MAX  160

struct farm_server {
  enum farm_source source;
  char             name[FARM_NAME_MAX]; /* as listed, the DNS-SD instance
                                           name, or the SRV target */
  char     addr[INET6_ADDRSTRLEN];      /* numeric; "" when unresolved */
  uint16_t port;
  unsigned slots;            /* the list's limit, or the TXT jobs */
  uint16_t stats_port;       /* TXT stats=, else STATS_DEFAULT_PORT */
  bool     stats_advertised; /* the port came from TXT; a discovered
                                server without one is not asked */
  bool lzo;
  bool herd;
  bool backed_off;             /* the client's backoff state says so */
  bool answered;               /* its stats port answered once: closed
                                  now, it is down (farm_remember) */
  unsigned         local_jobs; /* this machine's jobs on it (farm_count) */
  enum farm_status status;
  char             why[FARM_WHY_MAX]; /* for every status but OK, or "" */
  struct stats     stats;             /* valid when status is OK */
};

struct farm {
  struct farm_server *servers; /* owned; one per address and port */
  size_t              server_count;
  struct job_seen    *jobs; /* this machine's client jobs (owned) */
  size_t              job_count;
  char                note[FARM_WHY_MAX]; /* "" or why the picture is thin
                                             ("no hosts configured", ...) */
};

/* The servers of the host list and the discovery caches, de-duplicated
 * by address and port (the first source wins), status UNKNOWN. A cold
 * cache is waited for at most cold_wait_ms. Fills farm->servers and
 * farm->note; farm must be zeroed or farm_clear()ed. A host name without
 * herdcc-resolve installed is resolved with getaddrinfo (blocking). A bad
 * host list, or none, is not an error: farm->note says why (the bad part
 * of the list, as hostlist_load names it) and the servers are empty. */
int farm_load_servers(struct farm *farm, int cold_wait_ms);

/* This machine's client jobs: jobstate_scan over jobstate_dir(), stale
 * files removed. Fills farm->jobs and counts each server's local_jobs. */
int farm_load_jobs(struct farm *farm);

/* One round of status fetches: every server that has an address is asked
 * at once (a thread each, on stats_fetch), the round ending after
 * timeout_ms at most whatever the servers do. Sets status, why and stats
 * of each server. */
int farm_fetch(struct farm *farm, int timeout_ms);

/* Whether s is to be asked for its status. When it is not (no address,
 * or a discovered server whose TXT record names no stats port: a guess
 * could reach another server's stats at the same address), its status
 * and why say so. */
bool farm_server_wants_fetch(struct farm_server *s);

/* "STATUS: why" of s, "(backed off)" after the status when the client's
 * backoff passes it over; status_name is farm_status_name's word or a
 * translation of it (borrowed). Returns buf. */
char *farm_server_state(const struct farm_server *s, const char *status_name,
                        const char *backed_off, char *buf, size_t size);

/* Record the outcome of one fetch (r as stats_fetch returns it, why its
 * reason) in s: the one mapping of outcomes to states, for farm_fetch and
 * the GTK monitor's fetches in a worker thread. Takes st's content on
 * success (st is left cleared). */
void farm_server_set_result(struct farm_server *s, int r, struct stats *st,
                            const char *why);

/* Carry over from an earlier picture of the farm what a monitor that
 * reloads its servers every round must not forget: which stats ports
 * answered (by address, port and stats port). before is borrowed. */
void farm_remember(struct farm *farm, const struct farm *before);

/* Count each server's jobs among farm->jobs (by the host the job names,
 * "ADDR:PORT" or the host list's name). */
void farm_count_local_jobs(struct farm *farm);

/* Free what farm owns and zero it. */
void farm_clear(struct farm *farm);
