/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>

#include "env.h"
#include "exitcode.h"
#include "policy.h"

struct policy_settings policy_settings_from_env(void)
{
  return (struct policy_settings){
    .fallback         = env_get_bool("FALLBACK", true),
    .skip_local_retry = env_get_bool("SKIP_LOCAL_RETRY", true),
    .max_attempts     = POLICY_MAX_ATTEMPTS,
  };
}

static struct policy_decision ends(int exit_code, enum log_level level)
{
  return (struct policy_decision){ .action    = POLICY_RETURN,
                                   .exit_code = exit_code,
                                   .level     = level };
}

static struct policy_decision here(bool in_slot, enum log_level level)
{
  return (struct policy_decision){ .action  = POLICY_RUN_HERE,
                                   .in_slot = in_slot,
                                   .level   = level };
}

/* Nothing to send it to: distcc's ways. A list that cannot be read or has
 * nothing usable runs here at once, as distcc does (no slot: there is no
 * farm to protect this machine from); servers that are only down for now
 * (backed off, a name without address) are a failure of distribution,
 * so the fallback rules apply and it runs in a local slot. */
struct policy_decision policy_for_hosts(enum policy_hosts hosts, bool told,
                                        const struct policy_settings *s)
{
  switch (hosts) {
    case POLICY_HOSTS_BAD_SPEC:
      return ends(EXIT_BAD_HOSTSPEC, LOG_LEVEL_ERROR);
    case POLICY_HOSTS_UNSET:
    case POLICY_HOSTS_UNREADABLE:
    case POLICY_HOSTS_NONE_USABLE:
      return here(false, LOG_LEVEL_WARNING);
    case POLICY_HOSTS_BACKED_OFF:
      return here(true, LOG_LEVEL_INFO);
    case POLICY_HOSTS_UNRESOLVED:
      if (!s->fallback) {
        return ends(EXIT_CONNECT_FAILED, LOG_LEVEL_ERROR);
      }
      /* told once, by the compile whose lookup failed */
      return here(true, told ? LOG_LEVEL_WARNING : LOG_LEVEL_INFO);
    case POLICY_HOSTS_SOME:
    default:
      return (struct policy_decision){ .action = POLICY_SEND };
  }
}

/* A server that failed us: another, then here unless fallback is off. A
 * local error (the preprocessor could not start, a memory file) is not
 * the farm's: it runs here whatever the settings, as distcc does. */
static struct policy_decision not_distributed(const struct policy_attempt  *a,
                                              const struct policy_settings *s)
{
  enum log_level level = a->passed_over ? LOG_LEVEL_INFO : LOG_LEVEL_WARNING;

  if (a->here) {
    /* no server would say it better: here, whatever the fallback says */
    return here(true, LOG_LEVEL_INFO);
  }
  if (a->attempt < s->max_attempts && !a->no_other) {
    return (struct policy_decision){ .action = POLICY_RETRY, .level = level };
  }
  if (a->unfit) {
    /* a job no server of the farm takes is not distributable: here, as
     * every such job runs whatever the fallback says */
    return here(true, LOG_LEVEL_INFO);
  }
  if (!s->fallback) {
    return ends(a->exit_code, LOG_LEVEL_ERROR);
  }
  return here(true, level);
}

struct policy_decision policy_after_attempt(const struct policy_attempt  *a,
                                            const struct policy_settings *s)
{
  if (a->local_error == -ENOMEM) {
    return ends(EXIT_OUT_OF_MEMORY, LOG_LEVEL_ERROR);
  }
  if (a->local_error < 0) {
    return here(true, LOG_LEVEL_WARNING);
  }
  switch (a->outcome) {
    case REMOTE_DONE:
      if (a->exit_code != 0 && !s->skip_local_retry) {
        /* asked for: a compile error is checked against a local one */
        return here(true, LOG_LEVEL_WARNING);
      }
      return ends(a->exit_code, LOG_LEVEL_INFO);
    case REMOTE_CPP_FAILED:
      /* a local compile says more than its preprocessor (gcc goes on past
       * an #error) and fails as it did: here, for its words */
      return here(true, LOG_LEVEL_INFO);
    case REMOTE_NOT_DISTRIBUTED:
    default:
      return not_distributed(a, s);
  }
}
