/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "links.h"

#include <errno.h>
#include <linux/tcp.h>
#include <math.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "env.h"
#include "io.h"
#include "macro.h"

/* STATE/links/ADDRESS, the address's '/' (none in practice) made '_'. */
static bool entry_path(const char *state_dir, const char *address, char *buf,
                       size_t size)
{
  int n = snprintf(buf, size, "%s/" LINKS_DIR "/%s", state_dir, address);
  if (n < 0 || (size_t)n >= size || !address[0]) {
    return false;
  }
  for (char *p = buf + strlen(state_dir) + strlen("/" LINKS_DIR "/"); *p; p++) {
    *p = *p == '/' ? '_' : *p;
  }
  return true;
}

double links_rate(const char *state_dir, const char *address)
{
  char                 path[4096];
  _cleanup_free_ char *text = NULL;
  size_t               len;

  if (!state_dir || !entry_path(state_dir, address, path, sizeof(path)) ||
      io_read_file(path, 64, &text, &len) < 0) {
    return 0;
  }
  char  *end;
  double rate = strtod(text, &end);
  return end != text && *end == '\n' && isfinite(rate) && rate > 0 &&
             rate < 1e13
           ? rate
           : 0;
}

void links_record(const char *state_dir, const char *address, double rate)
{
  char path[4096], text[64];

  if (!state_dir || !(rate > 0) || !isfinite(rate) ||
      !entry_path(state_dir, address, path, sizeof(path))) {
    return;
  }
  double known = links_rate(state_dir, address);
  /* the highest recent measure: a source's sample is often held back by
   * slow start or by herdcc itself, never above what the link carries */
  double decayed = known * (1 - LINKS_DECAY);
  double kept    = rate > decayed ? rate : decayed;
  int    n       = snprintf(text, sizeof(text), "%.0f\n", kept);
  if (io_write_file_atomic(path, text, (size_t)n) == -ENOENT) {
    char dir[4096];
    snprintf(dir, sizeof(dir), "%s/" LINKS_DIR, state_dir);
    if (io_mkdir_p(dir, 0777) >= 0) {
      (void)io_write_file_atomic(path, text, (size_t)n);
    }
  }
}

bool links_use_zlib(const char *state_dir, const char *address)
{
  const char *force = env_get("ZLIB");

  if (force) {
    return env_get_bool("ZLIB", true);
  }
  double rate = links_rate(state_dir, address);
  return rate <= 0 || rate < LINKS_FAST_BPS;
}

double links_measure(int sock)
{
  struct tcp_info info;
  socklen_t       len = sizeof(info);

  memset(&info, 0, sizeof(info));
  if (getsockopt(sock, IPPROTO_TCP, TCP_INFO, &info, &len) < 0 ||
      len < offsetof(struct tcp_info, tcpi_delivery_rate) +
              sizeof(info.tcpi_delivery_rate)) {
    return 0;
  }
  return (double)info.tcpi_delivery_rate;
}
