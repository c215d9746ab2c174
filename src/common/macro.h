/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Small language helpers shared by every herdcc program: cleanup
 * attributes for automatic release of locals, ownership transfer, and array
 * sizes. Header-only. */
#pragma once

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define _cleanup_(f)   __attribute__((cleanup(f)))
#define _unused_       __attribute__((unused))
#define _printf_(a, b) __attribute__((format(printf, a, b)))
#define _noreturn_     __attribute__((noreturn))

static inline void freep(void *p)
{
  free(*(void **)p);
}

/* Close *fd if open and mark it closed, so a second call does nothing. */
static inline void closep(int *fd)
{
  if (*fd >= 0) {
    int saved_errno = errno;
    close(*fd);
    errno = saved_errno;
    *fd   = -1;
  }
}

#define _cleanup_free_  _cleanup_(freep)
#define _cleanup_close_ _cleanup_(closep)

/* Hand ownership on: returns the value and clears the variable. */
#define TAKE_PTR(p)              \
  ({                             \
    __typeof__(p) taken_ = (p);  \
    (p)                  = NULL; \
    taken_;                      \
  })

#define TAKE_FD(fd)       \
  ({                      \
    int taken_fd_ = (fd); \
    (fd)          = -1;   \
    taken_fd_;            \
  })

static inline void strv_freep(char ***strv)
{
  if (*strv) {
    for (char **s = *strv; *s; s++) {
      free(*s);
    }
    free(*strv);
  }
}

#define _cleanup_strv_free_ _cleanup_(strv_freep)
