/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A byte buffer that grows as it is added to: the one such helper for
 * texts built in memory (linemarker's rewritten text, rebuild's files). */
#pragma once

#include <stddef.h>

struct membuf {
  char  *data; /* owned; NULL while nothing was added */
  size_t len;  /* bytes held */
  size_t size; /* bytes allocated */
};

/* Add len bytes (none: nothing is allocated). -ENOMEM, the buffer as it
 * was. */
int membuf_add(struct membuf *buf, const void *data, size_t len);

/* Free what it holds and empty it. */
void membuf_clear(struct membuf *buf);
