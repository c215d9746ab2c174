/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Publishing herdccd over mDNS/DNS-SD through the system's avahi-daemon,
 * the way a distcc 3.4 server does so that stock clients find it: service
 * _distcc._tcp, instance "distcc@HOSTNAME" (Avahi's alternative name on a
 * collision), distcc's TXT keys and the compiler subtype
 * _MACHINE--VERSION._sub._distcc._tcp for each compiler it can identify,
 * plus herdcc's own TXT keys (service.h). A separate process does it, so
 * D-Bus and Avahi never run inside the daemon that serves jobs: it starts
 * with a warning when avahi-daemon is absent and publishes once it appears,
 * publishes again when avahi-daemon restarts, and withdraws when it ends
 * (it ends with the daemon). */
#pragma once

#include <stdint.h>
#include <sys/types.h>

#include "service.h"

struct publish_config {
  uint16_t           port;
  char *const       *listen; /* addresses listened on; NULL/empty: all */
  unsigned           jobs;
  uint16_t           stats_port; /* 0: no stats port to advertise */
  unsigned           speed;      /* TXT speed=: herdccd's figure; 0: BogoMIPS */
  const char *const *compiler_paths; /* NULL-terminated; [0] is cc's */
};

/* Fork the publishing process (it dies with the caller). */
int publish_start(const struct publish_config *config, pid_t *ret_pid);
