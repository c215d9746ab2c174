/* SPDX-License-Identifier: GPL-2.0-or-later */
/* See hm-tray.h. The indicator is a small subclass of AppIndicator that
 * keeps the GtkStatusIcon the library's fallback makes, to know whether a
 * tray embeds it. */
#include <glib/gi18n.h>
#include <libayatana-appindicator/app-indicator.h>

#include "hm-application.h"
#include "hm-tray.h"

/* Each state's icon (data/icons/hicolor/symbolic/apps) and what it means,
 * for a screen reader. */
static const struct {
  const char *icon;
  const char *description;
} tray_states[HM_TRAY_STATE_COUNT_] = {
  [HM_TRAY_IDLE]    = { HM_APPLICATION_ID "-idle-symbolic",    N_("idle")      },
  [HM_TRAY_BUSY]    = { HM_APPLICATION_ID "-busy-symbolic",    N_("compiling") },
  [HM_TRAY_PAUSED]  = { HM_APPLICATION_ID "-paused-symbolic",  N_("paused")    },
  [HM_TRAY_FAILING] = { HM_APPLICATION_ID "-failing-symbolic",
                       N_("a server is failing")                               },
};

/* ---- the indicator ------------------------------------------------------ */

/* The library declares no autoptr cleanup of its own. */
G_DEFINE_AUTOPTR_CLEANUP_FUNC(AppIndicator, g_object_unref)

#define HM_TYPE_INDICATOR (hm_indicator_get_type())
G_DECLARE_FINAL_TYPE(HmIndicator, hm_indicator, HM, INDICATOR, AppIndicator)

struct _HmIndicator {
  AppIndicator   parent_instance;
  GtkStatusIcon *fallback;    /* borrowed from the library while it shows one */
  GCallback      on_embedded; /* the tray's, data: the tray */
  gpointer       tray;
};

G_DEFINE_TYPE(HmIndicator, hm_indicator, APP_INDICATOR_TYPE)

G_GNUC_BEGIN_IGNORE_DEPRECATIONS

static GtkStatusIcon *hm_indicator_fallback(AppIndicator *indicator)
{
  HmIndicator *self = HM_INDICATOR(indicator);

  self->fallback =
    APP_INDICATOR_CLASS(hm_indicator_parent_class)->fallback(indicator);
  if (self->fallback && self->on_embedded) {
    g_signal_connect_swapped(self->fallback, "notify::embedded",
                             self->on_embedded, self->tray);
  }
  return self->fallback;
}

static void hm_indicator_unfallback(AppIndicator  *indicator,
                                    GtkStatusIcon *icon)
{
  HmIndicator *self = HM_INDICATOR(indicator);

  if (self->fallback && self->on_embedded) {
    g_signal_handlers_disconnect_by_data(self->fallback, self->tray);
  }
  self->fallback = NULL;
  APP_INDICATOR_CLASS(hm_indicator_parent_class)->unfallback(indicator, icon);
}

static gboolean hm_indicator_embedded(HmIndicator *self)
{
  return self->fallback && gtk_status_icon_is_embedded(self->fallback);
}

G_GNUC_END_IGNORE_DEPRECATIONS

static void hm_indicator_class_init(HmIndicatorClass *klass)
{
  APP_INDICATOR_CLASS(klass)->fallback   = hm_indicator_fallback;
  APP_INDICATOR_CLASS(klass)->unfallback = hm_indicator_unfallback;
}

static void hm_indicator_init(HmIndicator *self)
{
  (void)self;
}

/* ---- the tray ----------------------------------------------------------- */

struct _HmTray {
  GObject       parent_instance;
  GApplication *app; /* borrowed */
  HmIndicator  *indicator;
  GtkWidget    *menu;
  GtkWidget    *toggle_item;
  GtkWidget    *pause_item;
  gulong        pause_handler;
  HmTrayState   state;
};

G_DEFINE_TYPE(HmTray, hm_tray, G_TYPE_OBJECT)

enum {
  SIGNAL_VISIBILITY,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void on_visibility(HmTray *self)
{
  g_signal_emit(self, signals[SIGNAL_VISIBILITY], 0);
}

static void on_connection(AppIndicator *indicator, gboolean connected,
                          HmTray *self)
{
  (void)indicator, (void)connected;
  on_visibility(self);
}

const char *hm_tray_icon_name(HmTrayState state)
{
  g_return_val_if_fail(state < HM_TRAY_STATE_COUNT_, NULL);
  return tray_states[state].icon;
}

static void on_toggle(GtkMenuItem *item, HmTray *self)
{
  (void)item;
  g_action_group_activate_action(G_ACTION_GROUP(self->app), "toggle-window",
                                 NULL);
}

static void on_pause(GtkCheckMenuItem *item, HmTray *self)
{
  g_action_group_change_action_state(
    G_ACTION_GROUP(self->app), "pause",
    g_variant_new_boolean(gtk_check_menu_item_get_active(item)));
}

static void on_quit(GtkMenuItem *item, HmTray *self)
{
  (void)item;
  g_action_group_activate_action(G_ACTION_GROUP(self->app), "quit", NULL);
}

static void build_menu(HmTray *self)
{
  self->menu        = g_object_ref_sink(gtk_menu_new());
  self->toggle_item = gtk_menu_item_new_with_mnemonic(_("_Show the window"));
  self->pause_item =
    gtk_check_menu_item_new_with_mnemonic(_("_Pause refreshing"));
  GtkWidget *quit = gtk_menu_item_new_with_mnemonic(_("_Quit"));

  g_signal_connect(self->toggle_item, "activate", G_CALLBACK(on_toggle), self);
  self->pause_handler =
    g_signal_connect(self->pause_item, "toggled", G_CALLBACK(on_pause), self);
  g_signal_connect(quit, "activate", G_CALLBACK(on_quit), self);
  gtk_menu_shell_append(GTK_MENU_SHELL(self->menu), self->toggle_item);
  gtk_menu_shell_append(GTK_MENU_SHELL(self->menu), self->pause_item);
  gtk_menu_shell_append(GTK_MENU_SHELL(self->menu),
                        gtk_separator_menu_item_new());
  gtk_menu_shell_append(GTK_MENU_SHELL(self->menu), quit);
  gtk_widget_show_all(self->menu);
}

void hm_tray_set_state(HmTray *self, HmTrayState state, const char *summary)
{
  g_return_if_fail(HM_IS_TRAY(self) && state < HM_TRAY_STATE_COUNT_);
  AppIndicator *ind = APP_INDICATOR(self->indicator);

  self->state = state;
  app_indicator_set_icon_full(ind, tray_states[state].icon,
                              _(tray_states[state].description));
  if (g_strcmp0(app_indicator_get_title(ind), summary) != 0) {
    app_indicator_set_title(ind, summary);
  }
}

void hm_tray_set_window_shown(HmTray *self, gboolean shown)
{
  g_return_if_fail(HM_IS_TRAY(self));
  gtk_menu_item_set_label(GTK_MENU_ITEM(self->toggle_item),
                          shown ? _("_Hide the window")
                                : _("_Show the window"));
}

void hm_tray_set_paused(HmTray *self, gboolean paused)
{
  g_return_if_fail(HM_IS_TRAY(self));
  GtkCheckMenuItem *item = GTK_CHECK_MENU_ITEM(self->pause_item);

  if (gtk_check_menu_item_get_active(item) != paused) {
    g_signal_handler_block(item, self->pause_handler);
    gtk_check_menu_item_set_active(item, paused);
    g_signal_handler_unblock(item, self->pause_handler);
  }
}

static gboolean sni_connected(HmTray *self)
{
  gboolean connected = FALSE;

  g_object_get(self->indicator, "connected", &connected, NULL);
  return connected;
}

gboolean hm_tray_is_visible(HmTray *self)
{
  g_return_val_if_fail(HM_IS_TRAY(self), FALSE);
  return sni_connected(self) || hm_indicator_embedded(self->indicator);
}

char *hm_tray_describe(HmTray *self)
{
  g_return_val_if_fail(HM_IS_TRAY(self), NULL);
  const char *kind = sni_connected(self)                      ? "sni"
                     : hm_indicator_embedded(self->indicator) ? "fallback"
                                                              : "none";

  return g_strdup_printf("%s %s", kind, tray_states[self->state].icon);
}

static void hm_tray_dispose(GObject *object)
{
  HmTray *self = HM_TRAY(object);

  if (self->indicator) {
    g_signal_handlers_disconnect_by_data(self->indicator, self);
    self->indicator->on_embedded = NULL;
    if (self->indicator->fallback) {
      g_signal_handlers_disconnect_by_data(self->indicator->fallback, self);
    }
  }
  g_clear_object(&self->indicator);
  if (self->menu) {
    gtk_widget_destroy(self->menu);
    g_clear_object(&self->menu);
  }
  G_OBJECT_CLASS(hm_tray_parent_class)->dispose(object);
}

static void hm_tray_class_init(HmTrayClass *klass)
{
  G_OBJECT_CLASS(klass)->dispose = hm_tray_dispose;
  signals[SIGNAL_VISIBILITY] =
    g_signal_new("visibility-changed", G_TYPE_FROM_CLASS(klass),
                 G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void hm_tray_init(HmTray *self)
{
  (void)self;
}

HmTray *hm_tray_new(GApplication *app)
{
  HmTray *self = g_object_new(HM_TYPE_TRAY, NULL);

  self->app       = app;
  self->indicator = g_object_new(HM_TYPE_INDICATOR, "id", HM_APPLICATION_ID,
                                 "category", "ApplicationStatus", "icon-name",
                                 tray_states[HM_TRAY_IDLE].icon, NULL);
  self->indicator->on_embedded = G_CALLBACK(on_visibility);
  self->indicator->tray        = self;
  g_signal_connect(self->indicator, "connection-changed",
                   G_CALLBACK(on_connection), self);
  build_menu(self);
  app_indicator_set_menu(APP_INDICATOR(self->indicator), GTK_MENU(self->menu));
  hm_tray_set_state(self, HM_TRAY_IDLE, _("herdcc monitor"));
  app_indicator_set_status(APP_INDICATOR(self->indicator),
                           APP_INDICATOR_STATUS_ACTIVE);
  return self;
}
