/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "env.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config.h"
#include "io.h"
#include "log.h"
#include "macro.h"
#include "statedir.h"

#define HOSTS_FILE_CAP (1024 * 1024)

/* The names the config file may set (HERDCC_NAME without the prefix).
 * A variable read through env_get() belongs here too. */
static const char *const config_keys[] = {
  "BACKOFF_PERIOD", "CONNECT_TIMEOUT",  "DNS_TIMEOUT", "FALLBACK", "IO_TIMEOUT",
  "JOB_TIMEOUT",    "SKIP_LOCAL_RETRY", "LOG",         "VERBOSE",
};

static bool is_config_key(const char *name, size_t len)
{
  for (size_t i = 0; i < ARRAY_SIZE(config_keys); i++) {
    if (strlen(config_keys[i]) == len &&
        strncmp(config_keys[i], name, len) == 0) {
      return true;
    }
  }
  return false;
}

/* Warn about the lines of a config file that set nothing. Once: the
 * state directory remembers which version of the file (name, size,
 * modification time) was warned about, so a build does not repeat the
 * warning for every compile. */
static void check_config_keys(const char *path, const char *text,
                              const char *state)
{
  struct stat          st;
  _cleanup_free_ char *marker = NULL, *seen = NULL, *stamp = NULL;
  size_t               len;
  bool                 warned = false;

  if (stat(path, &st) < 0 ||
      asprintf(&stamp, "%s %lld %lld.%09ld\n", path, (long long)st.st_size,
               (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec) < 0) {
    return;
  }
  if (state && asprintf(&marker, "%s/config-checked", state) >= 0 &&
      io_read_file(marker, 4096, &seen, &len) >= 0 &&
      strcmp(seen, stamp) == 0) {
    return;
  }
  unsigned number = 0;
  for (const char *line = text; *line;) {
    const char *end = line + strcspn(line, "\n");
    number++;
    line += strspn(line, " \t");
    size_t key = strcspn(line, "=\n");
    if (line < end && *line != '#' &&
        (line[key] != '=' || !is_config_key(line, key))) {
      log_warning("%s:%u: %s '%.*s' is ignored", path, number,
                  line[key] == '=' ? "unknown key" : "not KEY=VALUE:",
                  (int)(line[key] == '=' ? key : (size_t)(end - line)), line);
      warned = true;
    }
    line = *end ? end + 1 : end;
  }
  if (warned && marker) {
    io_write_file_atomic(marker, stamp, strlen(stamp));
  }
}

/* The config files' text, read once per process: the state directory's
 * "config", then SYSCONFDIR/herdcc/config. The one piece of module state
 * here; a compile reads it at most once. */
static char *config_text(void)
{
  static bool  loaded;
  static char *text;

  if (loaded) {
    return text;
  }
  loaded               = true;
  const char *paths[3] = { NULL, HERDCC_SYSCONFDIR "/herdcc/config", NULL };
  _cleanup_free_ char *state = NULL, *user = NULL;
  if (statedir_get(&state) >= 0 && asprintf(&user, "%s/config", state) >= 0) {
    paths[0] = user;
  }
  for (size_t i = 0; i < 2 && !text; i++) {
    size_t len;
    if (paths[i] && io_read_file(paths[i], HOSTS_FILE_CAP, &text, &len) < 0) {
      text = NULL;
    }
    if (text) {
      check_config_keys(paths[i], text, state);
    }
  }
  return text;
}

/* NAME=VALUE from the config files (NAME as in HERDCC_NAME), or NULL. The
 * value is copied into buf. */
static const char *config_get(const char *name, char *buf, size_t size)
{
  const char *text = strcmp(name, "DIR") == 0 ? NULL : config_text();
  size_t      len  = strlen(name);

  for (const char *line = text; line && *line;) {
    const char *end = line + strcspn(line, "\n");
    line += strspn(line, " \t");
    if (strncmp(line, name, len) == 0 && line[len] == '=') {
      snprintf(buf, size, "%.*s", (int)(end - line - (int)len - 1),
               line + len + 1);
      return buf;
    }
    line = *end ? end + 1 : end;
  }
  return NULL;
}

const char *env_get(const char *name)
{
  static char from_config[256];
  char        key[64];
  const char *value;

  snprintf(key, sizeof(key), "HERDCC_%s", name);
  value = getenv(key);
  if (value) {
    return value;
  }
  snprintf(key, sizeof(key), "DISTCC_%s", name);
  value = getenv(key);
  return value ? value : config_get(name, from_config, sizeof(from_config));
}

long env_get_long(const char *name, long fallback)
{
  const char *text = env_get(name);
  char       *end;

  if (!text || !*text) {
    return fallback;
  }
  errno      = 0;
  long value = strtol(text, &end, 10);
  return errno || *end ? fallback : value;
}

long env_get_bounded(const char *name, long fallback, long min, long max)
{
  long value = env_get_long(name, fallback);
  return value < min || value > max ? fallback : value;
}

bool env_get_bool(const char *name, bool fallback)
{
  const char *text = env_get(name);

  if (!text) {
    return fallback;
  }
  return *text && strcmp(text, "0") != 0;
}

int env_state_dir(char **ret_dir)
{
  return statedir_get(ret_dir);
}

static int read_hosts_file(const char *path, char **ret_text, char **ret_source)
{
  size_t len;
  int    r = io_read_file(path, HOSTS_FILE_CAP, ret_text, &len);
  if (r < 0) {
    return r;
  }
  *ret_source = strdup(path);
  if (!*ret_source) {
    free(*ret_text);
    return -ENOMEM;
  }
  return 0;
}

static int host_list_from_variables(char **ret_text, char **ret_source)
{
  static const char *const names[] = { "HERDCC_HOSTS", "DISTCC_HOSTS" };

  for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
    const char *value = getenv(names[i]);
    if (value) {
      *ret_text   = strdup(value);
      *ret_source = strdup(names[i]);
      if (!*ret_text || !*ret_source) {
        free(*ret_text);
        free(*ret_source);
        return -ENOMEM;
      }
      return 0;
    }
  }
  return -ENOENT;
}

int env_host_list(char **ret_text, char **ret_source)
{
  int r = host_list_from_variables(ret_text, ret_source);
  if (r != -ENOENT) {
    return r;
  }
  _cleanup_free_ char *state = NULL;
  if (statedir_get(&state) >= 0) {
    _cleanup_free_ char *path = NULL;
    if (asprintf(&path, "%s/hosts", state) < 0) {
      return -ENOMEM;
    }
    if (read_hosts_file(path, ret_text, ret_source) >= 0) {
      return 0;
    }
  }
  /* A distcc user's own list, when no state directory was named. */
  const char *home = getenv("HOME");
  if (!env_get("DIR") && home && *home) {
    _cleanup_free_ char *path = NULL;
    if (asprintf(&path, "%s/.distcc/hosts", home) < 0) {
      return -ENOMEM;
    }
    if (read_hosts_file(path, ret_text, ret_source) >= 0) {
      return 0;
    }
  }
  static const char *const system_files[] = {
    HERDCC_SYSCONFDIR "/herdcc/hosts",
    "/etc/herdcc/hosts",
    "/etc/distcc/hosts",
  };
  for (size_t i = 0; i < ARRAY_SIZE(system_files); i++) {
    if (read_hosts_file(system_files[i], ret_text, ret_source) >= 0) {
      return 0;
    }
  }
  return -ENOENT;
}
