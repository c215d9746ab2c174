/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The servers on the local network, live: a DNS-SD browser for
 * _distcc._tcp on avahi-daemon, driven by avahi-glib on the GLib main
 * loop. Each service is resolved (address, port, TXT parsed by the shared
 * discovery/service.c) and reported with "server-resolved", again when it
 * changes, and with "server-removed" when it is withdrawn. A service seen on
 * several interfaces or protocols is one server (IPv4 preferred). It
 * survives avahi-daemon being absent or restarting: "status" says what
 * is going on, and servers come back when the daemon does. */
#pragma once

#include <gio/gio.h>

#include "service.h"

G_BEGIN_DECLS

#define HM_TYPE_BROWSER (hm_browser_get_type())
G_DECLARE_FINAL_TYPE(HmBrowser, hm_browser, HM, BROWSER, GObject)

/* What a resolved service says; borrowed by the signal's handlers. */
struct hm_service {
  const char         *name;    /* the instance name, "distcc@host" */
  const char         *host;    /* the host name it resolved to */
  const char         *address; /* numeric */
  guint16             port;
  gboolean            txt_ok; /* info was parsed from a distcc TXT record */
  struct service_info info;
};

/* Starts browsing at once (in the thread-default main context). */
HmBrowser *hm_browser_new(void);

/* A line for a person: browsing, waiting for avahi-daemon, failed. */
const char *hm_browser_get_status(HmBrowser *self);

/* Signals:
 *   "server-resolved" (HmBrowser*, const struct hm_service*)  [pointer]
 *   "server-removed"  (HmBrowser*, const char *name)
 *   notify::status */

G_END_DECLS
