/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The timeline, like icemon's Gantt view: one row per job slot of every
 * server and of this machine, a bar per job and phase, coloured by
 * activity (hm-history.h's colours), over the last HM_TIMELINE_KEEP_S
 * seconds, of which HM_TIMELINE_SPAN_S are shown; the horizontal
 * adjustment (hm_timeline_get_hadjustment) scrolls back in time, the
 * wheel too. Hovering a bar tells its file, host, slot, phase and
 * timing. The window feeds it every tick: hm_timeline_set_slots() for
 * every host, hm_timeline_observe() for every job seen, then
 * hm_timeline_tick(). A job is placed in the first free slot of its host
 * (the status does not say which slot a server gives a job); more jobs
 * than slots get rows of their own. */
#pragma once

#include <gtk/gtk.h>

#include "hm-history.h"

G_BEGIN_DECLS

#define HM_TIMELINE_KEEP_S 900
#define HM_TIMELINE_SPAN_S 600

#define HM_TYPE_TIMELINE (hm_timeline_get_type())
G_DECLARE_FINAL_TYPE(HmTimeline, hm_timeline, HM, TIMELINE, GtkDrawingArea)

GtkWidget *hm_timeline_new(void);

/* host (borrowed) has slots job slots: at least that many rows. */
void hm_timeline_set_slots(HmTimeline *self, const char *host, guint slots);

/* The job key (unique per host, borrowed) of host was seen in this tick,
 * doing activity (phase: its name, borrowed), on file (borrowed), started
 * at started_us (UNIX time, microseconds). */
void hm_timeline_observe(HmTimeline *self, const char *host, const char *key,
                         const char *file, HmActivity activity,
                         const char *phase, gint64 started_us);

/* Close the tick at now_us: jobs not seen in it have ended; bars older
 * than HM_TIMELINE_KEEP_S go, and hosts with neither slots set nor bars
 * in this tick; redraw. */
void hm_timeline_tick(HmTimeline *self, gint64 now_us);

/* The adjustment that scrolls through time (borrowed). */
GtkAdjustment *hm_timeline_get_hadjustment(HmTimeline *self);

/* For the self-test listing: one "HOST\tROWS\tBARS\tX,Y" per host, in
 * order, X,Y the middle of its newest bar in the widget (-1,-1 when it has
 * none in view); a NULL-terminated vector for g_strfreev. */
char **hm_timeline_describe(HmTimeline *self);

/* The bar under x, y as its tooltip reads, or NULL (owned by the caller). */
char *hm_timeline_bar_at(HmTimeline *self, double x, double y);

/* The text of the tooltip shown last, or NULL (borrowed); the signal
 * "tooltip-shown" says when it changed. */
const char *hm_timeline_get_tooltip(HmTimeline *self);

G_END_DECLS
