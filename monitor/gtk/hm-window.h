/* SPDX-License-Identifier: GPL-2.0-or-later */
/* herdcc-monitor's main window (a GtkBuilder template from the GResource):
 * the servers (live mDNS browsing through HmBrowser, the static list and
 * DNS through src/farm/farm.h), each polled for its status without
 * blocking and shown in the states herdcc-top shows (the farm library's
 * server model), their current jobs, this machine's client jobs from
 * the job state files, the activity history and the selected server's
 * details. With a self-test file it writes, after every update, what its
 * widgets show (see docs/herdcc-monitor.1). */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define HM_TYPE_WINDOW (hm_window_get_type())
G_DECLARE_FINAL_TYPE(HmWindow, hm_window, HM, WINDOW, GtkApplicationWindow)

/* self_test: a file for the listing, or NULL; select: the name of a server
 * to select when it appears, or NULL (both borrowed). */
HmWindow *hm_window_new(GtkApplication *app, const char *self_test,
                        const char *select);

/* The number of this machine's running client jobs. */
guint hm_window_get_running(HmWindow *self);

/* What the tray shows: this machine's running jobs, the jobs the servers
 * report running, and the servers that fail (unreachable, refusing,
 * answering badly, unresolved). The signal "changed" says when one of the
 * three changed. */
void hm_window_get_farm(HmWindow *self, guint *ret_local, guint *ret_remote,
                        guint *ret_failing);

/* Paused, the window asks nothing and reads no state files: what it
 * shows stays as it was. */
void hm_window_set_paused(HmWindow *self, gboolean paused);

/* The tray's state as the self-test listing shows it ("tray\tNOTE");
 * borrowed. */
void hm_window_set_tray_note(HmWindow *self, const char *note);

G_END_DECLS
