/* herdcc: the client. It runs once per translation unit, so it stays lean:
 * no discovery libraries, no needless allocation, one process besides the
 * preprocessor. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "args.h"
#include "compiler.h"
#include "config.h"
#include "env.h"
#include "exitcode.h"
#include "hosts.h"
#include "log.h"
#include "proto.h"
#include "remote.h"
#include "run.h"
#include "slots.h"
#include "strv.h"

#define DEFAULT_CONNECT_TIMEOUT_MS 1500
#define DEFAULT_IO_TIMEOUT_S       300

static const char *arg_program = "herdcc";

static void print_version(void)
{
  printf("%s %s %s\n"
         "  (protocols 1 and 2) (default port %d)\n"
         "Copyright (C) 2026 the herdcc authors.\n"
         "%s comes with ABSOLUTELY NO WARRANTY. It is free software under\n"
         "the GNU General Public License version 2 or later.\n",
         arg_program, HERDCC_VERSION, HERDCC_GNU_TRIPLE, PROTO_DEFAULT_PORT,
         arg_program);
}

static void print_help(void)
{
  printf(
    "Usage:\n"
    "   %1$s [COMPILER] [compile options] -o OBJECT -c "
    "SOURCE\n"
    "   %1$s [--help|--version|--show-hosts|-j]\n"
    "   COMPILER [compile options] ...   (through the masquerade directory "
    "%2$s)\n"
    "\n"
    "Options:\n"
    "   --help             explain usage and exit\n"
    "   --version          show version and exit\n"
    "   --show-hosts       show the host list and exit\n"
    "   -j                 print the number of jobs the host list allows\n"
    "\n"
    "Environment (HERDCC_X is read first, then DISTCC_X):\n"
    "   HERDCC_HOSTS       the host list (else $HERDCC_DIR/hosts, "
    "/etc/herdcc/hosts,\n"
    "                      /etc/distcc/hosts)\n"
    "   HERDCC_DIR         state directory (default ~/.herdcc)\n"
    "   HERDCC_VERBOSE=1   log every step\n"
    "   HERDCC_LOG=FILE    log to FILE instead of stderr\n"
    "   HERDCC_FALLBACK=0  fail instead of compiling locally when "
    "distribution fails\n"
    "   HERDCC_IO_TIMEOUT  seconds to wait for a server (default %3$d)\n"
    "   HERDCC_CONNECT_TIMEOUT  milliseconds to wait for a connection "
    "(default %4$d)\n"
    "\n"
    "Host list, one entry per word:\n"
    "   HOST[:PORT][/LIMIT][,lzo]  a server; ,lzo selects protocol 2 "
    "(compressed)\n"
    "   [IPV6][:PORT]...           an IPv6 server\n"
    "   localhost[/LIMIT]          compile here\n"
    "   --localslots=N --localslots_cpp=N --randomize\n",
    arg_program, HERDCC_MASQUERADE_DIR, DEFAULT_IO_TIMEOUT_S,
    DEFAULT_CONNECT_TIMEOUT_MS);
}

static void setup_logging(void)
{
  const char *log_path = env_get("LOG");

  log_setup(arg_program, env_get_bool("VERBOSE", false) ? LOG_LEVEL_DEBUG
                                                        : LOG_LEVEL_WARNING);
  if (log_path && *log_path) {
    int r = log_open_file(log_path);
    if (r < 0) {
      log_error("failed to open logfile %s: %s", log_path, strerror(-r));
    }
  }
}

/* -ENOENT when nothing is configured; exits 106 on a bad spec. */
static int load_hosts(struct hosts_list **ret_list)
{
  _cleanup_free_ char *text = NULL, *source = NULL, *bad = NULL;
  int                  r = env_host_list(&text, &source);

  if (r < 0) {
    return r;
  }
  r = hosts_parse(text, ret_list, &bad);
  if (r == -EINVAL) {
    log_error("bad host specification \"%s\" in %s", bad, source);
    exit(EXIT_BAD_HOSTSPEC);
  }
  return r;
}

static int show_hosts(void)
{
  struct hosts_list *list = NULL;
  int                r    = load_hosts(&list);

  if (r < 0) {
    log_error("no hosts configured: set $HERDCC_HOSTS or $DISTCC_HOSTS");
    return EXIT_NO_HOSTS;
  }
  for (size_t i = 0; i < list->count; i++) {
    const struct hosts_entry *e    = &list->entries[i];
    _cleanup_free_ char      *name = hosts_entry_describe(e);
    if (e->kind == HOSTS_ZEROCONF || e->kind == HOSTS_SRV) {
      printf("%s\n", name);
    } else {
      printf("%s/%u%s\n", name, e->limit, e->lzo ? ",lzo" : "");
    }
  }
  hosts_list_free(list);
  return 0;
}

static int show_jobs(void)
{
  struct hosts_list *list  = NULL;
  unsigned           total = 0;

  if (load_hosts(&list) < 0) {
    printf("%d\n", HOSTS_DEFAULT_LOCAL_LIMIT);
    return 0;
  }
  for (size_t i = 0; i < list->count; i++) {
    total += list->entries[i].limit;
  }
  hosts_list_free(list);
  printf("%u\n", total ? total : HOSTS_DEFAULT_LOCAL_LIMIT);
  return 0;
}

/* ---- compiling ---------------------------------------------------------- */

static _noreturn_ void run_locally(char *const *argv, int slot_fd)
{
  (void)slot_fd; /* left open on purpose: the compiler keeps the slot */
  run_remove_tracked_files();
  int r = run_exec(argv);
  log_error("failed to exec %s: %s", argv[0], strerror(-r));
  exit(EXIT_COMPILER_MISSING);
}

struct candidates {
  char                     **names;
  unsigned                  *limits;
  const struct hosts_entry **entries;
  unsigned                   count;
};

static void candidates_clear(struct candidates *c)
{
  strv_free(c->names);
  free(c->limits);
  free(c->entries);
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

/* The hosts a compile can use now, in order (--randomize: shuffled). */
static int collect_candidates(const struct hosts_list *list,
                              struct candidates       *ret)
{
  struct candidates c = { 0 };

  c.limits  = calloc(list->count + 1, sizeof(*c.limits));
  c.entries = calloc(list->count + 1, sizeof(*c.entries));
  c.names   = calloc(list->count + 1, sizeof(*c.names));
  if (!c.limits || !c.entries || !c.names) {
    candidates_clear(&c);
    return -ENOMEM;
  }
  for (size_t i = 0; i < list->count; i++) {
    const struct hosts_entry *e = &list->entries[i];
    if (e->kind != HOSTS_TCP && e->kind != HOSTS_LOCAL) {
      log_warning("host list entry %s is not supported by this build; "
                  "ignored",
                  e->kind == HOSTS_SSH ? e->name : "+zeroconf/+srv");
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

/* A local compile slot (--localslots) for a compile that falls back;
 * -1 when none can be had, and the compile runs anyway. */
static int take_local_slot(const char *state, unsigned limit)
{
  char    *names[] = { (char *)"localhost", NULL };
  unsigned picked;
  int      fd;

  return slots_acquire(state, names, &limit, 1, true, &picked, &fd) < 0 ? -1
                                                                        : fd;
}

static int compile_remotely(char *const *argv, const char *compiler,
                            struct args_plan         *plan,
                            const struct hosts_list  *list,
                            const struct hosts_entry *host, const char *state,
                            int slot_fd)
{
  _cleanup_free_ char *host_name = hosts_entry_describe(host);
  struct remote_job    job       = {
             .host               = host,
             .plan               = plan,
             .compiler           = compiler,
             .state_dir          = state,
             .cpp_slots          = list->local_slots_cpp,
             .connect_timeout_ms = (int)env_get_bounded(
      "CONNECT_TIMEOUT", DEFAULT_CONNECT_TIMEOUT_MS, 1, 600000),
             .io_timeout_ms =
      (int)env_get_bounded("IO_TIMEOUT", DEFAULT_IO_TIMEOUT_S, 1, 86400) * 1000,
  };
  struct remote_result result;

  if (remote_compile(&job, &result) < 0) {
    log_error("failed to compile %s: out of memory", plan->input);
    return EXIT_OUT_OF_MEMORY;
  }
  switch (result.outcome) {
    case REMOTE_DONE:
      log_info("compile %s on %s %s", plan->input, host_name,
               result.exit_code == 0 ? "completed ok" : "failed");
      return result.exit_code;
    case REMOTE_CPP_FAILED:
      log_info("preprocessing %s failed", plan->input);
      return result.exit_code;
    case REMOTE_NOT_DISTRIBUTED:
      break;
  }
  if (result.exit_code == EXIT_COMPILER_MISSING) {
    log_warning("failed to exec %s on %s: %s", plan->server_argv[0], host_name,
                result.why);
  } else {
    log_warning("%s", result.why);
  }
  free(result.why);
  if (!env_get_bool("FALLBACK", true)) {
    log_error("failed to distribute %s to %s and fallback is disabled",
              plan->input, host_name);
    return result.exit_code;
  }
  log_warning("failed to distribute %s to %s, running locally instead",
              plan->input, host_name);
  close(slot_fd);
  run_locally(argv, take_local_slot(state, list->local_slots));
}

static int compile(char **argv)
{
  _cleanup_free_ char *compiler = NULL, *state = NULL;
  const char          *name = argv[0];
  int                  r    = compiler_resolve(name, &compiler);

  if (r == -ELOOP) {
    log_error("%s seems to have invoked itself recursively!", arg_program);
    return EXIT_RECURSION;
  }
  if (r < 0) {
    log_error("failed to exec %s: %s", name, strerror(-r));
    return EXIT_COMPILER_MISSING;
  }
  /* Servers get the bare name; the local runs get the resolved path. */
  argv[0]               = (char *)compiler_basename(name);
  struct args_plan plan = { 0 };
  if (args_plan(argv, &plan) < 0) {
    return EXIT_OUT_OF_MEMORY;
  }
  argv[0] = compiler;
  if (!plan.remote) {
    log_info("running %s locally: %s", compiler_basename(compiler),
             plan.why_local);
    run_locally(argv, -1);
  }
  struct hosts_list *list = NULL;
  r                       = load_hosts(&list);
  if (r == -ENOENT) {
    log_warning("no hosts: $HERDCC_HOSTS, $DISTCC_HOSTS and the hosts files "
                "are unset; can't distribute work");
    run_locally(argv, -1);
  }
  struct candidates candidates = { 0 };
  if (r < 0 || collect_candidates(list, &candidates) < 0) {
    return EXIT_OUT_OF_MEMORY;
  }
  if (candidates.count == 0 || env_state_dir(&state) < 0) {
    log_warning("no usable hosts in $HERDCC_HOSTS/$DISTCC_HOSTS or the "
                "hosts files; can't distribute work");
    run_locally(argv, -1);
  }
  unsigned picked;
  int      slot_fd;
  r = slots_acquire(state, candidates.names, candidates.limits,
                    candidates.count, true, &picked, &slot_fd);
  if (r < 0) {
    log_warning("failed to take a job slot: %s", strerror(-r));
    run_locally(argv, -1);
  }
  const struct hosts_entry *host = candidates.entries[picked];
  if (host->kind == HOSTS_LOCAL) {
    log_info("compile %s on localhost", plan.input);
    run_locally(argv, slot_fd);
  }
  r = compile_remotely(argv, compiler, &plan, list, host, state, slot_fd);
  close(slot_fd);
  candidates_clear(&candidates);
  hosts_list_free(list);
  args_plan_clear(&plan);
  return r;
}

static bool is_management_option(const char *arg)
{
  static const char *const options[] = { "--help", "--version", "--show-hosts",
                                         "-j" };
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
    return show_hosts();
  }
  return show_jobs();
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
