/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The speed herdccd announces (TXT speed=, and HSPD in every invitation),
 * measured at start: a short, calibrated run of work shaped like a
 * compiler's (hashing strings into a table, chasing pointers, branching
 * on the data), on one core, for SPEED_RUN_MS in SPEED_BURSTS bursts, the
 * fastest burst counting. 1000 is about one core of the machine herdcc is
 * developed on (a shared x86-64 virtual machine of 2026); only the ratios
 * between servers matter. The
 * figure for the host is one core's times the cores its job slots can
 * use (the lesser of --jobs and the online CPUs), the scale of distcc's
 * cpus x BogoMIPS, so clients divide it by the slots. */
#pragma once

#define SPEED_RUN_MS 30
#define SPEED_BURSTS 6

/* The host's figure for jobs slots; at least 1, at most 999999. */
unsigned speed_measure(unsigned jobs);
