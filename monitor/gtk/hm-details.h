/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The details pane of herdcc-monitor's window: everything known of the
 * selected server (where it was found, its state, its TXT record's
 * compilers and, when its status answers, lisa's list: uptime, its
 * configuration, jobs done by result, throughput, the result cache and
 * its current jobs), as rows of headings and values in a GtkGrid. */
#pragma once

#include <gtk/gtk.h>

#include "hm-servers.h"

G_BEGIN_DECLS

/* Replace grid's children with the details of s (borrowed; NULL: a hint
 * to select a server), and append them to listing as the self-test
 * listing's "detail\tHEADING\tVALUE" lines. */
void hm_details_show(GtkGrid *grid, struct hm_server *s, GString *listing);

G_END_DECLS
