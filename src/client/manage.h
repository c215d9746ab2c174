/* The client's management options: --show-hosts (every host with its
 * source, address, slots, protocol and state), -j (how many jobs the host
 * list allows) and --ping (contact every configured and discovered host,
 * one machine-parseable line each). Each returns the exit code. */
#pragma once

int manage_show_hosts(void);
int manage_jobs(void);
int manage_ping(void);
