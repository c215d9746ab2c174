/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "service.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "io.h"
#include "macro.h"
#include "strv.h"

static int push_format(char ***txt, const char *fmt, ...)
  __attribute__((format(printf, 2, 3)));

static int push_format(char ***txt, const char *fmt, ...)
{
  char   *entry;
  va_list ap;

  va_start(ap, fmt);
  int r = vasprintf(&entry, fmt, ap);
  va_end(ap);
  if (r < 0) {
    return -ENOMEM;
  }
  r = strv_consume(txt, entry);
  if (r < 0) {
    free(entry);
  }
  return r;
}

int service_txt_build(const struct service_info *info, char ***ret_txt)
{
  _cleanup_strv_free_ char     **txt = NULL;
  const struct service_compiler *cc =
    info->n_compilers ? &info->compilers[0] : NULL;
  int r = push_format(&txt, "txtvers=1");

  r = r < 0 ? r : push_format(&txt, "cpus=%u", info->cpus);
  r = r < 0 ? r : push_format(&txt, "jobs=%u", info->jobs);
  r = r < 0 ? r : push_format(&txt, "distcc=%s", HERDCC_VERSION);
  r = r < 0 ? r : push_format(&txt, "gnuhost=%s", HERDCC_GNU_TRIPLE);
  if (cc) {
    r = r < 0 ? r : push_format(&txt, "cc_version=%s", cc->version);
    r = r < 0 ? r : push_format(&txt, "cc_machine=%s", cc->machine);
  }
  r = r < 0 ? r : push_format(&txt, "herd=%s", HERDCC_VERSION);
  r = r < 0 ? r : push_format(&txt, "protocols=1,2");
  r = r < 0 ? r : push_format(&txt, "codecs=%s", info->lzo ? "lzo" : "");
  if (info->speed) {
    r = r < 0 ? r : push_format(&txt, "speed=%u", info->speed);
  }
  if (info->stats_port) {
    r = r < 0 ? r : push_format(&txt, "stats=%u", info->stats_port);
  }
  for (size_t i = 0; i < info->n_compilers && r >= 0; i++) {
    r = push_format(&txt, "cc%zu=%s/%s", i, info->compilers[i].machine,
                    info->compilers[i].version);
  }
  if (r < 0) {
    return r;
  }
  *ret_txt = TAKE_PTR(txt);
  return 0;
}

static bool key_is(const char *entry, size_t len, const char *key,
                   const char **ret_value, size_t *ret_value_len)
{
  size_t key_len = strlen(key);

  if (len <= key_len || entry[key_len] != '=' ||
      strncmp(entry, key, key_len) != 0) {
    return false;
  }
  *ret_value     = entry + key_len + 1;
  *ret_value_len = len - key_len - 1;
  return true;
}

static unsigned parse_small(const char *value, size_t len)
{
  unsigned n = 0;

  for (size_t i = 0; i < len && i < 6; i++) {
    if (!isdigit((unsigned char)value[i])) {
      return 0;
    }
    n = n * 10 + (unsigned)(value[i] - '0');
  }
  return n;
}

static void copy_text(char *dst, size_t size, const char *value, size_t len)
{
  if (len >= size) {
    len = size - 1;
  }
  memcpy(dst, value, len);
  dst[len] = '\0';
}

/* "machine/version" into the next compiler slot. */
static void add_compiler(struct service_info *info, const char *value,
                         size_t len)
{
  const char *slash = memchr(value, '/', len);

  if (!slash || info->n_compilers >= SERVICE_MAX_COMPILERS) {
    return;
  }
  struct service_compiler *cc = &info->compilers[info->n_compilers++];
  copy_text(cc->machine, sizeof(cc->machine), value, (size_t)(slash - value));
  copy_text(cc->version, sizeof(cc->version), slash + 1,
            len - (size_t)(slash - value) - 1);
}

static void parse_entry(struct service_info *info, const char *e, size_t len,
                        struct service_compiler *cc)
{
  const char *v;
  size_t      vl;

  if (key_is(e, len, "cpus", &v, &vl)) {
    info->cpus = parse_small(v, vl);
  } else if (key_is(e, len, "jobs", &v, &vl)) {
    info->jobs = parse_small(v, vl);
  } else if (key_is(e, len, "cc_machine", &v, &vl)) {
    copy_text(cc->machine, sizeof(cc->machine), v, vl);
  } else if (key_is(e, len, "cc_version", &v, &vl)) {
    copy_text(cc->version, sizeof(cc->version), v, vl);
  } else if (key_is(e, len, "herd", &v, &vl)) {
    info->herd = true;
  } else if (key_is(e, len, "codecs", &v, &vl)) {
    info->lzo = vl >= 3 && memmem(v, vl, "lzo", 3) != NULL;
  } else if (key_is(e, len, "speed", &v, &vl)) {
    info->speed = parse_small(v, vl);
  } else if (key_is(e, len, "stats", &v, &vl)) {
    info->stats_port = (uint16_t)parse_small(v, vl);
  } else if (len > 3 && e[0] == 'c' && e[1] == 'c' &&
             isdigit((unsigned char)e[2]) &&
             (v = memchr(e, '=', len)) != NULL) {
    add_compiler(info, v + 1, len - (size_t)(v + 1 - e));
  }
}

int service_txt_parse(const char *const *txt, const size_t *lens, size_t n,
                      struct service_info *ret_info)
{
  struct service_info     info       = { 0 };
  struct service_compiler cc         = { { 0 }, { 0 } };
  bool                    distcc_txt = false;

  for (size_t i = 0; i < n; i++) {
    const char *v;
    size_t      vl;
    if (key_is(txt[i], lens[i], "txtvers", &v, &vl)) {
      distcc_txt = vl == 1 && v[0] == '1';
    } else {
      parse_entry(&info, txt[i], lens[i], &cc);
    }
  }
  if (!distcc_txt) {
    return -EINVAL;
  }
  if (cc.machine[0] && !service_has_compiler(&info, &cc) &&
      info.n_compilers < SERVICE_MAX_COMPILERS) {
    /* A stock server names only its cc: that is its one compiler. */
    memmove(&info.compilers[1], &info.compilers[0],
            info.n_compilers * sizeof(cc));
    info.compilers[0] = cc;
    info.n_compilers++;
  }
  *ret_info = info;
  return 0;
}

static void subtype_part(char *dst, size_t size, const char *src)
{
  size_t i = 0;

  for (; src[i] && i + 1 < size; i++) {
    char c = (char)tolower((unsigned char)src[i]);
    dst[i] = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ? c : '-';
  }
  dst[i] = '\0';
}

int service_subtype(const struct service_compiler *cc, char **ret_subtype)
{
  char machine[sizeof(cc->machine)], version[sizeof(cc->version)];

  subtype_part(machine, sizeof(machine), cc->machine);
  subtype_part(version, sizeof(version), cc->version);
  return asprintf(ret_subtype, "_%s--%s._sub." SERVICE_TYPE, machine, version) <
             0
           ? -ENOMEM
           : 0;
}

bool service_has_compiler(const struct service_info     *info,
                          const struct service_compiler *cc)
{
  for (size_t i = 0; i < info->n_compilers; i++) {
    if (strcmp(info->compilers[i].machine, cc->machine) == 0 &&
        strcmp(info->compilers[i].version, cc->version) == 0) {
      return true;
    }
  }
  return false;
}

/* The first line `path option` prints, within a second. */
static int run_for_line(const char *path, const char *option, char *buf,
                        size_t size)
{
  int fds[2];

  if (pipe2(fds, O_CLOEXEC) < 0) {
    return -errno;
  }
  pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    return -errno;
  }
  if (pid == 0) {
    dup2(fds[1], STDOUT_FILENO);
    int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
    dup2(devnull, STDERR_FILENO);
    execl(path, path, option, (char *)NULL);
    _exit(127);
  }
  close(fds[1]);
  int     r = io_wait(fds[0], POLLIN, 1000);
  ssize_t n = r < 0 ? -1 : read(fds[0], buf, size - 1);
  close(fds[0]);
  kill(pid, SIGKILL);
  waitpid(pid, NULL, 0);
  if (n <= 0) {
    return r < 0 ? r : -EIO;
  }
  buf[n]                    = '\0';
  buf[strcspn(buf, "\r\n")] = '\0';
  return buf[0] ? 0 : -EIO;
}

int service_probe_compiler(const char *path, struct service_compiler *ret_cc)
{
  struct service_compiler cc;
  int r = run_for_line(path, "-dumpmachine", cc.machine, sizeof(cc.machine));

  if (r >= 0) {
    r = run_for_line(path, "-dumpversion", cc.version, sizeof(cc.version));
  }
  if (r >= 0) {
    *ret_cc = cc;
  }
  return r;
}
