/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The candidate hosts of one compile and the taking of a slot among them
 * (candidates.h). */
#include "candidates.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "dns.h"
#include "jobstatus.h"
#include "log.h"
#include "macro.h"
#include "remote.h"
#include "slots.h"
#include "strv.h"

void candidates_clear(struct candidates *c)
{
  strv_free(c->names);
  free(c->limits);
  free(c->entries);
  free(c->tried);
  *c = (struct candidates){ 0 };
}

static void shuffle_candidates(struct candidates *c)
{
  srandom((unsigned)getpid() ^ (unsigned)time(NULL));
  for (unsigned i = c->count; i > 1; i--) {
    unsigned                  j     = (unsigned)random() % i;
    char                     *name  = c->names[i - 1];
    unsigned                  limit = c->limits[i - 1];
    const struct hosts_entry *entry = c->entries[i - 1];

    c->names[i - 1]   = c->names[j];
    c->limits[i - 1]  = c->limits[j];
    c->entries[i - 1] = c->entries[j];
    c->names[j]       = name;
    c->limits[j]      = limit;
    c->entries[j]     = entry;
  }
}

/* Whether an entry can take the compile: a supported kind, not a name the
 * DNS cache says has no address (its failure was told once, when the
 * lookup failed), and not a numeric address that is backed off (a name's
 * addresses are checked when connecting). */
static bool is_usable(const struct hosts_entry *e, const char *state,
                      struct backoff *backoff, struct candidates *c)
{
  char                 address[BACKOFF_ADDRESS_MAX];
  _cleanup_free_ char *why = NULL;

  if (e->kind != HOSTS_TCP && e->kind != HOSTS_SSH && e->kind != HOSTS_LOCAL) {
    log_warning("host list entry %s is not supported by this build; "
                "ignored",
                "+zeroconf/+srv");
    return false;
  }
  if (e->kind == HOSTS_TCP && state &&
      dns_unresolvable(state, e->name, &why) > 0) {
    log_info("%s: passed over", why);
    c->unresolved = c->unresolved ? c->unresolved : e;
    return false;
  }
  if (backoff_format_entry(e, address) >= 0 && backoff_skip(backoff, address)) {
    log_info("%s is backed off: passed over", address);
    c->backed_off++;
    return false;
  }
  return true;
}

/* The hosts a compile can use now, in order (--randomize: shuffled). */
int candidates_collect(const struct hosts_list *list, const char *state,
                       struct backoff *backoff, struct candidates *ret)
{
  struct candidates c = { 0 };

  c.limits  = calloc(list->count + 1, sizeof(*c.limits));
  c.entries = calloc(list->count + 1, sizeof(*c.entries));
  c.names   = calloc(list->count + 1, sizeof(*c.names));
  c.tried   = calloc(list->count + 1, sizeof(*c.tried));
  if (!c.limits || !c.entries || !c.names || !c.tried) {
    candidates_clear(&c);
    return -ENOMEM;
  }
  for (size_t i = 0; i < list->count; i++) {
    const struct hosts_entry *e = &list->entries[i];
    if (!is_usable(e, state, backoff, &c)) {
      continue;
    }
    c.names[c.count] = hosts_entry_describe(e);
    if (!c.names[c.count]) {
      candidates_clear(&c);
      return -ENOMEM;
    }
    c.limits[c.count]    = e->limit;
    c.entries[c.count++] = e;
  }
  if (list->randomize) {
    shuffle_candidates(&c);
  }
  *ret = c;
  return 0;
}

bool candidates_any_native(const struct candidates *c)
{
  for (unsigned i = 0; i < c->count; i++) {
    if (c->entries[i]->kind == HOSTS_TCP && c->entries[i]->herd) {
      return true;
    }
  }
  return false;
}

/* slots_acquire(), showing the job as waiting while every slot is taken;
 * the slot's number, or -errno. */
int candidates_acquire_slot(const char *state, char *const *names,
                            const unsigned *limits, unsigned count,
                            unsigned *ret_index, int *ret_fd)
{
  int r = slots_try(state, names, limits, count, true, ret_index, ret_fd);

  if (r != -EAGAIN) {
    return r;
  }
  jobstatus_at(JOB_PHASE_WAIT_SLOT, NULL, -1);
  return slots_acquire(state, names, limits, count, true, ret_index, ret_fd);
}

/* candidates_acquire_slot() over the candidates while the preprocessor runs:
 * its end is collected as it comes, so that its slot is not held while the
 * job waits (slots.h). */
int candidates_acquire_beside_cpp(const char *state, const struct candidates *k,
                                  struct remote_job *job, unsigned *ret_index,
                                  int *ret_fd)
{
  _cleanup_close_ int watch = -1, want = -1;
  int                 r =
    slots_try(state, k->names, k->limits, k->count, true, ret_index, ret_fd);

  if (r == -EAGAIN) {
    jobstatus_at(JOB_PHASE_WAIT_SLOT, NULL, -1);
    watch = slots_watch(state);
    want  = slots_want(state, k->names, k->limits, k->count);
  }
  while (r == -EAGAIN) {
    /* watched before looking: a release in between is not missed */
    r =
      slots_try(state, k->names, k->limits, k->count, true, ret_index, ret_fd);
    int cpp_fd = -1;
    if (r == -EAGAIN) {
      remote_cpp_check(job, &cpp_fd); /* a failure is told after */
      struct pollfd fds[] = {
        { .fd = watch,  .events = POLLIN },
        { .fd = cpp_fd, .events = POLLIN }
      };
      poll(fds, ARRAY_SIZE(fds), SLOTS_TIMER_MS);
      slots_watch_drain(watch);
    }
  }
  return r;
}

/* Another server with a free slot now, for a retry: never one tried
 * already, never localhost (the local fallback comes last). The slot's
 * number, or -errno. */
int candidates_pick_another(const char *state, const struct candidates *c,
                            unsigned *ret_index, int *ret_slot_fd)
{
  _cleanup_free_ unsigned *limits = calloc(c->count + 1, sizeof(*limits));

  if (!limits) {
    return -ENOMEM;
  }
  for (unsigned i = 0; i < c->count; i++) {
    bool remote =
      c->entries[i]->kind == HOSTS_TCP || c->entries[i]->kind == HOSTS_SSH;
    limits[i] = remote && !c->tried[i] ? c->limits[i] : 0;
  }
  return slots_try(state, c->names, limits, c->count, true, ret_index,
                   ret_slot_fd);
}
