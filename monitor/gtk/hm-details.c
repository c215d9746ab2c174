/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The details pane (hm-details.h): one row per figure, each also written
 * to the listing under its heading. */
#include "hm-details.h"

#include <inttypes.h>
#include <string.h>

#include <glib/gi18n.h>

#include "hm-format.h"

/* Where the rows go. */
struct pane {
  GtkGrid *grid;
  GString *listing;
  int      row;
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

static void detail_row(struct pane *p, const char *heading, const char *value)
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
  gtk_grid_attach(p->grid, h, 0, p->row, 1, 1);
  gtk_grid_attach(p->grid, v, 1, p->row, 1, 1);
  p->row++;
  g_autofree char *flat = g_strdelimit(g_strdup(value), "\t\n", ' ');
  g_autofree char *key  = g_strstrip(g_strdup(heading));
  g_string_append_printf(p->listing, "detail\t%s\t%s\n", key, flat);
}

static void detail_printf(struct pane *p, const char *heading,
                          const char *format, ...) G_GNUC_PRINTF(3, 4);

static void detail_printf(struct pane *p, const char *heading,
                          const char *format, ...)
{
  va_list ap;

  va_start(ap, format);
  g_autofree char *value = g_strdup_vprintf(format, ap);
  va_end(ap);
  detail_row(p, heading, value);
}

/* The result cache's figures (herdccd's status JSON "cache"). */
static void details_cache(struct pane *p, const struct stats_cache *c)
{
  if (!c->enabled) {
    detail_row(p, _("Result cache"), _("off"));
    return;
  }
  g_autofree char *bytes   = g_format_size(c->bytes);
  g_autofree char *max     = g_format_size(c->max_bytes);
  g_autofree char *entries = g_strdup_printf("%" PRIu64, c->entries);
  /* Translators: the bytes in use, the most it may use, entries. */
  detail_printf(p, _("Result cache"), _("%s of %s, %s entries"), bytes, max,
                entries);
  g_autofree char *hits = g_strdup_printf("%" PRIu64, c->hits);
  /* Translators: hits, then their share of the jobs looked up. */
  detail_printf(p, _("  Hits"), _("%s (%.0f%% of the jobs looked up)"), hits,
                stats_cache_hit_percent(c));
  detail_printf(p, _("  Misses"), "%" PRIu64, c->misses);
  detail_printf(p, _("  Stored"), "%" PRIu64, c->stores);
  detail_printf(p, _("  Evicted"), "%" PRIu64, c->evictions);
}

static void details_of(struct pane *p, struct hm_server *s)
{
  const struct stats *st = hm_server_stats(s);

  GtkWidget       *title  = gtk_label_new(NULL);
  g_autofree char *markup = g_markup_printf_escaped("<b>%s</b>", s->name);
  gtk_label_set_markup(GTK_LABEL(title), markup);
  gtk_label_set_xalign(GTK_LABEL(title), 0);
  gtk_label_set_ellipsize(GTK_LABEL(title), PANGO_ELLIPSIZE_MIDDLE);
  gtk_grid_attach(p->grid, title, 0, p->row++, 2, 1);

  detail_printf(p, _("Address"), "%s:%u",
                s->fs.addr[0] ? s->fs.addr : _("unknown"), s->fs.port);
  detail_row(p, _("Found through"), s->source);
  g_autofree char *state = hm_server_state(s);
  detail_row(p, _("State"), state);
  if (s->txt_ok && s->info.n_compilers > 0) {
    GString *cc = g_string_new(NULL);
    for (size_t i = 0; i < s->info.n_compilers; i++) {
      g_autofree char *m = hm_clean_text(s->info.compilers[i].machine);
      g_autofree char *v = hm_clean_text(s->info.compilers[i].version);
      g_string_append_printf(cc, "%s%s %s", i ? "\n" : "", m, v);
    }
    detail_row(p, _("Compilers"), cc->str);
    g_string_free(cc, TRUE);
  }
  if (!st) {
    if (s->fs.slots) {
      detail_printf(p, _("Jobs limit"), "%u", s->fs.slots);
    }
    if (s->fs.source == FARM_SOURCE_STATIC || s->fs.stats_advertised) {
      detail_printf(p, _("Stats port"), "%u", s->fs.stats_port);
    }
    return;
  }

  g_autofree char *host    = hm_clean_text(st->host);
  g_autofree char *version = hm_clean_text(st->version);
  g_autofree char *uptime  = hm_format_age(st->uptime_s);
  detail_row(p, _("Host name"), host);
  detail_row(p, _("Version"), version);
  detail_row(p, _("Uptime"), uptime);
  detail_printf(p, _("Port"), "%u", st->config.port);
  detail_printf(p, _("Stats port"), "%u", st->config.stats_port);
  detail_row(p, _("Codecs"),
             st->config.lzo ? _("LZO (protocol 2), none (protocol 1)")
                            : _("none (protocol 1)"));
  detail_row(p, _("Zeroconf"),
             st->config.zeroconf ? _("published over mDNS")
                                 : _("not published"));
  detail_printf(p, _("Jobs limit"), "%u", st->config.jobs);
  detail_printf(p, _("Processors"), "%u", st->cpus);
  detail_printf(p, _("Load"), "%.2f  %.2f  %.2f", st->load[0], st->load[1],
                st->load[2]);
  GString *allow = g_string_new(NULL);
  for (size_t i = 0;
       i < st->config.allow_count && i < G_N_ELEMENTS(st->config.allow); i++) {
    g_autofree char *a = hm_clean_text(st->config.allow[i]);
    g_string_append_printf(allow, "%s%s", i ? ", " : "",
                           strcmp(a, "private") == 0 ? _("private networks")
                                                     : a);
  }
  detail_row(p, _("Allowed networks"), allow->len ? allow->str : _("none"));
  g_string_free(allow, TRUE);
  detail_printf(p, _("Jobs done"), "%" PRIu64, st->jobs_done);
  for (int r = 0; r < STATS_RESULT_COUNT_; r++) {
    g_autofree char *heading = g_strdup_printf("  %s", _(result_labels[r]));
    detail_printf(p, heading, "%" PRIu64, st->results[r]);
  }
  detail_printf(p, _("Jobs per minute"), "%.1f", st->jobs_per_min);
  g_autofree char *in  = g_format_size(st->bytes_in);
  g_autofree char *out = g_format_size(st->bytes_out);
  detail_row(p, _("Source received"), in);
  detail_row(p, _("Objects sent"), out);
  g_autofree char *rin =
    hm_format_rate(st->bytes_in, st->phase_ms[STATS_PHASE_RECEIVE]);
  g_autofree char *rout =
    hm_format_rate(st->bytes_out, st->phase_ms[STATS_PHASE_SEND]);
  detail_row(p, _("Receiving, on average"), rin);
  detail_row(p, _("Sending, on average"), rout);
  uint64_t compiled =
    st->results[STATS_RESULT_OK] + st->results[STATS_RESULT_COMPILE_ERROR];
  if (compiled) {
    detail_printf(p, _("Compile time, on average"), _("%.1f s"),
                  (double)st->phase_ms[STATS_PHASE_COMPILE] / 1000.0 /
                    (double)compiled);
  }
  detail_printf(p, _("Connections accepted"), "%" PRIu64, st->accepted);
  if (st->longest_ms) {
    g_autofree char *longest = hm_clean_text(st->longest_source);
    detail_printf(p, _("Longest job"), _("%.1f s (%s)"),
                  (double)st->longest_ms / 1000.0, longest);
  }
  if (st->max_rss_kb) {
    g_autofree char *rss = g_format_size(st->max_rss_kb * 1024);
    detail_row(p, _("Largest compiler"), rss);
  }
  detail_printf(p, _("Running"), "%u/%u", st->running, st->config.jobs);
  details_cache(p, &st->cache);

  GString *jobs = g_string_new(NULL);
  for (size_t i = 0; i < st->job_count; i++) {
    const struct stats_job *j      = &st->jobs[i];
    g_autofree char        *source = hm_clean_text(j->source);
    g_autofree char        *client = hm_clean_text(j->client);
    g_autofree char        *size   = g_format_size(j->size);
    g_autofree char        *age    = hm_format_age(st->now - j->started);
    g_autofree char        *rate   = hm_format_rate(j->size, j->receive_ms);
    g_autoptr(GDateTime) at   = g_date_time_new_from_unix_local(j->started);
    g_autofree char *received = at ? g_date_time_format(at, "%H:%M:%S") : NULL;
    g_string_append_printf(
      jobs,
      /* Translators: source — client, phase, size, age, pid, time
         received, receive throughput. */
      _("%s%s — %s, %s, %s, %s, pid %d, received %s at %s"), i ? "\n" : "",
      source, client, hm_server_phase_label(j->phase), size, age, (int)j->pid,
      received ? received : "?", rate);
  }
  detail_row(p, _("Current jobs"), jobs->len ? jobs->str : _("none"));
  g_string_free(jobs, TRUE);
}

void hm_details_show(GtkGrid *grid, struct hm_server *s, GString *listing)
{
  GList      *children = gtk_container_get_children(GTK_CONTAINER(grid));
  struct pane p        = { .grid = grid, .listing = listing };

  for (GList *l = children; l; l = l->next) {
    gtk_widget_destroy(l->data);
  }
  g_list_free(children);
  if (s) {
    details_of(&p, s);
  } else {
    GtkWidget *hint = gtk_label_new(_("Select a server to see its status."));
    gtk_style_context_add_class(gtk_widget_get_style_context(hint),
                                "dim-label");
    gtk_grid_attach(grid, hint, 0, 0, 1, 1);
  }
  gtk_widget_show_all(GTK_WIDGET(grid));
}
