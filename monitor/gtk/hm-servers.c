/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The servers list (hm-servers.h). Servers live in a hash table by key
 * with a row reference into the store; every change goes through the
 * store, which the self-test listing walks. One request in flight per
 * server: a server removed or moved meanwhile cancels it, and its late
 * answer goes with the task. */
#include "hm-servers.h"

#include <inttypes.h>
#include <string.h>

#include <glib/gi18n.h>

#include "hm-format.h"
#include "statsfetch.h"

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

const char *hm_server_phase_label(enum stats_phase phase)
{
  return (unsigned)phase < STATS_PHASE_COUNT_ ? _(server_phases[phase].label)
                                              : "?";
}

HmActivity hm_server_phase_activity(enum stats_phase phase)
{
  return (unsigned)phase < STATS_PHASE_COUNT_ ? server_phases[phase].activity
                                              : HM_ACTIVITY_WAIT;
}

const struct stats *hm_server_stats(const struct hm_server *s)
{
  return s->fs.status == FARM_STATUS_OK ? &s->fs.stats : NULL;
}

char *hm_server_state(const struct hm_server *s)
{
  char buf[FARM_WHY_MAX + 128];

  farm_server_state(&s->fs, _(farm_status_name(s->fs.status)),
                    _("(backed off)"), buf, sizeof(buf));
  return hm_clean_text(buf);
}

static void server_free(gpointer data)
{
  struct hm_server *s = data;

  /* A request in flight ends with CANCELLED and does not touch s. */
  g_cancellable_cancel(s->cancel);
  g_object_unref(s->cancel);
  if (s->row) {
    GtkTreePath *path = gtk_tree_row_reference_get_path(s->row);
    GtkTreeIter  iter;
    if (path &&
        gtk_tree_model_get_iter(GTK_TREE_MODEL(s->set->store), &iter, path)) {
      gtk_tree_store_remove(s->set->store, &iter);
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

gboolean hm_server_iter(struct hm_server *s, GtkTreeIter *ret_iter)
{
  GtkTreePath *path = s->row ? gtk_tree_row_reference_get_path(s->row) : NULL;
  gboolean ok = path && gtk_tree_model_get_iter(GTK_TREE_MODEL(s->set->store),
                                                ret_iter, path);

  gtk_tree_path_free(path);
  return ok;
}

/* A new top-level row, kept in order of name. */
static void server_add_row(struct hm_server *s)
{
  GtkTreeModel *model = GTK_TREE_MODEL(s->set->store);
  GtkTreeIter   iter, sibling;
  gboolean      before = FALSE;

  for (gboolean ok = gtk_tree_model_get_iter_first(model, &sibling); ok;
       ok          = gtk_tree_model_iter_next(model, &sibling)) {
    g_autofree char *name = NULL;
    gtk_tree_model_get(model, &sibling, HM_SRV_COL_NAME, &name, -1);
    if (g_utf8_collate(s->name, name) < 0) {
      before = TRUE;
      break;
    }
  }
  gtk_tree_store_insert_before(s->set->store, &iter, NULL,
                               before ? &sibling : NULL);
  GtkTreePath *path = gtk_tree_model_get_path(model, &iter);
  s->row            = gtk_tree_row_reference_new(model, path);
  gtk_tree_path_free(path);
}

/* The server's row and its job rows from what is known now. */
static void server_update_row(struct hm_server *s)
{
  GtkTreeStore *store = s->set->store;
  GtkTreeIter   iter;

  if (!hm_server_iter(s, &iter)) {
    server_add_row(s);
    if (!hm_server_iter(s, &iter)) {
      return;
    }
  }

  const struct stats *st      = hm_server_stats(s);
  const char         *addr    = s->fs.addr;
  g_autofree char    *address = strchr(addr, ':')
                                  ? g_strdup_printf("[%s]:%u", addr, s->fs.port)
                                  : g_strdup_printf("%s:%u", addr, s->fs.port);
  g_autofree char    *state   = hm_server_state(s);
  g_autofree char    *slots   = NULL;
  g_autofree char    *load    = NULL;
  if (st) {
    slots = g_strdup_printf("%u/%u", st->running, st->config.jobs);
    load  = g_strdup_printf("%.2f", st->load[0]);
  } else if (s->fs.slots) {
    slots = g_strdup_printf("–/%u", s->fs.slots);
  }
  gtk_tree_store_set(
    store, &iter, HM_SRV_COL_KEY, s->key, HM_SRV_COL_NAME, s->name,
    HM_SRV_COL_ADDRESS, addr[0] ? address : _("unknown"), HM_SRV_COL_SOURCE,
    s->source, HM_SRV_COL_STATE, state, HM_SRV_COL_SLOTS, slots ? slots : "",
    HM_SRV_COL_LOAD, load ? load : "", HM_SRV_COL_COLOR,
    status_color(s->fs.status), HM_SRV_COL_WEIGHT, PANGO_WEIGHT_BOLD,
    HM_SRV_COL_IS_JOB, FALSE, -1);

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
    g_autofree char *file     = hm_clean_text(j->source);
    g_autofree char *client   = hm_clean_text(j->client);
    g_autofree char *compiler = hm_clean_text(j->compiler);
    g_autofree char *size     = g_format_size(j->size);
    g_autofree char *age      = hm_format_age(now - j->started);
    const char      *phase    = hm_server_phase_label(j->phase);
    gtk_tree_store_set(store, &child, HM_SRV_COL_KEY, s->key, HM_SRV_COL_NAME,
                       file, HM_SRV_COL_ADDRESS, client, HM_SRV_COL_SOURCE,
                       compiler, HM_SRV_COL_STATE, phase, HM_SRV_COL_SLOTS,
                       size, HM_SRV_COL_LOAD, age, HM_SRV_COL_COLOR, NULL,
                       HM_SRV_COL_WEIGHT, PANGO_WEIGHT_NORMAL,
                       HM_SRV_COL_IS_JOB, TRUE, -1);
    have = have && gtk_tree_model_iter_next(model, &child);
  }
  while (have) {
    have = gtk_tree_store_remove(store, &child);
  }
  gboolean new_jobs = n > 0 && s->shown_jobs == 0;
  s->shown_jobs     = (guint)n;
  if (s->set->changed) {
    s->set->changed(s, &iter, new_jobs, s->set->data);
  }
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
  int          timeout_ms;
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
  f->r = stats_fetch(f->addr, f->port, f->timeout_ms, &f->stats, f->why,
                     sizeof(f->why));
  g_task_return_boolean(task, TRUE);
}

static void on_fetched(GObject *source, GAsyncResult *result, gpointer data)
{
  (void)source;
  if (!g_task_propagate_boolean(G_TASK(result), NULL)) {
    return; /* cancelled: the server is gone or moved, data is stale */
  }
  struct hm_server *s = data;
  struct fetch     *f = g_task_get_task_data(G_TASK(result));
  s->in_flight        = FALSE;
  farm_server_set_result(&s->fs, f->r, &f->stats, f->why);
  server_update_row(s);
}

static void server_poll(struct hm_server *s)
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
  f->port       = s->fs.stats_port;
  f->timeout_ms = (int)s->set->fetch_timeout_ms;
  g_task_set_task_data(task, f, fetch_free);
  /* A server removed or moved meanwhile: its callback says cancelled at
     once, the thread's late answer goes with the task. */
  g_task_set_return_on_cancel(task, TRUE);
  s->in_flight = TRUE;
  g_task_run_in_thread(task, fetch_run);
  g_object_unref(task);
}

static struct hm_server *server_get(struct hm_servers *set, const char *key,
                                    const char *name, gboolean *ret_new)
{
  struct hm_server *s = g_hash_table_lookup(set->table, key);

  *ret_new = !s;
  if (!s) {
    s                = g_new0(struct hm_server, 1);
    s->set           = set;
    s->key           = g_strdup(key);
    s->name          = hm_clean_text(name);
    s->host          = g_strdup("");
    s->cancel        = g_cancellable_new();
    s->fs.stats_port = STATS_DEFAULT_PORT;
    g_strlcpy(s->fs.name, name, sizeof(s->fs.name));
    g_hash_table_insert(set->table, s->key, s);
  }
  return s;
}

/* Address, port or status port changed: the answer in flight is for the
 * old one, and what is known of the server with it. */
static void server_set_endpoint(struct hm_server *s, const char *address,
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

void hm_servers_resolved(struct hm_servers *set, const struct hm_service *hs)
{
  g_autofree char  *key = g_strconcat("mdns:", hs->name, NULL);
  gboolean          created;
  struct hm_server *s = server_get(set, key, hs->name, &created);

  s->source    = _("mDNS");
  s->txt_ok    = hs->txt_ok;
  s->info      = hs->info;
  s->fs.source = FARM_SOURCE_MDNS;
  s->fs.slots  = hs->txt_ok ? hs->info.jobs : 0;
  s->fs.lzo    = hs->txt_ok && hs->info.lzo;
  s->fs.herd   = hs->txt_ok && hs->info.herd;
  g_free(s->host);
  s->host                = hm_clean_text(hs->host);
  s->fs.stats_advertised = hs->txt_ok && hs->info.stats_port;
  server_set_endpoint(s, hs->address, hs->port,
                      s->fs.stats_advertised ? hs->info.stats_port
                                             : STATS_DEFAULT_PORT);
  server_update_row(s);
  if (created || !s->in_flight) {
    server_poll(s);
  }
}

void hm_servers_removed(struct hm_servers *set, const char *name)
{
  g_autofree char *key = g_strconcat("mdns:", name, NULL);

  g_hash_table_remove(set->table, key);
}

void hm_servers_poll(struct hm_servers *set)
{
  GHashTableIter iter;
  gpointer       value;

  g_hash_table_iter_init(&iter, set->table);
  while (g_hash_table_iter_next(&iter, NULL, &value)) {
    server_poll(value);
  }
}

/* ---- the static list and DNS (src/farm/farm.h) --------------------------- */

static gboolean mdns_has(struct hm_servers *set, const char *addr, guint16 port)
{
  GHashTableIter iter;
  gpointer       value;

  g_hash_table_iter_init(&iter, set->table);
  while (g_hash_table_iter_next(&iter, NULL, &value)) {
    struct hm_server *s = value;
    if (!s->from_farm && s->fs.port == port &&
        g_strcmp0(s->fs.addr, addr) == 0) {
      return TRUE;
    }
  }
  return FALSE;
}

void hm_servers_take_farm(struct hm_servers *set, const struct farm *farm)
{
  GHashTableIter iter;
  gpointer       value;

  g_hash_table_iter_init(&iter, set->table);
  while (g_hash_table_iter_next(&iter, NULL, &value)) {
    ((struct hm_server *)value)->seen = FALSE;
  }
  for (size_t i = 0; i < farm->server_count; i++) {
    const struct farm_server *fs = &farm->servers[i];
    if (fs->source == FARM_SOURCE_MDNS || mdns_has(set, fs->addr, fs->port)) {
      continue; /* browsed live */
    }
    g_autofree char *key =
      g_strdup_printf("%s:%s:%s:%u", farm_source_name(fs->source), fs->name,
                      fs->addr, fs->port);
    gboolean          created;
    struct hm_server *s = server_get(set, key, fs->name, &created);
    s->from_farm        = TRUE;
    s->seen             = TRUE;
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
  g_hash_table_iter_init(&iter, set->table);
  while (g_hash_table_iter_next(&iter, NULL, &value)) {
    struct hm_server *s = value;
    if (s->from_farm && !s->seen) {
      g_hash_table_iter_remove(&iter);
    }
  }
}

struct hm_server *hm_servers_for_host(struct hm_servers *set, const char *host)
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
  g_hash_table_iter_init(&iter, set->table);
  while (g_hash_table_iter_next(&iter, NULL, &value)) {
    struct hm_server *s = value;
    if ((g_strcmp0(s->fs.addr, bare) == 0 || g_strcmp0(s->name, bare) == 0 ||
         (s->host[0] && g_ascii_strcasecmp(s->host, bare) == 0)) &&
        (!port || port == s->fs.port)) {
      return s;
    }
  }
  return NULL;
}

struct hm_servers *hm_servers_new(GtkTreeStore *store, guint fetch_timeout_ms,
                                  hm_servers_changed_fn changed, gpointer data)
{
  struct hm_servers *set = g_new0(struct hm_servers, 1);

  set->store            = store;
  set->fetch_timeout_ms = fetch_timeout_ms;
  set->changed          = changed;
  set->data             = data;
  set->table =
    g_hash_table_new_full(g_str_hash, g_str_equal, NULL, server_free);
  return set;
}

void hm_servers_free(struct hm_servers *set)
{
  if (set) {
    g_hash_table_unref(set->table);
    g_free(set);
  }
}
