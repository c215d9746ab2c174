/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One asynchronous request to a herdccd's stats port for its JSON status
 * (src/common/stats.h: "GET /json", HTTP/1.0, the server closes after the
 * body), through GIO on the GLib main loop: it never blocks the caller,
 * ends within its timeout, reads at most STATS_JSON_MAX bytes of body and
 * decodes them with the shared decoder (stats_from_json). */
#pragma once

#include <gio/gio.h>

#include "statsfetch.h"

G_BEGIN_DECLS

/* Why a fetch failed, for the monitor's health column. */
typedef enum {
  HM_FETCH_UNREACHABLE, /* no connection (no route, timed out, reset) */
  HM_FETCH_CLOSED_PORT, /* connection refused: nothing listens there */
  HM_FETCH_REFUSED,     /* not allowed (HTTP 403), or closed without a word */
  HM_FETCH_BAD_REPLY,   /* an answer that is not a status document */
} HmFetchError;

#define HM_FETCH_ERROR (hm_fetch_error_quark())
GQuark hm_fetch_error_quark(void);

/* Fetch the status of the server at addr (numeric IPv4 or IPv6, borrowed)
 * and port; the whole exchange is bounded by timeout_ms. cancellable may
 * be NULL; cancelling it ends the request with G_IO_ERROR_CANCELLED and no
 * other effect. */
void hm_fetch_stats_async(const char *addr, guint16 port, guint timeout_ms,
                          GCancellable *cancellable, GAsyncReadyCallback cb,
                          gpointer user_data);

/* The decoded status (owned by the caller: hm_stats_free), or NULL with
 * *error set: an HM_FETCH_ERROR, or G_IO_ERROR_CANCELLED. */
struct stats *hm_fetch_stats_finish(GAsyncResult *result, GError **error);

/* Free a status returned by hm_fetch_stats_finish; accepts NULL. */
void hm_stats_free(struct stats *s);

/* Split an HTTP reply (a status line, headers, a blank line, the body) and
 * decode its body: what hm_fetch_stats_async does with the bytes it read,
 * separate so that tests can feed it. */
struct stats *hm_fetch_parse_reply(const char *reply, gsize len,
                                   GError **error);

G_END_DECLS
