/* SPDX-License-Identifier: GPL-2.0-or-later */
/* herdccd never runs a job as root. Started as root it picks an
 * unprivileged user at start-up (--user, else "herdccd" if that user
 * exists, else "nobody") and, once its sockets, log and pid file are open,
 * switches to it: supplementary groups cleared, then setgid, then setuid,
 * then PR_SET_NO_NEW_PRIVS so no setuid program a compiler might run can
 * regain anything. Started as another user it keeps that user. */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#define PRIVS_DEFAULT_USER  "herdccd"
#define PRIVS_FALLBACK_USER "nobody"
#define PRIVS_USER_NAME_MAX 64

struct privs {
  bool  drop; /* running as root: switch to uid/gid */
  uid_t uid;
  gid_t gid;
  char  user[PRIVS_USER_NAME_MAX];
};

/* Decide the switch. user may be NULL (the default users). -ESRCH when the
 * user does not exist, -EPERM when it is root itself. */
int privs_plan(const char *user, struct privs *ret_privs);

/* Switch as planned and set PR_SET_NO_NEW_PRIVS; -EPERM when the process
 * could still act as root afterwards. */
int privs_apply(const struct privs *privs);
