/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: the host-list grammar (hosts_parse), which reads
 * $DISTCC_HOSTS, host files and, later, what discovery finds. The input is
 * the list's text, up to its first NUL. A list parses or names the token
 * it refuses; every entry it gives is whole and can be described. */

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz-check.h"
#include "hosts.h"
#include "macro.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_entry(const struct hosts_entry *e)
{
  _cleanup_free_ char *text = hosts_entry_describe(e);

  FUZZ_CHECK(text);
  switch (e->kind) {
    case HOSTS_TCP:
      FUZZ_CHECK(e->name && e->name[0] && e->port > 0);
      FUZZ_CHECK(e->limit >= 1 && e->limit <= 1000);
      break;
    case HOSTS_SSH:
      FUZZ_CHECK(e->name && e->name[0]);
      FUZZ_CHECK(!e->command || e->command[0]);
      FUZZ_CHECK(e->limit >= 1 && e->limit <= 1000);
      break;
    case HOSTS_LOCAL:
      FUZZ_CHECK(e->name && strcmp(e->name, "localhost") == 0);
      break;
    case HOSTS_ZEROCONF:
    case HOSTS_SRV:
      break;
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  _cleanup_free_ char *text = strndup((const char *)data, size);
  struct hosts_list   *list = NULL;
  char                *bad  = NULL;

  FUZZ_CHECK(text);
  int r = hosts_parse(text, &list, &bad);
  if (r == -EINVAL) {
    FUZZ_CHECK(!list && bad && strstr(text, bad));
    free(bad);
    return 0;
  }
  FUZZ_CHECK(r == 0 && list && !bad);
  for (size_t i = 0; i < list->count; i++) {
    check_entry(&list->entries[i]);
  }
  hosts_list_free(list);
  return 0;
}
