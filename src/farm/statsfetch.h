/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The monitors' HTTP client of a herdccd's stats port: "GET /json" over
 * HTTP/1.0, the server closing after the body, the reply's status line,
 * Content-Type and document checked by length and the document decoded
 * by src/common's stats_from_json. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "stats.h"

/* Decode the stats port's whole reply to "GET /json": the HTTP status
 * line, the Content-Type (application/json) and the document, into
 * *ret_stats (written only on success). -ECONNRESET for an empty reply,
 * -EACCES for a 403 (why: the server's reason), -EBADMSG (why) for
 * anything else that is not a status document. What stats_fetch and the
 * GTK monitor's asynchronous fetch both read replies with. */
int stats_from_http(const char *reply, size_t len, struct stats *ret_stats,
                    char *why, size_t why_len);

/* Fetch the JSON status of the herdccd at addr (numeric v4 or v6) and
 * port, waiting at most timeout_ms in all; blocking (for herdcc-top and
 * tests: the GTK monitor does the same through GIO and stats_from_json).
 * -ECONNREFUSED, -ETIMEDOUT, -EBADMSG (with why), -EACCES when the
 * server's --allow refuses us (403; why holds its reason), ... */
int stats_fetch(const char *addr, uint16_t port, int timeout_ms,
                struct stats *ret_stats, char *why, size_t why_len);
