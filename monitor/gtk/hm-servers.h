/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The servers list of herdcc-monitor's window: every server it shows (live
 * mDNS browsing, the host list and DNS through src/farm/farm.h), each a
 * row of the window's GtkTreeStore with its current jobs as child rows,
 * each polled for its status without blocking the window. A server holds
 * the farm library's server model (struct farm_server) and takes its
 * state from the same mapping herdcc-top's does (farm_server_set_result
 * over stats_fetch, run in a worker thread of GTask's pool). */
#pragma once

#include <gtk/gtk.h>

#include "farm.h"
#include "hm-browser.h"
#include "hm-history.h"
#include "service.h"

G_BEGIN_DECLS

/* The columns of the servers store (data/ui/hm-window.ui). */
enum {
  HM_SRV_COL_KEY,
  HM_SRV_COL_NAME,
  HM_SRV_COL_ADDRESS,
  HM_SRV_COL_SOURCE,
  HM_SRV_COL_STATE,
  HM_SRV_COL_SLOTS,
  HM_SRV_COL_LOAD,
  HM_SRV_COL_COLOR,
  HM_SRV_COL_WEIGHT,
  HM_SRV_COL_IS_JOB,
};

struct hm_servers;

/* A server as the window shows it: the shared model and what only the
 * window keeps. */
struct hm_server {
  struct hm_servers   *set;    /* borrowed */
  char                *key;    /* "mdns:NAME", "static:NAME:ADDR:PORT", ... */
  struct farm_server   fs;     /* fs.stats owned, valid when fs.status is OK */
  char                *name;   /* fs.name cleaned, for labels */
  char                *host;   /* the DNS name it resolved from, or "" */
  const char          *source; /* static, translated */
  gboolean             from_farm;
  gboolean             seen; /* in the latest farm load */
  gboolean             txt_ok;
  struct service_info  info;
  GCancellable        *cancel;
  gboolean             in_flight;
  GtkTreeRowReference *row;
  guint                shown_jobs;
};

/* Called after a server's row changed; new_jobs: it shows jobs and did not
 * before. iter is the row (borrowed). */
typedef void (*hm_servers_changed_fn)(struct hm_server *s, GtkTreeIter *iter,
                                      gboolean new_jobs, gpointer data);

struct hm_servers {
  GtkTreeStore         *store; /* borrowed: the window's */
  GHashTable           *table; /* key -> struct hm_server * (owned) */
  guint                 fetch_timeout_ms;
  hm_servers_changed_fn changed;
  gpointer              data;
};

/* An empty list over store (borrowed, its rows owned from now on). */
struct hm_servers *hm_servers_new(GtkTreeStore *store, guint fetch_timeout_ms,
                                  hm_servers_changed_fn changed, gpointer data);

/* Remove every server and its row (a request in flight is cancelled and
 * its late answer dropped); accepts NULL. */
void hm_servers_free(struct hm_servers *set);

/* The latest answer, or NULL. */
const struct stats *hm_server_stats(const struct hm_server *s);

/* "STATE: why" as the State column and the details show it; g_free(). */
char *hm_server_state(const struct hm_server *s);

/* The server's row in the store. */
gboolean hm_server_iter(struct hm_server *s, GtkTreeIter *ret_iter);

/* Ask every server that is not being asked for its status. */
void hm_servers_poll(struct hm_servers *set);

/* A service the browser resolved, or one it saw go. */
void hm_servers_resolved(struct hm_servers *set, const struct hm_service *hs);
void hm_servers_removed(struct hm_servers *set, const char *name);

/* The servers of the host list and the DNS caches (farm_load_servers):
 * new ones added and asked, gone ones removed; those browsed live stay
 * as the browser has them. */
void hm_servers_take_farm(struct hm_servers *set, const struct farm *farm);

/* The server a job's host names ("ADDR:PORT", "[V6]:PORT", a name), or
 * NULL. */
struct hm_server *hm_servers_for_host(struct hm_servers *set, const char *host);

/* A server job's phase as the monitor names it (translated), and its
 * colour in the history and the timeline. */
const char *hm_server_phase_label(enum stats_phase phase);
HmActivity  hm_server_phase_activity(enum stats_phase phase);

G_END_DECLS
