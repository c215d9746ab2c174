/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "hosts.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "proto.h"

/* What was wrong with the last bad token of this thread (hosts_why_bad). */
static _Thread_local char bad_reason[160];

static _printf_(1, 2) int bad(const char *fmt, ...)
{
  va_list ap;

  va_start(ap, fmt);
  vsnprintf(bad_reason, sizeof(bad_reason), fmt, ap);
  va_end(ap);
  return -EINVAL;
}

const char *hosts_why_bad(void)
{
  return bad_reason;
}

static int parse_uint(const char *text, size_t len, unsigned max, unsigned *ret)
{
  unsigned long value = 0;

  if (len == 0 || len > 9) {
    return -EINVAL;
  }
  for (size_t i = 0; i < len; i++) {
    if (!isdigit((unsigned char)text[i])) {
      return -EINVAL;
    }
    value = value * 10 + (unsigned long)(text[i] - '0');
  }
  if (value == 0 || value > max) {
    return -EINVAL;
  }
  *ret = (unsigned)value;
  return 0;
}

/* ",lzo,cpp,herd" */
static int parse_options(const char *opts, struct hosts_entry *entry)
{
  while (*opts == ',') {
    opts++;
    size_t len = strcspn(opts, ",");
    if (len == 3 && strncmp(opts, "lzo", 3) == 0) {
      entry->lzo = true;
    } else if (len == 3 && strncmp(opts, "cpp", 3) == 0) {
      entry->cpp = true;
    } else if (len == 4 && strncmp(opts, "herd", 4) == 0) {
      entry->herd = true;
    } else if (len == 4 && strncmp(opts, "auth", 4) == 0) {
      return bad("option ',auth' (GSS-API) is not supported");
    } else {
      return bad("unknown option ',%.*s' (known: ,lzo ,cpp ,herd)", (int)len,
                 opts);
    }
    opts += len;
  }
  return *opts ? bad("unexpected '%s' where ',OPTION' or the end belongs", opts)
               : 0;
}

/* "/limit", when *p has one; *p is moved past it. */
static int parse_limit(const char **p, struct hosts_entry *entry)
{
  if (**p != '/') {
    return 0;
  }
  size_t len = strcspn(*p + 1, ",:");
  if (parse_uint(*p + 1, len, 1000, &entry->limit) < 0) {
    return bad("the limit '/%.*s' is not a number from 1 to 1000", (int)len,
               *p + 1);
  }
  *p += 1 + len;
  return 0;
}

/* "/limit" then options; rest points after the name (and port). */
static int parse_limit_and_options(const char *rest, struct hosts_entry *entry)
{
  int r = parse_limit(&rest, entry);
  return r < 0 ? r : parse_options(rest, entry);
}

static int parse_name(const char **p, struct hosts_entry *entry)
{
  const char *s = *p;
  size_t      len;

  if (*s == '[') {
    const char *close = strchr(s, ']');
    if (!close || close == s + 1) {
      return bad(close ? "empty IPv6 address '[]'"
                       : "no ']' closes the IPv6 address");
    }
    entry->name = strndup(s + 1, (size_t)(close - s - 1));
    *p          = close + 1;
  } else {
    len = strcspn(s, ":/,");
    if (len == 0) {
      return bad("no host name before '%c'", *s ? *s : ' ');
    }
    entry->name = strndup(s, len);
    *p          = s + len;
  }
  return entry->name ? 0 : -ENOMEM;
}

static int parse_tcp(const char *token, struct hosts_entry *entry)
{
  const char *p = token;
  int         r = parse_name(&p, entry);

  if (r < 0) {
    return r;
  }
  entry->kind  = HOSTS_TCP;
  entry->port  = PROTO_DEFAULT_PORT;
  entry->limit = HOSTS_DEFAULT_LIMIT;
  r            = parse_limit(&p, entry); /* distcc's old host/limit:port */
  if (r < 0) {
    return r;
  }
  if (*p == ':') {
    size_t   len = strcspn(p + 1, "/,");
    unsigned port;
    if (parse_uint(p + 1, len, 65535, &port) < 0) {
      return bad("the port ':%.*s' is not a number from 1 to 65535", (int)len,
                 p + 1);
    }
    entry->port = (uint16_t)port;
    p += 1 + len;
  }
  return parse_limit_and_options(p, entry);
}

/* [user]@host[/limit][:command][,opts] */
static int parse_ssh(const char *token, struct hosts_entry *entry)
{
  const char *at = strchr(token, '@');

  entry->kind  = HOSTS_SSH;
  entry->limit = HOSTS_DEFAULT_LIMIT;
  if (at != token) {
    entry->user = strndup(token, (size_t)(at - token));
    if (!entry->user) {
      return -ENOMEM;
    }
  }
  const char *p = at + 1;
  int         r = parse_name(&p, entry);
  if (r < 0) {
    return r;
  }
  r = parse_limit(&p, entry);
  if (r < 0) {
    return r;
  }
  if (*p == ':') {
    size_t len     = strcspn(p + 1, ",");
    entry->command = strndup(p + 1, len);
    if (!entry->command) {
      return -ENOMEM;
    }
    if (len == 0) {
      return bad("no command after ':'");
    }
    p += 1 + len;
  }
  return parse_options(p, entry);
}

static int parse_local(const char *token, struct hosts_entry *entry)
{
  entry->kind  = HOSTS_LOCAL;
  entry->limit = HOSTS_DEFAULT_LOCAL_LIMIT;
  entry->name  = strdup("localhost");
  if (!entry->name) {
    return -ENOMEM;
  }
  return parse_limit_and_options(token + strlen("localhost"), entry);
}

static int parse_discovery(const char *token, struct hosts_entry *entry)
{
  if (strcmp(token, "+zeroconf") == 0) {
    entry->kind = HOSTS_ZEROCONF;
    return 0;
  }
  if (strcmp(token, "+srv") == 0) {
    entry->kind = HOSTS_SRV;
    return 0;
  }
  if (strncmp(token, "+srv=", 5) == 0 && token[5]) {
    entry->kind = HOSTS_SRV;
    entry->name = strdup(token + 5);
    return entry->name ? 0 : -ENOMEM;
  }
  return bad("unknown '%s' (known: +zeroconf, +srv, +srv=DOMAIN)", token);
}

/* As in distcc, "localhost" and "localhost/N" only: "localhost,lzo" and
 * "localhost:3632" name a server on this machine. */
static bool is_local_token(const char *token)
{
  size_t n = strlen("localhost");
  return strncmp(token, "localhost", n) == 0 &&
         (token[n] == '\0' || token[n] == '/');
}

static int parse_entry(const char *token, struct hosts_entry *entry)
{
  if (token[0] == '+') {
    return parse_discovery(token, entry);
  }
  if (is_local_token(token)) {
    return parse_local(token, entry);
  }
  if (strchr(token, '@')) {
    return parse_ssh(token, entry);
  }
  return parse_tcp(token, entry);
}

static int parse_setting(const char *token, struct hosts_list *list)
{
  static const char slots[]     = "--localslots=";
  static const char slots_cpp[] = "--localslots_cpp=";

  if (strcmp(token, "--randomize") == 0) {
    list->randomize = true;
    return 0;
  }
  if (strncmp(token, slots, strlen(slots)) == 0) {
    const char *v = token + strlen(slots);
    return parse_uint(v, strlen(v), 1000, &list->local_slots) < 0
             ? bad("'%s' is not a number from 1 to 1000", v)
             : 0;
  }
  if (strncmp(token, slots_cpp, strlen(slots_cpp)) == 0) {
    const char *v = token + strlen(slots_cpp);
    return parse_uint(v, strlen(v), 1000, &list->local_slots_cpp) < 0
             ? bad("'%s' is not a number from 1 to 1000", v)
             : 0;
  }
  return bad("unknown setting (known: --randomize, --localslots=N, "
             "--localslots_cpp=N)");
}

static int add_token(struct hosts_list *list, const char *token)
{
  if (token[0] == '-') {
    return parse_setting(token, list);
  }
  struct hosts_entry *grown =
    reallocarray(list->entries, list->count + 1, sizeof(*grown));
  if (!grown) {
    return -ENOMEM;
  }
  list->entries             = grown;
  struct hosts_entry *entry = &list->entries[list->count++];
  *entry                    = (struct hosts_entry){ 0 };
  return parse_entry(token, entry);
}

int hosts_parse(const char *text, struct hosts_list **ret_list, char **ret_bad)
{
  struct hosts_list *list = calloc(1, sizeof(*list));
  if (!list) {
    return -ENOMEM;
  }
  list->local_slots     = HOSTS_DEFAULT_LOCAL_LIMIT;
  list->local_slots_cpp = HOSTS_DEFAULT_LOCAL_CPP;

  for (const char *p = text; *p;) {
    if (isspace((unsigned char)*p)) {
      p++;
      continue;
    }
    if (*p == '#') {
      p += strcspn(p, "\n");
      continue;
    }
    size_t               len   = strcspn(p, " \t\r\n\v\f#");
    _cleanup_free_ char *token = strndup(p, len);
    if (!token) {
      hosts_list_free(list);
      return -ENOMEM;
    }
    int r = add_token(list, token);
    if (r < 0) {
      hosts_list_free(list);
      if (r == -EINVAL) {
        *ret_bad = TAKE_PTR(token);
      }
      return r;
    }
    p += len;
  }
  *ret_list = list;
  return 0;
}

struct hosts_list *hosts_list_free(struct hosts_list *list)
{
  if (!list) {
    return NULL;
  }
  for (size_t i = 0; i < list->count; i++) {
    free(list->entries[i].name);
    free(list->entries[i].user);
    free(list->entries[i].command);
  }
  free(list->entries);
  free(list);
  return NULL;
}

char *hosts_entry_describe(const struct hosts_entry *entry)
{
  char *out = NULL;
  int   r   = -1;

  switch (entry->kind) {
    case HOSTS_TCP:
      r = strchr(entry->name, ':')
            ? asprintf(&out, "[%s]:%u", entry->name, entry->port)
            : asprintf(&out, "%s:%u", entry->name, entry->port);
      break;
    case HOSTS_SSH:
      r = asprintf(&out, "%s%s%s", entry->user ? entry->user : "", "@",
                   entry->name);
      break;
    case HOSTS_LOCAL:
      r = asprintf(&out, "localhost");
      break;
    case HOSTS_ZEROCONF:
      r = asprintf(&out, "+zeroconf");
      break;
    case HOSTS_SRV:
      r = asprintf(&out, "+srv%s%s", entry->name ? "=" : "",
                   entry->name ? entry->name : "");
      break;
  }
  return r < 0 ? NULL : out;
}
