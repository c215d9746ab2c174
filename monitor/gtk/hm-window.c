/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The window's models are the truth the self-test listing reads: every
 * change goes through the GtkTreeStore/GtkListStore the views show, and the
 * listing walks those. Servers live in a hash table by key ("mdns:NAME",
 * "static:ADDR:PORT", ...) with a row reference into the servers store;
 * their current jobs are child rows. Each holds the farm library's server
 * model (struct farm_server), and its state comes from the same mapping
 * herdcc-top's does (farm_server_set_result over stats_fetch, run in a
 * worker thread). Timers: servers' status every HM_POLL_MS (one request
 * in flight per server, HM_FETCH_TIMEOUT_MS at most), this machine's jobs and
 * the history every HM_JOBS_MS, the static list and DNS caches every
 * HM_FARM_MS. */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include <glib/gi18n.h>

#include "farm.h"
#include "hm-browser.h"
#include "hm-history.h"
#include "hm-overview.h"
#include "hm-timeline.h"
#include "hm-window.h"
#include "jobstate.h"
#include "stats.h"
#include "text.h"

#define HM_POLL_MS          2000
#define HM_FETCH_TIMEOUT_MS 1500
#define HM_JOBS_MS          500
#define HM_FARM_MS          10000

enum {
  SRV_COL_KEY,
  SRV_COL_NAME,
  SRV_COL_ADDRESS,
  SRV_COL_SOURCE,
  SRV_COL_STATE,
  SRV_COL_SLOTS,
  SRV_COL_LOAD,
  SRV_COL_COLOR,
  SRV_COL_WEIGHT,
  SRV_COL_IS_JOB,
};

enum {
  JOB_COL_FILE,
  JOB_COL_PHASE,
  JOB_COL_HOST,
  JOB_COL_SLOT,
  JOB_COL_AGE,
  JOB_COL_PID,
};

/* Text from a peer or a state file, fit for a label: the one cleaner's
 * rule (src/common/text.h). Never NULL; g_free() it. */
static char *clean_text(const char *text)
{
  char *s = text_clean_dup(text ? text : "", 0);

  if (!s) {
    g_error("Out of memory");
  }
  return s;
}

/* The colour of each state (src/farm/farm.h's, shared with herdcc-top) in
 * the State column. */
static const char *const status_colors[FARM_STATUS_COUNT_] = {
  [FARM_STATUS_UNKNOWN] = "#757575",    [FARM_STATUS_OK] = "#2e7d32",
  [FARM_STATUS_NO_STATS] = "#757575",   [FARM_STATUS_UNREACHABLE] = "#c62828",
  [FARM_STATUS_REFUSED] = "#ef6c00",    [FARM_STATUS_BAD_REPLY] = "#ad1457",
  [FARM_STATUS_UNRESOLVED] = "#c62828",
};

static const char *status_color(enum farm_status status)
{
  return (unsigned)status < FARM_STATUS_COUNT_ ? status_colors[status]
                                               : "#757575";
}

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

/* A server's jobs, by the server's phase. */
static const struct {
  const char *label;
  HmActivity  activity;
} server_phases[STATS_PHASE_COUNT_] = {
  [STATS_PHASE_WAITING] = { N_("waiting for a slot"),   HM_ACTIVITY_WAIT     },
  [STATS_PHASE_RECEIVE] = { N_("receiving the source"), HM_ACTIVITY_TRANSFER },
  [STATS_PHASE_COMPILE] = { N_("compiling"),            HM_ACTIVITY_COMPILE  },
  [STATS_PHASE_SEND]    = { N_("sending the result"),   HM_ACTIVITY_TRANSFER },
};

static const char *const result_labels[STATS_RESULT_COUNT_] = {
  [STATS_RESULT_OK]            = N_("succeeded"),
  [STATS_RESULT_COMPILE_ERROR] = N_("compile errors"),
  [STATS_RESULT_REFUSED]       = N_("refused"),
  [STATS_RESULT_TIMEOUT]       = N_("timed out"),
  [STATS_RESULT_CLIENT_GONE]   = N_("client gone"),
  [STATS_RESULT_BUSY]          = N_("turned away (busy)"),
  [STATS_RESULT_PROTOCOL]      = N_("protocol errors"),
  [STATS_RESULT_OTHER]         = N_("other failures"),
};

/* A server as the window shows it: the shared model (src/farm/farm.h:
 * where it came from, its address, its status and stats, set through
 * farm_server_set_result as herdcc-top's are) and what only the window
 * keeps. */
struct server {
  HmWindow            *win; /* borrowed */
  char                *key;
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

/* The latest answer, or NULL. */
static const struct stats *server_stats(const struct server *s)
{
  return s->fs.status == FARM_STATUS_OK ? &s->fs.stats : NULL;
}

/* "STATE: why" as the State column and the details show it. */
static char *server_state(const struct server *s)
{
  char buf[FARM_WHY_MAX + 128];

  farm_server_state(&s->fs, _(farm_status_name(s->fs.status)),
                    _("(backed off)"), buf, sizeof(buf));
  return clean_text(buf);
}

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

  HmBrowser  *browser;
  GHashTable *servers; /* key -> struct server* */
  char       *jobs_dir;
  char       *jobs_error;
  char       *farm_note;
  char       *self_test;
  guint       self_test_id;
  guint       self_test_serial;
  guint       poll_id, jobs_id, farm_id;
  guint       running;
  guint       remote_running, failing; /* see hm_window_get_farm */
  gboolean    paused;
  char       *tray_note;
  char       *selected; /* key of the server in the details */
  char       *select;   /* a server name to select when it appears */
  GString    *details;  /* the details as the listing shows them */
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

static char *format_age(gint64 seconds)
{
  int s = (int)CLAMP(seconds, 0, G_MAXINT);

  if (s < 60) {
    /* Translators: a duration in seconds. */
    return g_strdup_printf(_("%d s"), s);
  }
  if (s < 3600) {
    return g_strdup_printf(_("%d min %02d s"), s / 60, s % 60);
  }
  if (s < 86400) {
    return g_strdup_printf(_("%d h %02d min"), s / 3600, s % 3600 / 60);
  }
  return g_strdup_printf(_("%d d %d h"), s / 86400, s % 86400 / 3600);
}

/* bytes over ms as a throughput ("1.2 MB/s"), or a dash without time. */
static char *format_rate(uint64_t bytes, uint64_t ms)
{
  if (ms == 0) {
    return g_strdup("–");
  }
  g_autofree char *size =
    g_format_size((guint64)((double)bytes * 1000.0 / (double)ms));
  /* Translators: a throughput, "1.2 MB/s". */
  return g_strdup_printf(_("%s/s"), size);
}

/* ---- servers ----------------------------------------------------------- */

static void server_free(gpointer data)
{
  struct server *s = data;

  /* A request in flight ends with CANCELLED and does not touch s. */
  g_cancellable_cancel(s->cancel);
  g_object_unref(s->cancel);
  if (s->row) {
    GtkTreePath *path = gtk_tree_row_reference_get_path(s->row);
    GtkTreeIter  iter;
    if (path && gtk_tree_model_get_iter(GTK_TREE_MODEL(s->win->servers_store),
                                        &iter, path)) {
      gtk_tree_store_remove(s->win->servers_store, &iter);
    }
    gtk_tree_path_free(path);
    gtk_tree_row_reference_free(s->row);
  }
  stats_clear(&s->fs.stats);
  g_free(s->key);
  g_free(s->name);
  g_free(s->host);
  g_free(s);
}

static gboolean server_iter(struct server *s, GtkTreeIter *ret_iter)
{
  GtkTreePath *path = s->row ? gtk_tree_row_reference_get_path(s->row) : NULL;
  gboolean     ok =
    path && gtk_tree_model_get_iter(GTK_TREE_MODEL(s->win->servers_store),
                                    ret_iter, path);

  gtk_tree_path_free(path);
  return ok;
}

/* A new top-level row, kept in order of name. */
static void server_add_row(struct server *s)
{
  GtkTreeModel *model = GTK_TREE_MODEL(s->win->servers_store);
  GtkTreeIter   iter, sibling;
  gboolean      before = FALSE;

  for (gboolean ok = gtk_tree_model_get_iter_first(model, &sibling); ok;
       ok          = gtk_tree_model_iter_next(model, &sibling)) {
    g_autofree char *name = NULL;
    gtk_tree_model_get(model, &sibling, SRV_COL_NAME, &name, -1);
    if (g_utf8_collate(s->name, name) < 0) {
      before = TRUE;
      break;
    }
  }
  gtk_tree_store_insert_before(s->win->servers_store, &iter, NULL,
                               before ? &sibling : NULL);
  GtkTreePath *path = gtk_tree_model_get_path(model, &iter);
  s->row            = gtk_tree_row_reference_new(model, path);
  gtk_tree_path_free(path);
}

/* The server's row and its job rows from what is known now. */
static void server_update_row(struct server *s)
{
  GtkTreeStore *store = s->win->servers_store;
  GtkTreeIter   iter;

  if (!server_iter(s, &iter)) {
    server_add_row(s);
    if (!server_iter(s, &iter)) {
      return;
    }
  }

  const struct stats *st      = server_stats(s);
  const char         *addr    = s->fs.addr;
  g_autofree char    *address = strchr(addr, ':')
                                  ? g_strdup_printf("[%s]:%u", addr, s->fs.port)
                                  : g_strdup_printf("%s:%u", addr, s->fs.port);
  g_autofree char    *state   = server_state(s);
  g_autofree char    *slots   = NULL;
  g_autofree char    *load    = NULL;
  if (st) {
    slots = g_strdup_printf("%u/%u", st->running, st->config.jobs);
    load  = g_strdup_printf("%.2f", st->load[0]);
  } else if (s->fs.slots) {
    slots = g_strdup_printf("–/%u", s->fs.slots);
  }
  gtk_tree_store_set(
    store, &iter, SRV_COL_KEY, s->key, SRV_COL_NAME, s->name, SRV_COL_ADDRESS,
    addr[0] ? address : _("unknown"), SRV_COL_SOURCE, s->source, SRV_COL_STATE,
    state, SRV_COL_SLOTS, slots ? slots : "", SRV_COL_LOAD, load ? load : "",
    SRV_COL_COLOR, status_color(s->fs.status), SRV_COL_WEIGHT,
    PANGO_WEIGHT_BOLD, SRV_COL_IS_JOB, FALSE, -1);

  /* Job rows: overwrite in place, append, trim. */
  GtkTreeModel *model = GTK_TREE_MODEL(store);
  GtkTreeIter   child;
  gboolean      have = gtk_tree_model_iter_children(model, &child, &iter);
  size_t        n    = st ? st->job_count : 0;
  gint64        now  = g_get_real_time() / G_USEC_PER_SEC;
  for (size_t i = 0; i < n; i++) {
    const struct stats_job *j = &st->jobs[i];
    if (!have) {
      gtk_tree_store_append(store, &child, &iter);
    }
    g_autofree char *file     = clean_text(j->source);
    g_autofree char *client   = clean_text(j->client);
    g_autofree char *compiler = clean_text(j->compiler);
    g_autofree char *size     = g_format_size(j->size);
    g_autofree char *age      = format_age(now - j->started);
    const char      *phase =
      j->phase < STATS_PHASE_COUNT_ ? _(server_phases[j->phase].label) : "?";
    gtk_tree_store_set(store, &child, SRV_COL_KEY, s->key, SRV_COL_NAME, file,
                       SRV_COL_ADDRESS, client, SRV_COL_SOURCE, compiler,
                       SRV_COL_STATE, phase, SRV_COL_SLOTS, size, SRV_COL_LOAD,
                       age, SRV_COL_COLOR, NULL, SRV_COL_WEIGHT,
                       PANGO_WEIGHT_NORMAL, SRV_COL_IS_JOB, TRUE, -1);
    have = have && gtk_tree_model_iter_next(model, &child);
  }
  while (have) {
    have = gtk_tree_store_remove(store, &child);
  }
  if (n > 0 && s->shown_jobs == 0) {
    GtkTreePath *path = gtk_tree_model_get_path(model, &iter);
    gtk_tree_view_expand_row(s->win->servers_view, path, FALSE);
    gtk_tree_path_free(path);
  }
  s->shown_jobs = (guint)n;
  if (!s->win->selected && g_strcmp0(s->win->select, s->name) == 0) {
    gtk_tree_selection_select_iter(s->win->servers_selection, &iter);
  }
  if (g_strcmp0(s->win->selected, s->key) == 0) {
    refresh_details(s->win);
  }
  schedule_self_test(s->win);
}

/* One status request, run in a worker thread of GTask's pool on the one
 * HTTP client of the stats port (stats_fetch, bounded by its timeout): the
 * window never waits on a server. */
struct fetch {
  char         addr[INET6_ADDRSTRLEN];
  guint16      port;
  int          r;
  struct stats stats;
  char         why[FARM_WHY_MAX];
};

static void fetch_free(gpointer data)
{
  struct fetch *f = data;

  stats_clear(&f->stats);
  g_free(f);
}

static void fetch_run(GTask *task, gpointer source, gpointer data,
                      GCancellable *cancel)
{
  struct fetch *f = data;

  (void)source, (void)cancel;
  f->r = stats_fetch(f->addr, f->port, HM_FETCH_TIMEOUT_MS, &f->stats, f->why,
                     sizeof(f->why));
  g_task_return_boolean(task, TRUE);
}

static void on_fetched(GObject *source, GAsyncResult *result, gpointer data)
{
  (void)source;
  if (!g_task_propagate_boolean(G_TASK(result), NULL)) {
    return; /* cancelled: the server is gone or moved, data is stale */
  }
  struct server *s = data;
  struct fetch  *f = g_task_get_task_data(G_TASK(result));
  s->in_flight     = FALSE;
  farm_server_set_result(&s->fs, f->r, &f->stats, f->why);
  server_update_row(s);
}

static void server_poll(struct server *s)
{
  if (s->in_flight) {
    return;
  }
  if (!farm_server_wants_fetch(&s->fs)) {
    server_update_row(s);
    return;
  }
  struct fetch *f    = g_new0(struct fetch, 1);
  GTask        *task = g_task_new(NULL, s->cancel, on_fetched, s);
  g_strlcpy(f->addr, s->fs.addr, sizeof(f->addr));
  f->port = s->fs.stats_port;
  g_task_set_task_data(task, f, fetch_free);
  /* A server removed or moved meanwhile: its callback says cancelled at
     once, the thread's late answer goes with the task. */
  g_task_set_return_on_cancel(task, TRUE);
  s->in_flight = TRUE;
  g_task_run_in_thread(task, fetch_run);
  g_object_unref(task);
}

static struct server *server_get(HmWindow *self, const char *key,
                                 const char *name, gboolean *ret_new)
{
  struct server *s = g_hash_table_lookup(self->servers, key);

  *ret_new = !s;
  if (!s) {
    s                = g_new0(struct server, 1);
    s->win           = self;
    s->key           = g_strdup(key);
    s->name          = clean_text(name);
    s->host          = g_strdup("");
    s->cancel        = g_cancellable_new();
    s->fs.stats_port = STATS_DEFAULT_PORT;
    g_strlcpy(s->fs.name, name, sizeof(s->fs.name));
    g_hash_table_insert(self->servers, s->key, s);
  }
  return s;
}

/* Address, port or status port changed: the answer in flight is for the
 * old one, and what is known of the server with it. */
static void server_set_endpoint(struct server *s, const char *address,
                                guint16 port, guint16 stats_port)
{
  if (g_strcmp0(s->fs.addr, address) == 0 && s->fs.port == port &&
      s->fs.stats_port == stats_port) {
    return;
  }
  g_strlcpy(s->fs.addr, address, sizeof(s->fs.addr));
  s->fs.port       = port;
  s->fs.stats_port = stats_port;
  g_cancellable_cancel(s->cancel);
  g_object_unref(s->cancel);
  s->cancel    = g_cancellable_new();
  s->in_flight = FALSE;
  stats_clear(&s->fs.stats);
  s->fs.stats  = (struct stats){ 0 };
  s->fs.status = FARM_STATUS_UNKNOWN;
  s->fs.why[0] = '\0';
}

static void on_server_resolved(HmBrowser *browser, gpointer data,
                               HmWindow *self)
{
  const struct hm_service *hs  = data;
  g_autofree char         *key = g_strconcat("mdns:", hs->name, NULL);
  gboolean                 created;
  struct server           *s = server_get(self, key, hs->name, &created);

  (void)browser;
  s->source    = _("mDNS");
  s->txt_ok    = hs->txt_ok;
  s->info      = hs->info;
  s->fs.source = FARM_SOURCE_MDNS;
  s->fs.slots  = hs->txt_ok ? hs->info.jobs : 0;
  s->fs.lzo    = hs->txt_ok && hs->info.lzo;
  s->fs.herd   = hs->txt_ok && hs->info.herd;
  g_free(s->host);
  s->host                = clean_text(hs->host);
  s->fs.stats_advertised = hs->txt_ok && hs->info.stats_port;
  server_set_endpoint(s, hs->address, hs->port,
                      s->fs.stats_advertised ? hs->info.stats_port
                                             : STATS_DEFAULT_PORT);
  server_update_row(s);
  if (created || !s->in_flight) {
    server_poll(s);
  }
}

static void on_server_removed(HmBrowser *browser, const char *name,
                              HmWindow *self)
{
  g_autofree char *key = g_strconcat("mdns:", name, NULL);

  (void)browser;
  g_hash_table_remove(self->servers, key);
  schedule_self_test(self);
}

static void update_status(HmWindow *self)
{
  GString *line = g_string_new(hm_browser_get_status(self->browser));

  /* The farm's note ("no hosts configured", a cold cache) matters only
     when nothing else is shown. */
  if (self->farm_note && self->farm_note[0] &&
      g_hash_table_size(self->servers) == 0) {
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

static gboolean on_poll(gpointer data)
{
  HmWindow      *self = data;
  GHashTableIter iter;
  gpointer       value;

  if (self->paused) {
    return G_SOURCE_CONTINUE;
  }
  g_hash_table_iter_init(&iter, self->servers);
  while (g_hash_table_iter_next(&iter, NULL, &value)) {
    server_poll(value);
  }
  return G_SOURCE_CONTINUE;
}

/* ---- the static list and DNS (src/farm/farm.h) --------------------------- */

static gboolean mdns_has(HmWindow *self, const char *addr, guint16 port)
{
  GHashTableIter iter;
  gpointer       value;

  g_hash_table_iter_init(&iter, self->servers);
  while (g_hash_table_iter_next(&iter, NULL, &value)) {
    struct server *s = value;
    if (!s->from_farm && s->fs.port == port &&
        g_strcmp0(s->fs.addr, addr) == 0) {
      return TRUE;
    }
  }
  return FALSE;
}

static gboolean on_farm(gpointer data)
{
  HmWindow      *self = data;
  struct farm    farm = { 0 };
  GHashTableIter iter;
  gpointer       value;
  int            r = farm_load_servers(&farm, 0);

  g_clear_pointer(&self->farm_note, g_free);
  if (r < 0) {
    self->farm_note =
      g_strdup_printf(_("Cannot read the host list: %s"), g_strerror(-r));
  } else if (farm.note[0]) {
    self->farm_note = clean_text(farm.note);
  }
  g_hash_table_iter_init(&iter, self->servers);
  while (g_hash_table_iter_next(&iter, NULL, &value)) {
    ((struct server *)value)->seen = FALSE;
  }
  for (size_t i = 0; r >= 0 && i < farm.server_count; i++) {
    const struct farm_server *fs = &farm.servers[i];
    if (fs->source == FARM_SOURCE_MDNS || mdns_has(self, fs->addr, fs->port)) {
      continue; /* browsed live */
    }
    g_autofree char *key =
      g_strdup_printf("%s:%s:%s:%u", farm_source_name(fs->source), fs->name,
                      fs->addr, fs->port);
    gboolean       created;
    struct server *s = server_get(self, key, fs->name, &created);
    s->from_farm     = TRUE;
    s->seen          = TRUE;
    s->source    = fs->source == FARM_SOURCE_DNS ? _("DNS") : _("host list");
    s->fs.source = fs->source;
    s->fs.slots  = fs->slots;
    s->fs.herd   = fs->herd;
    s->fs.lzo    = fs->lzo;
    s->fs.backed_off       = fs->backed_off;
    s->fs.stats_advertised = fs->stats_advertised;
    server_set_endpoint(s, fs->addr, fs->port, fs->stats_port);
    if (fs->status == FARM_STATUS_UNRESOLVED) {
      s->fs.status = fs->status;
      g_strlcpy(s->fs.why, fs->why, sizeof(s->fs.why));
    }
    server_update_row(s);
    if (created) {
      server_poll(s);
    }
  }
  g_hash_table_iter_init(&iter, self->servers);
  while (g_hash_table_iter_next(&iter, NULL, &value)) {
    struct server *s = value;
    if (s->from_farm && !s->seen) {
      g_hash_table_iter_remove(&iter);
    }
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

/* The server a job's host names ("ADDR:PORT", "[V6]:PORT", a name). */
static struct server *server_for_host(HmWindow *self, const char *host)
{
  g_autofree char *bare = g_strdup(host);
  char            *colon;
  GHashTableIter   iter;
  gpointer         value;
  guint            port = 0;

  if (bare[0] == '[') {
    char *end = strchr(bare, ']');
    if (end) {
      *end = '\0';
      if (end[1] == ':') {
        port = (guint)g_ascii_strtoull(end + 2, NULL, 10);
      }
    }
    memmove(bare, bare + 1, strlen(bare));
  } else if ((colon = strrchr(bare, ':')) && strchr(bare, ':') == colon) {
    *colon = '\0';
    port   = (guint)g_ascii_strtoull(colon + 1, NULL, 10);
  }
  if ((colon = strchr(bare, '/'))) {
    *colon = '\0';
  }
  g_hash_table_iter_init(&iter, self->servers);
  while (g_hash_table_iter_next(&iter, NULL, &value)) {
    struct server *s = value;
    if ((g_strcmp0(s->fs.addr, bare) == 0 || g_strcmp0(s->name, bare) == 0 ||
         (s->host[0] && g_ascii_strcasecmp(s->host, bare) == 0)) &&
        (!port || port == s->fs.port)) {
      return s;
    }
  }
  return NULL;
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
static void server_feed_views(HmWindow *self, struct server *s, GArray *tiles,
                              GPtrArray *states)
{
  const struct stats *st    = server_stats(s);
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
    g_autofree char *file = clean_text(j->source);
    hm_history_add(self->history, s->name, server_phases[j->phase].activity);
    if (j->phase == STATS_PHASE_WAITING) {
      continue; /* in the waiting room: no slot of the timeline's yet */
    }
    hm_timeline_observe(
      self->timeline, s->name, key, file, server_phases[j->phase].activity,
      _(server_phases[j->phase].label), j->started * G_USEC_PER_SEC);
  }
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
    g_autofree char *file = clean_text(j->file);
    g_autofree char *host = clean_text(j->host);
    g_autofree char *slot =
      j->slot >= 0 ? g_strdup_printf("%d", j->slot) : g_strdup("");
    g_autofree char *age = format_age((now - j->started_us) / G_USEC_PER_SEC);
    const char      *phase =
      j->phase < JOB_PHASE_COUNT_ ? _(job_phases[j->phase].label) : "?";
    /* The host as the servers list names it, when it is one of them. */
    struct server   *s     = j->host[0] ? server_for_host(self, host) : NULL;
    g_autofree char *shown = s ? g_strdup_printf("%s (%s)", s->name, host)
                               : g_strdup(host[0] ? host : _("this machine"));
    gtk_list_store_set(self->jobs_store, &iter, JOB_COL_FILE, file,
                       JOB_COL_PHASE, phase, JOB_COL_HOST, shown, JOB_COL_SLOT,
                       slot, JOB_COL_AGE, age, JOB_COL_PID, j->pid, -1);
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
  g_hash_table_iter_init(&siter, self->servers);
  while (g_hash_table_iter_next(&siter, NULL, &value)) {
    struct server *s = value;
    remote += server_stats(s) ? server_stats(s)->running : 0;
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

/* ---- details ------------------------------------------------------------ */

static void detail_row(HmWindow *self, int *row, const char *heading,
                       const char *value)
{
  GtkWidget *h = gtk_label_new(heading);
  GtkWidget *v = gtk_label_new(value);

  gtk_label_set_xalign(GTK_LABEL(h), 1);
  gtk_label_set_yalign(GTK_LABEL(h), 0);
  gtk_style_context_add_class(gtk_widget_get_style_context(h), "dim-label");
  gtk_label_set_xalign(GTK_LABEL(v), 0);
  gtk_label_set_selectable(GTK_LABEL(v), TRUE);
  gtk_label_set_line_wrap(GTK_LABEL(v), TRUE);
  gtk_label_set_line_wrap_mode(GTK_LABEL(v), PANGO_WRAP_WORD_CHAR);
  gtk_widget_set_can_focus(v, FALSE);
  gtk_widget_set_hexpand(v, TRUE);
  gtk_grid_attach(self->details_grid, h, 0, *row, 1, 1);
  gtk_grid_attach(self->details_grid, v, 1, *row, 1, 1);
  (*row)++;
  g_autofree char *flat = g_strdelimit(g_strdup(value), "\t\n", ' ');
  g_autofree char *key  = g_strstrip(g_strdup(heading));
  g_string_append_printf(self->details, "detail\t%s\t%s\n", key, flat);
}

static void detail_printf(HmWindow *self, int *row, const char *heading,
                          const char *format, ...) G_GNUC_PRINTF(4, 5);

static void detail_printf(HmWindow *self, int *row, const char *heading,
                          const char *format, ...)
{
  va_list ap;

  va_start(ap, format);
  g_autofree char *value = g_strdup_vprintf(format, ap);
  va_end(ap);
  detail_row(self, row, heading, value);
}

/* The result cache's figures (herdccd's status JSON "cache"). */
static void details_cache(HmWindow *self, int *row, const struct stats_cache *c)
{
  if (!c->enabled) {
    detail_row(self, row, _("Result cache"), _("off"));
    return;
  }
  g_autofree char *bytes   = g_format_size(c->bytes);
  g_autofree char *max     = g_format_size(c->max_bytes);
  g_autofree char *entries = g_strdup_printf("%" PRIu64, c->entries);
  /* Translators: the bytes in use, the most it may use, entries. */
  detail_printf(self, row, _("Result cache"), _("%s of %s, %s entries"), bytes,
                max, entries);
  g_autofree char *hits = g_strdup_printf("%" PRIu64, c->hits);
  /* Translators: hits, then their share of the jobs looked up. */
  detail_printf(self, row, _("  Hits"), _("%s (%.0f%% of the jobs looked up)"),
                hits, stats_cache_hit_percent(c));
  detail_printf(self, row, _("  Misses"), "%" PRIu64, c->misses);
  detail_printf(self, row, _("  Stored"), "%" PRIu64, c->stores);
  detail_printf(self, row, _("  Evicted"), "%" PRIu64, c->evictions);
}

static void details_of(HmWindow *self, struct server *s)
{
  int                 row = 0;
  const struct stats *st  = server_stats(s);

  GtkWidget       *title  = gtk_label_new(NULL);
  g_autofree char *markup = g_markup_printf_escaped("<b>%s</b>", s->name);
  gtk_label_set_markup(GTK_LABEL(title), markup);
  gtk_label_set_xalign(GTK_LABEL(title), 0);
  gtk_label_set_ellipsize(GTK_LABEL(title), PANGO_ELLIPSIZE_MIDDLE);
  gtk_grid_attach(self->details_grid, title, 0, row++, 2, 1);

  detail_printf(self, &row, _("Address"), "%s:%u",
                s->fs.addr[0] ? s->fs.addr : _("unknown"), s->fs.port);
  detail_row(self, &row, _("Found through"), s->source);
  g_autofree char *state = server_state(s);
  detail_row(self, &row, _("State"), state);
  if (s->txt_ok && s->info.n_compilers > 0) {
    GString *cc = g_string_new(NULL);
    for (size_t i = 0; i < s->info.n_compilers; i++) {
      g_autofree char *m = clean_text(s->info.compilers[i].machine);
      g_autofree char *v = clean_text(s->info.compilers[i].version);
      g_string_append_printf(cc, "%s%s %s", i ? "\n" : "", m, v);
    }
    detail_row(self, &row, _("Compilers"), cc->str);
    g_string_free(cc, TRUE);
  }
  if (!st) {
    if (s->fs.slots) {
      detail_printf(self, &row, _("Jobs limit"), "%u", s->fs.slots);
    }
    if (s->fs.source == FARM_SOURCE_STATIC || s->fs.stats_advertised) {
      detail_printf(self, &row, _("Stats port"), "%u", s->fs.stats_port);
    }
    return;
  }

  g_autofree char *host    = clean_text(st->host);
  g_autofree char *version = clean_text(st->version);
  g_autofree char *uptime  = format_age(st->uptime_s);
  detail_row(self, &row, _("Host name"), host);
  detail_row(self, &row, _("Version"), version);
  detail_row(self, &row, _("Uptime"), uptime);
  detail_printf(self, &row, _("Port"), "%u", st->config.port);
  detail_printf(self, &row, _("Stats port"), "%u", st->config.stats_port);
  detail_row(self, &row, _("Codecs"),
             st->config.lzo ? _("LZO (protocol 2), none (protocol 1)")
                            : _("none (protocol 1)"));
  detail_row(self, &row, _("Zeroconf"),
             st->config.zeroconf ? _("published over mDNS")
                                 : _("not published"));
  detail_printf(self, &row, _("Jobs limit"), "%u", st->config.jobs);
  detail_printf(self, &row, _("Processors"), "%u", st->cpus);
  detail_printf(self, &row, _("Load"), "%.2f  %.2f  %.2f", st->load[0],
                st->load[1], st->load[2]);
  GString *allow = g_string_new(NULL);
  for (size_t i = 0;
       i < st->config.allow_count && i < G_N_ELEMENTS(st->config.allow); i++) {
    g_autofree char *a = clean_text(st->config.allow[i]);
    g_string_append_printf(allow, "%s%s", i ? ", " : "",
                           strcmp(a, "private") == 0 ? _("private networks")
                                                     : a);
  }
  detail_row(self, &row, _("Allowed networks"),
             allow->len ? allow->str : _("none"));
  g_string_free(allow, TRUE);
  detail_printf(self, &row, _("Jobs done"), "%" PRIu64, st->jobs_done);
  for (int r = 0; r < STATS_RESULT_COUNT_; r++) {
    g_autofree char *heading = g_strdup_printf("  %s", _(result_labels[r]));
    detail_printf(self, &row, heading, "%" PRIu64, st->results[r]);
  }
  detail_printf(self, &row, _("Jobs per minute"), "%.1f", st->jobs_per_min);
  g_autofree char *in  = g_format_size(st->bytes_in);
  g_autofree char *out = g_format_size(st->bytes_out);
  detail_row(self, &row, _("Source received"), in);
  detail_row(self, &row, _("Objects sent"), out);
  g_autofree char *rin =
    format_rate(st->bytes_in, st->phase_ms[STATS_PHASE_RECEIVE]);
  g_autofree char *rout =
    format_rate(st->bytes_out, st->phase_ms[STATS_PHASE_SEND]);
  detail_row(self, &row, _("Receiving, on average"), rin);
  detail_row(self, &row, _("Sending, on average"), rout);
  uint64_t compiled =
    st->results[STATS_RESULT_OK] + st->results[STATS_RESULT_COMPILE_ERROR];
  if (compiled) {
    detail_printf(self, &row, _("Compile time, on average"), _("%.1f s"),
                  (double)st->phase_ms[STATS_PHASE_COMPILE] / 1000.0 /
                    (double)compiled);
  }
  detail_printf(self, &row, _("Connections accepted"), "%" PRIu64,
                st->accepted);
  if (st->longest_ms) {
    g_autofree char *longest = clean_text(st->longest_source);
    detail_printf(self, &row, _("Longest job"), _("%.1f s (%s)"),
                  (double)st->longest_ms / 1000.0, longest);
  }
  if (st->max_rss_kb) {
    g_autofree char *rss = g_format_size(st->max_rss_kb * 1024);
    detail_row(self, &row, _("Largest compiler"), rss);
  }
  detail_printf(self, &row, _("Running"), "%u/%u", st->running,
                st->config.jobs);
  details_cache(self, &row, &st->cache);

  GString *jobs = g_string_new(NULL);
  for (size_t i = 0; i < st->job_count; i++) {
    const struct stats_job *j      = &st->jobs[i];
    g_autofree char        *source = clean_text(j->source);
    g_autofree char        *client = clean_text(j->client);
    g_autofree char        *size   = g_format_size(j->size);
    g_autofree char        *age    = format_age(st->now - j->started);
    g_autofree char        *rate   = format_rate(j->size, j->receive_ms);
    g_autoptr(GDateTime) at   = g_date_time_new_from_unix_local(j->started);
    g_autofree char *received = at ? g_date_time_format(at, "%H:%M:%S") : NULL;
    g_string_append_printf(
      jobs,
      /* Translators: source — client, phase, size, age, pid, time
         received, receive throughput. */
      _("%s%s — %s, %s, %s, %s, pid %d, received %s at %s"), i ? "\n" : "",
      source, client,
      j->phase < STATS_PHASE_COUNT_ ? _(server_phases[j->phase].label) : "?",
      size, age, (int)j->pid, received ? received : "?", rate);
  }
  detail_row(self, &row, _("Current jobs"), jobs->len ? jobs->str : _("none"));
  g_string_free(jobs, TRUE);
}

static void refresh_details(HmWindow *self)
{
  GList *children =
    gtk_container_get_children(GTK_CONTAINER(self->details_grid));
  struct server *s =
    self->selected ? g_hash_table_lookup(self->servers, self->selected) : NULL;

  for (GList *l = children; l; l = l->next) {
    gtk_widget_destroy(l->data);
  }
  g_list_free(children);
  g_string_truncate(self->details, 0);
  if (s) {
    details_of(self, s);
  } else {
    GtkWidget *hint = gtk_label_new(_("Select a server to see its status."));
    gtk_style_context_add_class(gtk_widget_get_style_context(hint),
                                "dim-label");
    gtk_grid_attach(self->details_grid, hint, 0, 0, 1, 1);
  }
  gtk_widget_show_all(GTK_WIDGET(self->details_grid));
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
    gtk_tree_model_get(model, &iter, SRV_COL_KEY, &self->selected, -1);
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
    g_autofree char *name    = model_text(servers, &iter, SRV_COL_NAME);
    g_autofree char *address = model_text(servers, &iter, SRV_COL_ADDRESS);
    g_autofree char *source  = model_text(servers, &iter, SRV_COL_SOURCE);
    g_autofree char *state   = model_text(servers, &iter, SRV_COL_STATE);
    g_autofree char *slots   = model_text(servers, &iter, SRV_COL_SLOTS);
    g_autofree char *load    = model_text(servers, &iter, SRV_COL_LOAD);
    g_string_append_printf(out, "server\t%s\t%s\t%s\t%s\t%s\t%s\n", name,
                           address, source, state, slots, load);
    for (gboolean c = gtk_tree_model_iter_children(servers, &child, &iter); c;
         c          = gtk_tree_model_iter_next(servers, &child)) {
      g_autofree char *file   = model_text(servers, &child, SRV_COL_NAME);
      g_autofree char *client = model_text(servers, &child, SRV_COL_ADDRESS);
      g_autofree char *phase  = model_text(servers, &child, SRV_COL_STATE);
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
    g_string_append_printf(out, "job\t%s\t%s\t%s\t%s\t%s\n", file, phase, host,
                           slot, age);
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
    struct server *s = g_hash_table_lookup(self->servers, self->selected);
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
  GHashTable *servers = g_steal_pointer(&self->servers);
  if (servers) {
    g_hash_table_unref(servers);
  }
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
  self->servers =
    g_hash_table_new_full(g_str_hash, g_str_equal, NULL, server_free);
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
