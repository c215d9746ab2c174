/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Backing off failing servers, by address. When a distribution fails
 * because of the server (a connection refused or timed out, a truncated or
 * garbled reply, a crash, a refusal), the address it failed at is not used
 * again for a period (HERDCC_BACKOFF_PERIOD, distcc's 60 s; 0 disables
 * backoff). An address is "IP:port" in canonical inet_ntop text, "[v6]:port"
 * for IPv6, never a host name: a name with several addresses goes on with
 * the others. A refusal that concerns the compiler (missing or not allowed
 * there) backs the address off for that compiler only. A compile error
 * never reaches this module.
 *
 * The state is one small text file per address in STATE/backoff/, named
 * after the address ("ADDRESS" or "ADDRESS,COMPILER"): the UNIX time of the
 * failure in decimal on the first line, the reason on the second. It is
 * replaced atomically (a temporary file, then rename), so the clients of a
 * parallel build share it, and it reads the same on any byte order.
 *
 * The module also remembers the addresses one compile has tried, so that a
 * retry never goes to the same address twice. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "hosts.h"

/* "[" + INET6_ADDRSTRLEN + "]:" + port + NUL, rounded up. */
#define BACKOFF_ADDRESS_MAX 64

#define BACKOFF_DEFAULT_PERIOD_S 60
#define BACKOFF_MAX_PERIOD_S     (7 * 24 * 3600)

enum backoff_scope {
  BACKOFF_NONE,     /* retry elsewhere, but the address stays in use */
  BACKOFF_ADDRESS,  /* the address, for every compiler */
  BACKOFF_COMPILER, /* the address, for this compiler */
};

struct backoff;

/* HERDCC_BACKOFF_PERIOD / DISTCC_BACKOFF_PERIOD in seconds, bounded. */
unsigned backoff_period_from_env(void);

/* State for one compile. state_dir and compiler (the name sent to servers)
 * are copied; period_s 0 disables backing off (tried addresses are still
 * remembered). */
int backoff_new(const char *state_dir, const char *compiler, unsigned period_s,
                struct backoff **ret_backoff);

struct backoff *backoff_free(struct backoff *backoff);

static inline void backoff_freep(struct backoff **backoff)
{
  *backoff = backoff_free(*backoff);
}

/* The text of an address: "1.2.3.4:3632", "[::1]:3632". -EAFNOSUPPORT for
 * a family other than AF_INET and AF_INET6. */
int backoff_format_address(const struct sockaddr *address,
                           char ret_text[static BACKOFF_ADDRESS_MAX]);

/* The same for a host entry whose name is a numeric address; -EINVAL for a
 * name that needs resolving. */
int backoff_format_entry(const struct hosts_entry *entry,
                         char ret_text[static BACKOFF_ADDRESS_MAX]);

/* Whether the address is to be passed over: backed off (for every compiler
 * or for this one) or tried already by this compile. */
bool backoff_skip(struct backoff *backoff, const char *address);

/* This compile is using address: a retry will not use it again. */
int backoff_note_tried(struct backoff *backoff, const char *address);

/* Back address off for the period (BACKOFF_NONE does nothing). reason is
 * one line for people reading the state file. */
int backoff_mark(struct backoff *backoff, const char *address,
                 enum backoff_scope scope, const char *reason);

/* The address served a job: this compile may use it again (its source
 * text after the expanded text, remote.h), and the expired state
 * backoff_skip saw for it is removed, so stale files do not pile up. */
void backoff_forget(struct backoff *backoff, const char *address);
