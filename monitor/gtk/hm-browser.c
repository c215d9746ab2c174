/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Browsing with avahi-client through avahi-glib's poll adapter. Avahi's
 * client reconnects by itself (AVAHI_CLIENT_NO_FAIL): when avahi-daemon
 * goes away the browser and resolvers it served are freed, every server it
 * had found is reported removed, and browsing starts again when the client
 * is running again. A client in the failure state is replaced after a
 * pause. */
#include <stdio.h>
#include <string.h>

#include <avahi-client/client.h>
#include <avahi-client/lookup.h>
#include <avahi-common/error.h>
#include <avahi-glib/glib-watch.h>
#include <glib/gi18n.h>
#include <net/if.h>

#include "hm-browser.h"

#define HM_BROWSER_RETRY_S 2
#define HM_TXT_MAX         64

struct instance {
  AvahiIfIndex          iface;
  AvahiProtocol         proto;
  char                 *domain;
  AvahiServiceResolver *resolver;
  gboolean              resolved;
  char                  host[256];
  char                  address[AVAHI_ADDRESS_STR_MAX + IF_NAMESIZE + 1];
  guint16               port;
  gboolean              txt_ok;
  struct service_info   info;
};

struct service {
  char      *name;
  GPtrArray *instances; /* struct instance* */
  gboolean   reported;
};

struct _HmBrowser {
  GObject              parent_instance;
  AvahiGLibPoll       *glib_poll;
  AvahiClient         *client;
  AvahiServiceBrowser *browser;
  GHashTable          *services; /* name -> struct service* */
  char                *status;
  guint                retry_id;
};

G_DEFINE_TYPE(HmBrowser, hm_browser, G_TYPE_OBJECT)

enum {
  SIGNAL_RESOLVED,
  SIGNAL_REMOVED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

enum {
  PROP_0,
  PROP_STATUS,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

static void instance_free(gpointer data)
{
  struct instance *in = data;

  if (in->resolver) {
    avahi_service_resolver_free(in->resolver);
  }
  g_free(in->domain);
  g_free(in);
}

static void service_free(gpointer data)
{
  struct service *s = data;

  g_ptr_array_unref(s->instances);
  g_free(s->name);
  g_free(s);
}

static void set_status(HmBrowser *self, const char *status)
{
  if (g_strcmp0(self->status, status) != 0) {
    g_free(self->status);
    self->status = g_strdup(status);
    g_object_notify_by_pspec(G_OBJECT(self), props[PROP_STATUS]);
  }
}

/* Report the service's best resolved instance, or its removal. */
static void report(HmBrowser *self, struct service *s)
{
  struct instance *best = NULL;

  for (guint i = 0; i < s->instances->len; i++) {
    struct instance *in = g_ptr_array_index(s->instances, i);
    if (in->resolved && (!best || (best->proto != AVAHI_PROTO_INET &&
                                   in->proto == AVAHI_PROTO_INET))) {
      best = in;
    }
  }
  if (best) {
    struct hm_service hs = {
      .name    = s->name,
      .host    = best->host,
      .address = best->address,
      .port    = best->port,
      .txt_ok  = best->txt_ok,
      .info    = best->info,
    };
    s->reported = TRUE;
    g_signal_emit(self, signals[SIGNAL_RESOLVED], 0, &hs);
  } else if (s->reported) {
    s->reported = FALSE;
    g_signal_emit(self, signals[SIGNAL_REMOVED], 0, s->name);
  }
}

static struct instance *find_instance(struct service *s, AvahiIfIndex iface,
                                      AvahiProtocol proto, guint *ret_index)
{
  for (guint i = 0; i < s->instances->len; i++) {
    struct instance *in = g_ptr_array_index(s->instances, i);
    if (in->iface == iface && in->proto == proto) {
      if (ret_index) {
        *ret_index = i;
      }
      return in;
    }
  }
  return NULL;
}

static void on_resolved(AvahiServiceResolver *resolver, AvahiIfIndex iface,
                        AvahiProtocol proto, AvahiResolverEvent event,
                        const char *name, const char *type, const char *domain,
                        const char *host, const AvahiAddress *address,
                        uint16_t port, AvahiStringList *txt,
                        AvahiLookupResultFlags flags, void *userdata)
{
  HmBrowser       *self = userdata;
  struct service  *s    = g_hash_table_lookup(self->services, name);
  struct instance *in   = s ? find_instance(s, iface, proto, NULL) : NULL;

  (void)type, (void)domain, (void)flags;
  if (!in || in->resolver != resolver) {
    return;
  }
  if (event != AVAHI_RESOLVER_FOUND) {
    /* Not answering (yet): keep the service, unresolved, until the
       browser withdraws it. */
    g_debug("Failed to resolve %s: %s", name,
            avahi_strerror(avahi_client_errno(self->client)));
    avahi_service_resolver_free(in->resolver);
    in->resolver = NULL;
    in->resolved = FALSE;
    report(self, s);
    return;
  }

  const char *items[HM_TXT_MAX];
  size_t      lens[HM_TXT_MAX], n = 0;
  for (AvahiStringList *l = txt; l && n < HM_TXT_MAX;
       l                  = avahi_string_list_get_next(l)) {
    items[n]  = (const char *)avahi_string_list_get_text(l);
    lens[n++] = avahi_string_list_get_size(l);
  }
  memset(&in->info, 0, sizeof(in->info));
  in->txt_ok = service_txt_parse(items, lens, n, &in->info) >= 0;
  avahi_address_snprint(in->address, sizeof(in->address), address);
  if (address->proto == AVAHI_PROTO_INET6 &&
      g_str_has_prefix(in->address, "fe80:")) {
    char ifname[IF_NAMESIZE];
    if (if_indextoname((unsigned)iface, ifname)) {
      size_t len = strlen(in->address);
      snprintf(in->address + len, sizeof(in->address) - len, "%%%s", ifname);
    }
  }
  g_strlcpy(in->host, host ? host : "", sizeof(in->host));
  in->port     = port;
  in->resolved = TRUE;
  report(self, s);
}

static void on_browsed(AvahiServiceBrowser *browser, AvahiIfIndex iface,
                       AvahiProtocol proto, AvahiBrowserEvent event,
                       const char *name, const char *type, const char *domain,
                       AvahiLookupResultFlags flags, void *userdata)
{
  HmBrowser      *self = userdata;
  struct service *s;
  guint           index;

  (void)browser, (void)flags;
  switch (event) {
    case AVAHI_BROWSER_NEW:
      s = g_hash_table_lookup(self->services, name);
      if (!s) {
        s            = g_new0(struct service, 1);
        s->name      = g_strdup(name);
        s->instances = g_ptr_array_new_with_free_func(instance_free);
        g_hash_table_insert(self->services, s->name, s);
      }
      if (!find_instance(s, iface, proto, NULL)) {
        struct instance *in = g_new0(struct instance, 1);
        in->iface           = iface;
        in->proto           = proto;
        in->domain          = g_strdup(domain);
        in->resolver        = avahi_service_resolver_new(
          self->client, iface, proto, name, type, domain, AVAHI_PROTO_UNSPEC, 0,
          on_resolved, self);
        g_ptr_array_add(s->instances, in);
      }
      break;
    case AVAHI_BROWSER_REMOVE:
      s = g_hash_table_lookup(self->services, name);
      if (s && find_instance(s, iface, proto, &index)) {
        g_ptr_array_remove_index_fast(s->instances, index);
        report(self, s);
        if (s->instances->len == 0) {
          g_hash_table_remove(self->services, name);
        }
      }
      break;
    case AVAHI_BROWSER_FAILURE:
      set_status(self, _("Browsing the local network failed"));
      break;
    case AVAHI_BROWSER_ALL_FOR_NOW:
    case AVAHI_BROWSER_CACHE_EXHAUSTED:
      break;
  }
}

/* Forget everything the client had found (it is gone or going). */
static void drop_all(HmBrowser *self)
{
  GHashTableIter iter;
  gpointer       value;

  if (self->browser) {
    avahi_service_browser_free(self->browser);
    self->browser = NULL;
  }
  g_hash_table_iter_init(&iter, self->services);
  while (g_hash_table_iter_next(&iter, NULL, &value)) {
    struct service *s = value;
    if (s->reported) {
      g_signal_emit(self, signals[SIGNAL_REMOVED], 0, s->name);
    }
    g_hash_table_iter_remove(&iter);
  }
}

static void start_client(HmBrowser *self);

static gboolean on_retry(gpointer data)
{
  HmBrowser *self = data;

  self->retry_id = 0;
  start_client(self);
  return G_SOURCE_REMOVE;
}

static void schedule_retry(HmBrowser *self)
{
  if (!self->retry_id) {
    self->retry_id = g_timeout_add_seconds(HM_BROWSER_RETRY_S, on_retry, self);
  }
}

static void on_client(AvahiClient *client, AvahiClientState state,
                      void *userdata)
{
  HmBrowser *self = userdata;

  self->client = client;
  switch (state) {
    case AVAHI_CLIENT_S_RUNNING:
      if (!self->browser) {
        self->browser =
          avahi_service_browser_new(client, AVAHI_IF_UNSPEC, AVAHI_PROTO_UNSPEC,
                                    SERVICE_TYPE, NULL, 0, on_browsed, self);
      }
      set_status(self, self->browser ? _("Browsing the local network (mDNS)")
                                     : _("Browsing the local network failed"));
      break;
    case AVAHI_CLIENT_S_REGISTERING:
    case AVAHI_CLIENT_S_COLLISION:
      break;
    case AVAHI_CLIENT_CONNECTING:
      drop_all(self);
      set_status(self, _("avahi-daemon is not running: waiting for it"));
      break;
    case AVAHI_CLIENT_FAILURE:
      /* Not from inside its own callback: free it from the main loop. */
      drop_all(self);
      set_status(self, _("Lost avahi-daemon: trying again"));
      schedule_retry(self);
      break;
  }
}

static void start_client(HmBrowser *self)
{
  int error = 0;

  if (self->client) {
    drop_all(self);
    avahi_client_free(self->client);
    self->client = NULL;
  }
  self->client =
    avahi_client_new(avahi_glib_poll_get(self->glib_poll), AVAHI_CLIENT_NO_FAIL,
                     on_client, self, &error);
  if (!self->client) {
    g_autofree char *status = g_strdup_printf(
      _("Cannot use avahi-daemon (%s): trying again"), avahi_strerror(error));
    set_status(self, status);
    schedule_retry(self);
  }
}

static void hm_browser_dispose(GObject *object)
{
  HmBrowser *self = HM_BROWSER(object);

  g_clear_handle_id(&self->retry_id, g_source_remove);
  if (self->services) {
    /* No signals from a disposing object: free quietly. */
    if (self->browser) {
      avahi_service_browser_free(self->browser);
      self->browser = NULL;
    }
    g_hash_table_remove_all(self->services);
  }
  if (self->client) {
    avahi_client_free(self->client);
    self->client = NULL;
  }
  if (self->glib_poll) {
    avahi_glib_poll_free(self->glib_poll);
    self->glib_poll = NULL;
  }
  G_OBJECT_CLASS(hm_browser_parent_class)->dispose(object);
}

static void hm_browser_finalize(GObject *object)
{
  HmBrowser *self = HM_BROWSER(object);

  g_clear_pointer(&self->services, g_hash_table_unref);
  g_free(self->status);
  G_OBJECT_CLASS(hm_browser_parent_class)->finalize(object);
}

static void hm_browser_get_property(GObject *object, guint id, GValue *value,
                                    GParamSpec *pspec)
{
  HmBrowser *self = HM_BROWSER(object);

  switch (id) {
    case PROP_STATUS:
      g_value_set_string(value, self->status);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
  }
}

static void hm_browser_class_init(HmBrowserClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS(klass);

  object_class->dispose      = hm_browser_dispose;
  object_class->finalize     = hm_browser_finalize;
  object_class->get_property = hm_browser_get_property;

  props[PROP_STATUS] = g_param_spec_string(
    "status", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties(object_class, N_PROPS, props);

  signals[SIGNAL_RESOLVED] =
    g_signal_new("server-resolved", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST,
                 0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_POINTER);
  signals[SIGNAL_REMOVED] =
    g_signal_new("server-removed", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST,
                 0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void hm_browser_init(HmBrowser *self)
{
  self->services =
    g_hash_table_new_full(g_str_hash, g_str_equal, NULL, service_free);
  self->status = g_strdup(_("Connecting to avahi-daemon"));
}

HmBrowser *hm_browser_new(void)
{
  HmBrowser *self = g_object_new(HM_TYPE_BROWSER, NULL);

  self->glib_poll = avahi_glib_poll_new(NULL, G_PRIORITY_DEFAULT);
  start_client(self);
  return self;
}

const char *hm_browser_get_status(HmBrowser *self)
{
  g_return_val_if_fail(HM_IS_BROWSER(self), NULL);
  return self->status;
}
