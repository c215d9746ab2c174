/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int fixture_dir_make(void **state)
{
  char *dir = strdup("/tmp/herdcc-test.XXXXXX");

  if (!dir || !mkdtemp(dir)) {
    free(dir);
    return -1;
  }
  *state = dir;
  return 0;
}

int fixture_dir_remove(void **state)
{
  char *cmd = NULL;

  if (asprintf(&cmd, "rm -rf '%s'", (char *)*state) >= 0) {
    (void)!system(cmd);
  }
  free(cmd);
  free(*state);
  return 0;
}
