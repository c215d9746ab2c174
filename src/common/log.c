/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <unistd.h>

static const char     *log_name      = "herdcc";
static enum log_level  log_max       = LOG_LEVEL_WARNING;
static enum log_target log_target_is = LOG_TARGET_STDERR;
static int             log_file_fd   = -1;
static char           *log_file_path; /* for log_reopen_file() */
static bool            log_client = false;

static const char *const level_names[] = {
  [LOG_LEVEL_ERROR] = "ERROR",   [LOG_LEVEL_WARNING] = "WARNING",
  [LOG_LEVEL_NOTICE] = "NOTICE", [LOG_LEVEL_INFO] = "INFO",
  [LOG_LEVEL_DEBUG] = "DEBUG",
};

static const char *const client_level_names[] = {
  [LOG_LEVEL_ERROR] = "ERROR",   [LOG_LEVEL_WARNING] = "Warning",
  [LOG_LEVEL_NOTICE] = "NOTICE", [LOG_LEVEL_INFO] = "INFO",
  [LOG_LEVEL_DEBUG] = "DEBUG",
};

void log_setup(const char *name, enum log_level max_level)
{
  log_name = name;
  log_max  = max_level;
}

int log_open_file(const char *path)
{
  char *copy = strdup(path);
  int   fd   = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);

  if (fd < 0 || !copy) {
    int r = fd < 0 ? -errno : -ENOMEM;
    if (fd >= 0) {
      close(fd);
    }
    free(copy);
    return r;
  }
  if (log_file_fd >= 0) {
    close(log_file_fd);
  }
  free(log_file_path);
  log_file_path = copy;
  log_file_fd   = fd;
  log_target_is = LOG_TARGET_FILE;
  return 0;
}

int log_reopen_file(void)
{
  if (log_target_is != LOG_TARGET_FILE || !log_file_path) {
    return 0;
  }
  int fd = open(log_file_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    return -errno;
  }
  /* The same descriptor number, so that whoever holds log_fd() follows. */
  if (dup3(fd, log_file_fd, O_CLOEXEC) < 0) {
    int r = -errno;
    close(fd);
    return r;
  }
  close(fd);
  return 0;
}

void log_use_client_style(void)
{
  log_client = true;
}

void log_use_syslog(void)
{
  openlog(log_name, LOG_PID, LOG_DAEMON);
  log_target_is = LOG_TARGET_SYSLOG;
}

int log_level_from_string(const char *text, enum log_level *ret_level)
{
  static const struct {
    const char    *name;
    enum log_level level;
  } names[] = {
    { "critical", LOG_LEVEL_ERROR   },
    { "crit",     LOG_LEVEL_ERROR   },
    { "error",    LOG_LEVEL_ERROR   },
    { "warning",  LOG_LEVEL_WARNING },
    { "notice",   LOG_LEVEL_NOTICE  },
    { "info",     LOG_LEVEL_INFO    },
    { "debug",    LOG_LEVEL_DEBUG   },
  };

  for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
    if (strcasecmp(text, names[i].name) == 0) {
      *ret_level = names[i].level;
      return 0;
    }
  }
  return -EINVAL;
}

enum log_level log_max_level(void)
{
  return log_max;
}

int log_fd(void)
{
  return log_target_is == LOG_TARGET_FILE ? log_file_fd : STDERR_FILENO;
}

void log_write(enum log_level level, const char *fmt, ...)
{
  static const int syslog_priorities[] = {
    [LOG_LEVEL_ERROR] = LOG_ERR,     [LOG_LEVEL_WARNING] = LOG_WARNING,
    [LOG_LEVEL_NOTICE] = LOG_NOTICE, [LOG_LEVEL_INFO] = LOG_INFO,
    [LOG_LEVEL_DEBUG] = LOG_DEBUG,
  };
  char    line[4096];
  va_list ap;
  int     saved_errno = errno;

  if (level > log_max) {
    return;
  }
  va_start(ap, fmt);
  if (log_target_is == LOG_TARGET_SYSLOG) {
    vsnprintf(line, sizeof(line), fmt, ap);
    syslog(syslog_priorities[level], "%s", line);
  } else {
    int head =
      snprintf(line, sizeof(line), "%s[%d] %s: ", log_name, (int)getpid(),
               (log_client ? client_level_names : level_names)[level]);
    int body = vsnprintf(line + head, sizeof(line) - (size_t)head - 1, fmt, ap);
    size_t len = (size_t)head + (size_t)body;
    if (len > sizeof(line) - 2) {
      len = sizeof(line) - 2;
    }
    line[len++] = '\n';
    /* One write per line, so lines of parallel processes never mix. */
    ssize_t ignored = write(log_fd(), line, len);
    if (log_client && level == LOG_LEVEL_ERROR &&
        log_target_is == LOG_TARGET_FILE) {
      ignored = write(STDERR_FILENO, line, len);
    }
    (void)ignored;
  }
  va_end(ap);
  errno = saved_errno;
}
