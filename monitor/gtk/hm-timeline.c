/* SPDX-License-Identifier: GPL-2.0-or-later */
/* See hm-timeline.h. A host is a group of lanes (rows); a lane holds its
 * bars in time order, the last one open while its job runs. Drawing walks
 * only the bars inside the visible span. */
#include <string.h>

#include <glib/gi18n.h>

#include "hm-timeline.h"

#define LABEL_WIDTH 170
#define AXIS_HEIGHT 20
#define LANE_HEIGHT 16
#define LANE_GAP    2
#define GROUP_GAP   6
#define LEGEND_GAP  26
/* Bars kept per lane at most: a lane at 500 jobs/s keeps the newest. */
#define LANE_BARS_MAX 4096

struct bar {
  gint64     start, end; /* UNIX µs; end 0 while open */
  HmActivity activity;
  char      *file;
  char      *phase;
};

struct lane {
  GArray  *bars;     /* struct bar */
  char    *live_key; /* the job in it now, or NULL */
  gboolean seen;     /* its job was seen in this tick */
};

struct group {
  char      *host;
  guint      slots;
  gboolean   touched; /* set_slots or observe in this tick */
  GPtrArray *lanes;   /* struct lane* */
};

struct _HmTimeline {
  GtkDrawingArea parent_instance;
  GPtrArray     *groups;  /* struct group*, in order of appearance */
  GtkAdjustment *hadj;    /* seconds back from now of the view's left edge */
  gint64         now;     /* the latest tick */
  char          *tooltip; /* the last one shown */
};

enum {
  SIGNAL_TOOLTIP_SHOWN,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_TYPE(HmTimeline, hm_timeline, GTK_TYPE_DRAWING_AREA)

static void bar_clear(gpointer data)
{
  struct bar *b = data;

  g_free(b->file);
  g_free(b->phase);
}

static struct lane *lane_new(void)
{
  struct lane *l = g_new0(struct lane, 1);

  l->bars = g_array_new(FALSE, TRUE, sizeof(struct bar));
  g_array_set_clear_func(l->bars, bar_clear);
  return l;
}

static void lane_free(gpointer data)
{
  struct lane *l = data;

  g_array_unref(l->bars);
  g_free(l->live_key);
  g_free(l);
}

static void group_free(gpointer data)
{
  struct group *g = data;

  g_ptr_array_unref(g->lanes);
  g_free(g->host);
  g_free(g);
}

static guint lane_count(HmTimeline *self)
{
  guint n = 0;

  for (guint i = 0; i < self->groups->len; i++) {
    n += ((struct group *)g_ptr_array_index(self->groups, i))->lanes->len;
  }
  return n;
}

static void update_size(HmTimeline *self)
{
  guint lanes  = lane_count(self);
  int   height = AXIS_HEIGHT + (int)(lanes * (LANE_HEIGHT + LANE_GAP)) +
               (int)(self->groups->len * GROUP_GAP) + LEGEND_GAP;

  gtk_widget_set_size_request(GTK_WIDGET(self), LABEL_WIDTH + 400, height);
}

static struct group *find_group(HmTimeline *self, const char *host)
{
  for (guint i = 0; i < self->groups->len; i++) {
    struct group *g = g_ptr_array_index(self->groups, i);
    if (g_strcmp0(g->host, host) == 0) {
      return g;
    }
  }
  struct group *g = g_new0(struct group, 1);
  g->host         = g_strdup(host && host[0] ? host : _("(unknown)"));
  g->lanes        = g_ptr_array_new_with_free_func(lane_free);
  g_ptr_array_add(self->groups, g);
  return g;
}

static void group_grow(HmTimeline *self, struct group *g, guint lanes)
{
  if (g->lanes->len < lanes) {
    while (g->lanes->len < lanes) {
      g_ptr_array_add(g->lanes, lane_new());
    }
    update_size(self);
  }
}

void hm_timeline_set_slots(HmTimeline *self, const char *host, guint slots)
{
  g_return_if_fail(HM_IS_TIMELINE(self));
  struct group *g = find_group(self, host);

  g->slots   = MIN(slots, 256);
  g->touched = TRUE;
  group_grow(self, g, g->slots);
}

static struct bar *lane_last(struct lane *l)
{
  return l->bars->len ? &g_array_index(l->bars, struct bar, l->bars->len - 1)
                      : NULL;
}

static void lane_open(struct lane *l, const char *file, HmActivity activity,
                      const char *phase, gint64 start)
{
  struct bar *last = lane_last(l);
  struct bar  b    = {
        .start    = last && last->end > start ? last->end : start,
        .activity = activity,
        .file     = g_strdup(file),
        .phase    = g_strdup(phase),
  };

  if (l->bars->len >= LANE_BARS_MAX) {
    g_array_remove_index(l->bars, 0);
  }
  g_array_append_val(l->bars, b);
}

void hm_timeline_observe(HmTimeline *self, const char *host, const char *key,
                         const char *file, HmActivity activity,
                         const char *phase, gint64 started_us)
{
  g_return_if_fail(HM_IS_TIMELINE(self) && activity < HM_ACTIVITY_COUNT_);
  struct group *g    = find_group(self, host);
  struct lane  *free = NULL;
  gint64        now  = g_get_real_time();

  g->touched = TRUE;
  for (guint i = 0; i < g->lanes->len; i++) {
    struct lane *l = g_ptr_array_index(g->lanes, i);
    if (l->live_key && strcmp(l->live_key, key) == 0) {
      struct bar *last = lane_last(l);
      l->seen          = TRUE;
      if (last && last->end == 0 && last->activity != activity) {
        last->end = now;
        lane_open(l, file, activity, phase, now);
      }
      return;
    }
    if (!free && !l->live_key) {
      free = l;
    }
  }
  if (!free) {
    group_grow(self, g, g->lanes->len + 1);
    free = g_ptr_array_index(g->lanes, g->lanes->len - 1);
  }
  free->live_key = g_strdup(key);
  free->seen     = TRUE;
  lane_open(free, file, activity, phase, MIN(started_us, now));
}

static gboolean lane_empty(const struct lane *l)
{
  return l->bars->len == 0 && !l->live_key;
}

void hm_timeline_tick(HmTimeline *self, gint64 now_us)
{
  g_return_if_fail(HM_IS_TIMELINE(self));
  gint64   oldest  = now_us - (gint64)HM_TIMELINE_KEEP_S * G_USEC_PER_SEC;
  gboolean resized = FALSE;

  self->now = now_us;
  for (guint i = 0; i < self->groups->len;) {
    struct group *g     = g_ptr_array_index(self->groups, i);
    gboolean      empty = TRUE;
    for (guint k = 0; k < g->lanes->len;) {
      struct lane *l    = g_ptr_array_index(g->lanes, k);
      struct bar  *last = lane_last(l);
      if (l->live_key && !l->seen) {
        if (last && last->end == 0) {
          last->end = now_us;
        }
        g_clear_pointer(&l->live_key, g_free);
      }
      l->seen    = FALSE;
      guint drop = 0;
      while (drop < l->bars->len &&
             g_array_index(l->bars, struct bar, drop).end != 0 &&
             g_array_index(l->bars, struct bar, drop).end < oldest) {
        drop++;
      }
      if (drop) {
        g_array_remove_range(l->bars, 0, drop);
      }
      /* Rows beyond the slots go when they are empty. */
      if (k >= g->slots && lane_empty(l)) {
        g_ptr_array_remove_index(g->lanes, k);
        resized = TRUE;
        continue;
      }
      empty = empty && lane_empty(l);
      k++;
    }
    if (!g->touched && empty) {
      g_ptr_array_remove_index(self->groups, i);
      resized = TRUE;
      continue;
    }
    g->touched = FALSE;
    i++;
  }
  if (resized) {
    update_size(self);
  }
  gtk_widget_queue_draw(GTK_WIDGET(self));
}

/* ---- geometry ------------------------------------------------------------ */

/* The visible span [ret_from, ret_to] in UNIX µs. */
static void view_span(HmTimeline *self, gint64 *ret_from, gint64 *ret_to)
{
  double back = gtk_adjustment_get_upper(self->hadj) -
                gtk_adjustment_get_page_size(self->hadj) -
                gtk_adjustment_get_value(self->hadj);
  gint64 now = self->now ? self->now : g_get_real_time();

  *ret_to   = now - (gint64)(back * G_USEC_PER_SEC);
  *ret_from = *ret_to - (gint64)HM_TIMELINE_SPAN_S * G_USEC_PER_SEC;
}

static double time_x(gint64 t, gint64 from, gint64 to, double plot_w)
{
  return LABEL_WIDTH + (double)(t - from) / (double)(to - from) * plot_w;
}

/* The group and lane at y, or FALSE. */
static gboolean lane_at(HmTimeline *self, double y, struct group **ret_group,
                        guint *ret_lane)
{
  double top = AXIS_HEIGHT;

  for (guint i = 0; i < self->groups->len; i++) {
    struct group *g = g_ptr_array_index(self->groups, i);
    for (guint k = 0; k < g->lanes->len; k++) {
      if (y >= top && y < top + LANE_HEIGHT) {
        *ret_group = g;
        *ret_lane  = k;
        return TRUE;
      }
      top += LANE_HEIGHT + LANE_GAP;
    }
    top += GROUP_GAP;
  }
  return FALSE;
}

static char *format_clock(gint64 us)
{
  g_autoptr(GDateTime) t = g_date_time_new_from_unix_local(us / G_USEC_PER_SEC);

  return t ? g_date_time_format(t, "%H:%M:%S") : g_strdup("?");
}

char *hm_timeline_bar_at(HmTimeline *self, double x, double y)
{
  g_return_val_if_fail(HM_IS_TIMELINE(self), NULL);
  struct group *g;
  guint         k;
  gint64        from, to;
  double        plot_w =
    gtk_widget_get_allocated_width(GTK_WIDGET(self)) - LABEL_WIDTH - 4;

  if (x < LABEL_WIDTH || plot_w <= 0 || !lane_at(self, y, &g, &k)) {
    return NULL;
  }
  view_span(self, &from, &to);
  gint64 t = from + (gint64)((x - LABEL_WIDTH) / plot_w * (double)(to - from));
  struct lane *l = g_ptr_array_index(g->lanes, k);
  /* Within two pixels: a short job is a thin bar. */
  gint64 slack = (gint64)(2.0 / plot_w * (double)(to - from));
  for (guint i = l->bars->len; i-- > 0;) {
    const struct bar *b   = &g_array_index(l->bars, struct bar, i);
    gint64            end = b->end ? b->end : self->now;
    if (t >= b->start - slack && t <= end + slack) {
      g_autofree char *start = format_clock(b->start);
      g_autofree char *stop  = b->end ? format_clock(b->end) : NULL;
      double           secs  = (double)(end - b->start) / G_USEC_PER_SEC;
      return g_strdup_printf(
        /* Translators: file, phase, host, slot, start, end, duration. */
        _("%s\n%s on %s, slot %u\n%s – %s (%.1f s)"), b->file, b->phase,
        g->host, k + 1, start, stop ? stop : _("now"), secs);
    }
  }
  return NULL;
}

/* ---- drawing ------------------------------------------------------------- */

static void draw_axis(HmTimeline *self, cairo_t *cr, const GdkRGBA *fg,
                      gint64 from, gint64 to, double plot_w, double height)
{
  GtkWidget *widget = GTK_WIDGET(self);

  /* A line each minute, labelled with its clock time. */
  for (gint64 m = (from / (60 * G_USEC_PER_SEC) + 1) * 60 * G_USEC_PER_SEC;
       m <= to; m += 60 * G_USEC_PER_SEC) {
    double x = time_x(m, from, to, plot_w);
    cairo_set_source_rgba(cr, fg->red, fg->green, fg->blue, 0.15);
    cairo_rectangle(cr, x, AXIS_HEIGHT - 4, 1, height - AXIS_HEIGHT);
    cairo_fill(cr);
    g_autoptr(GDateTime) t =
      g_date_time_new_from_unix_local(m / G_USEC_PER_SEC);
    g_autofree char *label = t ? g_date_time_format(t, "%H:%M") : NULL;
    if (label && x + 40 < LABEL_WIDTH + plot_w) {
      gdk_cairo_set_source_rgba(cr, fg);
      hm_draw_text(widget, cr, label, x + 2, 0, 60, FALSE);
    }
  }
}

static gboolean hm_timeline_draw(GtkWidget *widget, cairo_t *cr)
{
  HmTimeline      *self   = HM_TIMELINE(widget);
  GtkStyleContext *style  = gtk_widget_get_style_context(widget);
  int              width  = gtk_widget_get_allocated_width(widget);
  double           plot_w = width - LABEL_WIDTH - 4;
  double           top    = AXIS_HEIGHT;
  gint64           from, to;
  GdkRGBA          fg;

  if (plot_w <= 0) {
    return FALSE;
  }
  gtk_style_context_get_color(style, gtk_style_context_get_state(style), &fg);
  view_span(self, &from, &to);
  if (self->groups->len == 0) {
    gdk_cairo_set_source_rgba(cr, &fg);
    hm_draw_text(widget, cr, _("No servers and no jobs yet"), 4, top, width - 8,
                 FALSE);
  }
  for (guint i = 0; i < self->groups->len; i++) {
    struct group *g = g_ptr_array_index(self->groups, i);
    for (guint k = 0; k < g->lanes->len; k++) {
      struct lane     *l     = g_ptr_array_index(g->lanes, k);
      g_autofree char *label = k == 0
                                 ? g_strdup_printf("%s  %u", g->host, k + 1)
                                 : g_strdup_printf("%u", k + 1);
      gdk_cairo_set_source_rgba(cr, &fg);
      PangoLayout *layout = gtk_widget_create_pango_layout(widget, label);
      pango_layout_set_width(layout, (LABEL_WIDTH - 8) * PANGO_SCALE);
      pango_layout_set_ellipsize(layout, PANGO_ELLIPSIZE_MIDDLE);
      pango_layout_set_alignment(layout, PANGO_ALIGN_RIGHT);
      cairo_move_to(cr, 0, top);
      pango_cairo_show_layout(cr, layout);
      g_object_unref(layout);
      /* Slots beyond the host's are shaded darker. */
      cairo_set_source_rgba(cr, 0.5, 0.5, 0.5, k < g->slots ? 0.12 : 0.25);
      cairo_rectangle(cr, LABEL_WIDTH, top, plot_w, LANE_HEIGHT);
      cairo_fill(cr);
      for (guint b = 0; b < l->bars->len; b++) {
        const struct bar *bar = &g_array_index(l->bars, struct bar, b);
        gint64            end = bar->end ? bar->end : self->now;
        if (end < from || bar->start > to) {
          continue;
        }
        double x0 = time_x(MAX(bar->start, from), from, to, plot_w);
        double x1 = time_x(MIN(end, to), from, to, plot_w);
        hm_activity_set_source(cr, bar->activity);
        cairo_rectangle(cr, x0, top + 1, MAX(x1 - x0, 1.0), LANE_HEIGHT - 2);
        cairo_fill(cr);
      }
      top += LANE_HEIGHT + LANE_GAP;
    }
    top += GROUP_GAP;
  }
  draw_axis(self, cr, &fg, from, to, plot_w, top);
  hm_activity_draw_legend(widget, cr, LABEL_WIDTH, top + 4);
  return FALSE;
}

static gboolean on_query_tooltip(GtkWidget *widget, int x, int y,
                                 gboolean keyboard, GtkTooltip *tooltip)
{
  if (keyboard) {
    return FALSE;
  }
  g_autofree char *text = hm_timeline_bar_at(HM_TIMELINE(widget), x, y);
  if (!text) {
    return FALSE;
  }
  gtk_tooltip_set_text(tooltip, text);
  HmTimeline *self = HM_TIMELINE(widget);
  if (g_strcmp0(self->tooltip, text) != 0) {
    g_free(self->tooltip);
    self->tooltip = g_strdup(text);
    g_signal_emit(self, signals[SIGNAL_TOOLTIP_SHOWN], 0);
  }
  return TRUE;
}

const char *hm_timeline_get_tooltip(HmTimeline *self)
{
  g_return_val_if_fail(HM_IS_TIMELINE(self), NULL);
  return self->tooltip;
}

static gboolean hm_timeline_scroll(GtkWidget *widget, GdkEventScroll *event)
{
  HmTimeline *self = HM_TIMELINE(widget);
  double      dx = 0, dy = 0;
  double      step = HM_TIMELINE_SPAN_S / 20.0;

  if (event->direction == GDK_SCROLL_SMOOTH) {
    gdk_event_get_scroll_deltas((GdkEvent *)event, &dx, &dy);
  } else {
    dx =
      event->direction == GDK_SCROLL_LEFT || event->direction == GDK_SCROLL_UP
        ? -1
        : 1;
  }
  if (!(event->state & GDK_SHIFT_MASK) && dx == 0) {
    return GDK_EVENT_PROPAGATE; /* vertical: the scrolled window's */
  }
  gtk_adjustment_set_value(self->hadj, gtk_adjustment_get_value(self->hadj) +
                                         (dx ? dx : dy) * step);
  return GDK_EVENT_STOP;
}

static void on_hadj_changed(GtkAdjustment *adj, HmTimeline *self)
{
  (void)adj;
  gtk_widget_queue_draw(GTK_WIDGET(self));
}

char **hm_timeline_describe(HmTimeline *self)
{
  g_return_val_if_fail(HM_IS_TIMELINE(self), NULL);
  GStrvBuilder *b = g_strv_builder_new();
  double        plot_w =
    gtk_widget_get_allocated_width(GTK_WIDGET(self)) - LABEL_WIDTH - 4;
  double top = AXIS_HEIGHT;
  gint64 from, to;

  view_span(self, &from, &to);
  for (guint i = 0; i < self->groups->len; i++) {
    struct group *g    = g_ptr_array_index(self->groups, i);
    guint         bars = 0;
    double        x = -1, y = -1;
    gint64        newest = 0;
    for (guint k = 0; k < g->lanes->len; k++) {
      struct lane *l    = g_ptr_array_index(g->lanes, k);
      struct bar  *last = lane_last(l);
      bars += l->bars->len;
      if (last && plot_w > 0 && last->start > newest && last->start <= to) {
        gint64 end = last->end ? last->end : self->now;
        newest     = last->start;
        x          = (time_x(MAX(last->start, from), from, to, plot_w) +
             time_x(MIN(end, to), from, to, plot_w)) /
            2;
        y = top + LANE_HEIGHT / 2.0;
      }
      top += LANE_HEIGHT + LANE_GAP;
    }
    top += GROUP_GAP;
    g_autofree char *line = g_strdup_printf(
      "%s\t%u\t%u\t%d,%d", g->host, g->lanes->len, bars, (int)x, (int)y);
    g_strv_builder_add(b, line);
  }
  char **lines = g_strv_builder_end(b);
  g_strv_builder_unref(b);
  return lines;
}

GtkAdjustment *hm_timeline_get_hadjustment(HmTimeline *self)
{
  g_return_val_if_fail(HM_IS_TIMELINE(self), NULL);
  return self->hadj;
}

static void hm_timeline_finalize(GObject *object)
{
  HmTimeline *self = HM_TIMELINE(object);

  g_ptr_array_unref(self->groups);
  g_object_unref(self->hadj);
  g_free(self->tooltip);
  G_OBJECT_CLASS(hm_timeline_parent_class)->finalize(object);
}

static void hm_timeline_dispose(GObject *object)
{
  HmTimeline *self = HM_TIMELINE(object);

  g_signal_handlers_disconnect_by_data(self->hadj, self);
  G_OBJECT_CLASS(hm_timeline_parent_class)->dispose(object);
}

static void hm_timeline_class_init(HmTimelineClass *klass)
{
  G_OBJECT_CLASS(klass)->dispose         = hm_timeline_dispose;
  G_OBJECT_CLASS(klass)->finalize        = hm_timeline_finalize;
  GTK_WIDGET_CLASS(klass)->draw          = hm_timeline_draw;
  GTK_WIDGET_CLASS(klass)->scroll_event  = hm_timeline_scroll;
  GTK_WIDGET_CLASS(klass)->query_tooltip = on_query_tooltip;
  signals[SIGNAL_TOOLTIP_SHOWN] =
    g_signal_new("tooltip-shown", G_TYPE_FROM_CLASS(klass), G_SIGNAL_RUN_LAST,
                 0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void hm_timeline_init(HmTimeline *self)
{
  self->groups = g_ptr_array_new_with_free_func(group_free);
  /* Seconds: the page is the span shown, the value at its upper end
     follows now. */
  self->hadj = g_object_ref_sink(
    gtk_adjustment_new(HM_TIMELINE_KEEP_S - HM_TIMELINE_SPAN_S, 0,
                       HM_TIMELINE_KEEP_S, 10, 60, HM_TIMELINE_SPAN_S));
  g_signal_connect(self->hadj, "value-changed", G_CALLBACK(on_hadj_changed),
                   self);
  gtk_widget_set_has_tooltip(GTK_WIDGET(self), TRUE);
  gtk_widget_add_events(GTK_WIDGET(self),
                        GDK_SCROLL_MASK | GDK_SMOOTH_SCROLL_MASK);
  update_size(self);
}

GtkWidget *hm_timeline_new(void)
{
  return g_object_new(HM_TYPE_TIMELINE, NULL);
}
