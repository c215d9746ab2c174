/* SPDX-License-Identifier: GPL-2.0-or-later */
/* herdcc-monitor's status request (monitor/gtk/hm-fetch.c): the HTTP reply
 * split and decoded (status codes, header ends, bodies good and bad), and
 * the asynchronous request against real sockets on 127.0.0.1: a server
 * that answers, one that accepts and never answers (ends at the timeout),
 * a closed port (refused), and a request cancelled by its caller. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "hm-fetch.h"

static char *status_document(void)
{
  struct stats_job job = {
    .client  = "127.0.0.1:4000",
    .source  = "unit.c",
    .size    = 1234,
    .phase   = STATS_PHASE_COMPILE,
    .started = 1700000000,
  };
  struct stats s = {
    .version   = "0.1.0",
    .host      = "hostb",
    .now       = 1700000005,
    .uptime_s  = 42,
    .config    = { .port = 3632, .stats_port = 3633, .jobs = 3 },
    .jobs_done = 7,
    .running   = 1,
    .job_count = 1,
    .jobs      = &job,
  };
  char  *text = NULL;
  size_t len;

  s.results[STATS_RESULT_OK] = 7;
  assert_int_equal(stats_to_json(&s, &text, &len), 0);
  return text;
}

static void test_parse_reply(void **state)
{
  char            *doc = status_document();
  g_autofree char *ok  = g_strconcat(
    "HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n", doc, NULL);
  g_autofree char *ok_lf = g_strconcat(
    "HTTP/1.1 200 OK\nX: y\ncontent-type: application/json\n\n", doc, NULL);
  static const char garbage[] =
    "HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n{\"version\": ";

  static const struct {
    const char *name;
    const char *reply; /* NULL: the good reply */
    int         code;  /* -1: decoded */
  } fixed[] = {
    { "empty",                      "",                                              HM_FETCH_REFUSED   },
    { "distcc's text form",         "argv /distccd\n<distccstats>\n",
     HM_FETCH_BAD_REPLY                                                                                 },
    { "403",                        "HTTP/1.0 403 Forbidden\r\n\r\naccess denied\n",
     HM_FETCH_REFUSED                                                                                   },
    { "404",                        "HTTP/1.0 404 Not Found\r\n\r\n",                HM_FETCH_BAD_REPLY },
    { "status not digits",          "HTTP/1.0 2x0 OK\r\n\r\n{}",                     HM_FETCH_BAD_REPLY },
    { "no blank line",              "HTTP/1.0 200 OK\r\nContent-Type: x\r\n",
     HM_FETCH_BAD_REPLY                                                                                 },
    { "truncated JSON",             garbage,                                         HM_FETCH_BAD_REPLY },
    { "not a status document",
     "HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n[1, 2, 3]",           HM_FETCH_BAD_REPLY },
    { "not JSON (no Content-Type)", "HTTP/1.0 200 OK\r\n\r\n{}",
     HM_FETCH_BAD_REPLY                                                                                 },
  };

  (void)state;

  for (size_t i = 0; i < G_N_ELEMENTS(fixed); i++) {
    g_autoptr(GError) error = NULL;
    struct stats *s =
      hm_fetch_parse_reply(fixed[i].reply, strlen(fixed[i].reply), &error);
    if (s || !g_error_matches(error, HM_FETCH_ERROR, fixed[i].code)) {
      fail_msg("case \"%s\": %s", fixed[i].name,
               s ? "decoded" : error->message);
    }
  }

  const char *good[] = { ok, ok_lf };
  for (size_t i = 0; i < G_N_ELEMENTS(good); i++) {
    g_autoptr(GError) error = NULL;
    struct stats *s = hm_fetch_parse_reply(good[i], strlen(good[i]), &error);
    if (!s) {
      fail_msg("good reply %zu: %s", i, error->message);
    }
    assert_string_equal(s->host, "hostb");
    assert_int_equal(s->uptime_s, 42);
    assert_int_equal(s->config.jobs, 3);
    assert_int_equal(s->job_count, 1);
    assert_string_equal(s->jobs[0].source, "unit.c");
    assert_int_equal(s->jobs[0].phase, STATS_PHASE_COMPILE);
    hm_stats_free(s);
  }
  free(doc);
}

/* ---- requests against real sockets ------------------------------------ */

struct outcome {
  gboolean      done;
  struct stats *stats;
  GError       *error;
  gint64        elapsed_us;
  gint64        start_us;
};

static void on_done(GObject *source, GAsyncResult *result, gpointer data)
{
  struct outcome *o = data;

  (void)source;
  o->stats      = hm_fetch_stats_finish(result, &o->error);
  o->elapsed_us = g_get_monotonic_time() - o->start_us;
  o->done       = TRUE;
}

static void run(guint16 port, guint timeout_ms, GCancellable *cancel,
                struct outcome *o)
{
  o->start_us = g_get_monotonic_time();
  hm_fetch_stats_async("127.0.0.1", port, timeout_ms, cancel, on_done, o);
  while (!o->done) {
    g_main_context_iteration(NULL, TRUE);
  }
}

/* A server on 127.0.0.1 that answers every connection with reply (or
 * keeps it open without a word when reply is NULL). Its connections are
 * served in threads of their own: the request under test runs on this
 * thread's main loop. */
struct server {
  GSocketService *service;
  guint16         port;
  const char     *reply;
  GMutex          lock;
  GPtrArray      *held; /* under lock */
};

static gboolean on_run(GThreadedSocketService *service, GSocketConnection *conn,
                       GObject *source, gpointer data)
{
  struct server *srv = data;

  (void)service, (void)source;
  if (!srv->reply) {
    g_mutex_lock(&srv->lock);
    g_ptr_array_add(srv->held, g_object_ref(conn));
    g_mutex_unlock(&srv->lock);
    return TRUE;
  }
  char   request[256];
  gssize n =
    g_input_stream_read(g_io_stream_get_input_stream(G_IO_STREAM(conn)),
                        request, sizeof(request) - 1, NULL, NULL);
  assert_true(n > 0);
  request[n] = '\0';
  assert_true(g_str_has_prefix(request, "GET /json "));
  g_output_stream_write_all(g_io_stream_get_output_stream(G_IO_STREAM(conn)),
                            srv->reply, strlen(srv->reply), NULL, NULL, NULL);
  g_io_stream_close(G_IO_STREAM(conn), NULL, NULL);
  return TRUE;
}

static void server_start(struct server *srv, const char *reply)
{
  g_autoptr(GInetAddress) lo =
    g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) addr   = g_inet_socket_address_new(lo, 0);
  g_autoptr(GSocketAddress) actual = NULL;

  srv->reply = reply;
  srv->held  = g_ptr_array_new_with_free_func(g_object_unref);
  g_mutex_init(&srv->lock);
  srv->service = g_threaded_socket_service_new(4);
  assert_true(g_socket_listener_add_address(
    G_SOCKET_LISTENER(srv->service), addr, G_SOCKET_TYPE_STREAM,
    G_SOCKET_PROTOCOL_TCP, NULL, &actual, NULL));
  srv->port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(actual));
  g_signal_connect(srv->service, "run", G_CALLBACK(on_run), srv);
  g_socket_service_start(srv->service);
}

static void server_stop(struct server *srv)
{
  g_socket_service_stop(srv->service);
  g_socket_listener_close(G_SOCKET_LISTENER(srv->service));
  g_object_unref(srv->service);
  g_mutex_lock(&srv->lock);
  g_ptr_array_unref(srv->held);
  g_mutex_unlock(&srv->lock);
  g_mutex_clear(&srv->lock);
}

static void test_answer(void **state)
{
  char            *doc   = status_document();
  g_autofree char *reply = g_strconcat(
    "HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n", doc, NULL);
  struct server  srv;
  struct outcome o = { 0 };

  (void)state;
  server_start(&srv, reply);
  run(srv.port, 1500, NULL, &o);
  if (!o.stats) {
    fail_msg("no status: %s", o.error->message);
  }
  assert_string_equal(o.stats->version, "0.1.0");
  assert_int_equal(o.stats->jobs_done, 7);
  hm_stats_free(o.stats);
  server_stop(&srv);
  free(doc);
}

static void test_silent(void **state)
{
  struct server  srv;
  struct outcome o = { 0 };

  (void)state;
  server_start(&srv, NULL);
  run(srv.port, 300, NULL, &o);
  assert_null(o.stats);
  if (!g_error_matches(o.error, HM_FETCH_ERROR, HM_FETCH_UNREACHABLE)) {
    fail_msg("a silent server: %s", o.error->message);
  }
  /* Ends at the deadline, not before and not much after. */
  assert_true(o.elapsed_us >= 290 * 1000);
  assert_true(o.elapsed_us < 1500 * 1000);
  g_error_free(o.error);
  server_stop(&srv);
}

static void test_refused(void **state)
{
  struct server  srv;
  struct outcome o = { 0 };

  (void)state;
  server_start(&srv, NULL);
  guint16 port = srv.port;
  server_stop(&srv); /* nothing listens there now */
  run(port, 1500, NULL, &o);
  if (!g_error_matches(o.error, HM_FETCH_ERROR, HM_FETCH_CLOSED_PORT)) {
    fail_msg("a closed port: %s", o.error ? o.error->message : "answered");
  }
  g_error_free(o.error);
}

static void test_cancelled(void **state)
{
  struct server  srv;
  struct outcome o               = { 0 };
  g_autoptr(GCancellable) cancel = g_cancellable_new();

  (void)state;
  server_start(&srv, NULL);
  g_timeout_add_once(50, (GSourceOnceFunc)g_cancellable_cancel, cancel);
  run(srv.port, 5000, cancel, &o);
  if (!g_error_matches(o.error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
    fail_msg("cancelled: %s", o.error ? o.error->message : "answered");
  }
  assert_true(o.elapsed_us < 1000 * 1000);
  g_error_free(o.error);
  server_stop(&srv);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_parse_reply), cmocka_unit_test(test_answer),
    cmocka_unit_test(test_silent),      cmocka_unit_test(test_refused),
    cmocka_unit_test(test_cancelled),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
