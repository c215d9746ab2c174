/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The stats request as a GTask: connect, write the request line, read
 * until the server closes (capped), decode. A timeout source cancels an
 * internal GCancellable, so that every pending operation ends at the
 * deadline whatever it was waiting for; the caller's cancellable is chained
 * to the same internal one. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <glib/gi18n.h>

#include "hm-fetch.h"

/* Room for the status line and headers on top of the body's cap. */
#define HM_FETCH_HEADERS_MAX 8192
#define HM_FETCH_CHUNK       16384

G_DEFINE_QUARK(hm - fetch - error - quark, hm_fetch_error)

struct fetch {
  GCancellable      *cancel; /* internal: the deadline and the caller's */
  GCancellable      *parent; /* the caller's, or NULL */
  gulong             parent_handler;
  guint              timeout_id;
  gboolean           timed_out;
  guint              timeout_ms;
  GSocketConnection *conn;
  GByteArray        *buf;
};

static void fetch_free(gpointer data)
{
  struct fetch *f = data;

  if (f->timeout_id) {
    g_source_remove(f->timeout_id);
  }
  if (f->parent) {
    g_cancellable_disconnect(f->parent, f->parent_handler);
    g_object_unref(f->parent);
  }
  g_clear_object(&f->conn);
  g_clear_object(&f->cancel);
  if (f->buf) {
    g_byte_array_unref(f->buf);
  }
  g_free(f);
}

void hm_stats_free(struct stats *s)
{
  if (s) {
    stats_clear(s);
    free(s);
  }
}

static gboolean on_deadline(gpointer data)
{
  struct fetch *f = data;

  f->timeout_id = 0;
  f->timed_out  = TRUE;
  g_cancellable_cancel(f->cancel);
  return G_SOURCE_REMOVE;
}

static void on_parent_cancelled(GCancellable *parent, gpointer data)
{
  (void)parent;
  g_cancellable_cancel(data);
}

/* Map what GIO said to what the monitor shows. */
static void fetch_fail(GTask *task, GError *error)
{
  struct fetch *f = g_task_get_task_data(task);

  if (f->parent && g_cancellable_is_cancelled(f->parent)) {
    g_task_return_new_error(task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                            "cancelled");
  } else if (f->timed_out) {
    g_task_return_new_error(task, HM_FETCH_ERROR, HM_FETCH_UNREACHABLE,
                            _("no answer within %.1f s"),
                            f->timeout_ms / 1000.0);
  } else if (g_error_matches(error, G_IO_ERROR,
                             G_IO_ERROR_CONNECTION_REFUSED)) {
    g_task_return_new_error(task, HM_FETCH_ERROR, HM_FETCH_CLOSED_PORT,
                            _("connection refused"));
  } else {
    g_task_return_new_error(task, HM_FETCH_ERROR, HM_FETCH_UNREACHABLE, "%s",
                            error->message);
  }
  g_error_free(error);
  g_object_unref(task);
}

static gboolean bad_reply(GError **error, const char *why)
{
  g_set_error(error, HM_FETCH_ERROR, HM_FETCH_BAD_REPLY, "%s", why);
  return FALSE;
}

struct stats *hm_fetch_parse_reply(const char *reply, gsize len, GError **error)
{
  struct stats *s        = calloc(1, sizeof(*s));
  char          why[160] = "";

  if (!s) {
    bad_reply(error, g_strerror(ENOMEM));
    return NULL;
  }
  int r = stats_from_http(reply, len, s, why, sizeof(why));
  if (r >= 0) {
    return s;
  }
  free(s);
  if (r == -ECONNRESET) {
    g_set_error(error, HM_FETCH_ERROR, HM_FETCH_REFUSED,
                _("closed without an answer"));
  } else if (r == -EACCES) {
    const char *reason = g_str_has_prefix(why, "refused: ") ? why + 9 : why;
    g_set_error(error, HM_FETCH_ERROR, HM_FETCH_REFUSED,
                _("not allowed (HTTP 403): %s"), reason);
  } else {
    g_autofree char *msg = g_strdup_printf(_("bad reply: %s"), why);
    bad_reply(error, msg);
  }
  return NULL;
}

static void on_read(GObject *source, GAsyncResult *result, gpointer data);

static void read_more(GTask *task)
{
  struct fetch *f     = g_task_get_task_data(task);
  guint         have  = f->buf->len;
  GInputStream *input = g_io_stream_get_input_stream(G_IO_STREAM(f->conn));

  g_byte_array_set_size(f->buf, have + HM_FETCH_CHUNK);
  f->buf->len = have;
  g_input_stream_read_async(input, f->buf->data + have, HM_FETCH_CHUNK,
                            G_PRIORITY_DEFAULT, f->cancel, on_read, task);
}

static void on_read(GObject *source, GAsyncResult *result, gpointer data)
{
  GTask        *task  = data;
  struct fetch *f     = g_task_get_task_data(task);
  GError       *error = NULL;
  gssize n = g_input_stream_read_finish(G_INPUT_STREAM(source), result, &error);

  if (n < 0) {
    fetch_fail(task, error);
    return;
  }
  if (n > 0) {
    f->buf->len += (guint)n;
    if (f->buf->len > STATS_JSON_MAX + HM_FETCH_HEADERS_MAX) {
      g_task_return_new_error(task, HM_FETCH_ERROR, HM_FETCH_BAD_REPLY, "%s",
                              _("status document too large"));
      g_object_unref(task);
      return;
    }
    read_more(task);
    return;
  }
  /* The server closed: the reply is complete. */
  struct stats *s =
    hm_fetch_parse_reply((const char *)f->buf->data, f->buf->len, &error);
  if (s) {
    g_task_return_pointer(task, s, (GDestroyNotify)hm_stats_free);
  } else {
    g_task_return_error(task, error);
  }
  g_object_unref(task);
}

static void on_written(GObject *source, GAsyncResult *result, gpointer data)
{
  GTask  *task  = data;
  GError *error = NULL;

  if (!g_output_stream_write_all_finish(G_OUTPUT_STREAM(source), result, NULL,
                                        &error)) {
    fetch_fail(task, error);
    return;
  }
  read_more(task);
}

static void on_connected(GObject *source, GAsyncResult *result, gpointer data)
{
  static const char request[] = "GET " STATS_JSON_PATH " HTTP/1.0\r\n\r\n";
  GTask            *task      = data;
  struct fetch     *f         = g_task_get_task_data(task);
  GError           *error     = NULL;

  f->conn =
    g_socket_client_connect_finish(G_SOCKET_CLIENT(source), result, &error);
  if (!f->conn) {
    fetch_fail(task, error);
    return;
  }
  GOutputStream *output = g_io_stream_get_output_stream(G_IO_STREAM(f->conn));
  g_output_stream_write_all_async(output, request, sizeof(request) - 1,
                                  G_PRIORITY_DEFAULT, f->cancel, on_written,
                                  task);
}

void hm_fetch_stats_async(const char *addr, guint16 port, guint timeout_ms,
                          GCancellable *cancellable, GAsyncReadyCallback cb,
                          gpointer user_data)
{
  GTask        *task = g_task_new(NULL, cancellable, cb, user_data);
  struct fetch *f    = g_new0(struct fetch, 1);

  g_task_set_source_tag(task, hm_fetch_stats_async);
  g_task_set_check_cancellable(task, FALSE);
  g_task_set_task_data(task, f, fetch_free);
  f->cancel     = g_cancellable_new();
  f->buf        = g_byte_array_new();
  f->timeout_ms = timeout_ms;
  if (cancellable) {
    f->parent         = g_object_ref(cancellable);
    f->parent_handler = g_cancellable_connect(
      cancellable, G_CALLBACK(on_parent_cancelled), f->cancel, NULL);
  }
  f->timeout_id = g_timeout_add(timeout_ms, on_deadline, f);

  g_autoptr(GSocketAddress) sa =
    g_inet_socket_address_new_from_string(addr, port);
  if (!sa) {
    g_task_return_new_error(task, HM_FETCH_ERROR, HM_FETCH_UNREACHABLE,
                            _("not a numeric address: %s"), addr);
    g_object_unref(task);
    return;
  }
  g_autoptr(GSocketClient) client = g_socket_client_new();
  g_socket_client_connect_async(client, G_SOCKET_CONNECTABLE(sa), f->cancel,
                                on_connected, task);
}

struct stats *hm_fetch_stats_finish(GAsyncResult *result, GError **error)
{
  g_return_val_if_fail(g_task_is_valid(result, NULL), NULL);
  return g_task_propagate_pointer(G_TASK(result), error);
}
