/* The status icon is a GtkStatusIcon: deprecated in GTK 3 but the one tray
 * icon GTK 3 has without another library; where no tray runs it is simply
 * not shown. */
#include <signal.h>

#include <glib-unix.h>
#include <glib/gi18n.h>

#include "config.h"
#include "hm-application.h"
#include "hm-window.h"

struct _HmApplication {
  GtkApplication parent_instance;
  char          *self_test;
  char          *select;
  HmWindow      *window;
  GObject       *status_icon; /* GtkStatusIcon */
};

G_DEFINE_TYPE(HmApplication, hm_application, GTK_TYPE_APPLICATION)

G_GNUC_BEGIN_IGNORE_DEPRECATIONS

static void update_icon(HmApplication *self)
{
  guint            n       = hm_window_get_running(self->window);
  g_autofree char *tooltip = g_strdup_printf(
    ngettext("herdcc: %u job running", "herdcc: %u jobs running", n), n);

  gtk_status_icon_set_tooltip_text(GTK_STATUS_ICON(self->status_icon), tooltip);
  gtk_status_icon_set_title(GTK_STATUS_ICON(self->status_icon), tooltip);
}

static void on_icon_activate(GtkStatusIcon *icon, HmApplication *self)
{
  (void)icon;
  g_application_activate(G_APPLICATION(self));
}

static void on_icon_menu(GtkStatusIcon *icon, guint button, guint time,
                         HmApplication *self)
{
  GtkWidget *menu = gtk_menu_new();
  GtkWidget *show = gtk_menu_item_new_with_mnemonic(_("_Show the monitor"));
  GtkWidget *quit = gtk_menu_item_new_with_mnemonic(_("_Quit"));

  (void)icon, (void)button, (void)time;
  g_signal_connect_swapped(show, "activate", G_CALLBACK(g_application_activate),
                           self);
  g_signal_connect_swapped(quit, "activate", G_CALLBACK(g_application_quit),
                           self);
  gtk_menu_shell_append(GTK_MENU_SHELL(menu), show);
  gtk_menu_shell_append(GTK_MENU_SHELL(menu), quit);
  gtk_widget_show_all(menu);
  gtk_menu_popup_at_pointer(GTK_MENU(menu), NULL);
}

static void make_status_icon(HmApplication *self)
{
  GtkStatusIcon *icon = gtk_status_icon_new_from_icon_name(HM_APPLICATION_ID);

  gtk_status_icon_set_name(icon, HM_APPLICATION_ID);
  g_signal_connect(icon, "activate", G_CALLBACK(on_icon_activate), self);
  g_signal_connect(icon, "popup-menu", G_CALLBACK(on_icon_menu), self);
  self->status_icon = G_OBJECT(icon);
}

G_GNUC_END_IGNORE_DEPRECATIONS

static void on_running(GObject *window, GParamSpec *pspec, HmApplication *self)
{
  (void)window, (void)pspec;
  update_icon(self);
}

static void hm_application_activate(GApplication *app)
{
  HmApplication *self = HM_APPLICATION(app);

  if (!self->window) {
    self->window =
      hm_window_new(GTK_APPLICATION(app), self->self_test, self->select);
    g_object_add_weak_pointer(G_OBJECT(self->window),
                              (gpointer *)&self->window);
    g_signal_connect(self->window, "notify::running", G_CALLBACK(on_running),
                     self);
    if (!self->status_icon) {
      make_status_icon(self);
    }
    update_icon(self);
  }
  gtk_window_present(GTK_WINDOW(self->window));
}

static void on_quit(GSimpleAction *action, GVariant *parameter, gpointer app)
{
  (void)action, (void)parameter;
  g_application_quit(app);
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
  };
  static const char *const quit_accels[] = { "<Control>q", NULL };

  G_APPLICATION_CLASS(hm_application_parent_class)->startup(app);
  g_action_map_add_action_entries(G_ACTION_MAP(app), actions,
                                  G_N_ELEMENTS(actions), app);
  gtk_application_set_accels_for_action(GTK_APPLICATION(app), "app.quit",
                                        quit_accels);
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

  g_clear_object(&self->status_icon);
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
