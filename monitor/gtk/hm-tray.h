/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The tray icon: a StatusNotifierItem through libayatana-appindicator3
 * (what GNOME's AppIndicator extension, KDE, XFCE and most panels show),
 * with a symbolic icon per state of the farm and a menu: show or hide the
 * window, pause refreshing, quit. Where no StatusNotifierWatcher runs on
 * the session bus, the library falls back to a GtkStatusIcon (an XEmbed
 * tray icon), and back again when a watcher appears. The menu items
 * activate the application's actions "app.toggle-window", "app.pause"
 * (a boolean state) and "app.quit". */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* What the icon shows, most urgent last (the application picks the
 * highest that holds). */
typedef enum {
  HM_TRAY_IDLE,    /* no job anywhere */
  HM_TRAY_BUSY,    /* jobs run on this machine or on a server */
  HM_TRAY_PAUSED,  /* refreshing paused by the user */
  HM_TRAY_FAILING, /* a server does not answer or answers badly */
  HM_TRAY_STATE_COUNT_
} HmTrayState;

#define HM_TYPE_TRAY (hm_tray_get_type())
G_DECLARE_FINAL_TYPE(HmTray, hm_tray, HM, TRAY, GObject)

/* A tray icon whose menu activates the actions of app (borrowed, must
 * outlive the tray). */
HmTray *hm_tray_new(GApplication *app);

/* Show state, with summary (borrowed) as its title and tooltip. */
void hm_tray_set_state(HmTray *self, HmTrayState state, const char *summary);

/* Name the window's visibility in the menu ("Show"/"Hide") and mirror the
 * pause state in its check item. */
void hm_tray_set_window_shown(HmTray *self, gboolean shown);
void hm_tray_set_paused(HmTray *self, gboolean paused);

/* Whether a tray shows the icon now (a watcher took the item, or the
 * fallback icon is embedded): if not, closing the window must not only
 * hide it. The signal "visibility-changed" says when it may have
 * changed. */
gboolean hm_tray_is_visible(HmTray *self);

/* "sni", "fallback" or "none", a space, the icon name: for the self-test
 * listing. Owned by the caller. */
char *hm_tray_describe(HmTray *self);

/* The icon name of a state. */
const char *hm_tray_icon_name(HmTrayState state);

G_END_DECLS
