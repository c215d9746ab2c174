/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The overview: every server and this machine as a tile whose width grows
 * with its job slots and whose fill is how many of them run (a bar per
 * slot), with its load per processor beneath and its border red while it
 * fails; tiles flow in rows. The window hands it the whole farm every
 * tick (hm_overview_set_hosts). */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

struct hm_overview_host {
  const char *name;    /* borrowed */
  guint       slots;   /* 0: unknown */
  guint       running; /* jobs in a slot now */
  double      load;    /* 1-minute load average, < 0: unknown */
  guint       cpus;    /* 0: unknown */
  gboolean    failing;
  const char *state; /* borrowed: what the servers list says */
};

#define HM_TYPE_OVERVIEW (hm_overview_get_type())
G_DECLARE_FINAL_TYPE(HmOverview, hm_overview, HM, OVERVIEW, GtkDrawingArea)

GtkWidget *hm_overview_new(void);

/* Show n hosts (copied); redraws only when something changed. */
void hm_overview_set_hosts(HmOverview                    *self,
                           const struct hm_overview_host *hosts, size_t n);

/* For the self-test listing: "NAME\tRUNNING/SLOTS\tX,Y WxH" per tile. */
char **hm_overview_describe(HmOverview *self);

G_END_DECLS
