/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "privs.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

static int lookup_user(const char *name, struct privs *privs)
{
  errno                = 0;
  struct passwd *entry = getpwnam(name);

  if (!entry) {
    return errno ? -errno : -ESRCH;
  }
  if (entry->pw_uid == 0 || entry->pw_gid == 0) {
    return -EPERM;
  }
  privs->uid = entry->pw_uid;
  privs->gid = entry->pw_gid;
  snprintf(privs->user, sizeof(privs->user), "%s", name);
  return 0;
}

int privs_plan(const char *user, struct privs *ret_privs)
{
  struct privs privs = { .drop = geteuid() == 0 || getuid() == 0 };
  int          r     = 0;

  if (!privs.drop) {
    privs.uid  = getuid();
    privs.gid  = getgid();
    *ret_privs = privs;
    return 0;
  }
  if (user) {
    r = lookup_user(user, &privs);
  } else {
    r = lookup_user(PRIVS_DEFAULT_USER, &privs);
    if (r == -ESRCH) {
      r = lookup_user(PRIVS_FALLBACK_USER, &privs);
    }
  }
  if (r < 0) {
    return r;
  }
  *ret_privs = privs;
  return 0;
}

int privs_apply(const struct privs *privs)
{
  if (privs->drop) {
    if (setgroups(0, NULL) < 0 || setgid(privs->gid) < 0 ||
        setuid(privs->uid) < 0) {
      return -errno;
    }
  }
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
    return -errno;
  }
  if (getuid() == 0 || geteuid() == 0 || getgid() == 0 || getegid() == 0) {
    return -EPERM;
  }
  if (privs->drop && setuid(0) == 0) {
    return -EPERM; /* the switch did not stick */
  }
  return 0;
}
