/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Each row keeps a ring of samples; a sample is a count per activity. The
 * bars of a row share one scale: the most jobs the row had at once in its
 * history (at least one), so a host's slots fill its row. */
#include <glib/gi18n.h>

#include "hm-history.h"

#define ROW_HEIGHT   26
#define ROW_GAP      4
#define LABEL_WIDTH  150
#define BAR_WIDTH    4
#define LEGEND_SPACE 26

struct row {
  char  *host;
  guint8 samples[HM_HISTORY_SAMPLES][HM_ACTIVITY_COUNT_]; /* ring */
  guint  current[HM_ACTIVITY_COUNT_];
};

struct _HmHistory {
  GtkDrawingArea parent_instance;
  GPtrArray     *rows; /* struct row*, in order of appearance */
  guint          head; /* index of the newest sample */
};

G_DEFINE_TYPE(HmHistory, hm_history, GTK_TYPE_DRAWING_AREA)

static const struct {
  const char *name;
  double      r, g, b;
} activities[HM_ACTIVITY_COUNT_] = {
  [HM_ACTIVITY_WAIT]       = { N_("waiting"),               0.60, 0.60, 0.60 },
  [HM_ACTIVITY_PREPROCESS] = { N_("preprocessing"),         0.93, 0.76, 0.20 },
  [HM_ACTIVITY_TRANSFER]   = { N_("sending and receiving"), 0.35, 0.55, 0.85 },
  [HM_ACTIVITY_COMPILE]    = { N_("compiling remotely"),    0.30, 0.69, 0.31 },
  [HM_ACTIVITY_LOCAL]      = { N_("compiling locally"),     0.90, 0.45, 0.20 },
};

const char *hm_activity_name(HmActivity activity)
{
  g_return_val_if_fail(activity < HM_ACTIVITY_COUNT_, "");
  return _(activities[activity].name);
}

void hm_activity_set_source(cairo_t *cr, HmActivity activity)
{
  g_return_if_fail(activity < HM_ACTIVITY_COUNT_);
  cairo_set_source_rgb(cr, activities[activity].r, activities[activity].g,
                       activities[activity].b);
}

int hm_activity_draw_legend(GtkWidget *widget, cairo_t *cr, double x, double y)
{
  GtkStyleContext *style = gtk_widget_get_style_context(widget);
  GdkRGBA          fg;
  int              height = 0;

  gtk_style_context_get_color(style, gtk_style_context_get_state(style), &fg);
  for (guint a = 0; a < HM_ACTIVITY_COUNT_; a++) {
    PangoLayout *layout =
      gtk_widget_create_pango_layout(widget, hm_activity_name(a));
    int tw, th;

    pango_layout_get_pixel_size(layout, &tw, &th);
    hm_activity_set_source(cr, a);
    cairo_rectangle(cr, x, y + (th - 10) / 2.0, 10, 10);
    cairo_fill(cr);
    gdk_cairo_set_source_rgba(cr, &fg);
    cairo_move_to(cr, x + 14, y);
    pango_cairo_show_layout(cr, layout);
    g_object_unref(layout);
    x += 14 + tw + 16;
    height = MAX(height, th);
  }
  return height;
}

static void row_free(gpointer data)
{
  struct row *r = data;

  g_free(r->host);
  g_free(r);
}

static void update_size(HmHistory *self)
{
  guint n = MAX(self->rows->len, 1);

  gtk_widget_set_size_request(GTK_WIDGET(self),
                              LABEL_WIDTH + HM_HISTORY_SAMPLES * BAR_WIDTH,
                              (int)(n * (ROW_HEIGHT + ROW_GAP)) + LEGEND_SPACE);
}

static struct row *find_row(HmHistory *self, const char *host, gboolean add)
{
  for (guint i = 0; i < self->rows->len; i++) {
    struct row *r = g_ptr_array_index(self->rows, i);
    if (g_strcmp0(r->host, host) == 0) {
      return r;
    }
  }
  if (!add) {
    return NULL;
  }
  struct row *r = g_new0(struct row, 1);
  r->host       = g_strdup(host);
  g_ptr_array_add(self->rows, r);
  update_size(self);
  return r;
}

void hm_history_add(HmHistory *self, const char *host, HmActivity activity)
{
  g_return_if_fail(HM_IS_HISTORY(self));
  g_return_if_fail(activity < HM_ACTIVITY_COUNT_);
  find_row(self, host && host[0] ? host : _("(unknown)"), TRUE)
    ->current[activity]++;
}

static gboolean row_idle(const struct row *r)
{
  for (guint s = 0; s < HM_HISTORY_SAMPLES; s++) {
    for (guint a = 0; a < HM_ACTIVITY_COUNT_; a++) {
      if (r->samples[s][a]) {
        return FALSE;
      }
    }
  }
  return TRUE;
}

void hm_history_tick(HmHistory *self)
{
  g_return_if_fail(HM_IS_HISTORY(self));
  self->head = (self->head + 1) % HM_HISTORY_SAMPLES;
  for (guint i = 0; i < self->rows->len;) {
    struct row *r = g_ptr_array_index(self->rows, i);
    for (guint a = 0; a < HM_ACTIVITY_COUNT_; a++) {
      r->samples[self->head][a] = (guint8)MIN(r->current[a], 255);
      r->current[a]             = 0;
    }
    if (row_idle(r)) {
      g_ptr_array_remove_index(self->rows, i);
      update_size(self);
    } else {
      i++;
    }
  }
  gtk_widget_queue_draw(GTK_WIDGET(self));
}

char **hm_history_get_hosts(HmHistory *self)
{
  GStrvBuilder *b = g_strv_builder_new();

  for (guint i = 0; i < self->rows->len; i++) {
    g_strv_builder_add(b,
                       ((struct row *)g_ptr_array_index(self->rows, i))->host);
  }
  char **hosts = g_strv_builder_end(b);
  g_strv_builder_unref(b);
  return hosts;
}

void hm_draw_text(GtkWidget *widget, cairo_t *cr, const char *text, double x,
                  double y, int width, gboolean bold)
{
  PangoLayout *layout = gtk_widget_create_pango_layout(widget, NULL);

  if (bold) {
    g_autofree char *m = g_markup_printf_escaped("<b>%s</b>", text);
    pango_layout_set_markup(layout, m, -1);
  } else {
    pango_layout_set_text(layout, text, -1);
  }
  pango_layout_set_width(layout, width * PANGO_SCALE);
  pango_layout_set_ellipsize(layout, PANGO_ELLIPSIZE_MIDDLE);
  cairo_move_to(cr, x, y);
  pango_cairo_show_layout(cr, layout);
  g_object_unref(layout);
}

static gboolean hm_history_draw(GtkWidget *widget, cairo_t *cr)
{
  HmHistory       *self  = HM_HISTORY(widget);
  GtkStyleContext *style = gtk_widget_get_style_context(widget);
  int              width = gtk_widget_get_allocated_width(widget);
  double  bar_w = MAX(1.0, (double)(width - LABEL_WIDTH) / HM_HISTORY_SAMPLES);
  GdkRGBA fg;

  gtk_style_context_get_color(style, gtk_style_context_get_state(style), &fg);

  if (self->rows->len == 0) {
    gdk_cairo_set_source_rgba(cr, &fg);
    hm_draw_text(widget, cr, _("No jobs in the last minute"), 4, 4, width - 8,
                 FALSE);
  }
  for (guint i = 0; i < self->rows->len; i++) {
    struct row *r   = g_ptr_array_index(self->rows, i);
    double      top = i * (ROW_HEIGHT + ROW_GAP);
    guint       max = 1;

    for (guint s = 0; s < HM_HISTORY_SAMPLES; s++) {
      guint sum = 0;
      for (guint a = 0; a < HM_ACTIVITY_COUNT_; a++) {
        sum += r->samples[s][a];
      }
      max = MAX(max, sum);
    }
    gdk_cairo_set_source_rgba(cr, &fg);
    hm_draw_text(widget, cr, r->host, 4, top + 4, LABEL_WIDTH - 8, FALSE);
    cairo_set_source_rgba(cr, 0.5, 0.5, 0.5, 0.12);
    cairo_rectangle(cr, LABEL_WIDTH, top, width - LABEL_WIDTH, ROW_HEIGHT);
    cairo_fill(cr);

    /* Oldest sample on the left, the newest at the right edge. */
    for (guint k = 0; k < HM_HISTORY_SAMPLES; k++) {
      guint  s = (self->head + 1 + k) % HM_HISTORY_SAMPLES;
      double x = LABEL_WIDTH + k * bar_w;
      double y = top + ROW_HEIGHT;
      for (guint a = 0; a < HM_ACTIVITY_COUNT_; a++) {
        double h = (double)r->samples[s][a] * ROW_HEIGHT / max;
        if (h > 0) {
          cairo_set_source_rgb(cr, activities[a].r, activities[a].g,
                               activities[a].b);
          cairo_rectangle(cr, x, y - h, bar_w, h);
          cairo_fill(cr);
          y -= h;
        }
      }
    }
  }

  hm_activity_draw_legend(widget, cr, 4,
                          MAX(self->rows->len, 1) * (ROW_HEIGHT + ROW_GAP) + 6);
  return FALSE;
}

static void hm_history_finalize(GObject *object)
{
  g_ptr_array_unref(HM_HISTORY(object)->rows);
  G_OBJECT_CLASS(hm_history_parent_class)->finalize(object);
}

static void hm_history_class_init(HmHistoryClass *klass)
{
  G_OBJECT_CLASS(klass)->finalize = hm_history_finalize;
  GTK_WIDGET_CLASS(klass)->draw   = hm_history_draw;
}

static void hm_history_init(HmHistory *self)
{
  self->rows = g_ptr_array_new_with_free_func(row_free);
  update_size(self);
}

GtkWidget *hm_history_new(void)
{
  return g_object_new(HM_TYPE_HISTORY, NULL);
}
