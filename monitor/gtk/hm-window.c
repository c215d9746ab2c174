/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The window's models are the truth the self-test listing reads: every
 * change goes through the GtkTreeStore/GtkListStore the views show, and the
 * listing walks those. The servers list is hm-servers' (a row per server,
 * its current jobs as child rows), the details pane hm-details'; the window
 * joins them to this machine's jobs, the history, the timeline and the
 * overview, and writes the listing. Timers: servers' status every
 * HM_POLL_MS (one request in flight per server, HM_FETCH_TIMEOUT_MS at
 * most), this machine's jobs and the history every HM_JOBS_MS, the static
 * list and DNS caches every HM_FARM_MS. */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include <glib/gi18n.h>

#include "farm.h"
#include "hm-browser.h"
#include "hm-details.h"
#include "hm-format.h"
#include "hm-history.h"
#include "hm-overview.h"
#include "hm-servers.h"
#include "hm-timeline.h"
#include "hm-window.h"
#include "jobstate.h"
#include "stats.h"

#define HM_POLL_MS          2000
#define HM_FETCH_TIMEOUT_MS 1500
#define HM_JOBS_MS          500
#define HM_FARM_MS          10000

enum {
  JOB_COL_FILE,
  JOB_COL_PHASE,
  JOB_COL_HOST,
  JOB_COL_SLOT,
  JOB_COL_AGE,
  JOB_COL_PID,
  JOB_COL_LINK,
  JOB_COL_RATES,
};

/* The client's phases as the monitor names them, and their colour. */
static const struct {
  const char *label;
  HmActivity  activity;
  gboolean    remote; /* the server does the work: its stats show it */
} job_phases[JOB_PHASE_COUNT_] = {
  [JOB_PHASE_STARTING]  = { N_("starting"),           HM_ACTIVITY_WAIT,       FALSE },
  [JOB_PHASE_WAIT_SLOT] = { N_("waiting for a slot"), HM_ACTIVITY_WAIT,       FALSE },
  [JOB_PHASE_PREPROCESS] = { N_("preprocessing"),      HM_ACTIVITY_PREPROCESS,
                           FALSE                                                    },
  [JOB_PHASE_CONNECT]    = { N_("connecting"),         HM_ACTIVITY_TRANSFER,   TRUE  },
  [JOB_PHASE_SEND]       = { N_("sending"),            HM_ACTIVITY_TRANSFER,   TRUE  },
  [JOB_PHASE_COMPILE] = { N_("compiling remotely"), HM_ACTIVITY_COMPILE,    TRUE  },
  [JOB_PHASE_RECEIVE] = { N_("receiving"),          HM_ACTIVITY_TRANSFER,   TRUE  },
  [JOB_PHASE_LOCAL]   = { N_("compiling locally"),  HM_ACTIVITY_LOCAL,      FALSE },
};

struct _HmWindow {
  GtkApplicationWindow parent_instance;

  GtkLabel         *status_label;
  GtkTreeView      *servers_view;
  GtkTreeStore     *servers_store;
  GtkTreeSelection *servers_selection;
  GtkListStore     *jobs_store;
  GtkGrid          *details_grid;
  HmHistory        *history;
  GtkStack         *views;
  HmTimeline       *timeline;
  GtkRange         *timeline_scrollbar;
  HmOverview       *overview;

  HmBrowser         *browser;
  struct hm_servers *servers; /* the servers list (owned) */
  char              *jobs_dir;
  char              *jobs_error;
  char              *farm_note;
  char              *self_test;
  guint              self_test_id;
  guint              self_test_serial;
  guint              poll_id, jobs_id, farm_id;
  guint              running;
  guint              remote_running, failing; /* see hm_window_get_farm */
  gboolean           paused;
  char              *tray_note;
  char              *selected; /* key of the server in the details */
  char              *select;   /* a server name to select when it appears */
  GString           *details;  /* the details as the listing shows them */
};

G_DEFINE_TYPE(HmWindow, hm_window, GTK_TYPE_APPLICATION_WINDOW)

enum {
  PROP_0,
  PROP_RUNNING,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

enum {
  SIGNAL_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void refresh_details(HmWindow *self);
static void schedule_self_test(HmWindow *self);

static void update_status(HmWindow *self)
{
  GString *line = g_string_new(hm_browser_get_status(self->browser));

  /* The farm's note ("no hosts configured", a cold cache) matters only
     when nothing else is shown. */
  if (self->farm_note && self->farm_note[0] &&
      g_hash_table_size(self->servers->table) == 0) {
    g_string_append_printf(line, " — %s", self->farm_note);
  }
  if (self->jobs_error) {
    g_string_append_printf(line, " — %s", self->jobs_error);
  }
  gtk_label_set_text(self->status_label, line->str);
  g_string_free(line, TRUE);
  schedule_self_test(self);
}

static void on_browser_status(GObject *object, GParamSpec *pspec,
                              HmWindow *self)
{
  (void)object, (void)pspec;
  update_status(self);
}

static gboolean on_farm(gpointer data)
{
  HmWindow   *self = data;
  struct farm farm = { 0 };
  int         r    = farm_load_servers(&farm, 0);

  g_clear_pointer(&self->farm_note, g_free);
  if (r < 0) {
    self->farm_note =
      g_strdup_printf(_("Cannot read the host list: %s"), g_strerror(-r));
  } else {
    if (farm.note[0]) {
      self->farm_note = hm_clean_text(farm.note);
    }
    hm_servers_take_farm(self->servers, &farm);
  }
  farm_clear(&farm);
  update_status(self);
  return G_SOURCE_CONTINUE;
}

/* ---- this machine's jobs ------------------------------------------------ */

static void on_job_seen(const struct job_seen *job, void *userdata)
{
  g_array_append_val((GArray *)userdata, job->state);
}

static gint job_compare(gconstpointer a, gconstpointer b)
{
  const struct job_state *x = a, *y = b;

  return x->started_us < y->started_us   ? -1
         : x->started_us > y->started_us ? 1
         : x->pid < y->pid               ? -1
                                         : x->pid > y->pid;
}

static gint tile_compare(gconstpointer a, gconstpointer b)
{
  const struct hm_overview_host *x = a, *y = b;

  return g_utf8_collate(x->name, y->name);
}

/* A server's jobs into the history and the timeline, its tile into
 * tiles (its state string kept alive in states). */
static void server_feed_views(HmWindow *self, struct hm_server *s,
                              GArray *tiles, GPtrArray *states)
{
  const struct stats *st    = hm_server_stats(s);
  char               *state = g_strdup(_(farm_status_name(s->fs.status)));

  g_ptr_array_add(states, state);
  struct hm_overview_host tile = {
    .name    = s->name,
    .slots   = st ? st->config.jobs : s->fs.slots,
    .running = st ? st->running : 0,
    .load    = st ? st->load[0] : -1,
    .cpus    = st ? st->cpus : 0,
    .failing = farm_status_failing(s->fs.status),
    .state   = state,
  };
  g_array_append_val(tiles, tile);
  hm_timeline_set_slots(self->timeline, s->name, tile.slots);
  for (size_t i = 0; st && i < st->job_count; i++) {
    const struct stats_job *j = &st->jobs[i];
    if (j->phase >= STATS_PHASE_COUNT_) {
      continue;
    }
    g_autofree char *key =
      g_strdup_printf("%s\t%s\t%" PRId64, j->client, j->source, j->started);
    g_autofree char *file = hm_clean_text(j->source);
    hm_history_add(self->history, s->name, hm_server_phase_activity(j->phase));
    if (j->phase == STATS_PHASE_WAITING) {
      continue; /* in the waiting room: no slot of the timeline's yet */
    }
    hm_timeline_observe(
      self->timeline, s->name, key, file, hm_server_phase_activity(j->phase),
      hm_server_phase_label(j->phase), j->started * G_USEC_PER_SEC);
  }
}

/* How a job reaches its server: "TCP port 3632, LZO", "ssh, zlib", or "". */
static char *format_link(const struct job_state *j)
{
  static const char *const codecs[JOB_CODEC_COUNT_] = {
    [JOB_CODEC_NONE] = N_("uncompressed"),
    [JOB_CODEC_LZO]  = N_("LZO"),
    [JOB_CODEC_ZLIB] = N_("zlib"),
  };
  const char *codec =
    (unsigned)j->codec < JOB_CODEC_COUNT_ ? _(codecs[j->codec]) : "?";

  switch (j->conn) {
    case JOB_CONN_TCP:
      /* Translators: a job's connection, "TCP port 3632, LZO". */
      return g_strdup_printf(_("TCP port %u, %s"), j->port, codec);
    case JOB_CONN_SSH:
      /* Translators: a job's connection, "ssh, LZO". */
      return g_strdup_printf(_("ssh, %s"), codec);
    default:
      return g_strdup("");
  }
}

/* The client's throughput while sending the source and receiving the
 * reply: "↑ 1.2 MB/s ↓ 3.4 MB/s", a side it has not done yet left out. */
static char *format_rates(const struct job_state *j)
{
  GString *out = g_string_new(NULL);

  if (j->sent && j->send_us) {
    g_autofree char *rate = hm_format_rate(j->sent * 1000, j->send_us);
    g_string_append_printf(out, "↑ %s", rate);
  }
  if (j->received && j->receive_us) {
    g_autofree char *rate = hm_format_rate(j->received * 1000, j->receive_us);
    g_string_append_printf(out, "%s↓ %s", out->len ? " " : "", rate);
  }
  return g_string_free(out, FALSE);
}

static gboolean on_jobs(gpointer data)
{
  HmWindow *self         = data;
  g_autoptr(GArray) jobs = g_array_new(FALSE, TRUE, sizeof(struct job_state));
  gint64 now             = g_get_real_time();

  if (self->paused) {
    return G_SOURCE_CONTINUE;
  }
  g_clear_pointer(&self->jobs_error, g_free);
  if (!self->jobs_dir) {
    int r = jobstate_dir(&self->jobs_dir);
    if (r < 0) {
      self->jobs_dir = NULL;
      self->jobs_error =
        g_strdup_printf(_("Cannot use the jobs directory: %s"), g_strerror(-r));
    }
  }
  if (self->jobs_dir) {
    int r = jobstate_scan(self->jobs_dir, true, on_job_seen, jobs);
    if (r < 0) {
      self->jobs_error = g_strdup_printf(
        _("Cannot read the jobs directory: %s"), g_strerror(-r));
    }
  }
  g_array_sort(jobs, job_compare);

  /* The store in the same order: overwrite rows in place, append, trim. */
  GtkTreeModel *model = GTK_TREE_MODEL(self->jobs_store);
  GtkTreeIter   iter;
  gboolean      have = gtk_tree_model_get_iter_first(model, &iter);
  for (guint i = 0; i < jobs->len; i++) {
    const struct job_state *j = &g_array_index(jobs, struct job_state, i);
    if (!have) {
      gtk_list_store_append(self->jobs_store, &iter);
    }
    g_autofree char *file = hm_clean_text(j->file);
    g_autofree char *host = hm_clean_text(j->host);
    g_autofree char *slot =
      j->slot >= 0 ? g_strdup_printf("%d", j->slot) : g_strdup("");
    g_autofree char *age =
      hm_format_age((now - j->started_us) / G_USEC_PER_SEC);
    const char *phase =
      j->phase < JOB_PHASE_COUNT_ ? _(job_phases[j->phase].label) : "?";
    /* The host as the servers list names it, when it is one of them. */
    struct hm_server *s =
      j->host[0] ? hm_servers_for_host(self->servers, host) : NULL;
    g_autofree char *shown = s ? g_strdup_printf("%s (%s)", s->name, host)
                               : g_strdup(host[0] ? host : _("this machine"));
    g_autofree char *link  = format_link(j);
    g_autofree char *rates = format_rates(j);
    gtk_list_store_set(self->jobs_store, &iter, JOB_COL_FILE, file,
                       JOB_COL_PHASE, phase, JOB_COL_HOST, shown, JOB_COL_SLOT,
                       slot, JOB_COL_AGE, age, JOB_COL_PID, j->pid,
                       JOB_COL_LINK, link, JOB_COL_RATES, rates, -1);
    have = have && gtk_tree_model_iter_next(model, &iter);

    /* The history: a remote phase on a server whose status answers is
       counted by the server's own job list below. */
    if (j->phase >= JOB_PHASE_COUNT_) {
      continue;
    }
    const char *row = NULL;
    if (j->phase == JOB_PHASE_LOCAL || !j->host[0] ||
        !job_phases[j->phase].remote) {
      row = _("this machine");
    } else if (!s || s->fs.status != FARM_STATUS_OK) {
      row = s ? s->name : host;
    }
    if (row) {
      g_autofree char *key =
        g_strdup_printf("local:%d:%" PRId64, (int)j->pid, j->started_us);
      hm_history_add(self->history, row, job_phases[j->phase].activity);
      hm_timeline_observe(self->timeline, row, key, file,
                          job_phases[j->phase].activity, phase, j->started_us);
    }
  }
  while (have) {
    have = gtk_list_store_remove(self->jobs_store, &iter);
  }

  GHashTableIter siter;
  gpointer       value;
  guint          remote = 0, failing = 0;
  g_autoptr(GArray) tiles =
    g_array_new(FALSE, TRUE, sizeof(struct hm_overview_host));
  g_autoptr(GPtrArray) states = g_ptr_array_new_with_free_func(g_free);
  hm_timeline_set_slots(self->timeline, _("this machine"), 0);
  g_hash_table_iter_init(&siter, self->servers->table);
  while (g_hash_table_iter_next(&siter, NULL, &value)) {
    struct hm_server *s = value;
    remote += hm_server_stats(s) ? hm_server_stats(s)->running : 0;
    failing += farm_status_failing(s->fs.status);
    server_feed_views(self, s, tiles, states);
  }
  g_array_sort(tiles, tile_compare);
  {
    struct hm_overview_host here = {
      .name    = _("this machine"),
      .running = jobs->len,
      .load    = -1,
      .state   = "",
    };
    g_array_prepend_val(tiles, here);
  }
  hm_overview_set_hosts(self->overview,
                        (const struct hm_overview_host *)(void *)tiles->data,
                        tiles->len);
  hm_history_tick(self->history);
  hm_timeline_tick(self->timeline, now);

  gboolean changed = self->running != jobs->len ||
                     self->remote_running != remote || self->failing != failing;
  self->remote_running = remote;
  self->failing        = failing;
  if (self->running != jobs->len) {
    self->running = jobs->len;
    g_object_notify_by_pspec(G_OBJECT(self), props[PROP_RUNNING]);
  }
  if (changed) {
    g_signal_emit(self, signals[SIGNAL_CHANGED], 0);
  }
  update_status(self);
  return G_SOURCE_CONTINUE;
}

static void refresh_details(HmWindow *self)
{
  struct hm_server *s =
    self->selected ? g_hash_table_lookup(self->servers->table, self->selected)
                   : NULL;

  g_string_truncate(self->details, 0);
  hm_details_show(self->details_grid, s, self->details);
}

/* A server's row changed: expand it when its first jobs come, select it
 * when it is the one --select names, show its details when selected. */
static void on_server_changed(struct hm_server *s, GtkTreeIter *iter,
                              gboolean new_jobs, gpointer data)
{
  HmWindow *self = data;

  if (new_jobs) {
    GtkTreePath *path =
      gtk_tree_model_get_path(GTK_TREE_MODEL(self->servers_store), iter);
    gtk_tree_view_expand_row(self->servers_view, path, FALSE);
    gtk_tree_path_free(path);
  }
  if (!self->selected && g_strcmp0(self->select, s->name) == 0) {
    gtk_tree_selection_select_iter(self->servers_selection, iter);
  }
  if (g_strcmp0(self->selected, s->key) == 0) {
    refresh_details(self);
  }
  schedule_self_test(self);
}

static void on_server_resolved(HmBrowser *browser, gpointer data,
                               HmWindow *self)
{
  (void)browser;
  hm_servers_resolved(self->servers, data);
}

static void on_server_removed(HmBrowser *browser, const char *name,
                              HmWindow *self)
{
  (void)browser;
  hm_servers_removed(self->servers, name);
  schedule_self_test(self);
}

static gboolean on_poll(gpointer data)
{
  HmWindow *self = data;

  if (!self->paused) {
    hm_servers_poll(self->servers);
  }
  return G_SOURCE_CONTINUE;
}

static void on_server_selected(HmWindow *self, GtkTreeSelection *selection)
{
  GtkTreeModel *model;
  GtkTreeIter   iter;

  if (!self->servers) {
    return; /* disposing */
  }
  g_clear_pointer(&self->selected, g_free);
  if (gtk_tree_selection_get_selected(selection, &model, &iter)) {
    gtk_tree_model_get(model, &iter, HM_SRV_COL_KEY, &self->selected, -1);
  }
  refresh_details(self);
  schedule_self_test(self);
}

/* ---- the self-test listing ---------------------------------------------- */

static char *model_text(GtkTreeModel *model, GtkTreeIter *iter, int column)
{
  char *text = NULL;

  gtk_tree_model_get(model, iter, column, &text, -1);
  return text ? text : g_strdup("");
}

static gboolean write_self_test(gpointer data)
{
  HmWindow     *self    = data;
  GString      *out     = g_string_new(NULL);
  GtkTreeModel *servers = GTK_TREE_MODEL(self->servers_store);
  GtkTreeModel *jobs    = GTK_TREE_MODEL(self->jobs_store);
  GtkTreeIter   iter, child;
  g_autoptr(GError) error = NULL;

  self->self_test_id = 0;
  g_string_append_printf(out, "serial\t%u\n", ++self->self_test_serial);
  g_string_append_printf(
    out, "window\t%s\t%s\n", gtk_window_get_title(GTK_WINDOW(self)),
    gtk_widget_get_mapped(GTK_WIDGET(self)) ? "mapped" : "unmapped");
  g_string_append_printf(out, "status\t%s\n",
                         gtk_label_get_text(self->status_label));
  if (self->tray_note) {
    g_string_append_printf(out, "tray\t%s\t%s\n", self->tray_note,
                           self->paused ? "paused" : "refreshing");
  }
  for (gboolean ok = gtk_tree_model_get_iter_first(servers, &iter); ok;
       ok          = gtk_tree_model_iter_next(servers, &iter)) {
    g_autofree char *name    = model_text(servers, &iter, HM_SRV_COL_NAME);
    g_autofree char *address = model_text(servers, &iter, HM_SRV_COL_ADDRESS);
    g_autofree char *source  = model_text(servers, &iter, HM_SRV_COL_SOURCE);
    g_autofree char *state   = model_text(servers, &iter, HM_SRV_COL_STATE);
    g_autofree char *slots   = model_text(servers, &iter, HM_SRV_COL_SLOTS);
    g_autofree char *load    = model_text(servers, &iter, HM_SRV_COL_LOAD);
    g_string_append_printf(out, "server\t%s\t%s\t%s\t%s\t%s\t%s\n", name,
                           address, source, state, slots, load);
    for (gboolean c = gtk_tree_model_iter_children(servers, &child, &iter); c;
         c          = gtk_tree_model_iter_next(servers, &child)) {
      g_autofree char *file   = model_text(servers, &child, HM_SRV_COL_NAME);
      g_autofree char *client = model_text(servers, &child, HM_SRV_COL_ADDRESS);
      g_autofree char *phase  = model_text(servers, &child, HM_SRV_COL_STATE);
      g_string_append_printf(out, "server-job\t%s\t%s\t%s\t%s\n", name, file,
                             client, phase);
    }
  }
  for (gboolean ok = gtk_tree_model_get_iter_first(jobs, &iter); ok;
       ok          = gtk_tree_model_iter_next(jobs, &iter)) {
    g_autofree char *file  = model_text(jobs, &iter, JOB_COL_FILE);
    g_autofree char *phase = model_text(jobs, &iter, JOB_COL_PHASE);
    g_autofree char *host  = model_text(jobs, &iter, JOB_COL_HOST);
    g_autofree char *slot  = model_text(jobs, &iter, JOB_COL_SLOT);
    g_autofree char *age   = model_text(jobs, &iter, JOB_COL_AGE);
    g_autofree char *link  = model_text(jobs, &iter, JOB_COL_LINK);
    g_autofree char *rates = model_text(jobs, &iter, JOB_COL_RATES);
    g_string_append_printf(out, "job\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", file,
                           phase, host, slot, age, link, rates);
  }
  g_auto(GStrv) hosts = hm_history_get_hosts(self->history);
  for (char **h = hosts; *h; h++) {
    g_string_append_printf(out, "history\t%s\n", *h);
  }
  g_string_append_printf(out, "view\t%s\n",
                         gtk_stack_get_visible_child_name(self->views));
  g_auto(GStrv) rows = hm_timeline_describe(self->timeline);
  for (char **r = rows; *r; r++) {
    /* The newest bar's position, in the window's coordinates. */
    char *xy = strrchr(*r, '\t');
    int   x = -1, y = -1, wx = -1, wy = -1;
    if (xy && sscanf(xy + 1, "%d,%d", &x, &y) == 2 && x >= 0) {
      gtk_widget_translate_coordinates(GTK_WIDGET(self->timeline),
                                       GTK_WIDGET(self), x, y, &wx, &wy);
    }
    if (xy) {
      *xy = '\0';
    }
    g_string_append_printf(out, "timeline\t%s\t%d,%d\n", *r, wx, wy);
  }
  const char *tip = hm_timeline_get_tooltip(self->timeline);
  if (tip) {
    g_autofree char *flat = g_strdelimit(g_strdup(tip), "\n", '|');
    g_string_append_printf(out, "tooltip\t%s\n", flat);
  }
  g_auto(GStrv) tiles = hm_overview_describe(self->overview);
  for (char **t = tiles; *t; t++) {
    g_string_append_printf(out, "overview\t%s\n", *t);
  }
  if (self->selected) {
    struct hm_server *s =
      g_hash_table_lookup(self->servers->table, self->selected);
    g_string_append_printf(out, "selected\t%s\n", s ? s->name : "");
  }
  g_string_append(out, self->details->str);
  g_string_append(out, "end\n");
  /* g_file_set_contents writes a temporary file and renames it. */
  if (!g_file_set_contents(self->self_test, out->str, (gssize)out->len,
                           &error)) {
    g_warning("Failed to write %s: %s", self->self_test, error->message);
  }
  g_string_free(out, TRUE);
  return G_SOURCE_REMOVE;
}

static void schedule_self_test(HmWindow *self)
{
  if (self->self_test && !self->self_test_id && self->servers) {
    self->self_test_id =
      g_idle_add_full(G_PRIORITY_LOW, write_self_test, self, NULL);
  }
}

/* ---- the object -----------------------------------------------------------
 */

/* win.view: show the stack's page of that name (Alt+1, 2, 3). */
static void on_view(GSimpleAction *action, GVariant *parameter, gpointer data)
{
  HmWindow *self = data;

  (void)action;
  gtk_stack_set_visible_child_name(self->views,
                                   g_variant_get_string(parameter, NULL));
}

static void on_view_changed(HmWindow *self)
{
  schedule_self_test(self);
}

static void on_map(GtkWidget *widget, gpointer data)
{
  (void)data;
  schedule_self_test(HM_WINDOW(widget));
}

static void hm_window_dispose(GObject *object)
{
  HmWindow *self = HM_WINDOW(object);

  g_clear_handle_id(&self->poll_id, g_source_remove);
  g_clear_handle_id(&self->jobs_id, g_source_remove);
  g_clear_handle_id(&self->farm_id, g_source_remove);
  g_clear_handle_id(&self->self_test_id, g_source_remove);
  if (self->browser) {
    g_signal_handlers_disconnect_by_data(self->browser, self);
    g_clear_object(&self->browser);
  }
  /* Removing the rows may change the selection: its handler sees no
     servers and does nothing. */
  hm_servers_free(g_steal_pointer(&self->servers));
  G_OBJECT_CLASS(hm_window_parent_class)->dispose(object);
}

static void hm_window_finalize(GObject *object)
{
  HmWindow *self = HM_WINDOW(object);

  g_free(self->jobs_dir);
  g_free(self->jobs_error);
  g_free(self->farm_note);
  g_free(self->self_test);
  g_free(self->tray_note);
  g_free(self->selected);
  g_free(self->select);
  if (self->details) {
    g_string_free(self->details, TRUE);
  }
  G_OBJECT_CLASS(hm_window_parent_class)->finalize(object);
}

static void hm_window_get_property(GObject *object, guint id, GValue *value,
                                   GParamSpec *pspec)
{
  switch (id) {
    case PROP_RUNNING:
      g_value_set_uint(value, HM_WINDOW(object)->running);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID(object, id, pspec);
  }
}

static void hm_window_class_init(HmWindowClass *klass)
{
  GObjectClass   *object_class = G_OBJECT_CLASS(klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);

  object_class->dispose      = hm_window_dispose;
  object_class->finalize     = hm_window_finalize;
  object_class->get_property = hm_window_get_property;
  props[PROP_RUNNING]        = g_param_spec_uint(
    "running", NULL, NULL, 0, G_MAXUINT, 0,
    G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties(object_class, N_PROPS, props);
  signals[SIGNAL_CHANGED] =
    g_signal_new("changed", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST, 0,
                 NULL, NULL, NULL, G_TYPE_NONE, 0);

  g_type_ensure(HM_TYPE_HISTORY);
  g_type_ensure(HM_TYPE_TIMELINE);
  g_type_ensure(HM_TYPE_OVERVIEW);
  gtk_widget_class_set_template_from_resource(
    widget_class, "/org/herdcc/Monitor/ui/hm-window.ui");
  gtk_widget_class_bind_template_child(widget_class, HmWindow, status_label);
  gtk_widget_class_bind_template_child(widget_class, HmWindow, servers_view);
  gtk_widget_class_bind_template_child(widget_class, HmWindow, servers_store);
  gtk_widget_class_bind_template_child(widget_class, HmWindow,
                                       servers_selection);
  gtk_widget_class_bind_template_child(widget_class, HmWindow, jobs_store);
  gtk_widget_class_bind_template_child(widget_class, HmWindow, details_grid);
  gtk_widget_class_bind_template_child(widget_class, HmWindow, history);
  gtk_widget_class_bind_template_child(widget_class, HmWindow, views);
  gtk_widget_class_bind_template_child(widget_class, HmWindow, timeline);
  gtk_widget_class_bind_template_child(widget_class, HmWindow,
                                       timeline_scrollbar);
  gtk_widget_class_bind_template_child(widget_class, HmWindow, overview);
  gtk_widget_class_bind_template_callback(widget_class, on_server_selected);
  gtk_widget_class_bind_template_callback(widget_class, on_view_changed);
}

static void hm_window_init(HmWindow *self)
{
  static const GActionEntry actions[] = {
    { .name = "view", .activate = on_view, .parameter_type = "s" },
  };

  gtk_widget_init_template(GTK_WIDGET(self));
  g_action_map_add_action_entries(G_ACTION_MAP(self), actions,
                                  G_N_ELEMENTS(actions), self);
  gtk_range_set_adjustment(self->timeline_scrollbar,
                           hm_timeline_get_hadjustment(self->timeline));
  g_signal_connect_swapped(self->timeline, "tooltip-shown",
                           G_CALLBACK(schedule_self_test), self);
  self->details = g_string_new(NULL);
  self->servers = hm_servers_new(self->servers_store, HM_FETCH_TIMEOUT_MS,
                                 on_server_changed, self);
  g_signal_connect(self, "map", G_CALLBACK(on_map), NULL);
}

HmWindow *hm_window_new(GtkApplication *app, const char *self_test,
                        const char *select)
{
  HmWindow *self = g_object_new(HM_TYPE_WINDOW, "application", app, NULL);

  self->self_test = g_strdup(self_test);
  self->select    = g_strdup(select);
  self->browser   = hm_browser_new();
  g_signal_connect(self->browser, "server-resolved",
                   G_CALLBACK(on_server_resolved), self);
  g_signal_connect(self->browser, "server-removed",
                   G_CALLBACK(on_server_removed), self);
  g_signal_connect(self->browser, "notify::status",
                   G_CALLBACK(on_browser_status), self);
  refresh_details(self);
  update_status(self);
  on_jobs(self);
  self->poll_id = g_timeout_add(HM_POLL_MS, on_poll, self);
  self->jobs_id = g_timeout_add(HM_JOBS_MS, on_jobs, self);
  on_farm(self);
  self->farm_id = g_timeout_add(HM_FARM_MS, on_farm, self);
  return self;
}

guint hm_window_get_running(HmWindow *self)
{
  g_return_val_if_fail(HM_IS_WINDOW(self), 0);
  return self->running;
}

void hm_window_get_farm(HmWindow *self, guint *ret_local, guint *ret_remote,
                        guint *ret_failing)
{
  g_return_if_fail(HM_IS_WINDOW(self));
  *ret_local   = self->running;
  *ret_remote  = self->remote_running;
  *ret_failing = self->failing;
}

void hm_window_set_paused(HmWindow *self, gboolean paused)
{
  g_return_if_fail(HM_IS_WINDOW(self));
  self->paused = paused;
  schedule_self_test(self);
}

void hm_window_set_tray_note(HmWindow *self, const char *note)
{
  g_return_if_fail(HM_IS_WINDOW(self));
  if (g_strcmp0(self->tray_note, note) != 0) {
    g_free(self->tray_note);
    self->tray_note = g_strdup(note);
    schedule_self_test(self);
  }
}
