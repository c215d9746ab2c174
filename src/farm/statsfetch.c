/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The HTTP side of the stats port (statsfetch.h): one blocking request
 * bounded by a deadline, and the reply read by length. */
#include "statsfetch.h"

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "io.h"
#include "macro.h"
#include "why.h"

/* Room for the status line and headers in front of the document. */
#define STATS_HEADERS_MAX (16 * 1024)

static int wait_fd(int fd, short events, long long deadline)
{
  for (;;) {
    long long     left = deadline - clock_now_ms();
    struct pollfd pfd  = { .fd = fd, .events = events };
    if (left <= 0) {
      return -ETIMEDOUT;
    }
    int n = poll(&pfd, 1, left > 60000 ? 60000 : (int)left);
    if (n > 0) {
      return 0;
    }
    if (n < 0 && errno != EINTR) {
      return -errno;
    }
  }
}

static int connect_to(const struct sockaddr_storage *sa, socklen_t len,
                      long long deadline, int *ret_fd)
{
  _cleanup_close_ int fd =
    socket(sa->ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  int       error = 0;
  socklen_t elen  = sizeof(error);

  if (fd < 0) {
    return -errno;
  }
  if (connect(fd, (const struct sockaddr *)sa, len) < 0) {
    if (errno != EINPROGRESS) {
      return -errno;
    }
    int r = wait_fd(fd, POLLOUT, deadline);
    if (r < 0) {
      return r;
    }
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &elen) < 0) {
      return -errno;
    }
    if (error) {
      return -error;
    }
  }
  *ret_fd = TAKE_FD(fd);
  return 0;
}

static int exchange(int fd, long long deadline, char **ret_buf, size_t *ret_len)
{
  static const char request[] = "GET " STATS_JSON_PATH " HTTP/1.0\r\n\r\n";
  size_t            sent = 0, len = 0, cap = STATS_JSON_MAX + STATS_HEADERS_MAX;
  _cleanup_free_ char *buf = NULL;

  while (sent < sizeof(request) - 1) {
    ssize_t n = send(fd, request + sent, sizeof(request) - 1 - sent,
                     MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0 && errno != EAGAIN && errno != EINTR) {
      return -errno;
    }
    if (n < 0) {
      int r = wait_fd(fd, POLLOUT, deadline);
      if (r < 0) {
        return r;
      }
      continue;
    }
    sent += (size_t)n;
  }
  buf = malloc(cap + 1);
  if (!buf) {
    return -ENOMEM;
  }
  for (;;) {
    if (len == cap) {
      return -EFBIG;
    }
    ssize_t n = recv(fd, buf + len, cap - len, MSG_DONTWAIT);
    if (n == 0) {
      break;
    }
    if (n < 0 && errno != EAGAIN && errno != EINTR) {
      return -errno;
    }
    if (n < 0) {
      int r = wait_fd(fd, POLLIN, deadline);
      if (r < 0) {
        return r;
      }
      continue;
    }
    len += (size_t)n;
  }
  buf[len] = '\0';
  *ret_buf = TAKE_PTR(buf);
  *ret_len = len;
  return 0;
}

/* The end of the line at p, and where the next one starts. */
static const char *line_end(const char *p, const char *end, const char **next)
{
  const char *nl = memchr(p, '\n', (size_t)(end - p));

  if (!nl) {
    return NULL;
  }
  *next = nl + 1;
  return nl > p && nl[-1] == '\r' ? nl - 1 : nl;
}

/* The status of a line "HTTP/1.0 NNN ..." or "HTTP/1.1 NNN ..." that
 * runs from p to eol, or -1. Read by length: the buffer need not end in a
 * NUL (the GTK monitor's does not). */
static int status_code(const char *p, const char *eol)
{
  static const char prefix[] = "HTTP/1.";
  size_t            n        = (size_t)(eol - p);
  int               code     = 0;

  if (n < sizeof(prefix) - 1 + 5 ||
      memcmp(p, prefix, sizeof(prefix) - 1) != 0) {
    return -1;
  }
  p += sizeof(prefix) - 1;
  if ((p[0] != '0' && p[0] != '1') || p[1] != ' ') {
    return -1;
  }
  for (p += 2; code < 100; p++) {
    if (p >= eol || *p < '0' || *p > '9') {
      return -1;
    }
    code = code * 10 + (*p - '0');
    if (code == 0) {
      return -1;
    }
  }
  return p == eol || *p == ' ' ? code : -1;
}

/* Check the status line and Content-Type; the body is what follows the
 * empty line. Everything is read by length, never up to a NUL. */
static int parse_response(const char *buf, size_t len, struct stats *ret,
                          struct why *d)
{
  const char *end = buf + len, *p = buf, *next, *eol;
  int         status = 0;
  bool        json   = false;

  if (len == 0) {
    why_refuse(d, "closed without an answer");
    return -ECONNRESET;
  }
  eol = line_end(p, end, &next);
  if (!eol || (status = status_code(p, eol)) < 0) {
    return why_refuse(d, "not an HTTP response");
  }
  if (status != 200 && status != 403) {
    return why_refuse(d, "HTTP status %d", status);
  }
  for (p = next; (eol = line_end(p, end, &next)) && eol > p; p = next) {
    static const char name[] = "Content-Type:";
    if ((size_t)(eol - p) >= sizeof(name) - 1 &&
        strncasecmp(p, name, sizeof(name) - 1) == 0) {
      const char *v = p + sizeof(name) - 1;
      while (v < eol && (*v == ' ' || *v == '\t')) {
        v++;
      }
      json =
        (size_t)(eol - v) >= 16 && strncasecmp(v, "application/json", 16) == 0;
    }
  }
  if (status == 403) {
    /* The reason is the body's first line, if the headers end. */
    const char *body = eol ? next : end, *stop = body;
    while (stop < end && *stop != '\r' && *stop != '\n') {
      stop++;
    }
    why_refuse(d, "refused: %.*s", (int)(stop - body), body);
    return -EACCES;
  }
  if (!eol) {
    return why_refuse(d, "the response's headers do not end");
  }
  if (!json) {
    return why_refuse(d, "the response is not application/json (an old "
                         "server that only speaks text?)");
  }
  return stats_from_json(next, (size_t)(end - next), ret, d->buf, d->len);
}

int stats_from_http(const char *reply, size_t len, struct stats *ret_stats,
                    char *why, size_t why_len)
{
  struct why d = { .buf = why, .len = why_len };

  return parse_response(reply, len, ret_stats, &d);
}

int stats_fetch(const char *addr, uint16_t port, int timeout_ms,
                struct stats *ret_stats, char *why, size_t why_len)
{
  struct why d        = { .buf = why, .len = why_len };
  long long  deadline = clock_now_ms() + (timeout_ms > 0 ? timeout_ms : 0);
  struct sockaddr_storage sa;
  socklen_t               sa_len;
  _cleanup_close_ int     fd  = -1;
  _cleanup_free_ char    *buf = NULL;
  size_t                  len = 0;
  int                     r   = io_parse_address(addr, port, &sa, &sa_len);

  if (r < 0) {
    why_refuse(&d, "not a numeric address: %s", addr);
    return r;
  }
  r = connect_to(&sa, sa_len, deadline, &fd);
  if (r >= 0) {
    r = exchange(fd, deadline, &buf, &len);
  }
  if (r < 0) {
    why_refuse(&d, "%s", r == -EFBIG ? "response too large" : strerror(-r));
    return r == -EFBIG ? -EBADMSG : r;
  }
  return parse_response(buf, len, ret_stats, &d);
}
