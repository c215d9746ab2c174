/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "zeroconf.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "dcache.h"
#include "env.h"
#include "helpers.h"
#include "io.h"
#include "macro.h"
#include "service.h"
#include "text.h"
#include "zcache.h"

#define ZEROCONF_RETRY_S      10 /* a refresher that left: start another */
#define ZEROCONF_AVAHI_SOCKET "/run/avahi-daemon/socket"

bool zeroconf_available(void)
{
  return access(ZEROCONF_AVAHI_SOCKET, F_OK) == 0;
}

/* ---- the refresher ------------------------------------------------------ */

static const char *discover_path(void)
{
  static char path[PATH_MAX];

  return helpers_path("herdcc-discover", "discovery", "HERDCC_DISCOVER", path,
                      sizeof(path));
}

/* Tell the refresher it is still wanted (at most once a second). */
static void touch_wanted(const char *dir)
{
  char        path[4200];
  struct stat st;

  snprintf(path, sizeof(path), "%s/wanted", dir);
  if (stat(path, &st) == 0 && time(NULL) - st.st_mtime < 1) {
    return;
  }
  int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0666);
  if (fd >= 0) {
    futimens(fd, NULL);
    close(fd);
  }
}

/* The cache, with a refresher started when needed; on a cold cache wait
 * a little for its first picture. */
static int read_cache(const char *state_dir, int cold_wait_ms,
                      struct zcache_entry **ret, size_t *ret_count)
{
  char        dir[4096], cache[4200];
  struct stat st;

  snprintf(dir, sizeof(dir), "%s/zeroconf", state_dir);
  snprintf(cache, sizeof(cache), "%s/hosts", dir);
  if (io_mkdir_p(dir, 0755) < 0) {
    return -EIO;
  }
  touch_wanted(dir);
  bool fresh =
    stat(cache, &st) == 0 && time(NULL) - st.st_mtime < ZEROCONF_RETRY_S;
  if (!fresh) {
    char *const argv[] = { (char *)"herdcc-discover", (char *)state_dir, NULL };
    dcache_start_refresher(dir, discover_path(), argv);
  }
  const char *paths[] = { cache };
  dcache_wait(paths, 1, cold_wait_ms);
  return zcache_read(cache, ret, ret_count);
}

int zeroconf_servers(const char *state_dir, int cold_wait_ms,
                     struct zcache_entry **ret_entries, size_t *ret_count)
{
  return read_cache(state_dir, cold_wait_ms, ret_entries, ret_count);
}

/* ---- the compiler's identity -------------------------------------------- */

/* ---- the host list ------------------------------------------------------ */

int zeroconf_expand(struct hosts_list *list, const char *state_dir,
                    const char *compiler_path)
{
  _cleanup_free_ struct zcache_entry *entries = NULL;
  size_t                              count   = 0;
  struct service_compiler             cc;
  bool                                loaded = false, known = false;

  for (size_t i = 0; i < list->count;) {
    if (list->entries[i].kind != HOSTS_ZEROCONF) {
      i++;
      continue;
    }
    if (!loaded) {
      loaded = true;
      known  = compiler_path &&
              dcache_compiler_identity(state_dir, compiler_path, &cc) >= 0;
      if (read_cache(state_dir, ZEROCONF_COLD_WAIT_MS, &entries, &count) < 0) {
        count = 0;
      }
    }
    size_t added;
    int    r = dcache_splice(list, i, entries, count, dcache_keep_for_compiler,
                          known ? &cc : NULL, &added);
    if (r < 0) {
      return r;
    }
    i += added;
  }
  return 0;
}

int zeroconf_show(FILE *out, const char *state_dir, const char *compiler_path)
{
  _cleanup_free_ struct zcache_entry *entries = NULL;
  size_t                              count   = 0;
  struct service_compiler             cc;
  bool                                known = compiler_path &&
               dcache_compiler_identity(state_dir, compiler_path, &cc) >= 0;
  int r = read_cache(state_dir, ZEROCONF_COLD_WAIT_MS, &entries, &count);

  if (r < 0) {
    fprintf(out, "+zeroconf: no servers known yet (%s)\n", strerror(-r));
    return 0;
  }
  _cleanup_free_ size_t *order = calloc(count ? count : 1, sizeof(*order));
  if (!order) {
    return -ENOMEM;
  }
  dcache_order(entries, count, NULL, NULL, order); /* as a compile uses them */
  for (size_t i = 0; i < count; i++) {
    const struct zcache_entry *e = &entries[order[i]];
    const char *why = dcache_left_out_because(e, known ? &cc : NULL, false);
    bool        v6  = strchr(e->addr, ':') != NULL;
    char        name[sizeof(e->name)]; /* the server chose it */
    fprintf(out, "%s%s%s:%u/%u%s zeroconf %s %s%s\n", v6 ? "[" : "", e->addr,
            v6 ? "]" : "", e->port, e->info.jobs, e->info.lzo ? ",lzo" : "",
            text_clean(name, sizeof(name), e->name, 0),
            why ? "left out: " : "ok", why ? why : "");
  }
  return 0;
}
