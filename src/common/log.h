/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Logging for the herdcc programs. Lines read "NAME[PID] LEVEL: text" and
 * go to stderr, a log file, or syslog. The client logs only what
 * HERDCC_VERBOSE/DISTCC_VERBOSE ask for and always logs warnings and
 * errors; the daemon logs at its --log-level. */
#pragma once

#include <stdbool.h>

#include "macro.h"

enum log_level {
  LOG_LEVEL_ERROR,
  LOG_LEVEL_WARNING,
  LOG_LEVEL_NOTICE,
  LOG_LEVEL_INFO,
  LOG_LEVEL_DEBUG,
};

enum log_target {
  LOG_TARGET_STDERR,
  LOG_TARGET_FILE,
  LOG_TARGET_SYSLOG,
};

/* name is borrowed and must outlive the program (argv[0]'s basename). */
void log_setup(const char *name, enum log_level max_level);

/* Send lines to a file instead of stderr; -errno if it cannot be opened
 * (the target stays what it was). */
int log_open_file(const char *path);

void log_use_syslog(void);

/* The client's style, distcc's: warnings tagged "Warning:" (errors stay
 * "ERROR:"), and errors written to stderr as well when the lines go to a
 * log file, so that a build log shows them whatever HERDCC_LOG says. */
void log_use_client_style(void);

/* Open the log file again by the name log_open_file() was given (after
 * logrotate renamed it); the old descriptor is kept when that fails.
 * 0 when no log file is in use. */
int log_reopen_file(void);

/* Parse "error", "warning", "notice", "info", "debug" (and distcc's
 * "critical", "crit"); -EINVAL otherwise. */
int log_level_from_string(const char *text, enum log_level *ret_level);

enum log_level log_max_level(void);

/* Reopen nothing; just a best-effort fd the daemon keeps across fork. */
int log_fd(void);

void log_write(enum log_level level, const char *fmt, ...) _printf_(2, 3);

#define log_error(...)   log_write(LOG_LEVEL_ERROR, __VA_ARGS__)
#define log_warning(...) log_write(LOG_LEVEL_WARNING, __VA_ARGS__)
#define log_notice(...)  log_write(LOG_LEVEL_NOTICE, __VA_ARGS__)
#define log_info(...)    log_write(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_debug(...)   log_write(LOG_LEVEL_DEBUG, __VA_ARGS__)
