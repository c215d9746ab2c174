/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the client knows of the link to each server, to choose a native
 * body codec per link: the rate the kernel measured delivering the last
 * sources to it (TCP_INFO's delivery rate, read once the server's reply
 * to a source of at least LINKS_MIN_BYTES starts: the whole source is
 * acknowledged by then, so the sample is of its end, past the burst a
 * shaper lets through at line rate), kept as the highest recent measure
 * (each older
 * one decays by LINKS_DECAY a measure, the way a congestion control
 * estimates a bottleneck: a sample is often held back by slow start or
 * by the sender, never above what the link carries) in
 * STATE/links/ADDRESS (one small file per server address, written by
 * rename; a damaged or missing file is no knowledge). On a fast link (loopback,
 * 10 GbE: at least LINKS_FAST_BPS) LZO's bodies go, whose CPU cost is a tenth
 * of zlib's; where the wire is the bottleneck, or nothing is known yet, zlib's,
 * a third smaller. Only a herdccd is ever sent zlib (remote.c). */
#pragma once

#include <stdbool.h>

#define LINKS_DIR "links"

/* At least this many bytes per second (2 Gbit/s) is a fast link. */
#define LINKS_FAST_BPS 250e6

/* A source smaller than this says little of the link: not recorded. */
#define LINKS_MIN_BYTES (64 * 1024)

/* How much the measure kept loses at each new one (a link that became
 * slow is known as such within about ten sources). */
#define LINKS_DECAY 0.25

/* The known delivery rate to address, bytes per second; 0 when unknown. */
double links_rate(const char *state_dir, const char *address);

/* One measure of the rate to address (ignored when not > 0). */
void links_record(const char *state_dir, const char *address, double rate);

/* Whether bodies to address go zlib: $HERDCC_ZLIB=1 always, =0 never,
 * unset as the link's rate says (zlib when unknown). */
bool links_use_zlib(const char *state_dir, const char *address);

/* The delivery rate the kernel measured on a TCP socket, bytes per
 * second; 0 when it has none. */
double links_measure(int sock);
