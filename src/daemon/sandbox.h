/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The confinement of every compiler herdccd runs, built from kernel
 * namespaces without a setuid helper. A sandbox is a process of the job's
 * own (its "init") started with clone() in new user, mount, network, IPC,
 * PID and UTS namespaces; the job user is mapped to itself, so nothing in
 * the sandbox is root and the compiler, exec'd as that user, holds no
 * capability at all. The init builds the file-system view on an empty
 * tmpfs, moves it over / and enters it (chroot: nothing inside can make
 * a user namespace of its own, so nothing can leave it; where that limit
 * cannot be set, by pivot_root with the old root detached):
 *
 *   read-only   /usr, /bin, /sbin, /lib* (as directories or as the
 *               merged-/usr symlinks they are), from /etc only what the
 *               dynamic loader and the compiler alternatives need
 *               (sandbox.c's view table), and the compiler's own
 *               directory when it lies elsewhere (its prefix when that
 *               directory is a "bin");
 *   writable    the job directory, at its own path, and nothing else (the
 *               tmpfs root is read-only once built);
 *   devices     /dev/null, zero, full, random, urandom;
 *   /proc       a new procfs of the sandbox's PID namespace (only its
 *               processes), where the kernel allows one;
 *   empty       placeholders: empty regular files (0444) at the
 *               absolute paths the caller names (spec->placeholders),
 *               with the directories above them (0755), on the tmpfs:
 *               files the compiler's driver wants to exist (clang's
 *               input, whose contents come from a -ivfsoverlay), only
 *               where nothing else of the view is (see sandbox_spec);
 *   absent      everything else: /home, /root, /srv, /var, /tmp but the
 *               job directory, /run, /sys, other users' files (the
 *               directories made for placeholders show nothing of the
 *               real ones).
 *
 * The network namespace holds only a loopback interface that is down: no
 * connection can be made, not even to 127.0.0.1. The init forks the
 * compiler (so the compiler is not PID 1 and signals reach it as usual),
 * reaps whatever is orphaned to it, and when the compiler ends writes its
 * wait status to a pipe and exits; the kernel then kills everything left
 * in the PID namespace. It dies with the job process (PR_SET_PDEATHSIG).
 * Resource limits are the caller's business (applied in the compiler's
 * process before exec). */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "privs.h"

/* The most placeholders one sandbox holds. */
#define SANDBOX_PLACEHOLDERS_MAX 16

struct sandbox_spec {
  const char *job_dir;  /* borrowed: absolute, the only writable place */
  const char *compiler; /* borrowed, or NULL: the executable to be run */
  int         err_fd;   /* where the init reports a failed set-up */
  /* Borrowed, or NULL: a NULL-terminated list of at most
     SANDBOX_PLACEHOLDERS_MAX absolute paths, each made an empty file. A
     path fails the set-up (its step "placeholder PATH") when it is not
     absolute, longer than PATH_MAX, has an empty, "." or ".." component,
     is at, below or above anything else the view shows (a path of the
     view table, the compiler's directories, the job directory, /dev,
     /proc), names a file already there (another placeholder) or passes
     through one; symlinks are never followed. */
  const char *const *placeholders;
};

/* Runs in the compiler's process inside the sandbox; must exec or _exit. */
typedef void (*sandbox_child_fn)(void *userdata);

/* Start a sandbox for spec and run fn(userdata) in it. On success *ret_pid
 * is the init (the caller's child: wait for it and kill it as if it were
 * the compiler) and *ret_status_fd (owned, O_CLOEXEC) the pipe on which
 * it reports. A sandbox that cannot be set up is not an error here: the
 * init writes "herdccd: failed to set up the job sandbox: STEP: REASON" to
 * spec->err_fd and exits with EXIT_GENERAL. */
int sandbox_spawn(const struct sandbox_spec *spec, sandbox_child_fn fn,
                  void *userdata, pid_t *ret_pid, int *ret_status_fd);

/* The compiler's wait status, given the init's wait status once it was
 * reaped: what the init reported on status_fd, else the init's own status
 * (a failed set-up, or an init killed from outside). */
int sandbox_status(int status_fd, int init_status);

/* Whether jobs can be confined here: builds one sandbox as the job user
 * (a forked process switches to privs first) and runs nothing in it.
 * -errno and *ret_reason (owned) saying what failed when it cannot. */
int sandbox_probe(const struct privs *privs, char **ret_reason);
