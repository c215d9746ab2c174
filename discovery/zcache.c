/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "zcache.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "io.h"
#include "macro.h"

#define ZCACHE_HEADER  "# herdcc discovery cache 1\n"
#define ZCACHE_CAP     (1024 * 1024)
#define ZCACHE_EXPIRES "# expires "
#define ZCACHE_ERROR   "# error "

static void write_flags(FILE *f, const struct service_info *info)
{
  const char *sep = "";

  if (!info->lzo && !info->herd && !info->stats_port && !info->speed) {
    fputs("-", f);
    return;
  }
  if (info->lzo) {
    fputs("lzo", f);
    sep = ",";
  }
  if (info->herd) {
    fprintf(f, "%sherd", sep);
    sep = ",";
  }
  if (info->stats_port) {
    fprintf(f, "%sstats=%u", sep, info->stats_port);
    sep = ",";
  }
  if (info->speed) {
    fprintf(f, "%sspeed=%u", sep, info->speed);
  }
}

static void write_compilers(FILE *f, const struct service_info *info)
{
  if (info->n_compilers == 0) {
    fputs("-", f);
  }
  for (size_t i = 0; i < info->n_compilers; i++) {
    fprintf(f, "%s%s/%s", i ? "," : "", info->compilers[i].machine,
            info->compilers[i].version);
  }
}

/* Tabs and newlines would break the line format. */
static void write_name(FILE *f, const char *name)
{
  for (const char *p = name; *p; p++) {
    fputc(*p == '\t' || *p == '\n' ? ' ' : *p, f);
  }
}

static int write_entries(FILE *f, const struct zcache_entry *entries,
                         size_t count, const struct zcache_meta *meta)
{
  fputs(ZCACHE_HEADER, f);
  if (meta && meta->expires) {
    fprintf(f, ZCACHE_EXPIRES "%lld\n", meta->expires);
  }
  if (meta && meta->error[0]) {
    fputs(ZCACHE_ERROR, f);
    write_name(f, meta->error);
    fputc('\n', f);
  }
  for (size_t i = 0; i < count; i++) {
    const struct zcache_entry *e = &entries[i];
    fprintf(f, "%s\t%u\t%u\t", e->addr, e->port, e->info.jobs);
    write_flags(f, &e->info);
    fputc('\t', f);
    write_compilers(f, &e->info);
    fputc('\t', f);
    write_name(f, e->name);
    fputc('\n', f);
  }
  return fflush(f) == 0 && !ferror(f) ? 0 : -EIO;
}

int zcache_write(const char *path, const struct zcache_entry *entries,
                 size_t count)
{
  return zcache_write_meta(path, entries, count, NULL);
}

int zcache_write_meta(const char *path, const struct zcache_entry *entries,
                      size_t count, const struct zcache_meta *meta)
{
  _cleanup_free_ char *tmp = NULL;
  int                  fd;
  int                  r = io_tmp_beside(path, &tmp, &fd);

  if (r < 0) {
    return r;
  }
  FILE *f = fdopen(fd, "w");
  if (!f) {
    r = -errno;
    close(fd);
    unlink(tmp);
    return r;
  }
  r = write_entries(f, entries, count, meta);
  if (fclose(f) != 0 && r >= 0) {
    r = -errno;
  }
  if (r >= 0 && (io_chmod_default(tmp) < 0 || rename(tmp, path) < 0)) {
    r = -errno;
  }
  if (r < 0) {
    unlink(tmp);
  }
  return r;
}

static void parse_flags(char *text, struct service_info *info)
{
  char *save = NULL;

  for (char *flag = strtok_r(text, ",", &save); flag;
       flag       = strtok_r(NULL, ",", &save)) {
    if (strcmp(flag, "lzo") == 0) {
      info->lzo = true;
    } else if (strcmp(flag, "herd") == 0) {
      info->herd = true;
    } else if (strncmp(flag, "stats=", 6) == 0) {
      long port        = strtol(flag + 6, NULL, 10);
      info->stats_port = port > 0 && port <= 65535 ? (uint16_t)port : 0;
    } else if (strncmp(flag, "speed=", 6) == 0) {
      unsigned long speed = strtoul(flag + 6, NULL, 10);
      info->speed         = speed <= SERVICE_SPEED_MAX ? (unsigned)speed : 0;
    }
  }
}

static void parse_compilers(char *text, struct service_info *info)
{
  char *save = NULL;

  for (char *cc = strtok_r(text, ",", &save);
       cc && info->n_compilers < SERVICE_MAX_COMPILERS;
       cc = strtok_r(NULL, ",", &save)) {
    char *slash = strchr(cc, '/');
    if (!slash) {
      continue;
    }
    *slash                       = '\0';
    struct service_compiler *dst = &info->compilers[info->n_compilers++];
    snprintf(dst->machine, sizeof(dst->machine), "%s", cc);
    snprintf(dst->version, sizeof(dst->version), "%s", slash + 1);
  }
}

/* One line into *ret; -EINVAL when it is not an entry. */
static int parse_line(char *line, struct zcache_entry *ret)
{
  char *fields[6];
  char *rest = line;
  int   n    = 0;

  if (line[0] == '#') {
    return -EINVAL;
  }
  /* strsep, not strtok: an empty field (a name-less entry) is a field. */
  while (rest && n < 6) {
    fields[n++] = strsep(&rest, "\t");
  }
  if (n != 6 || rest) {
    return -EINVAL;
  }
  struct zcache_entry e = { 0 };
  long port = strtol(fields[1], NULL, 10), jobs = strtol(fields[2], NULL, 10);
  if (strlen(fields[0]) >= sizeof(e.addr) || port <= 0 || port > 65535 ||
      jobs < 0 || jobs > 1000) {
    return -EINVAL;
  }
  strcpy(e.addr, fields[0]);
  e.port      = (uint16_t)port;
  e.info.jobs = (unsigned)jobs;
  parse_flags(fields[3], &e.info);
  parse_compilers(fields[4], &e.info);
  snprintf(e.name, sizeof(e.name), "%s", fields[5]);
  *ret = e;
  return 0;
}

int zcache_read(const char *path, struct zcache_entry **ret_entries,
                size_t *ret_count)
{
  _cleanup_free_ char *text = NULL;
  size_t               len, count = 0;
  int                  r = io_read_file(path, ZCACHE_CAP, &text, &len);

  if (r < 0) {
    return r;
  }
  struct zcache_entry *entries = NULL;
  char                *save    = NULL;
  for (char *line = strtok_r(text, "\n", &save); line;
       line       = strtok_r(NULL, "\n", &save)) {
    struct zcache_entry e;
    if (parse_line(line, &e) < 0) {
      continue;
    }
    struct zcache_entry *grown =
      reallocarray(entries, count + 1, sizeof(*entries));
    if (!grown) {
      free(entries);
      return -ENOMEM;
    }
    entries          = grown;
    entries[count++] = e;
  }
  *ret_entries = entries;
  *ret_count   = count;
  return 0;
}

int zcache_read_meta(const char *path, struct zcache_meta *ret_meta)
{
  _cleanup_free_ char *text = NULL;
  size_t               len;
  int                  r = io_read_file(path, ZCACHE_CAP, &text, &len);

  if (r < 0) {
    return r;
  }
  struct zcache_meta meta = { 0 };
  char              *save = NULL;
  for (char *line = strtok_r(text, "\n", &save); line && line[0] == '#';
       line       = strtok_r(NULL, "\n", &save)) {
    if (strncmp(line, ZCACHE_EXPIRES, strlen(ZCACHE_EXPIRES)) == 0) {
      meta.expires = strtoll(line + strlen(ZCACHE_EXPIRES), NULL, 10);
    } else if (strncmp(line, ZCACHE_ERROR, strlen(ZCACHE_ERROR)) == 0) {
      snprintf(meta.error, sizeof(meta.error), "%s",
               line + strlen(ZCACHE_ERROR));
    }
  }
  *ret_meta = meta;
  return 0;
}

int zcache_take_refresher_lock(const char *dir)
{
  _cleanup_free_ char *path = NULL;

  if (asprintf(&path, "%s/lock", dir) < 0) {
    return -ENOMEM;
  }
  int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
  if (fd < 0) {
    return -errno;
  }
  if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
    close(fd);
    return -EBUSY;
  }
  return 0; /* the descriptor stays open: held until exit */
}
