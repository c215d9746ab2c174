/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Who may ask herdccd for a compile: an allow-list of CIDR rules, IPv4 and
 * IPv6 alike. A peer is allowed when its address lies in any rule; an
 * IPv4-mapped IPv6 peer (::ffff:a.b.c.d, what a dual-stack socket reports
 * for an IPv4 client) is checked as the IPv4 address it carries, and a
 * mapped rule is an IPv4 rule. An empty list allows nobody: main.c fills
 * it with the private networks when no --allow is given. Parsing and
 * checking do not log. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* Room for "[v6addr]:port" and a NUL. */
#define ACCESS_PEER_NAME_MAX 64

struct access_rule {
  int      family;   /* AF_INET or AF_INET6 */
  uint8_t  addr[16]; /* network byte order, host bits cleared */
  unsigned prefix;   /* 0..32 for AF_INET, 0..128 for AF_INET6 */
};

struct access_list {
  struct access_rule *rules; /* owned */
  size_t              n_rules;
};

/* Parse "ADDR/BITS" or a bare ADDR (a host: /32 or /128). Host bits set
 * in ADDR are cleared. An IPv4-mapped rule (::ffff:a.b.c.d/96..128) is
 * the IPv4 rule a.b.c.d/0..32, so that it matches IPv4 clients however
 * the socket shows them. -EINVAL for a bad address or mask. */
int access_rule_parse(const char *text, struct access_rule *ret_rule);

/* Parse text and append it; -EINVAL (list unchanged) or -ENOMEM. */
int access_list_add(struct access_list *list, const char *text);

/* Append the private and local networks: 10/8, 172.16/12, 192.168/16,
 * 127/8, 169.254/16, ::1, fc00::/7, fe80::/10. */
int access_list_add_private(struct access_list *list);

/* Whether the socket address sa (of length len) is allowed. Families other
 * than AF_INET and AF_INET6 never are. */
bool access_list_allows(const struct access_list *list,
                        const struct sockaddr *sa, socklen_t len);

void access_list_clear(struct access_list *list);

/* "a.b.c.d:port" or "[v6]:port" for logs and messages, with a mapped IPv4
 * address shown as IPv4; "local" for len == 0 (a pipe in --inetd mode). */
void access_peer_name(const struct sockaddr *sa, socklen_t len,
                      char buf[static ACCESS_PEER_NAME_MAX]);
