/* SPDX-License-Identifier: GPL-2.0-or-later */
/* herdcc-discover: browses _distcc._tcp over mDNS through the system's
 * avahi-daemon and keeps the discovery cache (zcache.h) in the state
 * directory up to date as servers come and go. The client starts it in
 * the background when no refresher runs, so a compile never waits for
 * the network; it leaves when no compile has asked for servers for a
 * while. One runs per state directory (an flock on STATE/zeroconf/lock).
 *
 *   herdcc-discover STATE_DIR */
#include <avahi-client/client.h>
#include <avahi-client/lookup.h>
#include <avahi-common/error.h>
#include <avahi-common/malloc.h>
#include <avahi-common/simple-watch.h>
#include <avahi-common/timeval.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "io.h"
#include "macro.h"
#include "service.h"
#include "zcache.h"

#define DISCOVER_IDLE_S    120 /* leave after this long unwanted */
#define DISCOVER_CHECK_MS  2000
#define DISCOVER_MAX_FOUND 256

/* One browsed service, keyed by where Avahi saw it. Its resolver stays
 * open for as long as the service is browsed: a server published again
 * under the same name (a restart) may keep its PTR record in every cache
 * and never be removed and added again, while its port, address or TXT
 * change; the open resolver reports that. */
struct found {
  AvahiIfIndex          iface;
  AvahiProtocol         proto;
  char                  name[128];
  AvahiServiceResolver *resolver; /* owned */
  bool                  resolved; /* entry is valid */
  struct zcache_entry   entry;
};

struct discover {
  AvahiSimplePoll *poll;
  AvahiClient     *client;
  char            *cache_path;
  char            *wanted_path;
  struct found     found[DISCOVER_MAX_FOUND];
  size_t           n_found;
};

static void save(struct discover *d)
{
  struct zcache_entry entries[DISCOVER_MAX_FOUND];

  size_t n = 0;

  for (size_t i = 0; i < d->n_found; i++) {
    if (d->found[i].resolved) {
      entries[n++] = d->found[i].entry;
    }
  }
  int r = zcache_write(d->cache_path, entries, n);
  if (r < 0) {
    fprintf(stderr, "herdcc-discover: Failed to write %s: %s\n", d->cache_path,
            strerror(-r));
  }
}

static struct found *find(struct discover *d, AvahiIfIndex iface,
                          AvahiProtocol proto, const char *name)
{
  for (size_t i = 0; i < d->n_found; i++) {
    struct found *f = &d->found[i];
    if (f->iface == iface && f->proto == proto && strcmp(f->name, name) == 0) {
      return f;
    }
  }
  return NULL;
}

static void forget(struct discover *d, struct found *f)
{
  if (f->resolver) {
    avahi_service_resolver_free(f->resolver);
  }
  *f = d->found[--d->n_found];
  save(d);
}

/* Start following a service the browser reported. */
static void follow(struct discover *d, AvahiIfIndex iface, AvahiProtocol proto,
                   const char *name, const char *type, const char *domain,
                   AvahiServiceResolverCallback on_resolved)
{
  if (find(d, iface, proto, name) || d->n_found == DISCOVER_MAX_FOUND) {
    return;
  }
  struct found *f = &d->found[d->n_found];
  *f              = (struct found){ .iface = iface, .proto = proto };
  snprintf(f->name, sizeof(f->name), "%s", name);
  f->resolver =
    avahi_service_resolver_new(d->client, iface, proto, name, type, domain,
                               AVAHI_PROTO_UNSPEC, 0, on_resolved, d);
  if (f->resolver) {
    d->n_found++;
  }
}

static int parse_txt(AvahiStringList *txt, struct service_info *ret_info)
{
  const char *items[64];
  size_t      lens[64], n = 0;

  for (AvahiStringList *l = txt; l && n < 64;
       l                  = avahi_string_list_get_next(l)) {
    items[n]  = (const char *)avahi_string_list_get_text(l);
    lens[n++] = avahi_string_list_get_size(l);
  }
  return service_txt_parse(items, lens, n, ret_info);
}

/* The address as text a connect can use: link-local IPv6 with its scope. */
static void address_text(const AvahiAddress *a, AvahiIfIndex iface, char *buf,
                         size_t size)
{
  avahi_address_snprint(buf, size, a);
  if (a->proto == AVAHI_PROTO_INET6 && strncmp(buf, "fe80:", 5) == 0) {
    char name[IF_NAMESIZE];
    if (if_indextoname((unsigned)iface, name)) {
      size_t len = strlen(buf);
      snprintf(buf + len, size - len, "%%%s", name);
    }
  }
}

static void on_resolved(AvahiServiceResolver *resolver, AvahiIfIndex iface,
                        AvahiProtocol proto, AvahiResolverEvent event,
                        const char *name, const char *type, const char *domain,
                        const char *host, const AvahiAddress *address,
                        uint16_t port, AvahiStringList *txt,
                        AvahiLookupResultFlags flags, void *userdata)
{
  struct discover    *d = userdata;
  struct found       *f = find(d, iface, proto, name);
  struct service_info info;

  (void)type, (void)domain, (void)host, (void)flags;
  if (!f || f->resolver != resolver) {
    return; /* not ours any more */
  }
  if (event == AVAHI_RESOLVER_FAILURE) {
    forget(d, f); /* no answer: browsed again if it comes back */
    return;
  }
  if (parse_txt(txt, &info) < 0) {
    f->resolved = false;
  } else {
    f->resolved = true;
    address_text(address, iface, f->entry.addr, sizeof(f->entry.addr));
    f->entry.port = port;
    f->entry.info = info;
    snprintf(f->entry.name, sizeof(f->entry.name), "%s", name);
  }
  save(d);
}

static void on_browsed(AvahiServiceBrowser *browser, AvahiIfIndex iface,
                       AvahiProtocol proto, AvahiBrowserEvent event,
                       const char *name, const char *type, const char *domain,
                       AvahiLookupResultFlags flags, void *userdata)
{
  struct discover *d = userdata;
  struct found    *f;

  (void)browser, (void)flags;
  switch (event) {
    case AVAHI_BROWSER_NEW:
      follow(d, iface, proto, name, type, domain, on_resolved);
      break;
    case AVAHI_BROWSER_REMOVE:
      if ((f = find(d, iface, proto, name))) {
        forget(d, f);
      }
      break;
    case AVAHI_BROWSER_ALL_FOR_NOW:
      save(d); /* the first complete picture: compiles may go on */
      break;
    case AVAHI_BROWSER_FAILURE:
    case AVAHI_BROWSER_CACHE_EXHAUSTED:
      break;
  }
}

static void on_client(AvahiClient *client, AvahiClientState state,
                      void *userdata)
{
  struct discover *d = userdata;

  d->client = client;
  if (state == AVAHI_CLIENT_S_RUNNING) {
    avahi_service_browser_new(client, AVAHI_IF_UNSPEC, AVAHI_PROTO_UNSPEC,
                              SERVICE_TYPE, NULL, 0, on_browsed, d);
  } else if (state == AVAHI_CLIENT_FAILURE) {
    /* avahi-daemon or the bus went away: leave, a compile starts another
       refresher later. The cache says nothing is known until then. The
       resolvers went with the client. */
    d->n_found = 0;
    save(d);
    avahi_simple_poll_quit(d->poll);
  } else if (state == AVAHI_CLIENT_CONNECTING) {
    /* No avahi-daemon (yet): say so with an empty cache, so that no
       compile waits for one; browsing starts when it appears. */
    d->n_found = 0;
    save(d);
  }
}

/* Still wanted: a compile touched the wanted file recently. */
static void on_check(AvahiTimeout *timeout, void *userdata)
{
  struct discover *d = userdata;
  struct stat      st;
  struct timeval   tv;

  if (stat(d->wanted_path, &st) < 0 ||
      time(NULL) - st.st_mtime > DISCOVER_IDLE_S) {
    avahi_simple_poll_quit(d->poll);
    return;
  }
  avahi_elapse_time(&tv, DISCOVER_CHECK_MS, 0);
  avahi_simple_poll_get(d->poll)->timeout_update(timeout, &tv);
}

static int run(struct discover *d)
{
  struct timeval tv;
  int            error;

  d->poll = avahi_simple_poll_new();
  if (!d->poll) {
    return -ENOMEM;
  }
  const AvahiPoll *api = avahi_simple_poll_get(d->poll);
  AvahiClient     *client =
    avahi_client_new(api, AVAHI_CLIENT_NO_FAIL, on_client, d, &error);
  if (!client) {
    fprintf(stderr, "herdcc-discover: Failed to start Avahi: %s\n",
            avahi_strerror(error));
    save(d);
    return -EIO;
  }
  avahi_elapse_time(&tv, DISCOVER_CHECK_MS, 0);
  api->timeout_new(api, &tv, on_check, d);
  avahi_simple_poll_loop(d->poll);
  avahi_client_free(client);
  avahi_simple_poll_free(d->poll);
  return 0;
}

#define DISCOVER_USAGE "Usage: herdcc-discover STATE_DIR\n"

/* --help and --version answer without browsing anything; -1 otherwise. */
static int answer_option(const char *arg)
{
  if (strcmp(arg, "--help") == 0) {
    printf(DISCOVER_USAGE
           "Keep STATE_DIR/zeroconf/hosts up to date with the distcc and\n"
           "herdcc servers avahi-daemon sees (_distcc._tcp), for as long as\n"
           "STATE_DIR/zeroconf/wanted is touched. Started by herdcc in the\n"
           "background; not meant to be run by hand.\n");
    return 0;
  }
  if (strcmp(arg, "--version") == 0) {
    printf("herdcc-discover %s %s\n", HERDCC_VERSION, HERDCC_GNU_TRIPLE);
    return 0;
  }
  return -1;
}

int main(int argc, char **argv)
{
  int r = argc == 2 ? answer_option(argv[1]) : -1;
  if (r >= 0) {
    return r;
  }
  struct discover     *d   = calloc(1, sizeof(*d));
  _cleanup_free_ char *dir = NULL;

  if (argc != 2 || !d || argv[1][0] == '-') {
    fprintf(stderr, DISCOVER_USAGE);
    free(d);
    return 101;
  }
  if (asprintf(&dir, "%s/zeroconf", argv[1]) < 0 ||
      asprintf(&d->cache_path, "%s/hosts", dir) < 0 ||
      asprintf(&d->wanted_path, "%s/wanted", dir) < 0 ||
      io_mkdir_p(dir, 0755) < 0) {
    return 100;
  }
  if (zcache_take_refresher_lock(dir) < 0) {
    return 0; /* another refresher serves this directory */
  }
  r = run(d);
  free(d->cache_path);
  free(d->wanted_path);
  free(d);
  return r < 0 ? 100 : 0;
}
