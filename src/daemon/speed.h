/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The speed herdccd announces (TXT speed=, and HSPD in every invitation),
 * measured at start: a short, calibrated run of work shaped like a
 * compiler's (hashing strings into a table, chasing pointers, branching
 * on the data), on one core, for SPEED_RUN_MS. 1000 is one core of the
 * reference machine (an x86-64 server core of 2024 at about 3 GHz). The
 * figure for the host is one core's times the cores its job slots can
 * use (the lesser of --jobs and the online CPUs), the scale of distcc's
 * cpus x BogoMIPS, so clients divide it by the slots. */
#pragma once

#define SPEED_RUN_MS 30

/* The host's figure for jobs slots; at least 1, at most 999999. */
unsigned speed_measure(unsigned jobs);
