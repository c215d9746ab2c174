/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A compile server as DNS-SD describes it (over mDNS or unicast DNS): the
 * TXT keys distcc 3.4 publishes (txtvers, cpus, jobs, distcc, gnuhost,
 * cc_version, cc_machine) plus herdcc's own (herd, protocols, codecs,
 * speed, stats, ccN), and the compiler subtype a stock distcc client
 * browses. Shared by the publisher (herdccd), the browser
 * (herdcc-discover) and the cache the client reads. No Avahi here. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SERVICE_TYPE          "_distcc._tcp"
#define SERVICE_MAX_COMPILERS 8

/* What `CC -dumpmachine` and `CC -dumpversion` say. */
/* The largest speed= a TXT record can give (six digits). */
#define SERVICE_SPEED_MAX 999999u

struct service_compiler {
  char machine[64];
  char version[32];
};

struct service_info {
  unsigned cpus;
  unsigned jobs;
  bool     lzo;   /* speaks protocol 2 */
  bool     herd;  /* a herdcc server */
  unsigned speed; /* relative compile speed, 0: unknown;
                     at most SERVICE_SPEED_MAX */
  uint16_t                stats_port;
  struct service_compiler compilers[SERVICE_MAX_COMPILERS]; /* [0]: cc */
  size_t                  n_compilers;
};

/* The TXT strings ("key=value") for info; *ret_txt is a NULL-terminated
 * vector owned by the caller (strv_free). */
int service_txt_build(const struct service_info *info, char ***ret_txt);

/* Read TXT strings (each len bytes, not NUL-terminated, as they come off
 * the wire) into *ret_info. Unknown keys are ignored; -EINVAL when the
 * record is not distcc's (no txtvers=1). */
int service_txt_parse(const char *const *txt, const size_t *lens, size_t n,
                      struct service_info *ret_info);

/* "_x86-64-linux-gnu--12._sub._distcc._tcp": lowercase, every character
 * but [a-z0-9] made '-'. Caller frees. */
int service_subtype(const struct service_compiler *cc, char **ret_subtype);

/* Whether a server with info can compile for the compiler identified by
 * cc. */
bool service_has_compiler(const struct service_info     *info,
                          const struct service_compiler *cc);

/* Ask the compiler at path (an executable) who it is: `path
 * -dumpmachine` and `path -dumpversion`, each bounded in time. */
int service_probe_compiler(const char *path, struct service_compiler *ret_cc);
