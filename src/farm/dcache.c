/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "dcache.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "io.h"
#include "macro.h"
#include "service.h"

bool dcache_refresher_running(const char *dir)
{
  char path[4200];

  snprintf(path, sizeof(path), "%s/lock", dir);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return false;
  }
  bool held = flock(fd, LOCK_SH | LOCK_NB) < 0 && errno == EWOULDBLOCK;
  close(fd);
  return held;
}

void dcache_start_refresher(const char *dir, const char *path,
                            char *const *argv)
{
  if (dcache_refresher_running(dir)) {
    return;
  }
  pid_t pid = fork();
  if (pid == 0) {
    setsid();
    if (fork() == 0) {
      int null_fd = open("/dev/null", O_RDWR);
      dup2(null_fd, STDIN_FILENO);
      dup2(null_fd, STDOUT_FILENO);
      dup2(null_fd, STDERR_FILENO);
      execv(path, argv);
    }
    _exit(0);
  }
  if (pid > 0) {
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {
    }
  }
}

void dcache_wait(const char *const *paths, size_t n, int max_ms)
{
  struct timespec pause = { .tv_sec = 0, .tv_nsec = 10 * 1000000 };

  for (int waited = 0; waited < max_ms; waited += 10) {
    size_t missing = 0;
    for (size_t i = 0; i < n; i++) {
      missing += access(paths[i], F_OK) < 0;
    }
    if (missing == 0) {
      return;
    }
    nanosleep(&pause, NULL);
  }
}

static int entry_for(const struct zcache_entry *e, struct hosts_entry *ret)
{
  *ret = (struct hosts_entry){
    .kind  = HOSTS_TCP,
    .name  = strdup(e->addr),
    .port  = e->port,
    .limit = e->info.jobs ? e->info.jobs : HOSTS_DEFAULT_LIMIT,
    .lzo   = e->info.lzo,
    .herd  = e->info.herd,
    .speed = e->info.speed,
  };
  return ret->name ? 0 : -ENOMEM;
}

/* What one job slot of a server is worth: its speed over its slots; 0
 * when it publishes no speed. */
static double slot_speed(const struct zcache_entry *e)
{
  return (double)e->info.speed /
         (e->info.jobs ? e->info.jobs : HOSTS_DEFAULT_LIMIT);
}

size_t dcache_order(const struct zcache_entry *entries, size_t count,
                    dcache_keep_fn keep, const void *userdata, size_t *order)
{
  size_t n = 0;

  for (size_t k = 0; k < count; k++) {
    if (keep && !keep(&entries[k], userdata)) {
      continue;
    }
    double speed = slot_speed(&entries[k]);
    size_t at    = n++;
    while (at > 0 && speed > slot_speed(&entries[order[at - 1]])) {
      order[at] = order[at - 1];
      at--;
    }
    order[at] = k;
  }
  return n;
}

int dcache_splice(struct hosts_list *list, size_t i,
                  const struct zcache_entry *entries, size_t count,
                  dcache_keep_fn keep, const void *userdata, size_t *ret_added)
{
  _cleanup_free_ size_t *order = calloc(count ? count : 1, sizeof(*order));

  if (!order) {
    return -ENOMEM;
  }
  size_t usable = dcache_order(entries, count, keep, userdata, order);
  struct hosts_entry *grown =
    reallocarray(list->entries, list->count + usable, sizeof(*list->entries));
  if (!grown) {
    return -ENOMEM;
  }
  list->entries = grown;
  free(grown[i].name);
  free(grown[i].user);
  free(grown[i].command);
  memmove(&grown[i + usable], &grown[i + 1],
          (list->count - i - 1) * sizeof(*grown));
  list->count += usable;
  list->count -= 1;
  size_t at = i;
  for (size_t k = 0; k < usable; k++) {
    if (entry_for(&entries[order[k]], &grown[at]) < 0) {
      /* keep the list whole for hosts_list_free */
      for (size_t z = at; z < i + usable; z++) {
        grown[z] = (struct hosts_entry){ .kind = HOSTS_LOCAL };
      }
      return -ENOMEM;
    }
    at++;
  }
  *ret_added = usable;
  return 0;
}

/* ---- compiler identity -------------------------------------------------- */

/* -dumpmachine and -dumpversion of the compiler binary, cached by path,
 * size and modification time so that a compile runs neither. */
int dcache_compiler_identity(const char *state_dir, const char *path,
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

const char *dcache_left_out_because(const struct zcache_entry     *e,
                                    const struct service_compiler *cc,
                                    bool                           unknown_ok)
{
  if (!cc) {
    return NULL;
  }
  if (e->info.n_compilers == 0) {
    return unknown_ok ? NULL : "it does not say which compilers it has";
  }
  return service_has_compiler(&e->info, cc) ? NULL
                                            : "its compilers differ from ours";
}

bool dcache_keep_for_compiler(const struct zcache_entry *e,
                              const void                *userdata)
{
  return !dcache_left_out_because(e, userdata, false);
}

bool dcache_keep_for_compiler_or_unknown(const struct zcache_entry *e,
                                         const void                *userdata)
{
  return !dcache_left_out_because(e, userdata, true);
}
