/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The tray icon is an HmTray (a StatusNotifierItem, or a GtkStatusIcon
 * where no watcher runs); its state follows the window's "changed"
 * signal. Closing the window hides it while a tray shows the icon. */
#include <signal.h>

#include <glib-unix.h>
#include <glib/gi18n.h>

#include "config.h"
#include "hm-application.h"
#include "hm-tray.h"
#include "hm-window.h"

struct _HmApplication {
  GtkApplication parent_instance;
  char          *self_test;
  char          *select;
  gboolean       hidden;    /* --hidden: the first activation shows no window */
  gboolean       tray_seen; /* the tray has shown the icon once */
  guint          tray_wait; /* the source that waits for a tray to appear */
  HmWindow      *window;
  HmTray        *tray;
};

/* How long --hidden waits for a tray to show the icon before it shows the
 * window instead: a StatusNotifierItem registers at once, but an XEmbed
 * tray embeds the fallback icon only after the library has given up on a
 * watcher (about a second; more on a loaded machine). */
#define HM_TRAY_WAIT_S 5

G_DEFINE_TYPE(HmApplication, hm_application, GTK_TYPE_APPLICATION)

static gboolean is_paused(HmApplication *self)
{
  g_autoptr(GVariant) state =
    g_action_group_get_action_state(G_ACTION_GROUP(self), "pause");

  return state && g_variant_get_boolean(state);
}

/* The icon: the most urgent state that holds; the title counts. */
static void update_tray(HmApplication *self)
{
  guint local = 0, remote = 0, failing = 0;

  if (!self->window || !self->tray) {
    return;
  }
  hm_window_get_farm(self->window, &local, &remote, &failing);
  HmTrayState state = failing           ? HM_TRAY_FAILING
                      : is_paused(self) ? HM_TRAY_PAUSED
                      : local || remote ? HM_TRAY_BUSY
                                        : HM_TRAY_IDLE;
  GString    *title = g_string_new(NULL);
  g_string_printf(title,
                  ngettext("herdcc: %u job running here",
                           "herdcc: %u jobs running here", local),
                  local);
  g_string_append(title, ", ");
  g_string_append_printf(
    title, ngettext("%u on the servers", "%u on the servers", remote), remote);
  if (failing) {
    g_string_append(title, ", ");
    g_string_append_printf(
      title, ngettext("%u server failing", "%u servers failing", failing),
      failing);
  }
  hm_tray_set_state(self->tray, state, title->str);
  g_string_free(title, TRUE);
  hm_tray_set_window_shown(self->tray,
                           gtk_widget_get_visible(GTK_WIDGET(self->window)));
  hm_tray_set_paused(self->tray, is_paused(self));
  g_autofree char *note = hm_tray_describe(self->tray);
  hm_window_set_tray_note(self->window, note);
}

static void on_changed(HmWindow *window, HmApplication *self)
{
  (void)window;
  update_tray(self);
}

/* Closing hides the window while the tray shows the icon (the menu or a
 * new start brings it back); without a tray it ends the monitor. */
static gboolean on_delete(GtkWidget *window, GdkEvent *event,
                          HmApplication *self)
{
  (void)event;
  if (self->tray && hm_tray_is_visible(self->tray)) {
    gtk_widget_hide(window);
    update_tray(self);
    return GDK_EVENT_STOP;
  }
  return GDK_EVENT_PROPAGATE;
}

/* The tray went away while the window was hidden: show the window, the
 * one way left to reach the monitor. */
static void on_tray_visibility(HmTray *tray, HmApplication *self)
{
  gboolean visible = hm_tray_is_visible(tray);

  if (self->window && !visible && self->tray_seen &&
      !gtk_widget_get_visible(GTK_WIDGET(self->window))) {
    gtk_window_present(GTK_WINDOW(self->window));
  }
  self->tray_seen = self->tray_seen || visible;
  update_tray(self);
}

/* --hidden and still no tray: the window is the one way to the monitor. */
static gboolean on_tray_wait(gpointer data)
{
  HmApplication *self = data;

  self->tray_wait = 0;
  if (self->window && !hm_tray_is_visible(self->tray)) {
    gtk_window_present(GTK_WINDOW(self->window));
  }
  return G_SOURCE_REMOVE;
}

static void on_visible(GObject *window, GParamSpec *pspec, HmApplication *self)
{
  (void)window, (void)pspec;
  update_tray(self);
}

static void hm_application_activate(GApplication *app)
{
  HmApplication *self  = HM_APPLICATION(app);
  gboolean       first = !self->window;

  if (first) {
    self->window =
      hm_window_new(GTK_APPLICATION(app), self->self_test, self->select);
    g_object_add_weak_pointer(G_OBJECT(self->window),
                              (gpointer *)&self->window);
    g_signal_connect(self->window, "changed", G_CALLBACK(on_changed), self);
    g_signal_connect(self->window, "delete-event", G_CALLBACK(on_delete), self);
    g_signal_connect(self->window, "notify::visible", G_CALLBACK(on_visible),
                     self);
    if (!self->tray) {
      self->tray = hm_tray_new(app);
      g_signal_connect(self->tray, "visibility-changed",
                       G_CALLBACK(on_tray_visibility), self);
    }
    hm_window_set_paused(self->window, is_paused(self));
    update_tray(self);
  }
  if (!(first && self->hidden)) {
    gtk_window_present(GTK_WINDOW(self->window));
  } else if (!hm_tray_is_visible(self->tray)) {
    self->tray_wait = g_timeout_add_seconds(HM_TRAY_WAIT_S, on_tray_wait, self);
  }
}

static void on_quit(GSimpleAction *action, GVariant *parameter, gpointer app)
{
  (void)action, (void)parameter;
  g_application_quit(app);
}

static void on_toggle_window(GSimpleAction *action, GVariant *parameter,
                             gpointer app)
{
  HmApplication *self = app;

  (void)action, (void)parameter;
  if (self->window && gtk_widget_get_visible(GTK_WIDGET(self->window))) {
    gtk_widget_hide(GTK_WIDGET(self->window));
  } else if (self->window) {
    gtk_window_present(GTK_WINDOW(self->window));
  } else {
    g_application_activate(app);
  }
}

static void on_close_window(GSimpleAction *action, GVariant *parameter,
                            gpointer app)
{
  HmApplication *self = app;

  (void)action, (void)parameter;
  if (self->window) {
    gtk_window_close(GTK_WINDOW(self->window));
  }
}

static void on_pause(GSimpleAction *action, GVariant *state, gpointer app)
{
  HmApplication *self = app;

  g_simple_action_set_state(action, state);
  if (self->window) {
    hm_window_set_paused(self->window, g_variant_get_boolean(state));
  }
  update_tray(self);
}

/* SIGTERM and SIGINT end the main loop: the window is torn down as when
 * it is closed. */
static gboolean on_signal(gpointer app)
{
  HmApplication *self = app;

  if (self->window) {
    gtk_widget_destroy(GTK_WIDGET(self->window));
  }
  g_application_quit(app);
  return G_SOURCE_CONTINUE;
}

static void hm_application_startup(GApplication *app)
{
  static const GActionEntry actions[] = {
    { .name = "quit", .activate = on_quit },
    { .name = "toggle-window", .activate = on_toggle_window },
    { .name = "close-window", .activate = on_close_window },
    { .name = "pause", .state = "false", .change_state = on_pause },
  };
  static const char *const quit_accels[]  = { "<Control>q", NULL };
  static const char *const close_accels[] = { "<Control>w", NULL };
  static const char *const pause_accels[] = { "<Control>p", NULL };

  G_APPLICATION_CLASS(hm_application_parent_class)->startup(app);
  g_action_map_add_action_entries(G_ACTION_MAP(app), actions,
                                  G_N_ELEMENTS(actions), app);
  gtk_application_set_accels_for_action(GTK_APPLICATION(app), "app.quit",
                                        quit_accels);
  gtk_application_set_accels_for_action(GTK_APPLICATION(app),
                                        "app.close-window", close_accels);
  gtk_application_set_accels_for_action(GTK_APPLICATION(app), "app.pause",
                                        pause_accels);

  static const struct {
    const char *action;
    const char *accels[2];
  } views[] = {
    { "win.view::farm",     { "<Alt>1", NULL } },
    { "win.view::timeline", { "<Alt>2", NULL } },
    { "win.view::overview", { "<Alt>3", NULL } },
  };

  for (size_t i = 0; i < G_N_ELEMENTS(views); i++) {
    gtk_application_set_accels_for_action(GTK_APPLICATION(app), views[i].action,
                                          views[i].accels);
  }
  gtk_window_set_default_icon_name(HM_APPLICATION_ID);
  g_unix_signal_add(SIGTERM, on_signal, app);
  g_unix_signal_add(SIGINT, on_signal, app);
}

static gint hm_application_handle_local_options(GApplication *app,
                                                GVariantDict *options)
{
  HmApplication *self = HM_APPLICATION(app);
  const char    *path = NULL;

  if (g_variant_dict_contains(options, "version")) {
    g_print("herdcc-monitor %s\n", HERDCC_VERSION);
    return 0;
  }
  if (g_variant_dict_contains(options, "hidden")) {
    self->hidden = TRUE;
  }
  if (g_variant_dict_lookup(options, "select", "&s", &path)) {
    self->select = g_strdup(path);
  }
  if (g_variant_dict_lookup(options, "self-test", "^&ay", &path)) {
    /* The listing is this process's: run on its own, not as a remote of
       a running monitor. */
    self->self_test = g_strdup(path);
    g_application_set_flags(app, g_application_get_flags(app) |
                                   G_APPLICATION_NON_UNIQUE);
  }
  return -1;
}

static void hm_application_dispose(GObject *object)
{
  HmApplication *self = HM_APPLICATION(object);

  g_clear_handle_id(&self->tray_wait, g_source_remove);
  g_clear_object(&self->tray);
  G_OBJECT_CLASS(hm_application_parent_class)->dispose(object);
}

static void hm_application_finalize(GObject *object)
{
  g_free(HM_APPLICATION(object)->self_test);
  g_free(HM_APPLICATION(object)->select);
  G_OBJECT_CLASS(hm_application_parent_class)->finalize(object);
}

static void hm_application_class_init(HmApplicationClass *klass)
{
  GApplicationClass *app_class = G_APPLICATION_CLASS(klass);

  G_OBJECT_CLASS(klass)->dispose  = hm_application_dispose;
  G_OBJECT_CLASS(klass)->finalize = hm_application_finalize;
  app_class->activate             = hm_application_activate;
  app_class->startup              = hm_application_startup;
  app_class->handle_local_options = hm_application_handle_local_options;
}

static void hm_application_init(HmApplication *self)
{
  static const GOptionEntry options[] = {
    { "hidden",    0, 0, G_OPTION_ARG_NONE,     NULL,
     N_("Start in the tray, without showing the window"),           NULL       },
    { "self-test", 0, 0, G_OPTION_ARG_FILENAME, NULL,
     N_("After every update, write what the window shows to FILE"),
     N_("FILE")                                                                },
    { "select",    0, 0, G_OPTION_ARG_STRING,   NULL,
     N_("Select the server named NAME when it appears"),            N_("NAME") },
    { "version",   0, 0, G_OPTION_ARG_NONE,     NULL,
     N_("Print the version and exit"),                              NULL       },
    { NULL,        0, 0, 0,                     NULL, NULL,         NULL       },
  };

  g_application_add_main_option_entries(G_APPLICATION(self), options);
  g_application_set_option_context_summary(
    G_APPLICATION(self),
    _("Shows the compile servers herdcc finds, their jobs and health, and "
      "this machine's jobs."));
}

HmApplication *hm_application_new(void)
{
  return g_object_new(HM_TYPE_APPLICATION, "application-id", HM_APPLICATION_ID,
                      "flags", G_APPLICATION_DEFAULT_FLAGS,
                      "resource-base-path", "/org/herdcc/Monitor", NULL);
}
