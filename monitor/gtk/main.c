/* SPDX-License-Identifier: GPL-2.0-or-later */
/* herdcc-monitor: see hm-application.h and docs/herdcc-monitor.1. */
#include <locale.h>

#include <glib/gi18n.h>

#include "hm-application.h"
#include "hm-config.h"

int main(int argc, char **argv)
{
  setlocale(LC_ALL, "");
  bindtextdomain(GETTEXT_PACKAGE, HM_LOCALEDIR);
  bind_textdomain_codeset(GETTEXT_PACKAGE, "UTF-8");
  textdomain(GETTEXT_PACKAGE);

  g_set_application_name(_("herdcc monitor"));
  g_autoptr(HmApplication) app = hm_application_new();
  return g_application_run(G_APPLICATION(app), argc, argv);
}
