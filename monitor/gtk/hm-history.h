/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The activity history, like distccmon-gnome's bars: one row per host, the
 * last HM_HISTORY_SAMPLES ticks from left (old) to right (now), each tick a
 * stacked bar of that host's jobs coloured by what they were doing, and a
 * legend. The window feeds it: hm_history_add() for every job seen in a
 * tick, then hm_history_tick(). */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define HM_HISTORY_SAMPLES 120

/* What a job was doing, as the bars colour it. */
typedef enum {
  HM_ACTIVITY_WAIT,       /* waiting for a slot */
  HM_ACTIVITY_PREPROCESS, /* cpp on this machine */
  HM_ACTIVITY_TRANSFER,   /* connecting, sending, receiving */
  HM_ACTIVITY_COMPILE,    /* the compiler runs on the server */
  HM_ACTIVITY_LOCAL,      /* compiling on this machine */
  HM_ACTIVITY_COUNT_
} HmActivity;

/* An activity's name (translated) and colour, and a legend of all of
 * them drawn at x, y (the timeline uses the same colours); the legend's
 * height in pixels. */
const char *hm_activity_name(HmActivity activity);
void        hm_activity_set_source(cairo_t *cr, HmActivity activity);
int hm_activity_draw_legend(GtkWidget *widget, cairo_t *cr, double x, double y);

/* Text at (x, y) in the widget's font, ellipsized in the middle to width
 * pixels, in bold when asked: the one way the drawn views label things. */
void hm_draw_text(GtkWidget *widget, cairo_t *cr, const char *text, double x,
                  double y, int width, gboolean bold);

#define HM_TYPE_HISTORY (hm_history_get_type())
G_DECLARE_FINAL_TYPE(HmHistory, hm_history, HM, HISTORY, GtkDrawingArea)

GtkWidget *hm_history_new(void);

/* Count one job of host (borrowed) doing activity in the current tick. */
void hm_history_add(HmHistory *self, const char *host, HmActivity activity);

/* Close the current tick: shift every row by one sample, drop the rows that
 * were idle for the whole history, redraw. */
void hm_history_tick(HmHistory *self);

/* The hosts shown, in order (for the self-test listing); a NULL-terminated
 * vector the caller frees with g_strfreev. */
char **hm_history_get_hosts(HmHistory *self);

G_END_DECLS
