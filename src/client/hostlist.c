#include "hostlist.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "env.h"
#include "exitcode.h"
#include "log.h"
#include "macro.h"
#include "zeroconf.h"

int hostlist_load(struct hosts_list **ret_list)
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
  if (r == -EINVAL) {
    log_error("bad host specification \"%s\" in %s: %s", bad, source,
              hosts_why_bad());
    exit(EXIT_BAD_HOSTSPEC);
  }
  return r;
}
