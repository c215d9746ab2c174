/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "history.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "io.h"
#include "macro.h"
#include "run.h"
#include "select.h"

#define HISTORY_DIR  "history"
#define HISTORY_MEAN "mean"
/* A work figure is one decimal number of milliseconds at speed 1. */
#define HISTORY_TEXT_MAX 32
/* Bounds of a work figure taken as true: 0.1 ms to a day. */
#define HISTORY_WORK_MIN 0.1
#define HISTORY_WORK_MAX 86400000.0

uint64_t history_key(char *const *server_argv, const char *working_dir)
{
  char *const dir[] = { (char *)(working_dir ? working_dir : ""), NULL };

  return select_command_key(server_argv) ^ select_command_key(dir);
}

/* STATE/history/NAME into buf. */
static bool entry_path(const char *state_dir, const char *name, char *buf,
                       size_t size)
{
  int n = snprintf(buf, size, "%s/" HISTORY_DIR "/%s", state_dir, name);
  return n > 0 && (size_t)n < size;
}

static void key_name(uint64_t key, char name[static 17])
{
  snprintf(name, 17, "%016llx", (unsigned long long)key);
}

/* The work figure in the file, or 0 when it is missing or damaged. */
static double read_work(const char *path)
{
  char  text[HISTORY_TEXT_MAX + 1];
  int   fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  char *end;

  if (fd < 0) {
    return 0;
  }
  ssize_t n = read(fd, text, HISTORY_TEXT_MAX);
  close(fd);
  if (n <= 1 || text[n - 1] != '\n') {
    return 0;
  }
  text[n - 1] = '\0';
  errno       = 0;
  double work = strtod(text, &end);
  if (errno || *end || !isfinite(work) || work < HISTORY_WORK_MIN ||
      work > HISTORY_WORK_MAX) {
    return 0;
  }
  return work;
}

static void write_work(const char *path, double work)
{
  char text[HISTORY_TEXT_MAX];
  int  n = snprintf(text, sizeof(text), "%.1f\n", work);

  if (n > 0 && (size_t)n < sizeof(text)) {
    (void)run_write_file_atomic(path, text, (size_t)n);
  }
}

double history_mean(const char *state_dir)
{
  char path[4096];

  return entry_path(state_dir, HISTORY_MEAN, path, sizeof(path))
           ? read_work(path)
           : 0;
}

double history_size(const char *state_dir, uint64_t key, double mean)
{
  char name[17], path[4096];

  key_name(key, name);
  if (!entry_path(state_dir, name, path, sizeof(path))) {
    return 0;
  }
  double work = read_work(path);
  return work > 0 && mean > 0 ? work / mean : 0;
}

/* Remove the entries not written for HISTORY_MAX_AGE_S. */
static void prune(const char *dir)
{
  DIR           *d   = opendir(dir);
  time_t         now = time(NULL);
  struct dirent *e;

  if (!d) {
    return;
  }
  while ((e = readdir(d))) {
    struct stat st;
    if (strlen(e->d_name) == 16 &&
        fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
        S_ISREG(st.st_mode) && now - st.st_mtime > HISTORY_MAX_AGE_S) {
      unlinkat(dirfd(d), e->d_name, 0);
    }
  }
  closedir(d);
}

void history_record(const char *state_dir, uint64_t key, long long elapsed_ms,
                    double slot_speed)
{
  char   name[17], path[4096];
  double work = (double)elapsed_ms * slot_speed;

  if (slot_speed <= 0 || work < HISTORY_WORK_MIN || work > HISTORY_WORK_MAX ||
      !entry_path(state_dir, "", path, sizeof(path))) {
    return;
  }
  (void)io_mkdir_p(path, 0777);
  key_name(key, name);
  if (!entry_path(state_dir, name, path, sizeof(path))) {
    return;
  }
  bool known = access(path, F_OK) == 0;
  write_work(path, work);
  if (!entry_path(state_dir, HISTORY_MEAN, path, sizeof(path))) {
    return;
  }
  double mean = read_work(path);
  write_work(path,
             mean > 0 ? mean + HISTORY_MEAN_WEIGHT * (work - mean) : work);
  if (!known && (key & 0xff) == 0 &&
      entry_path(state_dir, "", path, sizeof(path))) {
    prune(path); /* one new job in 256, at random */
  }
}
