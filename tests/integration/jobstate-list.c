/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A test tool: prints the live client jobs jobstate_scan() finds, one per
 * line, "OWNER PID PHASE HOST SLOT FILE" (HOST "-" when none), so that
 * shell tests can watch herdcc's state files through the same reader the
 * monitors use.
 *
 *   jobstate-list [--keep] [DIR]
 *
 * DIR defaults to jobstate_dir() ($HERDCC_JOBS_DIR, else STATE/jobs).
 * Stale files are removed unless --keep is given. Exits 0, or 1 when the
 * directory cannot be read. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jobstate.h"

static void print_job(const struct job_seen *job, void *userdata)
{
  const struct job_state *s = &job->state;

  (void)userdata;
  printf("%u %u %s %s %d %s\n", (unsigned)job->owner, s->pid,
         job_phase_name(s->phase), s->host[0] ? s->host : "-", s->slot,
         s->file);
}

int main(int argc, char **argv)
{
  bool  keep = argc > 1 && strcmp(argv[1], "--keep") == 0;
  char *dir  = NULL;

  if (argc > 1 + keep) {
    dir = strdup(argv[1 + keep]);
  } else if (jobstate_dir(&dir) < 0) {
    dir = NULL;
  }
  if (!dir) {
    fprintf(stderr, "jobstate-list: no jobs directory\n");
    return 1;
  }
  int n = jobstate_scan(dir, !keep, print_job, NULL);
  if (n < 0) {
    fprintf(stderr, "jobstate-list: cannot read %s: %s\n", dir, strerror(-n));
  }
  free(dir);
  return n < 0 ? 1 : 0;
}
