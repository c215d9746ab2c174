/* SPDX-License-Identifier: GPL-2.0-or-later */
/* herdcc-monitor as a GtkApplication (org.herdcc.Monitor): one window, a
 * tray icon (hm-tray.h) whose icon shows the farm's state and whose menu
 * shows or hides the window, pauses refreshing and quits; the actions
 * app.toggle-window, app.close-window (Ctrl+W), app.pause (Ctrl+P) and
 * app.quit (Ctrl+Q); and the command-line options (--hidden,
 * --self-test=FILE, --select=NAME, --version). */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define HM_APPLICATION_ID "org.herdcc.Monitor"

#define HM_TYPE_APPLICATION (hm_application_get_type())
G_DECLARE_FINAL_TYPE(HmApplication, hm_application, HM, APPLICATION,
                     GtkApplication)

HmApplication *hm_application_new(void);

G_END_DECLS
