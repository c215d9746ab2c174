/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The host list: distcc's grammar, parsed once for client and tools.
 *
 *   host[:port][/limit][,lzo][,cpp][,herd]   a TCP server
 *   host[/limit][:port][,opts]               the same, distcc's older order
 *   [v6addr][:port]...                       an IPv6 literal
 *   [user]@host[/limit][:command][,opts]     a server reached over ssh
 *   localhost[/limit]                        compile on this machine
 *   --localslots=N --localslots_cpp=N --randomize
 *   +zeroconf  +srv  +srv=DOMAIN             discovered servers
 *   # a comment, to the end of the line
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum hosts_kind {
  HOSTS_TCP,
  HOSTS_SSH,
  HOSTS_LOCAL,
  HOSTS_ZEROCONF,
  HOSTS_SRV,
};

struct hosts_entry {
  enum hosts_kind kind;
  char           *name; /* host name or address (no brackets); SRV domain
                           or NULL */
  char    *user;        /* ssh user, or NULL */
  char    *command;     /* ssh: remote command, or NULL */
  uint16_t port;
  unsigned limit; /* concurrent jobs */
  bool     lzo;   /* protocol 2 */
  bool     cpp;   /* distcc's pump flag; accepted, preprocessing
                     stays local */
  bool     herd;  /* speaks herdcc's native extension */
  unsigned speed; /* the speed a discovered server announces (TXT speed=,
                     for the whole host), 0: unknown */
};

struct hosts_list {
  struct hosts_entry *entries;
  size_t              count;
  unsigned            local_slots;     /* --localslots */
  unsigned            local_slots_cpp; /* --localslots_cpp */
  bool                randomize;
};

#define HOSTS_DEFAULT_LIMIT       4
#define HOSTS_DEFAULT_LOCAL_LIMIT 2
#define HOSTS_DEFAULT_LOCAL_CPP   16

/* Parse a host list. On a bad token returns -EINVAL and sets *ret_bad to a
 * copy of it (owned by the caller); hosts_why_bad() then says which part of
 * it is wrong. */
int hosts_parse(const char *text, struct hosts_list **ret_list, char **ret_bad);

/* Which part of the last bad token hosts_parse() met in this thread is
 * wrong, and why (a static string, "" before any). */
const char *hosts_why_bad(void);

struct hosts_list *hosts_list_free(struct hosts_list *list);

/* "name:port" (or "[v6]:port"), "localhost", "+zeroconf"...: for logs and
 * lock names. Caller frees. */
char *hosts_entry_describe(const struct hosts_entry *entry);
