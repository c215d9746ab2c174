#include "zeroconf.h"

#include <errno.h>
#include <fcntl.h>
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
#include "io.h"
#include "macro.h"
#include "service.h"
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
  const char *path = getenv("HERDCC_DISCOVER");
  return path && *path ? path : HERDCC_LIBEXECDIR "/herdcc-discover";
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
static int read_cache(const char *state_dir, struct zcache_entry **ret,
                      size_t *ret_count)
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
  dcache_wait(paths, 1, ZEROCONF_COLD_WAIT_MS);
  return zcache_read(cache, ret, ret_count);
}

/* ---- the compiler's identity -------------------------------------------- */

/* -dumpmachine and -dumpversion of the compiler binary, cached by path,
 * size and modification time so that a compile runs neither. */
static int compiler_identity(const char *state_dir, const char *path,
                             struct service_compiler *ret)
{
  struct stat          st;
  char                 key[256];
  _cleanup_free_ char *dir = NULL, *file = NULL, *text = NULL;
  size_t               len;

  if (stat(path, &st) < 0) {
    return -errno;
  }
  if (asprintf(&dir, "%s/compilers", state_dir) < 0 ||
      asprintf(&file, "%s/%s", dir, path) < 0) {
    return -ENOMEM;
  }
  for (char *p = file + strlen(dir) + 1; *p; p++) {
    *p = *p == '/' ? '_' : *p;
  }
  snprintf(key, sizeof(key), "%lld %lld ", (long long)st.st_mtime,
           (long long)st.st_size);
  if (io_read_file(file, 4096, &text, &len) == 0 &&
      strncmp(text, key, strlen(key)) == 0 &&
      sscanf(text + strlen(key), "%63s %31s", ret->machine, ret->version) ==
        2) {
    return 0;
  }
  int r = service_probe_compiler(path, ret);
  if (r < 0) {
    return r;
  }
  _cleanup_free_ char *entry = NULL;
  if (io_mkdir_p(dir, 0755) >= 0 &&
      asprintf(&entry, "%s%s %s\n", key, ret->machine, ret->version) >= 0) {
    io_write_file_atomic(file, entry, strlen(entry));
  }
  return 0;
}

/* ---- the host list ------------------------------------------------------ */

/* Why a discovered server cannot take this compile, or NULL. */
static const char *left_out_because(const struct zcache_entry     *e,
                                    const struct service_compiler *cc)
{
  if (!cc) {
    return NULL;
  }
  if (e->info.n_compilers == 0) {
    return "it does not say which compilers it has";
  }
  return service_has_compiler(&e->info, cc) ? NULL
                                            : "its compilers differ from ours";
}

static bool keep_for(const struct zcache_entry *e, const void *userdata)
{
  return !left_out_because(e, userdata);
}

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
      known =
        compiler_path && compiler_identity(state_dir, compiler_path, &cc) >= 0;
      if (read_cache(state_dir, &entries, &count) < 0) {
        count = 0;
      }
    }
    size_t added;
    int r = dcache_splice(list, i, entries, count, keep_for, known ? &cc : NULL,
                          &added);
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
  bool                                known =
    compiler_path && compiler_identity(state_dir, compiler_path, &cc) >= 0;
  int r = read_cache(state_dir, &entries, &count);

  if (r < 0) {
    fprintf(out, "+zeroconf: no servers known yet (%s)\n", strerror(-r));
    return 0;
  }
  for (size_t i = 0; i < count; i++) {
    const struct zcache_entry *e   = &entries[i];
    const char                *why = left_out_because(e, known ? &cc : NULL);
    bool                       v6  = strchr(e->addr, ':') != NULL;
    fprintf(out, "%s%s%s:%u/%u%s zeroconf %s %s%s\n", v6 ? "[" : "", e->addr,
            v6 ? "]" : "", e->port, e->info.jobs, e->info.lzo ? ",lzo" : "",
            e->name, why ? "left out: " : "ok", why ? why : "");
  }
  return 0;
}
