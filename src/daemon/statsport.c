/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "statsport.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "macro.h"

/* The request line we look at; the rest of a request is ignored. */
#define STATSPORT_REQUEST_MAX 512

enum conn_state {
  CONN_READ,   /* waiting for the request line (or the grace) */
  CONN_WRITE,  /* sending the reply */
  CONN_LINGER, /* reply sent and half-closed; reading until the peer ends */
};

struct statsport_conn {
  int             fd; /* owned */
  char            peer[ACCESS_PEER_NAME_MAX];
  enum conn_state state;
  long long       grace;    /* CONN_READ: answer with the text by then */
  long long       deadline; /* closed by then, whatever its state */
  char            in[STATSPORT_REQUEST_MAX];
  size_t          in_len;
  char           *out; /* owned */
  size_t          out_len;
  size_t          out_off;
};

struct statsport {
  int                      *listen_fds; /* owned, each owned */
  size_t                    n_listen;
  int                       epoll_fd;                   /* borrowed */
  struct statsport_conn     conns[STATSPORT_MAX_CONNS]; /* oldest first */
  size_t                    n_conns;
  const struct access_list *access;  /* borrowed */
  const char               *program; /* borrowed */
  struct statsd            *statsd;  /* borrowed: what the replies tell */
};

/* ---- life --------------------------------------------------------------- */

int statsport_new(int *listen_fds, size_t n_listen,
                  const struct access_list *access, const char *program,
                  struct statsd *statsd, struct statsport **ret)
{
  struct statsport *sp = calloc(1, sizeof(*sp));

  if (!sp) {
    for (size_t i = 0; i < n_listen; i++) {
      close(listen_fds[i]);
    }
    free(listen_fds);
    return -ENOMEM;
  }
  sp->listen_fds = listen_fds;
  sp->n_listen   = n_listen;
  sp->epoll_fd   = -1;
  sp->access     = access;
  sp->program    = program;
  sp->statsd     = statsd;
  *ret           = sp;
  return 0;
}

void statsport_close_fds(struct statsport *sp)
{
  if (!sp) {
    return;
  }
  for (size_t i = 0; i < sp->n_listen; i++) {
    close(sp->listen_fds[i]);
  }
  sp->n_listen = 0;
  for (size_t i = 0; i < sp->n_conns; i++) {
    close(sp->conns[i].fd);
    free(sp->conns[i].out);
  }
  sp->n_conns = 0;
}

struct statsport *statsport_free(struct statsport *sp)
{
  if (!sp) {
    return NULL;
  }
  statsport_close_fds(sp);
  free(sp->listen_fds);
  free(sp);
  return NULL;
}

int statsport_watch(struct statsport *sp, int epoll_fd)
{
  sp->epoll_fd = epoll_fd;
  for (size_t i = 0; i < sp->n_listen; i++) {
    struct epoll_event ev = { .events = EPOLLIN, .data.fd = sp->listen_fds[i] };
    if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, sp->listen_fds[i], &ev) < 0) {
      return -errno;
    }
  }
  return 0;
}

/* ---- connections -------------------------------------------------------- */

static void conn_close(struct statsport *sp, size_t i)
{
  struct statsport_conn *c = &sp->conns[i];

  epoll_ctl(sp->epoll_fd, EPOLL_CTL_DEL, c->fd, NULL);
  close(c->fd);
  free(c->out);
  memmove(&sp->conns[i], &sp->conns[i + 1],
          (sp->n_conns - i - 1) * sizeof(sp->conns[0]));
  sp->n_conns--;
}

static void conn_watch(struct statsport *sp, struct statsport_conn *c,
                       uint32_t events)
{
  struct epoll_event ev = { .events = events, .data.fd = c->fd };

  epoll_ctl(sp->epoll_fd, EPOLL_CTL_MOD, c->fd, &ev);
}

/* Write what the peer takes; once all is out, half-close and linger. */
static void conn_write(struct statsport *sp, size_t i)
{
  struct statsport_conn *c = &sp->conns[i];

  while (c->out_off < c->out_len) {
    ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
                     MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0 && errno == EAGAIN) {
      return; /* EPOLLOUT brings us back */
    }
    if (n < 0) {
      log_info("Stats request from %s: failed to send the reply: %m", c->peer);
      conn_close(sp, i);
      return;
    }
    c->out_off += (size_t)n;
  }
  shutdown(c->fd, SHUT_WR);
  c->state      = CONN_LINGER;
  long long end = clock_now_ms() + STATSPORT_LINGER_MS;
  c->deadline   = end < c->deadline ? end : c->deadline;
  conn_watch(sp, c, EPOLLIN | EPOLLRDHUP);
}

static int render_json(struct statsport *sp, char **ret_text, size_t *ret_len)
{
  struct stats         s;
  _cleanup_free_ char *body = NULL;
  size_t               len;
  int                  r = statsd_snapshot(sp->statsd, &s);

  if (r < 0) {
    return r;
  }
  r = stats_to_json(&s, &body, &len);
  stats_clear(&s);
  if (r < 0) {
    return r;
  }
  if (asprintf(ret_text,
               "HTTP/1.0 200 OK\r\n"
               "Content-Type: application/json\r\n"
               "Content-Length: %zu\r\n"
               "Connection: close\r\n"
               "\r\n"
               "%s",
               len, body) < 0) {
    return -ENOMEM;
  }
  *ret_len = strlen(*ret_text);
  return 0;
}

static void conn_respond(struct statsport *sp, size_t i, enum stats_form form)
{
  struct statsport_conn *c    = &sp->conns[i];
  bool                   json = form == STATS_FORM_JSON;
  int                    r    = json ? render_json(sp, &c->out, &c->out_len)
                                     : statsd_render_text(sp->statsd, form == STATS_FORM_TEXT_OURS,
                                                          &c->out, &c->out_len);

  if (r < 0) {
    log_warning("Stats request from %s: failed to write the reply: %s", c->peer,
                strerror(-r));
    conn_close(sp, i);
    return;
  }
  log_debug("Stats request from %s: %s", c->peer, json ? "json" : "text");
  c->state = CONN_WRITE;
  conn_watch(sp, c, EPOLLOUT);
  conn_write(sp, i);
}

static void conn_read(struct statsport *sp, size_t i)
{
  struct statsport_conn *c = &sp->conns[i];

  for (;;) {
    char    scratch[4096];
    bool    reading = c->state == CONN_READ;
    char   *buf     = reading ? c->in + c->in_len : scratch;
    size_t  room    = reading ? sizeof(c->in) - c->in_len : sizeof(scratch);
    ssize_t n       = recv(c->fd, buf, room, MSG_DONTWAIT);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0 && errno == EAGAIN) {
      return;
    }
    if (n <= 0 && !reading) {
      conn_close(sp, i); /* the peer is done, or gone */
      return;
    }
    if (n < 0) {
      log_info("Stats request from %s: failed to read: %m", c->peer);
      conn_close(sp, i);
      return;
    }
    if (!reading) {
      continue;
    }
    c->in_len += (size_t)n;
    if (n == 0 || c->in_len == sizeof(c->in) ||
        memchr(c->in, '\n', c->in_len)) {
      conn_respond(sp, i, stats_request_form(c->in, c->in_len));
      return;
    }
  }
}

static void answer_forbidden(struct statsport *sp, struct statsport_conn *c)
{
  log_warning("Stats request from %s: refused: access denied (not on this "
              "server's allow-list)",
              c->peer);
  if (asprintf(&c->out,
               "HTTP/1.0 403 Forbidden\r\n"
               "Content-Type: text/plain\r\n"
               "Connection: close\r\n"
               "\r\n"
               "%s: access denied for %s (not on this server's allow-list)\n",
               sp->program, c->peer) < 0) {
    c->out = NULL;
  }
  c->out_len = c->out ? strlen(c->out) : 0;
  c->state   = CONN_WRITE;
}

static void accept_all(struct statsport *sp, int listen_fd)
{
  for (;;) {
    struct sockaddr_storage peer;
    socklen_t               len = sizeof(peer);
    int fd = accept4(listen_fd, (struct sockaddr *)&peer, &len,
                     SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0) {
      if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED) {
        log_warning("Failed to accept a stats connection: %m");
      }
      return;
    }
    if (sp->n_conns == STATSPORT_MAX_CONNS) {
      log_info("Stats request from %s: closed: %d stats connections are "
               "open, this is the oldest",
               sp->conns[0].peer, STATSPORT_MAX_CONNS);
      conn_close(sp, 0);
    }
    long long              now = clock_now_ms();
    struct statsport_conn *c   = &sp->conns[sp->n_conns];
    *c                         = (struct statsport_conn){
                              .fd       = fd,
                              .state    = CONN_READ,
                              .grace    = now + STATSPORT_GRACE_MS,
                              .deadline = now + STATSPORT_TIMEOUT_MS,
    };
    access_peer_name((struct sockaddr *)&peer, len, c->peer);
    bool allowed =
      access_list_allows(sp->access, (struct sockaddr *)&peer, len);
    if (!allowed) {
      answer_forbidden(sp, c);
    }
    struct epoll_event ev = {
      .events  = allowed ? EPOLLIN : EPOLLOUT,
      .data.fd = fd,
    };
    if (epoll_ctl(sp->epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0) {
      log_warning("Failed to watch a stats connection: %m");
      close(fd);
      free(c->out);
      continue;
    }
    sp->n_conns++;
    if (!allowed) {
      conn_write(sp, sp->n_conns - 1);
    }
  }
}

bool statsport_event(struct statsport *sp, int fd, uint32_t events)
{
  if (!sp) {
    return false;
  }
  for (size_t i = 0; i < sp->n_listen; i++) {
    if (sp->listen_fds[i] == fd) {
      accept_all(sp, fd);
      return true;
    }
  }
  for (size_t i = 0; i < sp->n_conns; i++) {
    if (sp->conns[i].fd != fd) {
      continue;
    }
    if (sp->conns[i].state == CONN_WRITE) {
      conn_write(sp, i);
    } else if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
      conn_read(sp, i);
    }
    return true;
  }
  return false;
}

void statsport_expire(struct statsport *sp)
{
  long long now = clock_now_ms();

  if (!sp) {
    return;
  }
  for (size_t i = 0; i < sp->n_conns;) {
    struct statsport_conn *c = &sp->conns[i];
    size_t                 n = sp->n_conns;
    if (now >= c->deadline) {
      if (c->state != CONN_LINGER) {
        log_info("Stats request from %s: closed: no reply taken within %d "
                 "ms",
                 c->peer, STATSPORT_TIMEOUT_MS);
      }
      conn_close(sp, i);
      continue;
    }
    if (c->state == CONN_READ && now >= c->grace) {
      conn_respond(sp, i, STATS_FORM_TEXT);
    }
    if (sp->n_conns == n) {
      i++;
    }
  }
}

long long statsport_next_deadline(const struct statsport *sp)
{
  long long next = -1;

  for (size_t i = 0; sp && i < sp->n_conns; i++) {
    const struct statsport_conn *c = &sp->conns[i];
    long long d = c->state == CONN_READ ? c->grace : c->deadline;
    next        = next < 0 || d < next ? d : next;
  }
  return next;
}
