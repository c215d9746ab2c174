/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The client's management options: --show-hosts (every host with its
 * source, address, slots, protocol and state), -j (how many jobs the host
 * list allows) and --ping (contact every configured and discovered host,
 * one machine-parseable line each) and --stats (the farm's status:
 * herdcc-top --once). Each returns the exit code. */
#pragma once

int manage_show_hosts(void);
int manage_jobs(void);
int manage_ping(void);

/* Run herdcc-top --once: the one beside this herdcc (both are installed
 * in the same bin directory), else the first on PATH. Returns only when
 * neither can be run (110). */
int manage_stats(void);
