/* SPDX-License-Identifier: GPL-2.0-or-later */
/* herdcc: the client. It runs once per translation unit, so it stays lean:
 * no discovery libraries, no needless allocation, one process besides the
 * preprocessor. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "args.h"
#include "backoff.h"
#include "candidates.h"
#include "clock.h"
#include "color.h"
#include "compiler.h"
#include "config.h"
#include "diag.h"
#include "dns.h"
#include "env.h"
#include "exitcode.h"
#include "herd.h"
#include "history.h"
#include "hostlist.h"
#include "hosts.h"
#include "invite.h"
#include "jobstatus.h"
#include "log.h"
#include "manage.h"
#include "policy.h"
#include "proto.h"
#include "remote.h"
#include "run.h"
#include "select.h"
#include "slots.h"
#include "statedir.h"
#include "zeroconf.h"

static const char *arg_program = "herdcc";

static void print_version(void)
{
  printf("%s %s %s\n"
         "  (protocols 1 and 2) (default port %d)\n"
         "  (herdcc native extension version %d)\n"
         "Copyright (C) 2026 the herdcc authors.\n"
         "%s comes with ABSOLUTELY NO WARRANTY. It is free software under\n"
         "the GNU General Public License version 2 or later.\n",
         arg_program, HERDCC_VERSION, HERDCC_GNU_TRIPLE, PROTO_DEFAULT_PORT,
         HERD_VERSION, arg_program);
}

/* --help: the usage, the environment, the host list. */
static void print_usage(void)
{
  printf(
    "Usage:\n"
    "   %1$s [COMPILER] [compile options] -o OBJECT -c "
    "SOURCE\n"
    "   %1$s [--help|--version|--show-hosts|--ping|--stats|-j]\n"
    "   COMPILER [compile options] ...   (through the masquerade directory "
    "%2$s)\n"
    "\n"
    "Options:\n"
    "   --help             explain usage and exit\n"
    "   --version          show version and exit\n"
    "   --show-hosts       show the host list and exit\n"
    "   --ping             contact every configured and discovered server "
    "once:\n"
    "                      ADDRESS PORT SOURCE STATE RTT_MS PROTOCOL per "
    "line;\n"
    "                      exit 0 when any answered\n"
    "   --stats            the status of every server and of this machine's\n"
    "                      jobs, once (runs herdcc-top --once)\n"
    "   -j                 print the number of jobs the host list allows\n"
    "\n",
    arg_program, HERDCC_MASQUERADE_DIR);
}

static void print_environment(void)
{
  printf(
    "Environment (HERDCC_X is read first, then DISTCC_X, then X=VALUE lines\n"
    "of $HERDCC_DIR/config or SYSCONFDIR/herdcc/config):\n"
    "   HERDCC_HOSTS       the host list (else $HERDCC_DIR/hosts, "
    "/etc/herdcc/hosts,\n"
    "                      /etc/distcc/hosts)\n"
    "   HERDCC_DIR         state directory (default ~/.herdcc)\n"
    "   HERDCC_JOBS_DIR    where running compiles show for the monitors "
    "(default\n"
    "                      $HERDCC_DIR/jobs; may be shared by users)\n"
    "   HERDCC_VERBOSE=1   log every step\n"
    "   HERDCC_LOG=FILE    log to FILE instead of stderr\n"
    "   HERDCC_FALLBACK=0  fail instead of compiling locally when "
    "distribution fails\n"
    "                      (a failed server is first retried on up to %d "
    "others;\n"
    "                      a failed preprocessor always compiles here, so "
    "that its\n"
    "                      errors are a local compile's)\n"
    "   HERDCC_IO_TIMEOUT  seconds to wait for a server (default %d)\n"
    "   HERDCC_JOB_TIMEOUT seconds one remote attempt may take in all "
    "(default: no limit\n"
    "                      beyond the I/O timeout); then the next server or "
    "here\n"
    "   HERDCC_SKIP_LOCAL_RETRY=0  compile here too when a remote compile "
    "fails\n"
    "   HERDCC_CONNECT_TIMEOUT  milliseconds to wait for a connection "
    "(default %d)\n"
    "   HERDCC_BACKOFF_PERIOD  seconds a server address that failed is "
    "passed over\n"
    "                      (default %d; 0 never passes one over)\n"
    "   HERDCC_DNS_TIMEOUT milliseconds one DNS refresh may take (default "
    "500)\n"
    "   HERDCC_ZLIB=0|1    bodies to a herdccd: never or always zlib "
    "(default: zlib\n"
    "                      unless the link was measured at 2 Gbit/s or more)\n"
    "   HERDCC_LOCAL_CPUS  this machine's budget of local compiles and "
    "preprocessors\n"
    "                      (default: the CPUs online)\n"
    "\n",
    POLICY_MAX_ATTEMPTS - 1, REMOTE_IO_TIMEOUT_S, REMOTE_CONNECT_TIMEOUT_MS,
    BACKOFF_DEFAULT_PERIOD_S);
}

static void print_host_list(void)
{
  fputs(
    "Host list, one entry per word:\n"
    "   HOST[:PORT][/LIMIT][,lzo]  a server; ,lzo selects protocol 2 "
    "(compressed)\n"
    "   HOST...,herd               a herdccd: asked with the invitation, "
    "zlib or LZO\n"
    "                              bodies per link\n"
    "   [IPV6][:PORT]...           an IPv6 server\n"
    "   localhost[/LIMIT]          compile here\n"
    "   +zeroconf                  servers found over mDNS\n"
    "   +srv  +srv=DOMAIN          servers of the _distcc._tcp SRV and DNS-SD "
    "records\n"
    "                              of DOMAIN (default: the search domain)\n"
    "   --localslots=N --localslots_cpp=N --randomize\n",
    stdout);
}

static void print_help(void)
{
  print_usage();
  print_environment();
  print_host_list();
}

static void setup_logging(void)
{
  /* Set up first: reading the variables may warn about the config file. */
  log_setup(arg_program, LOG_LEVEL_WARNING);
  log_use_client_style();
  const char          *value    = env_get("LOG");
  _cleanup_free_ char *log_path = value ? strdup(value) : NULL;

  if (env_get_bool("VERBOSE", false)) {
    log_setup(arg_program, LOG_LEVEL_DEBUG);
  }
  if (log_path && *log_path) {
    int r = log_open_file(log_path);
    if (r < 0) {
      log_error("failed to open logfile %s: %s", log_path, strerror(-r));
    }
  }
}

/* ---- compiling ---------------------------------------------------------- */

/* What is not a compile (linking, -E, --version...) runs in place of
 * herdcc, its output untouched and streaming. */
static _noreturn_ void run_locally(char *const *argv, int slot_fd)
{
  (void)slot_fd; /* left open on purpose: the compiler keeps the slot */
  run_remove_tracked_files();
  jobstatus_end(); /* herdcc no longer knows what the process does */
  int r = run_exec(argv);
  log_error("failed to exec %s: %s", argv[0], strerror(-r));
  exit(EXIT_COMPILER_MISSING);
}

/* A compile run here: its diagnostics are collected and written as one
 * block (diag.h), so it runs as a child, holding the slot (number slot,
 * -1 for none) until it ends. */
static _noreturn_ void compile_here(char *const *argv, int slot_fd, int slot,
                                    const char *state)
{
  int   err_fd = memfd_create("herdcc-stderr", MFD_CLOEXEC);
  pid_t pid;
  int   status;

  run_remove_tracked_files();
  jobstatus_at(JOB_PHASE_LOCAL, "localhost", slot);
  if (err_fd < 0) {
    run_locally(argv, slot_fd);
  }
  int r = run_spawn(argv, -1, err_fd, false, &pid);
  if (r < 0) {
    log_error("failed to exec %s: %s", argv[0], strerror(-r));
    exit(EXIT_COMPILER_MISSING);
  }
  r = run_wait(pid, &status);
  slots_release(state, slot_fd);
  diag_write(state, err_fd, NULL, 0);
  exit(r < 0 ? EXIT_GENERAL : run_exit_code(status));
}

/* A compile that falls back runs here, in a local compile slot
 * (--localslots) when one can be had, and anyway when none can. */
static _noreturn_ void compile_here_in_slot(char *const *argv,
                                            const char *state, unsigned limit)
{
  char    *names[] = { (char *)"localhost", NULL };
  unsigned picked;
  int      fd = -1;
  int slot    = candidates_acquire_slot(state, names, &limit, 1, &picked, &fd);

  compile_here(argv, slot < 0 ? -1 : fd, slot < 0 ? -1 : slot, state);
}

/* One compile and what it uses. */
struct compile_state {
  char                    **argv; /* argv[0]: the resolved compiler */
  struct args_plan          plan;
  char                     *state;
  struct hosts_list        *list;
  struct backoff           *backoff;
  struct candidates         candidates;
  struct policy_settings    settings;
  bool                      dns_told; /* a failed lookup was told */
  const struct hosts_entry *host;     /* the last server tried */
  struct remote_result      result;   /* its outcome */
  struct remote_job         job;
  uint64_t                  history_key; /* history.h; 0: no history is kept */
  int    chosen;       /* the candidate the invitation round chose */
  double chosen_speed; /* its slot speed, as the round valued it */
};

static void compile_clear(struct compile_state *c)
{
  remote_job_clear(&c->job);
  free(c->result.why);
  candidates_clear(&c->candidates);
  backoff_free(c->backoff);
  hosts_list_free(c->list);
  free(c->state);
  args_plan_clear(&c->plan);
}

static void log_failure(const struct compile_state *c, const char *host_name,
                        enum log_level level)
{
  if (c->result.exit_code == EXIT_COMPILER_MISSING) {
    log_write(level, "failed to exec %s on %s: %s", c->plan.server_argv[0],
              host_name, c->result.why);
  } else {
    log_write(level, "%s", c->result.why);
  }
}

static void job_setup(struct compile_state *c)
{
  c->job = (struct remote_job){
    .plan               = &c->plan,
    .compiler           = c->argv[0],
    .state_dir          = c->state,
    .cpp_slots          = c->list->local_slots_cpp,
    .connect_timeout_ms = (int)env_get_bounded(
      "CONNECT_TIMEOUT", REMOTE_CONNECT_TIMEOUT_MS, 1, 600000),
    .io_timeout_ms =
      (int)env_get_bounded("IO_TIMEOUT", REMOTE_IO_TIMEOUT_S, 1, 86400) * 1000,
    .job_timeout_ms = (int)env_get_bounded("JOB_TIMEOUT", 0, 0, 86400) * 1000,
    .backoff        = c->backoff,
  };
}

/* Carry out a decision to run here or to end. */
static int carry_out(struct compile_state *c, struct policy_decision d)
{
  if (d.action == POLICY_RUN_HERE && d.in_slot) {
    compile_here_in_slot(c->argv, c->state, c->list->local_slots);
  }
  if (d.action == POLICY_RUN_HERE) {
    compile_here(c->argv, -1, -1, c->state);
  }
  return d.exit_code;
}

/* A compile done on the picked server is the job's size next time
 * (history.h): only one that compiled (not a cached result) and whose slot
 * speed is known. */
static void record_work(const struct compile_state *c, unsigned picked,
                        long long elapsed_ms)
{
  const struct hosts_entry *e     = c->candidates.entries[picked];
  double                    speed = (int)picked == c->chosen ? c->chosen_speed
                                    : e->speed && e->limit ? (double)e->speed / e->limit
                                                           : 0;

  if (c->history_key && c->result.outcome == REMOTE_DONE &&
      c->result.exit_code == 0 && !c->result.cached) {
    history_record(c->state, c->history_key, elapsed_ms, speed);
  }
}

/* One attempt on the picked server (on sock, an invitation's connection,
 * when >= 0; else connecting); the slot is released after it. -ENOMEM or
 * a local error; else 0, with c->result its outcome. */
static int attempt_on(struct compile_state *c, unsigned picked, int slot_fd,
                      int slot, int sock, const char *address)
{
  jobstatus_at(JOB_PHASE_CONNECT, c->candidates.names[picked], slot);
  c->host                     = c->candidates.entries[picked];
  c->candidates.tried[picked] = true;
  free(c->result.why);
  c->result          = (struct remote_result){ 0 };
  long long start_ms = clock_now_ms();
  int       r        = sock >= 0
                         ? remote_compile_on(&c->job, c->host, sock, address, &c->result)
                         : remote_compile(&c->job, c->host, &c->result);
  slots_release(c->state, slot_fd);
  if (r >= 0) {
    record_work(c, picked, clock_now_ms() - start_ms);
  }
  return r;
}

/* Say how the distribution ended, as decided. */
static void tell_end(const struct compile_state *c, int r, const char *name,
                     struct policy_decision d)
{
  const char *input = c->plan.input;

  if (r == -ENOMEM) {
    log_error("failed to compile %s: out of memory", input);
    return;
  }
  if (r < 0) {
    log_warning("Failed to prepare %s for %s: %s", input, name, strerror(-r));
  } else if (c->result.outcome == REMOTE_DONE) {
    log_info("compile %s on %s %s", input, name,
             c->result.exit_code == 0 ? "completed ok" : "failed");
    if (d.action == POLICY_RUN_HERE) {
      log_warning("remote compile of %s failed; compiling it here too, as "
                  "$HERDCC_SKIP_LOCAL_RETRY=0 asks",
                  input);
    }
    return;
  } else if (c->result.outcome == REMOTE_CPP_FAILED) {
    log_info("preprocessing %s failed: it compiles here", input);
    return;
  } else if (d.action == POLICY_RETURN) {
    if (c->result.exit_code == EXIT_COMPILER_MISSING) {
      /* An error of the build's own: shown even with a log file. */
      log_error("failed to exec %s on %s: %s", c->plan.server_argv[0], name,
                c->result.why ? c->result.why : "(no reason given)");
    }
    log_error("failed to distribute %s to %s and fallback is disabled", input,
              name);
    return;
  }
  log_write(d.level, "failed to distribute %s to %s, running locally instead",
            input, name);
}

/* The job on the picked server, then, as the policy decides, on up to
 * POLICY_MAX_ATTEMPTS - 1 others with a free slot, here, or nowhere. The
 * exit code. */
static int distribute(struct compile_state *c, unsigned picked, int slot_fd,
                      int slot, int sock, const char *address)
{
  for (unsigned attempt = 1;; attempt++) {
    _cleanup_free_ char *name =
      hosts_entry_describe(c->candidates.entries[picked]);
    int r = attempt_on(c, picked, slot_fd, slot, sock, address);
    sock  = -1;
    struct policy_attempt a = { .local_error = r < 0 ? r : 0,
                                .outcome     = c->result.outcome,
                                .exit_code   = c->result.exit_code,
                                .passed_over = c->result.passed_over,
                                .unfit       = c->result.unfit,
                                .here        = c->result.here,
                                .attempt     = attempt };
    if (!name) {
      a.local_error = -ENOMEM;
    }
    struct policy_decision d = policy_after_attempt(&a, &c->settings);
    if (a.local_error == 0 && c->result.outcome == REMOTE_NOT_DISTRIBUTED) {
      log_failure(c, name, d.level);
    }
    if (d.action == POLICY_RETRY) {
      slot =
        candidates_pick_another(c->state, &c->candidates, &picked, &slot_fd);
      if (slot >= 0) {
        log_write(d.level, "failed to distribute %s to %s, retrying on %s",
                  c->plan.input, name, c->candidates.names[picked]);
        continue;
      }
      a.no_other = true;
      d          = policy_after_attempt(&a, &c->settings);
    }
    remote_job_clear(&c->job);
    tell_end(c, a.local_error, name ? name : "?", d);
    return carry_out(c, d);
  }
}

/* The native server that owns this command line by rendezvous
 * (select_owner): where the farm's cache holds its result, if anywhere,
 * and where a miss is best compiled and stored. */
static void mark_owner(const struct compile_state *c,
                       struct invite_candidate    *cands)
{
  const char *names[INVITE_OWNER_MAX];
  unsigned    index[INVITE_OWNER_MAX];
  size_t      n = 0;

  for (unsigned i = 0; i < c->candidates.count && n < INVITE_OWNER_MAX; i++) {
    if (cands[i].herd) {
      names[n]   = c->candidates.names[i];
      index[n++] = i;
    }
  }
  int owner = select_owner(select_command_key(c->plan.server_argv), names, n);
  if (n > 1 && owner >= 0) {
    cands[index[owner]].owner = true;
    log_debug("%s is owned by %s", c->plan.input, names[owner]);
  }
}

/* The job's size from its last compile (history.h), for the host choice. */
static void know_size(struct compile_state *c)
{
  _cleanup_free_ char *dir = NULL;

  if (env_get_bool("HISTORY", true) && args_working_dir(&dir) >= 0) {
    c->history_key   = history_key(c->plan.server_argv, dir);
    c->job.mean_work = history_mean(c->state);
    c->job.size      = history_size(c->state, c->history_key, c->job.mean_work);
    log_debug("%s: size %.2f of the typical job", c->plan.input, c->job.size);
  }
}

/* With native servers in the list: the invitation round (invite.h) over
 * every candidate, native servers asked, the others through their slot
 * files; the compile goes where it is expected to end first. When every
 * native server is busy, the classic way (-EAGAIN). Else the exit code. */
static int schedule(struct compile_state *c)
{
  _cleanup_free_ struct invite_candidate *cands =
    calloc(c->candidates.count, sizeof(*cands));
  struct invite_result res;

  if (!cands) {
    return -ENOMEM;
  }
  for (unsigned i = 0; i < c->candidates.count; i++) {
    const struct hosts_entry *e = c->candidates.entries[i];
    cands[i]                    = (struct invite_candidate){
                         .entry      = e,
                         .slot_name  = c->candidates.names[i],
                         .limit      = c->candidates.limits[i],
                         .slot_speed = e->speed && e->limit ? (double)e->speed / e->limit : 0,
                         .herd       = e->kind == HOSTS_TCP && e->herd,
    };
  }
  mark_owner(c, cands);
  know_size(c);
  jobstatus_at(JOB_PHASE_WAIT_SLOT, NULL, -1);
  int r = remote_prepare(&c->job);
  r     = r < 0 ? r : remote_choose_text(&c->job);
  if (r >= 0) {
    r = invite_choose(&c->job, cands, c->candidates.count, &res);
  }
  if (r < 0) {
    return r;
  }
  c->chosen       = (int)res.index;
  c->chosen_speed = res.slot_speed;
  switch (res.outcome) {
    case INVITE_SERVER:
      c->job.herd = res.herd;
      return distribute(c, res.index, -1, -1, res.sock, res.address);
    case INVITE_SLOT:
      if (c->candidates.entries[res.index]->kind == HOSTS_LOCAL) {
        log_info("compile %s on localhost", c->plan.input);
        remote_job_clear(&c->job);
        compile_here(c->argv, res.slot_fd, res.slot, c->state);
      }
      return distribute(c, res.index, res.slot_fd, res.slot, -1, NULL);
    case INVITE_CPP_FAILED: {
      /* as after an attempt: here, for all a local compile says */
      struct policy_attempt a = { .outcome   = REMOTE_CPP_FAILED,
                                  .exit_code = remote_cpp_status(&c->job),
                                  .attempt   = 1 };
      log_info("preprocessing %s failed: it compiles here", c->plan.input);
      remote_job_clear(&c->job);
      return carry_out(c, policy_after_attempt(&a, &c->settings));
    }
    case INVITE_NONE:
    default:
      log_info("every native server is busy: %s takes the first free slot",
               c->plan.input);
      return -EAGAIN; /* the classic way */
  }
}

/* Say why nothing is sent, as decided (distcc 3.4's words where scripts
 * look for them). */
static void tell_hosts(const struct compile_state *c, enum policy_hosts hosts,
                       const char *bad_spec, struct policy_decision d)
{
  _cleanup_free_ char *name = NULL;

  switch (hosts) {
    case POLICY_HOSTS_BAD_SPEC:
      log_error("%s", bad_spec ? bad_spec : "bad host specification");
      break;
    case POLICY_HOSTS_UNSET:
      log_warning("no hostlist is set; can't distribute work "
                  "($HERDCC_HOSTS, $DISTCC_HOSTS and the hosts files are "
                  "unset)");
      break;
    case POLICY_HOSTS_UNREADABLE:
      log_warning("failed to read the host list or the state directory; "
                  "can't distribute work");
      break;
    case POLICY_HOSTS_BACKED_OFF:
      log_write(d.level, "every server is backed off; compiling %s here",
                c->plan.input);
      break;
    case POLICY_HOSTS_UNRESOLVED:
      name = hosts_entry_describe(c->candidates.unresolved);
      log_write(d.level,
                d.action == POLICY_RETURN
                  ? "failed to distribute %s to %s (it does not resolve) and "
                    "fallback is disabled"
                  : "failed to distribute %s to %s (it does not resolve), "
                    "running locally instead",
                c->plan.input, name ? name : "?");
      break;
    case POLICY_HOSTS_NONE_USABLE:
      log_warning("no usable hosts in $HERDCC_HOSTS/$DISTCC_HOSTS or the "
                  "hosts files; can't distribute work");
      break;
    case POLICY_HOSTS_SOME:
      break;
  }
}

/* The host list, discovery, the backoff state and the candidates: what
 * they give the compile. r: what hostlist_load() returned. */
static enum policy_hosts gather_hosts(struct compile_state *c, int r)
{
  unsigned period = backoff_period_from_env();
  int      told   = 0;

  if (r == -EINVAL) {
    return POLICY_HOSTS_BAD_SPEC;
  }
  if (statedir_get(&c->state) < 0) {
    c->state = NULL;
  }
  if (r == -ENOENT) {
    return POLICY_HOSTS_UNSET;
  }
  if (r >= 0 && c->state &&
      (zeroconf_expand(c->list, c->state, c->argv[0]) < 0 ||
       (told = dns_expand(c->list, c->state, c->argv[0])) < 0)) {
    r = -ENOMEM;
  }
  c->dns_told = told > 0;
  if (r < 0 || !c->state ||
      backoff_new(c->state, c->plan.server_argv[0], period, &c->backoff) < 0 ||
      candidates_collect(c->list, c->state, c->backoff, &c->candidates) < 0) {
    return POLICY_HOSTS_UNREADABLE;
  }
  if (c->candidates.count > 0) {
    return POLICY_HOSTS_SOME;
  }
  return c->candidates.backed_off   ? POLICY_HOSTS_BACKED_OFF
         : c->candidates.unresolved ? POLICY_HOSTS_UNRESOLVED
                                    : POLICY_HOSTS_NONE_USABLE;
}

/* The classic way: the preprocessor started (its slot taken before a
 * server's, never while one is held: slots.h), the first free slot in
 * list order (waiting for one), then the compile there. */
static int take_first_slot(struct compile_state *c)
{
  unsigned picked;
  int      slot_fd;
  bool     remote = false;

  for (unsigned i = 0; i < c->candidates.count; i++) {
    remote |= c->candidates.entries[i]->kind != HOSTS_LOCAL;
  }
  if (remote && remote_prepare(&c->job) < 0) {
    remote_job_clear(&c->job); /* remote_compile() tries again */
  }
  int slot = c->job.cpp
               ? candidates_acquire_beside_cpp(c->state, &c->candidates,
                                               &c->job, &picked, &slot_fd)
               : candidates_acquire_slot(
                   c->state, c->candidates.names, c->candidates.limits,
                   c->candidates.count, &picked, &slot_fd);

  if (slot < 0) {
    log_warning("failed to take a job slot: %s", strerror(-slot));
    compile_here(c->argv, -1, -1, c->state);
  }
  if (c->candidates.entries[picked]->kind == HOSTS_LOCAL) {
    log_info("compile %s on localhost", c->plan.input);
    remote_job_clear(&c->job);
    compile_here(c->argv, slot_fd, slot, c->state);
  }
  return distribute(c, picked, slot_fd, slot, -1, NULL);
}

/* The hosts, then the compile where the policy says: here, on the server
 * the invitation round chose, or in the first free slot. */
static int compile_planned(struct compile_state *c)
{
  _cleanup_free_ char *bad_spec = NULL;
  int                  r        = hostlist_load(&c->list, &bad_spec);
  enum policy_hosts    hosts    = gather_hosts(c, r);

  c->settings              = policy_settings_from_env();
  struct policy_decision d = policy_for_hosts(hosts, c->dns_told, &c->settings);
  if (d.action != POLICY_SEND) {
    tell_hosts(c, hosts, bad_spec, d);
    return carry_out(c, d);
  }
  job_setup(c);
  if (c->plan.profile && !candidates_any_native(&c->candidates)) {
    log_info("running %s locally: a profile goes only to a herdccd of "
             "native extension version %d, and the host list has none",
             c->plan.input, HERD_PROFILE_VERSION);
    compile_here(c->argv, -1, -1, c->state);
  }
  if ((c->plan.tree || c->plan.dwo) && !candidates_any_native(&c->candidates)) {
    log_info("running %s locally: %s goes only to a herdccd of native "
             "extension version %d, and the host list has none",
             c->plan.input,
             c->plan.dwo ? "-gsplit-dwarf" : "clang DWARF 5 debug info",
             HERD_TREE_VERSION);
    compile_here(c->argv, -1, -1, c->state);
  }
  if (candidates_any_native(&c->candidates)) {
    r = schedule(c);
    if (r < 0 && r != -EAGAIN) {
      d = policy_after_attempt(&(struct policy_attempt){ .local_error = r },
                               &c->settings);
      if (r == -ENOMEM) {
        log_error("failed to compile %s: out of memory", c->plan.input);
      } else {
        log_warning("Failed to prepare %s: %s", c->plan.input, strerror(-r));
      }
      return carry_out(c, d);
    }
    if (r >= 0) {
      return r;
    }
  }
  return take_first_slot(c);
}

static int compile(char **argv)
{
  _cleanup_free_ char *compiler = NULL;
  const char          *name     = argv[0];
  int                  r        = compiler_resolve(name, &compiler);

  if (r == -ELOOP) {
    log_error("%s seems to have invoked itself recursively!", arg_program);
    return EXIT_RECURSION;
  }
  if (r < 0) {
    log_error("failed to exec %s: %s", name, strerror(-r));
    return EXIT_COMPILER_MISSING;
  }
  _cleanup_free_ char **colored = NULL;
  if (color_wanted(argv, compiler)) {
    colored = color_add(argv);
    argv    = colored ? colored : argv;
  }
  /* Servers get the bare name; the local runs get the resolved path. */
  struct compile_state c = { .argv = argv, .chosen = -1 };
  argv[0]                = (char *)compiler_basename(name);
  if (args_plan(argv, &c.plan) < 0) {
    return EXIT_OUT_OF_MEMORY;
  }
  argv[0] = compiler;
  if (c.plan.remote || c.plan.compiles) {
    jobstatus_begin(c.plan.input);
  }
  if (!c.plan.remote) {
    log_info("running %s locally: %s", compiler_basename(compiler),
             c.plan.why_local);
    if (c.plan.compiles && statedir_get(&c.state) >= 0) {
      compile_here(argv, -1, -1, c.state); /* diagnostics as one block */
    }
    run_locally(argv, -1); /* output untouched and streaming */
  }
  r = compile_planned(&c);
  compile_clear(&c);
  return r;
}

static bool is_management_option(const char *arg)
{
  static const char *const options[] = { "--help", "--version", "--show-hosts",
                                         "--ping", "--stats",   "-j" };
  for (size_t i = 0; i < ARRAY_SIZE(options); i++) {
    if (strcmp(arg, options[i]) == 0) {
      return true;
    }
  }
  return false;
}

static int manage(const char *option)
{
  if (strcmp(option, "--help") == 0) {
    print_help();
    return 0;
  }
  if (strcmp(option, "--version") == 0) {
    print_version();
    return 0;
  }
  if (strcmp(option, "--show-hosts") == 0) {
    return manage_show_hosts();
  }
  if (strcmp(option, "--ping") == 0) {
    return manage_ping();
  }
  if (strcmp(option, "--stats") == 0) {
    return manage_stats();
  }
  return manage_jobs();
}

static bool is_object_file(const char *arg)
{
  static const char *const exts[] = { ".o", ".a", ".so", ".lo" };
  size_t                   len    = strlen(arg);

  for (size_t i = 0; i < ARRAY_SIZE(exts); i++) {
    size_t n = strlen(exts[i]);
    if (len > n && strcmp(arg + len - n, exts[i]) == 0) {
      return true;
    }
  }
  return false;
}

/* Called as herdcc (or as distcc): "herdcc COMPILER ARGS", "herdcc ARGS"
 * (the compiler is cc), or a management option. */
static int main_as_wrapper(int argc, char **argv)
{
  if (argc < 2) {
    fprintf(stderr,
            "%s: missing option/operand\nTry `%s --help' for more "
            "information.\n",
            argv[0], argv[0]);
    return EXIT_BAD_ARGUMENTS;
  }
  if (is_management_option(argv[1])) {
    return manage(argv[1]);
  }
  if (argv[1][0] == '-' || args_lang_from_path(argv[1]) ||
      is_object_file(argv[1])) {
    argv[0] = (char *)"cc";
    return compile(argv);
  }
  return compile(argv + 1);
}

int main(int argc, char **argv)
{
  arg_program = compiler_basename(argv[0]);
  setup_logging();
  run_setup_signals();
  if (strcmp(arg_program, "herdcc") == 0 ||
      strcmp(arg_program, "distcc") == 0) {
    return main_as_wrapper(argc, argv);
  }
  return compile(argv);
}
