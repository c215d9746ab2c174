/* herdcc-monitor as a GtkApplication (org.herdcc.Monitor): one window, a
 * status icon whose tooltip tells how many of this machine's jobs run and
 * which presents the window, and the command-line options
 * (--self-test=FILE, --version). */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define HM_APPLICATION_ID "org.herdcc.Monitor"

#define HM_TYPE_APPLICATION (hm_application_get_type())
G_DECLARE_FINAL_TYPE(HmApplication, hm_application, HM, APPLICATION,
                     GtkApplication)

HmApplication *hm_application_new(void);

G_END_DECLS
