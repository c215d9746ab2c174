/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "jobstatus.h"

#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

#include "run.h"

static struct jobstate_writer *writer;
static pid_t                   writer_pid; /* a forked child is not the job */
static int                     writer_slot = -1;

static void end_at_exit(void)
{
  if (writer && getpid() == writer_pid) {
    jobstatus_end();
  }
}

void jobstatus_begin(const char *file)
{
  static bool registered;
  sigset_t    old;

  if (writer) {
    return;
  }
  run_hold_interrupts(&old);
  writer = jobstate_writer_new(file);
  if (writer) {
    writer_pid = getpid();
    run_set_job_files(jobstate_writer_path(writer),
                      jobstate_writer_tmp_path(writer));
  }
  run_release_interrupts(&old);
  if (writer && !registered) {
    registered = atexit(end_at_exit) == 0;
  }
}

/* No need to hold the signals here: an interrupt between the temporary
 * file's creation and its rename finds both names known to the handler. */
void jobstatus_at(enum job_phase phase, const char *host, int slot)
{
  if (!writer) {
    return;
  }
  writer_slot = slot;
  jobstate_writer_phase(writer, phase, host, slot);
}

void jobstatus_phase(enum job_phase phase)
{
  jobstatus_at(phase, NULL, writer_slot);
}

void jobstatus_link(enum job_conn conn, uint16_t port, enum job_codec codec)
{
  jobstate_writer_link(writer, conn, port, codec);
}

void jobstatus_sent(uint64_t bytes, uint64_t us)
{
  jobstate_writer_transfer(writer, false, bytes, us);
}

void jobstatus_received(uint64_t bytes, uint64_t us)
{
  jobstate_writer_transfer(writer, true, bytes, us);
  jobstate_writer_update(writer);
}

void jobstatus_end(void)
{
  sigset_t old;

  if (!writer) {
    return;
  }
  run_hold_interrupts(&old);
  run_set_job_files(NULL, NULL);
  writer = jobstate_writer_free(writer);
  run_release_interrupts(&old);
}
