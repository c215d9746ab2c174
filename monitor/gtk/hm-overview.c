/* SPDX-License-Identifier: GPL-2.0-or-later */
/* See hm-overview.h. The layout is computed from the allocation at each
 * draw and kept for the tooltip and the listing. */
#include <glib/gi18n.h>

#include "hm-history.h"
#include "hm-overview.h"

#define SLOT_WIDTH  48
#define TILE_MIN    150
#define TILE_HEIGHT 92
#define TILE_GAP    10
#define BAR_TOP     28
#define BAR_HEIGHT  36

struct tile {
  char        *name;
  char        *state;
  guint        slots, running, cpus;
  double       load;
  gboolean     failing;
  GdkRectangle at; /* where it was drawn last */
};

struct _HmOverview {
  GtkDrawingArea parent_instance;
  GArray        *tiles; /* struct tile */
};

G_DEFINE_TYPE(HmOverview, hm_overview, GTK_TYPE_DRAWING_AREA)

static void tile_clear(gpointer data)
{
  struct tile *t = data;

  g_free(t->name);
  g_free(t->state);
}

static int tile_width(const struct tile *t, int avail)
{
  int w = (int)MAX(t->slots, 1) * SLOT_WIDTH + 16;

  return CLAMP(w, TILE_MIN, MAX(avail, TILE_MIN));
}

/* Rows of tiles; the height they need at this width. */
static int layout(HmOverview *self, int width)
{
  int x = 0, y = 0;

  for (guint i = 0; i < self->tiles->len; i++) {
    struct tile *t = &g_array_index(self->tiles, struct tile, i);
    int          w = tile_width(t, width);
    if (x > 0 && x + w > width) {
      x = 0;
      y += TILE_HEIGHT + TILE_GAP;
    }
    t->at = (GdkRectangle){ x, y, w, TILE_HEIGHT };
    x += w + TILE_GAP;
  }
  return self->tiles->len ? y + TILE_HEIGHT : TILE_HEIGHT;
}

static gboolean same(const struct tile *t, const struct hm_overview_host *h)
{
  return g_strcmp0(t->name, h->name) == 0 &&
         g_strcmp0(t->state, h->state) == 0 && t->slots == h->slots &&
         t->running == h->running && t->cpus == h->cpus && t->load == h->load &&
         t->failing == h->failing;
}

void hm_overview_set_hosts(HmOverview                    *self,
                           const struct hm_overview_host *hosts, size_t n)
{
  g_return_if_fail(HM_IS_OVERVIEW(self));
  gboolean changed = self->tiles->len != n;

  for (size_t i = 0; !changed && i < n; i++) {
    changed = !same(&g_array_index(self->tiles, struct tile, i), &hosts[i]);
  }
  if (!changed) {
    return;
  }
  g_array_set_size(self->tiles, 0);
  for (size_t i = 0; i < n; i++) {
    struct tile t = {
      .name    = g_strdup(hosts[i].name),
      .state   = g_strdup(hosts[i].state),
      .slots   = hosts[i].slots,
      .running = hosts[i].running,
      .cpus    = hosts[i].cpus,
      .load    = hosts[i].load,
      .failing = hosts[i].failing,
    };
    g_array_append_val(self->tiles, t);
  }
  int width = gtk_widget_get_allocated_width(GTK_WIDGET(self));
  gtk_widget_set_size_request(GTK_WIDGET(self), TILE_MIN,
                              layout(self, MAX(width, 400)));
  gtk_widget_queue_draw(GTK_WIDGET(self));
}

static void draw_tile(GtkWidget *widget, cairo_t *cr, const struct tile *t,
                      const GdkRGBA *fg)
{
  const GdkRectangle *r     = &t->at;
  guint               slots = MAX(t->slots, 1);
  double              sw    = (double)(r->width - 16) / slots;

  /* The frame: red while failing. */
  if (t->failing) {
    cairo_set_source_rgb(cr, 0.78, 0.16, 0.16);
  } else {
    cairo_set_source_rgba(cr, fg->red, fg->green, fg->blue, 0.35);
  }
  cairo_set_line_width(cr, t->failing ? 3 : 1);
  cairo_rectangle(cr, r->x + 0.5, r->y + 0.5, r->width - 1, r->height - 1);
  cairo_stroke(cr);

  gdk_cairo_set_source_rgba(cr, fg);
  hm_draw_text(widget, cr, t->name, r->x + 8, r->y + 6, r->width - 16, TRUE);

  /* A cell per slot, the running ones filled. */
  for (guint k = 0; k < slots; k++) {
    double x = r->x + 8 + k * sw;
    if (k < t->running) {
      hm_activity_set_source(cr, HM_ACTIVITY_COMPILE);
    } else {
      cairo_set_source_rgba(cr, 0.5, 0.5, 0.5, 0.18);
    }
    cairo_rectangle(cr, x + 1, r->y + BAR_TOP, MAX(sw - 2, 1), BAR_HEIGHT);
    cairo_fill(cr);
  }
  g_autofree char *line = NULL;
  if (!t->slots && t->running) {
    line =
      g_strdup_printf(ngettext("%u job", "%u jobs", t->running), t->running);
  } else if (!t->slots) {
    line = g_strdup(t->state ? t->state : "");
  } else if (t->load >= 0 && t->cpus) {
    line = g_strdup_printf(_("%u/%u · load %.1f/%u"), t->running, t->slots,
                           t->load, t->cpus);
  } else {
    line = g_strdup_printf("%u/%u", t->running, t->slots);
  }
  gdk_cairo_set_source_rgba(cr, fg);
  hm_draw_text(widget, cr, line, r->x + 8, r->y + BAR_TOP + BAR_HEIGHT + 4,
               r->width - 16, FALSE);
}

static gboolean hm_overview_draw(GtkWidget *widget, cairo_t *cr)
{
  HmOverview      *self  = HM_OVERVIEW(widget);
  GtkStyleContext *style = gtk_widget_get_style_context(widget);
  GdkRGBA          fg;

  gtk_style_context_get_color(style, gtk_style_context_get_state(style), &fg);
  layout(self, gtk_widget_get_allocated_width(widget));
  if (self->tiles->len == 0) {
    gdk_cairo_set_source_rgba(cr, &fg);
    hm_draw_text(widget, cr, _("No servers found yet"), 4, 4, 400, FALSE);
  }
  for (guint i = 0; i < self->tiles->len; i++) {
    draw_tile(widget, cr, &g_array_index(self->tiles, struct tile, i), &fg);
  }
  return FALSE;
}

static gboolean on_query_tooltip(GtkWidget *widget, int x, int y,
                                 gboolean keyboard, GtkTooltip *tooltip)
{
  HmOverview *self = HM_OVERVIEW(widget);

  (void)keyboard;
  for (guint i = 0; i < self->tiles->len; i++) {
    const struct tile *t = &g_array_index(self->tiles, struct tile, i);
    if (x >= t->at.x && x < t->at.x + t->at.width && y >= t->at.y &&
        y < t->at.y + t->at.height) {
      g_autofree char *text = g_strdup_printf("%s\n%s", t->name, t->state);
      gtk_tooltip_set_text(tooltip, text);
      return TRUE;
    }
  }
  return FALSE;
}

char **hm_overview_describe(HmOverview *self)
{
  g_return_val_if_fail(HM_IS_OVERVIEW(self), NULL);
  GStrvBuilder *b = g_strv_builder_new();

  for (guint i = 0; i < self->tiles->len; i++) {
    const struct tile *t = &g_array_index(self->tiles, struct tile, i);
    g_autofree char   *line =
      g_strdup_printf("%s\t%u/%u\t%d,%d %dx%d", t->name, t->running, t->slots,
                      t->at.x, t->at.y, t->at.width, t->at.height);
    g_strv_builder_add(b, line);
  }
  char **lines = g_strv_builder_end(b);
  g_strv_builder_unref(b);
  return lines;
}

static void hm_overview_finalize(GObject *object)
{
  g_array_unref(HM_OVERVIEW(object)->tiles);
  G_OBJECT_CLASS(hm_overview_parent_class)->finalize(object);
}

static void hm_overview_class_init(HmOverviewClass *klass)
{
  G_OBJECT_CLASS(klass)->finalize        = hm_overview_finalize;
  GTK_WIDGET_CLASS(klass)->draw          = hm_overview_draw;
  GTK_WIDGET_CLASS(klass)->query_tooltip = on_query_tooltip;
}

static void hm_overview_init(HmOverview *self)
{
  self->tiles = g_array_new(FALSE, TRUE, sizeof(struct tile));
  g_array_set_clear_func(self->tiles, tile_clear);
  gtk_widget_set_has_tooltip(GTK_WIDGET(self), TRUE);
  gtk_widget_set_size_request(GTK_WIDGET(self), TILE_MIN, TILE_HEIGHT);
}

GtkWidget *hm_overview_new(void)
{
  return g_object_new(HM_TYPE_OVERVIEW, NULL);
}
