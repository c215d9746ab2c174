/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What herdcc-monitor's views share to turn figures and untrusted text
 * into labels: text through the one cleaner, durations and throughputs
 * in the user's language. */
#pragma once

#include <glib.h>
#include <stdint.h>

G_BEGIN_DECLS

/* Text from a peer or a state file, fit for a label: the one cleaner's
 * rule (src/common/text.h). Never NULL; g_free() it. */
char *hm_clean_text(const char *text);

/* A duration ("42 s", "3 min 05 s", ...); g_free() it. */
char *hm_format_age(gint64 seconds);

/* bytes over ms as a throughput ("1.2 MB/s"), or a dash without time;
 * g_free() it. */
char *hm_format_rate(uint64_t bytes, uint64_t ms);

G_END_DECLS
