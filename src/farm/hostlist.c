/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "hostlist.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "env.h"
#include "macro.h"
#include "zeroconf.h"

int hostlist_load(struct hosts_list **ret_list, char **ret_why)
{
  _cleanup_free_ char *text = NULL, *source = NULL, *bad = NULL;
  int                  r = env_host_list(&text, &source);

  if (r == -ENOENT && zeroconf_available()) {
    /* No list at all, but an avahi-daemon: the farm is whatever it finds. */
    text   = strdup("+zeroconf");
    source = strdup("the default (avahi-daemon is running)");
    r      = text && source ? 0 : -ENOMEM;
  }
  if (r < 0) {
    return r;
  }
  r = hosts_parse(text, ret_list, &bad);
  if (r == -EINVAL && ret_why &&
      asprintf(ret_why, "bad host specification \"%s\" in %s: %s", bad, source,
               hosts_why_bad()) < 0) {
    return -ENOMEM;
  }
  return r;
}
