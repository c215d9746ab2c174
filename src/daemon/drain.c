/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "drain.h"

#include <errno.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "clock.h"

static void drain_close(struct drains *d, size_t i)
{
  close(d->slot[i].fd);
  d->slot[i] = d->slot[--d->n];
}

/* Keep reading what a turned-away client sends until it closes (it has
 * read the reply by then), or the time or byte budget is spent; takes fd. */
void drain_start(struct drains *d, int epoll_fd, int fd)
{
  struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP, .data.fd = fd };

  if (d->n == DRAIN_MAX || epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0) {
    close(fd);
    return;
  }
  d->slot[d->n++] = (struct drain){
    .fd       = fd,
    .deadline = clock_now_ms() + DRAIN_MS,
    .left     = DRAIN_BYTES,
  };
}

bool drain_event(struct drains *d, int fd)
{
  for (size_t i = 0; i < d->n; i++) {
    struct drain *c = &d->slot[i];
    if (c->fd != fd) {
      continue;
    }
    char    sink[16384];
    ssize_t n;
    while ((n = read(fd, sink, sizeof(sink))) > 0 && (size_t)n < c->left) {
      c->left -= (size_t)n;
    }
    if (n >= 0 || errno != EAGAIN) { /* closed, failed, or over budget */
      drain_close(d, i);
    }
    return true;
  }
  return false;
}

void drain_expire(struct drains *d)
{
  long long now = clock_now_ms();

  for (size_t i = d->n; i-- > 0;) {
    if (now >= d->slot[i].deadline) {
      drain_close(d, i);
    }
  }
}

long long drain_next_deadline(const struct drains *d, long long next)
{
  for (size_t i = 0; i < d->n; i++) {
    long long t = d->slot[i].deadline;
    next        = next < 0 || t < next ? t : next;
  }
  return next;
}

void drain_close_all(struct drains *d)
{
  while (d->n > 0) {
    drain_close(d, d->n - 1);
  }
}
