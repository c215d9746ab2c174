/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "access.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"

static const char *const private_networks[] = {
  "10.0.0.0/8",     "172.16.0.0/12", "192.168.0.0/16", "127.0.0.0/8",
  "169.254.0.0/16", "::1/128",       "fc00::/7",       "fe80::/10",
};

/* Strict decimal mask: digits only, no sign, at most max. */
static int parse_prefix(const char *text, unsigned max, unsigned *ret_prefix)
{
  unsigned value = 0;

  if (!*text || strlen(text) > 3) {
    return -EINVAL;
  }
  for (const char *p = text; *p; p++) {
    if (*p < '0' || *p > '9') {
      return -EINVAL;
    }
    value = value * 10 + (unsigned)(*p - '0');
  }
  if (value > max) {
    return -EINVAL;
  }
  *ret_prefix = value;
  return 0;
}

static void clear_host_bits(uint8_t *addr, size_t addr_len, unsigned prefix)
{
  for (size_t i = 0; i < addr_len; i++) {
    unsigned bit = (unsigned)i * 8;
    if (bit >= prefix) {
      addr[i] = 0;
    } else if (prefix - bit < 8) {
      addr[i] &= (uint8_t)(0xff << (8 - (prefix - bit)));
    }
  }
}

int access_rule_parse(const char *text, struct access_rule *ret_rule)
{
  struct access_rule rule = { 0 };
  char               addr_text[INET6_ADDRSTRLEN];
  const char        *slash    = strchr(text, '/');
  size_t             addr_len = slash ? (size_t)(slash - text) : strlen(text);

  if (addr_len == 0 || addr_len >= sizeof(addr_text)) {
    return -EINVAL;
  }
  memcpy(addr_text, text, addr_len);
  addr_text[addr_len] = '\0';
  if (inet_pton(AF_INET, addr_text, rule.addr) == 1) {
    rule.family = AF_INET;
    rule.prefix = 32;
  } else if (inet_pton(AF_INET6, addr_text, rule.addr) == 1) {
    rule.family = AF_INET6;
    rule.prefix = 128;
  } else {
    return -EINVAL;
  }
  if (slash && parse_prefix(slash + 1, rule.prefix, &rule.prefix) < 0) {
    return -EINVAL;
  }
  if (rule.family == AF_INET6 &&
      IN6_IS_ADDR_V4MAPPED((const struct in6_addr *)rule.addr) &&
      rule.prefix >= 96) {
    /* ::ffff:a.b.c.d/N names IPv4 clients, which are checked as IPv4. */
    memmove(rule.addr, rule.addr + 12, 4);
    memset(rule.addr + 4, 0, 12);
    rule.family = AF_INET;
    rule.prefix -= 96;
  }
  clear_host_bits(rule.addr, rule.family == AF_INET ? 4 : 16, rule.prefix);
  *ret_rule = rule;
  return 0;
}

int access_list_add(struct access_list *list, const char *text)
{
  struct access_rule rule;
  int                r = access_rule_parse(text, &rule);

  if (r < 0) {
    return r;
  }
  struct access_rule *rules =
    reallocarray(list->rules, list->n_rules + 1, sizeof(*rules));
  if (!rules) {
    return -ENOMEM;
  }
  rules[list->n_rules++] = rule;
  list->rules            = rules;
  return 0;
}

int access_list_add_private(struct access_list *list)
{
  for (size_t i = 0; i < ARRAY_SIZE(private_networks); i++) {
    int r = access_list_add(list, private_networks[i]);
    if (r < 0) {
      return r;
    }
  }
  return 0;
}

static bool prefix_matches(const uint8_t *a, const uint8_t *b, unsigned prefix)
{
  size_t   whole = prefix / 8;
  unsigned rest  = prefix % 8;

  if (memcmp(a, b, whole) != 0) {
    return false;
  }
  if (rest == 0) {
    return true;
  }
  uint8_t mask = (uint8_t)(0xff << (8 - rest));
  return (a[whole] & mask) == (b[whole] & mask);
}

/* The peer's family and address bytes, a mapped IPv4 address unmapped. */
static bool peer_address(const struct sockaddr *sa, socklen_t len,
                         int *ret_family, uint8_t ret_addr[static 16])
{
  if (sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
    const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
    memcpy(ret_addr, &in->sin_addr, 4);
    *ret_family = AF_INET;
    return true;
  }
  if (sa->sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
    const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
    if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) {
      memcpy(ret_addr, in6->sin6_addr.s6_addr + 12, 4);
      *ret_family = AF_INET;
    } else {
      memcpy(ret_addr, in6->sin6_addr.s6_addr, 16);
      *ret_family = AF_INET6;
    }
    return true;
  }
  return false;
}

bool access_list_allows(const struct access_list *list,
                        const struct sockaddr *sa, socklen_t len)
{
  uint8_t addr[16];
  int     family;

  if (!sa || !peer_address(sa, len, &family, addr)) {
    return false;
  }
  for (size_t i = 0; i < list->n_rules; i++) {
    const struct access_rule *rule = &list->rules[i];
    if (rule->family == family &&
        prefix_matches(rule->addr, addr, rule->prefix)) {
      return true;
    }
  }
  return false;
}

void access_list_clear(struct access_list *list)
{
  free(list->rules);
  list->rules   = NULL;
  list->n_rules = 0;
}

static unsigned peer_port(const struct sockaddr *sa)
{
  if (sa->sa_family == AF_INET) {
    return ntohs(((const struct sockaddr_in *)sa)->sin_port);
  }
  return ntohs(((const struct sockaddr_in6 *)sa)->sin6_port);
}

void access_peer_name(const struct sockaddr *sa, socklen_t len,
                      char buf[static ACCESS_PEER_NAME_MAX])
{
  char    text[INET6_ADDRSTRLEN];
  uint8_t addr[16];
  int     family;

  if (!sa || len == 0) {
    snprintf(buf, ACCESS_PEER_NAME_MAX, "local");
    return;
  }
  if (!peer_address(sa, len, &family, addr) ||
      !inet_ntop(family, addr, text, sizeof(text))) {
    snprintf(buf, ACCESS_PEER_NAME_MAX, "(address family %d)",
             (int)sa->sa_family);
    return;
  }
  snprintf(buf, ACCESS_PEER_NAME_MAX, family == AF_INET ? "%s:%u" : "[%s]:%u",
           text, peer_port(sa));
}
