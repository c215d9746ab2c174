/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The host list a compile or a management option starts from: the text
 * env_host_list() finds, parsed; with none configured and an avahi-daemon
 * running, "+zeroconf". */
#pragma once

#include "hosts.h"

/* -ENOENT when nothing is configured; -EINVAL on a bad host
 * specification, with *ret_why (owned; NULL: not wanted) saying which
 * part of which list is wrong. Never logs, never exits. *ret_list is
 * owned by the caller. */
int hostlist_load(struct hosts_list **ret_list, char **ret_why);
