/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The one clock for deadlines and durations, in client, daemon, helpers
 * and monitors: milliseconds of CLOCK_MONOTONIC, which no change of the
 * wall clock moves. */
#pragma once

/* Milliseconds since an arbitrary fixed point (the system's boot). */
long long clock_now_ms(void);

/* The same clock in microseconds, for durations too short for
 * milliseconds (a throughput). */
long long clock_now_us(void);
