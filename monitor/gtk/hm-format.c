/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Labels from figures and untrusted text (hm-format.h). */
#include "hm-format.h"

#include <glib/gi18n.h>

#include "text.h"

char *hm_clean_text(const char *text)
{
  char *s = text_clean_dup(text ? text : "", 0);

  if (!s) {
    g_error("Out of memory");
  }
  return s;
}

char *hm_format_age(gint64 seconds)
{
  int s = (int)CLAMP(seconds, 0, G_MAXINT);

  if (s < 60) {
    /* Translators: a duration in seconds. */
    return g_strdup_printf(_("%d s"), s);
  }
  if (s < 3600) {
    return g_strdup_printf(_("%d min %02d s"), s / 60, s % 60);
  }
  if (s < 86400) {
    return g_strdup_printf(_("%d h %02d min"), s / 3600, s % 3600 / 60);
  }
  return g_strdup_printf(_("%d d %d h"), s / 86400, s % 86400 / 3600);
}

char *hm_format_rate(uint64_t bytes, uint64_t ms)
{
  if (ms == 0) {
    return g_strdup("–");
  }
  g_autofree char *size =
    g_format_size((guint64)((double)bytes * 1000.0 / (double)ms));
  /* Translators: a throughput, "1.2 MB/s". */
  return g_strdup_printf(_("%s/s"), size);
}
