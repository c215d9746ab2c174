/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "dns.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "dcache.h"
#include "env.h"
#include "helpers.h"
#include "io.h"
#include "log.h"
#include "macro.h"
#include "strv.h"
#include "text.h"
#include "zcache.h"

#define DNS_MAX_QUERIES  64
#define DNS_SHOW_WAIT_MS 2000

static const char *resolve_path(void)
{
  static char path[PATH_MAX];

  return helpers_path("herdcc-resolve", "discovery", "HERDCC_RESOLVE", path,
                      sizeof(path));
}

bool dns_is_numeric(const char *name)
{
  unsigned char buf[sizeof(struct in6_addr)];

  return inet_pton(AF_INET, name, buf) == 1 ||
         inet_pton(AF_INET6, name, buf) == 1;
}

/* What herdcc-resolve is asked for one entry ("srv:DOMAIN", "host:NAME"),
 * and where it writes the answer. NULL when the entry needs no DNS. */
static int query_for(const struct hosts_entry *e, const char *dir,
                     char **ret_query, char **ret_path)
{
  _cleanup_free_ char *query = NULL, *path = NULL;
  int                  r;

  if (e->kind == HOSTS_SRV) {
    r =
      e->name ? asprintf(&query, "srv:%s", e->name) : asprintf(&query, "srv:");
    if (r >= 0) {
      r = e->name ? asprintf(&path, "%s/srv@%s", dir, e->name)
                  : asprintf(&path, "%s/srv", dir);
    }
  } else if (e->kind == HOSTS_TCP && !dns_is_numeric(e->name)) {
    r = asprintf(&query, "host:%s", e->name);
    if (r >= 0) {
      r = asprintf(&path, "%s/host@%s", dir, e->name);
    }
  } else {
    *ret_query = *ret_path = NULL;
    return 0;
  }
  if (r < 0) {
    return -ENOMEM;
  }
  *ret_query = TAKE_PTR(query);
  *ret_path  = TAKE_PTR(path);
  return 1;
}

/* Whether the cache file at path is missing or expired. */
static bool is_stale(const char *path, bool *ret_missing)
{
  struct zcache_meta meta;

  *ret_missing = zcache_read_meta(path, &meta) < 0;
  return *ret_missing || meta.expires <= (long long)time(NULL);
}

/* Warn about the failure a cache file records, once per refresh: the
 * first compile to read it makes PATH.warned, herdcc-resolve removes it. */
static bool warn_once(const char *path, const char *what)
{
  struct zcache_meta   meta;
  _cleanup_free_ char *marker = NULL;

  if (zcache_read_meta(path, &meta) < 0 || !meta.error[0] ||
      asprintf(&marker, "%s.warned", path) < 0) {
    return false;
  }
  int fd = open(marker, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  if (fd < 0) {
    return false;
  }
  close(fd);
  char error[sizeof(meta.error)];
  log_warning("DNS lookup of %s failed: %s; going on without it", what,
              text_clean(error, sizeof(error), meta.error, 0));
  return true;
}

/* Refresh what is stale among the DNS caches of list (in one run of
 * herdcc-resolve), then wait for missing ones, bounded. */
static int refresh(const struct hosts_list *list, const char *state_dir,
                   const char *dir, int cold_wait_ms)
{
  _cleanup_(strv_freep) char **argv =
    calloc(DNS_MAX_QUERIES + 3, sizeof(*argv));
  _cleanup_(strv_freep) char **paths =
    calloc(DNS_MAX_QUERIES + 1, sizeof(*paths));
  size_t n_stale = 0, n_missing = 0;

  if (!argv || !paths || !(argv[0] = strdup("herdcc-resolve")) ||
      !(argv[1] = strdup(state_dir))) {
    return -ENOMEM;
  }
  for (size_t i = 0; i < list->count && n_stale < DNS_MAX_QUERIES; i++) {
    char *query, *path;
    bool  missing;
    int   r = query_for(&list->entries[i], dir, &query, &path);
    if (r < 0) {
      return r;
    }
    if (r == 0) {
      continue;
    }
    if (!is_stale(path, &missing)) {
      free(query);
      free(path);
      continue;
    }
    argv[2 + n_stale++] = query;
    if (missing) {
      paths[n_missing++] = path;
    } else {
      free(path);
    }
  }
  if (n_stale == 0) {
    return 0;
  }
  /* The refresher reads its deadline from the environment only. */
  const char *deadline = env_get("DNS_TIMEOUT");
  if (deadline && !getenv("HERDCC_DNS_TIMEOUT")) {
    setenv("HERDCC_DNS_TIMEOUT", deadline, 1);
  }
  dcache_start_refresher(dir, resolve_path(), argv);
  dcache_wait((const char *const *)paths, n_missing, cold_wait_ms);
  return 0;
}

static int state_subdir(const char *state_dir, char **ret_dir)
{
  return asprintf(ret_dir, "%s/dns", state_dir) < 0 ? -ENOMEM : 0;
}

int dns_expand(struct hosts_list *list, const char *state_dir,
               const char *compiler_path)
{
  int deadline_ms =
    (int)env_get_bounded("DNS_TIMEOUT", DNS_DEFAULT_TIMEOUT_MS, 1, 60000);
  return dns_expand_wait(list, state_dir, compiler_path,
                         deadline_ms + DNS_COLD_WAIT_EXTRA_MS);
}

int dns_expand_wait(struct hosts_list *list, const char *state_dir,
                    const char *compiler_path, int cold_wait_ms)
{
  _cleanup_free_ char *dir  = NULL;
  bool                 any  = false;
  int                  told = 0;

  for (size_t i = 0; i < list->count; i++) {
    const struct hosts_entry *e = &list->entries[i];
    any                         = any || e->kind == HOSTS_SRV ||
          (e->kind == HOSTS_TCP && !dns_is_numeric(e->name));
  }
  if (!any || access(resolve_path(), X_OK) < 0) {
    return 0; /* no DNS needed, or none in this installation */
  }
  if (state_subdir(state_dir, &dir) < 0) {
    return -ENOMEM;
  }
  if (io_mkdir_p(dir, 0755) < 0) {
    return 0; /* no cache: names are passed over, +srv finds nothing */
  }
  int r = refresh(list, state_dir, dir, cold_wait_ms);
  if (r < 0) {
    return r;
  }
  /* Servers that publish TXT (unicast DNS-SD) must have our compiler;
     plain SRV records say nothing, and their administrator vouches. */
  struct service_compiler cc;
  bool                    has_srv = false, known = false;
  for (size_t i = 0; i < list->count; i++) {
    has_srv = has_srv || list->entries[i].kind == HOSTS_SRV;
  }
  if (has_srv && compiler_path) { /* plain host names need no identity */
    known = dcache_compiler_identity(state_dir, compiler_path, &cc) >= 0;
  }
  for (size_t i = 0; i < list->count;) {
    struct hosts_entry  *e     = &list->entries[i];
    _cleanup_free_ char *query = NULL, *path = NULL, *what = NULL;
    if (query_for(e, dir, &query, &path) <= 0) {
      i++;
      continue;
    }
    what = hosts_entry_describe(e);
    told += warn_once(path, what ? what : query);
    if (e->kind != HOSTS_SRV) {
      i++;
      continue;
    }
    _cleanup_free_ struct zcache_entry *entries = NULL;
    size_t                              count   = 0, added;
    if (zcache_read(path, &entries, &count) < 0) {
      count = 0;
    }
    r = dcache_splice(list, i, entries, count,
                      dcache_keep_for_compiler_or_unknown, known ? &cc : NULL,
                      &added);
    if (r < 0) {
      return r;
    }
    i += added;
  }
  return told;
}

int dns_refresh(const struct hosts_list *list, const char *state_dir,
                int cold_wait_ms)
{
  _cleanup_free_ char *dir = NULL;

  if (access(resolve_path(), X_OK) < 0) {
    return 0; /* none in this installation */
  }
  if (state_subdir(state_dir, &dir) < 0) {
    return -ENOMEM;
  }
  if (io_mkdir_p(dir, 0755) < 0) {
    return -EIO;
  }
  return refresh(list, state_dir, dir, cold_wait_ms);
}

int dns_srv_servers(const char *state_dir, const struct hosts_entry *srv,
                    struct zcache_entry **ret_entries, size_t *ret_count,
                    struct zcache_meta *ret_meta)
{
  _cleanup_free_ char *dir = NULL, *query = NULL, *path = NULL;
  int                  r;

  if (state_subdir(state_dir, &dir) < 0) {
    return -ENOMEM;
  }
  r = query_for(srv, dir, &query, &path);
  if (r <= 0 || srv->kind != HOSTS_SRV) {
    return r < 0 ? r : -EINVAL;
  }
  r = zcache_read_meta(path, ret_meta);
  return r < 0 ? r : zcache_read(path, ret_entries, ret_count);
}

int dns_show(FILE *out, const char *state_dir, const struct hosts_entry *srv)
{
  _cleanup_free_ char *dir = NULL, *query = NULL, *path = NULL,
                      *what                   = hosts_entry_describe(srv);
  _cleanup_free_ struct zcache_entry *entries = NULL;
  struct zcache_meta                  meta;
  size_t                              count = 0;

  if (!what || state_subdir(state_dir, &dir) < 0 ||
      query_for(srv, dir, &query, &path) <= 0) {
    return -ENOMEM;
  }
  /* a person is waiting: refresh what is stale, and wait longer when cold */
  struct hosts_list one = { .entries = (struct hosts_entry *)srv, .count = 1 };
  if (access(resolve_path(), X_OK) == 0 && io_mkdir_p(dir, 0755) >= 0) {
    refresh(&one, state_dir, dir, DNS_SHOW_WAIT_MS);
  }
  if (zcache_read_meta(path, &meta) < 0 ||
      zcache_read(path, &entries, &count) < 0) {
    fprintf(out, "%s: no servers known yet\n", what);
    return 0;
  }
  if (meta.error[0]) {
    char error[sizeof(meta.error)];
    fprintf(out, "%s: lookup failed: %s\n", what,
            text_clean(error, sizeof(error), meta.error, 0));
  }
  _cleanup_free_ size_t *order = calloc(count ? count : 1, sizeof(*order));
  if (!order) {
    return -ENOMEM;
  }
  dcache_order(entries, count, NULL, NULL, order); /* as a compile uses them */
  for (size_t i = 0; i < count; i++) {
    const struct zcache_entry *e  = &entries[order[i]];
    bool                       v6 = strchr(e->addr, ':') != NULL;
    char                       name[sizeof(e->name)]; /* from the DNS */
    fprintf(
      out, "%s%s%s:%u/%u%s srv %s %s\n", v6 ? "[" : "", e->addr, v6 ? "]" : "",
      e->port, e->info.jobs ? e->info.jobs : HOSTS_DEFAULT_LIMIT,
      e->info.lzo ? ",lzo" : "", text_clean(name, sizeof(name), e->name, 0),
      meta.expires > (long long)time(NULL) ? "ok" : "ok (stale)");
  }
  return 0;
}

int dns_unresolvable(const char *state_dir, const char *name, char **ret_why)
{
  _cleanup_free_ char                *path    = NULL;
  _cleanup_free_ struct zcache_entry *entries = NULL;
  struct zcache_meta                  meta;
  size_t                              count;

  if (dns_is_numeric(name) || access(resolve_path(), X_OK) < 0) {
    return 0;
  }
  if (asprintf(&path, "%s/dns/host@%s", state_dir, name) < 0) {
    return -ENOMEM;
  }
  if (zcache_read_meta(path, &meta) < 0 ||
      meta.expires <= (long long)time(NULL) ||
      zcache_read(path, &entries, &count) < 0 || count > 0) {
    return 0;
  }
  if (asprintf(ret_why, "cannot resolve %s: %s", name,
               meta.error[0] ? meta.error : "no address") < 0) {
    return -ENOMEM;
  }
  return 1;
}

int dns_addresses(const char *state_dir, const char *name, uint16_t port,
                  struct dns_address **ret_addresses, size_t *ret_count,
                  char **ret_why)
{
  _cleanup_free_ char                *path    = NULL;
  _cleanup_free_ struct zcache_entry *entries = NULL;
  struct zcache_meta                  meta;
  size_t                              count;

  if (access(resolve_path(), X_OK) < 0) {
    return -ENOTSUP;
  }
  if (asprintf(&path, "%s/dns/host@%s", state_dir, name) < 0) {
    return -ENOMEM;
  }
  if (zcache_read_meta(path, &meta) < 0 ||
      zcache_read(path, &entries, &count) < 0) {
    return asprintf(ret_why,
                    "no address of %s known yet (a DNS lookup is under way)",
                    name) < 0
             ? -ENOMEM
             : -ENOENT;
  }
  if (count == 0) {
    return asprintf(ret_why, "cannot resolve %s: %s", name,
                    meta.error[0] ? meta.error : "no address") < 0
             ? -ENOMEM
             : -EHOSTUNREACH;
  }
  struct dns_address *out = calloc(count, sizeof(*out));
  size_t              n   = 0;
  if (!out) {
    return -ENOMEM;
  }
  for (size_t i = 0; i < count; i++) {
    struct sockaddr_in  *in  = (struct sockaddr_in *)&out[n].address;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&out[n].address;
    if (inet_pton(AF_INET, entries[i].addr, &in->sin_addr) == 1) {
      in->sin_family  = AF_INET;
      in->sin_port    = htons(port);
      out[n++].length = sizeof(*in);
    } else if (inet_pton(AF_INET6, entries[i].addr, &in6->sin6_addr) == 1) {
      in6->sin6_family = AF_INET6;
      in6->sin6_port   = htons(port);
      out[n++].length  = sizeof(*in6);
    }
  }
  *ret_addresses = out;
  *ret_count     = n;
  return 0;
}
