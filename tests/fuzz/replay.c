/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Replays a fuzz target's corpus as an ordinary test: main() feeds every
 * file named on the command line, and every file in every directory named
 * there, to the target's LLVMFuzzerTestOneInput. Linked with each target
 * in every build (gcc included, and under ASan and UBSan in CI), so that
 * the seed corpora and every crash ever found run with the unit tests,
 * without libFuzzer. */

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "io.h"
#include "macro.h"

#define REPLAY_MAX_INPUT (16 * 1024 * 1024)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(const char *path)
{
  _cleanup_free_ char *buf = NULL;
  size_t               len = 0;
  int                  r   = io_read_file(path, REPLAY_MAX_INPUT, &buf, &len);

  if (r < 0) {
    fprintf(stderr, "Failed to read %s: %s\n", path, strerror(-r));
    return r;
  }
  printf("%s (%zu bytes)\n", path, len);
  fflush(stdout); /* the last name printed is the one that crashed */
  LLVMFuzzerTestOneInput((const uint8_t *)buf, len);
  return 0;
}

static int replay_dir(const char *dir, size_t *count)
{
  struct dirent **names = NULL;
  int             n     = scandir(dir, &names, NULL, alphasort);
  int             r     = 0;

  if (n < 0) {
    fprintf(stderr, "Failed to list %s: %m\n", dir);
    return -1;
  }
  for (int i = 0; i < n; i++) {
    _cleanup_free_ char *path = NULL;
    struct stat          st;
    if (names[i]->d_name[0] != '.' &&
        asprintf(&path, "%s/%s", dir, names[i]->d_name) >= 0 &&
        stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
      r = r < 0 ? r : replay_file(path);
      (*count)++;
    }
    free(names[i]);
  }
  free(names);
  return r;
}

int main(int argc, char *argv[])
{
  size_t count = 0;
  int    r     = 0;

  for (int i = 1; i < argc; i++) {
    struct stat st;
    if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
      r = replay_dir(argv[i], &count) < 0 ? -1 : r;
    } else {
      r = replay_file(argv[i]) < 0 ? -1 : r;
      count++;
    }
  }
  if (count == 0) {
    fprintf(stderr, "no inputs to replay\n");
    return 1;
  }
  printf("%zu inputs replayed\n", count);
  return r < 0 ? 1 : 0;
}
