/* SPDX-License-Identifier: GPL-2.0-or-later */
/* How big a compile is, from how long it took the last time: a small
 * per-user history in STATE/history/, so that the host choice (select.h)
 * sends a big job to a fast slot, even if it waits a little, and leaves
 * the slow slots to small ones. A job is known by its command line as the
 * server runs it and the working directory (history_key). Its work is
 * the time its remote compile took times the speed of the slot it ran on
 * (the work at speed 1); the history keeps the last one per job and the
 * running mean of all of them, and gives a job's size over that mean.
 * One small file per job, written by rename; a damaged or missing file is
 * no history; entries unused for HISTORY_MAX_AGE_S are removed now and
 * then. The client runs once per translation unit: two small reads and
 * two small writes a compile. */
#pragma once

#include <stdint.h>

/* Entries older than this are removed when a new one is written. */
#define HISTORY_MAX_AGE_S (30 * 24 * 3600)

/* Weight of one compile in the running mean (1/16: a new build moves the
 * mean within a few dozen compiles, one outlier barely). */
#define HISTORY_MEAN_WEIGHT (1.0 / 16)

/* The key of a job: its server command line and working directory. */
uint64_t history_key(char *const *server_argv, const char *working_dir);

/* The mean work of a compile (ms at speed 1); 0 when unknown. */
double history_mean(const char *state_dir);

/* The job's size over mean (history_mean()), from its last compile; 0
 * when unknown. */
double history_size(const char *state_dir, uint64_t key, double mean);

/* The job's compile took elapsed_ms on a slot of slot_speed (> 0): store
 * its work and move the mean. Failures are ignored: history is a hint. */
void history_record(const char *state_dir, uint64_t key, long long elapsed_ms,
                    double slot_speed);
