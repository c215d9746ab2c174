/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "backoff.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "env.h"
#include "io.h"
#include "log.h"
#include "macro.h"

/* An address this compile has met: tried, or found with expired state. */
struct backoff_seen {
  char address[BACKOFF_ADDRESS_MAX];
  bool tried;
  bool stale; /* an expired state file exists for it */
};

struct backoff {
  char                *dir;      /* STATE/backoff */
  char                *compiler; /* safe as a file name */
  unsigned             period_s;
  struct backoff_seen *seen;
  size_t               n_seen;
};

enum backoff_state {
  BACKOFF_STATE_ABSENT,
  BACKOFF_STATE_ACTIVE,
  BACKOFF_STATE_EXPIRED,
};

/* Compiler names become part of a file name: keep them to a safe set. */
static char *file_name_safe(const char *name)
{
  char *safe = strdup(name);

  for (char *p = safe; p && *p; p++) {
    if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                "0123456789._+-",
                *p)) {
      *p = '_';
    }
  }
  return safe;
}

int backoff_new(const char *state_dir, const char *compiler, unsigned period_s,
                struct backoff **ret_backoff)
{
  struct backoff *b = calloc(1, sizeof(*b));

  if (!b) {
    return -ENOMEM;
  }
  b->period_s = period_s;
  b->compiler = file_name_safe(compiler);
  if (!b->compiler || asprintf(&b->dir, "%s/backoff", state_dir) < 0) {
    b->dir = NULL;
    backoff_free(b);
    return -ENOMEM;
  }
  *ret_backoff = b;
  return 0;
}

struct backoff *backoff_free(struct backoff *backoff)
{
  if (backoff) {
    free(backoff->dir);
    free(backoff->compiler);
    free(backoff->seen);
    free(backoff);
  }
  return NULL;
}

/* ---- addresses ---------------------------------------------------------- */

static int format_ip(int family, const void *ip, uint16_t port,
                     char ret_text[static BACKOFF_ADDRESS_MAX])
{
  char text[INET6_ADDRSTRLEN];

  if (!inet_ntop(family, ip, text, sizeof(text))) {
    return -errno;
  }
  snprintf(ret_text, BACKOFF_ADDRESS_MAX,
           family == AF_INET6 ? "[%s]:%" PRIu16 : "%s:%" PRIu16, text, port);
  return 0;
}

int backoff_format_address(const struct sockaddr *address,
                           char ret_text[static BACKOFF_ADDRESS_MAX])
{
  if (address->sa_family == AF_INET) {
    const struct sockaddr_in *in = (const struct sockaddr_in *)address;
    return format_ip(AF_INET, &in->sin_addr, ntohs(in->sin_port), ret_text);
  }
  if (address->sa_family == AF_INET6) {
    const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)address;
    return format_ip(AF_INET6, &in6->sin6_addr, ntohs(in6->sin6_port),
                     ret_text);
  }
  return -EAFNOSUPPORT;
}

int backoff_format_entry(const struct hosts_entry *entry,
                         char ret_text[static BACKOFF_ADDRESS_MAX])
{
  struct in6_addr ip; /* large enough for either family */

  if (entry->kind != HOSTS_TCP || !entry->name) {
    return -EINVAL;
  }
  if (inet_pton(AF_INET, entry->name, &ip) == 1) {
    return format_ip(AF_INET, &ip, entry->port, ret_text);
  }
  if (inet_pton(AF_INET6, entry->name, &ip) == 1) {
    return format_ip(AF_INET6, &ip, entry->port, ret_text);
  }
  return -EINVAL;
}

/* ---- what this compile has met ------------------------------------------ */

static struct backoff_seen *find_seen(struct backoff *b, const char *address)
{
  for (size_t i = 0; i < b->n_seen; i++) {
    if (strcmp(b->seen[i].address, address) == 0) {
      return &b->seen[i];
    }
  }
  return NULL;
}

static struct backoff_seen *add_seen(struct backoff *b, const char *address)
{
  struct backoff_seen *seen = find_seen(b, address);

  if (seen) {
    return seen;
  }
  seen = reallocarray(b->seen, b->n_seen + 1, sizeof(*seen));
  if (!seen) {
    return NULL;
  }
  b->seen = seen;
  seen    = &b->seen[b->n_seen++];
  *seen   = (struct backoff_seen){ 0 };
  snprintf(seen->address, sizeof(seen->address), "%s", address);
  return seen;
}

/* ---- state files -------------------------------------------------------- */

static int state_path(const struct backoff *b, const char *address,
                      enum backoff_scope scope, char **ret_path)
{
  int n = scope == BACKOFF_COMPILER
            ? asprintf(ret_path, "%s/%s,%s", b->dir, address, b->compiler)
            : asprintf(ret_path, "%s/%s", b->dir, address);
  return n < 0 ? -ENOMEM : 0;
}

/* The time on the first line of a state file, or -1 when it has none. */
static long long read_since(int fd)
{
  char    buf[32];
  ssize_t n;

  do {
    n = read(fd, buf, sizeof(buf) - 1);
  } while (n < 0 && errno == EINTR);
  if (n <= 0) {
    return -1;
  }
  buf[n] = '\0';
  char     *end;
  long long since = strtoll(buf, &end, 10);
  return end == buf || (*end && *end != '\n') ? -1 : since;
}

static enum backoff_state read_state(const struct backoff *b,
                                     const char           *address,
                                     enum backoff_scope    scope)
{
  _cleanup_free_ char *path = NULL;

  if (state_path(b, address, scope, &path) < 0) {
    return BACKOFF_STATE_ABSENT;
  }
  _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return BACKOFF_STATE_ABSENT;
  }
  long long since = read_since(fd);
  long long now   = (long long)time(NULL);
  /* A time in the future means the clock was set back: not trusted. */
  if (since < 0 || since > now || now - since >= (long long)b->period_s) {
    return BACKOFF_STATE_EXPIRED;
  }
  return BACKOFF_STATE_ACTIVE;
}

bool backoff_skip(struct backoff *backoff, const char *address)
{
  struct backoff_seen *seen = find_seen(backoff, address);

  if (seen && seen->tried) {
    return true;
  }
  if (backoff->period_s == 0) {
    return false;
  }
  enum backoff_state all  = read_state(backoff, address, BACKOFF_ADDRESS);
  enum backoff_state mine = read_state(backoff, address, BACKOFF_COMPILER);
  if (all == BACKOFF_STATE_ACTIVE || mine == BACKOFF_STATE_ACTIVE) {
    return true;
  }
  if (all == BACKOFF_STATE_EXPIRED || mine == BACKOFF_STATE_EXPIRED) {
    seen = add_seen(backoff, address);
    if (seen) {
      seen->stale = true;
    }
  }
  return false;
}

int backoff_note_tried(struct backoff *backoff, const char *address)
{
  struct backoff_seen *seen = add_seen(backoff, address);

  if (!seen) {
    return -ENOMEM;
  }
  seen->tried = true;
  return 0;
}

static int write_state(const char *path, const char *reason)
{
  char line[256], text[320];

  snprintf(line, sizeof(line), "%s", reason);
  for (char *p = line; *p; p++) {
    *p = *p == '\n' || *p == '\r' ? ' ' : *p; /* one line, as promised */
  }
  int len =
    snprintf(text, sizeof(text), "%lld\n%s\n", (long long)time(NULL), line);
  /* An interrupt between the write and the rename would leave the
     temporary behind. */
  sigset_t interrupts, old;
  sigemptyset(&interrupts);
  sigaddset(&interrupts, SIGINT);
  sigaddset(&interrupts, SIGTERM);
  sigaddset(&interrupts, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &interrupts, &old);
  int r = io_write_file_atomic(path, text, (size_t)len);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  return r;
}

int backoff_mark(struct backoff *backoff, const char *address,
                 enum backoff_scope scope, const char *reason)
{
  _cleanup_free_ char *path = NULL;

  if (scope == BACKOFF_NONE || backoff->period_s == 0) {
    return 0;
  }
  int r = io_mkdir_p(backoff->dir, 0777);
  if (r >= 0) {
    r = state_path(backoff, address, scope, &path);
  }
  if (r >= 0) {
    r = write_state(path, reason);
  }
  if (r < 0) {
    log_debug("Failed to back off %s: %s", address, strerror(-r));
    return r;
  }
  log_info("backing off %s%s%s for %u s: %s", address,
           scope == BACKOFF_COMPILER ? " for " : "",
           scope == BACKOFF_COMPILER ? backoff->compiler : "",
           backoff->period_s, reason);
  return 0;
}

void backoff_forget(struct backoff *backoff, const char *address)
{
  struct backoff_seen *seen = find_seen(backoff, address);

  static const enum backoff_scope scopes[] = { BACKOFF_ADDRESS,
                                               BACKOFF_COMPILER };

  if (seen) {
    seen->tried = false;
  }
  if (!seen || !seen->stale) {
    return;
  }
  for (size_t i = 0; i < ARRAY_SIZE(scopes); i++) {
    _cleanup_free_ char *path = NULL;
    if (read_state(backoff, address, scopes[i]) == BACKOFF_STATE_EXPIRED &&
        state_path(backoff, address, scopes[i], &path) >= 0) {
      unlink(path);
    }
  }
  seen->stale = false;
}

/* HERDCC_BACKOFF_PERIOD / DISTCC_BACKOFF_PERIOD in seconds. */
unsigned backoff_period_from_env(void)
{
  return (unsigned)env_get_bounded("BACKOFF_PERIOD", BACKOFF_DEFAULT_PERIOD_S,
                                   0, BACKOFF_MAX_PERIOD_S);
}
