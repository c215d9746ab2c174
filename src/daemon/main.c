/* SPDX-License-Identifier: GPL-2.0-or-later */
/* herdccd: the herdcc compile server. Command line (distccd's options plus
 * ours) into arg_* variables, then logging, the compiler allow-list and
 * the access list, then either one --inetd connection or the server. */

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "access.h"
#include "cache.h"
#include "chunks.h"
#include "compilers.h"
#include "config.h"
#include "exitcode.h"
#include "herd.h"
#include "io.h"
#include "job.h"
#include "log.h"
#include "macro.h"
#include "privs.h"
#include "proto.h"
#include "sandbox.h"
#include "server.h"
#include "stats.h"
#include "statsd.h"
#include "strv.h"

#define DISTCC_MASQUERADE_DIR "/usr/lib/distcc"
#define COMPILERS_FILE        HERDCC_SYSCONFDIR "/herdcc/compilers"
#define DEFAULT_NICE          5

/* --daemon and --inetd choose the mode (the last one given wins);
 * --no-detach is a switch of its own, in either order, as in distccd. */
enum run_mode {
  MODE_DAEMON,
  MODE_INETD,
};

static enum run_mode      arg_mode          = MODE_DAEMON;
static bool               arg_no_detach     = false;
static unsigned           arg_port          = PROTO_DEFAULT_PORT;
static char             **arg_listen        = NULL;
static struct access_list arg_allow         = { 0 };
static bool               arg_allow_given   = false;
static bool               arg_allow_private = false;
static unsigned           arg_jobs          = 0; /* 0: CPUs + 2 */
static int                arg_nice          = DEFAULT_NICE;
static const char        *arg_user          = NULL;
static const char        *arg_pid_file      = NULL;
static const char        *arg_log_file      = NULL;
static bool               arg_log_stderr    = false;
static enum log_level     arg_log_level     = LOG_LEVEL_NOTICE;
static unsigned           arg_lifetime      = 0;
static unsigned           arg_job_lifetime  = 0;
static unsigned           arg_io_timeout    = JOB_IO_TIMEOUT_MS / 1000;
static unsigned           arg_max_pending   = SERVER_MAX_PENDING_DEFAULT;
static unsigned           arg_per_address   = 0; /* 0: the default */
static unsigned           arg_speed         = 0; /* 0: measured */
static bool               arg_insecure      = false;
static bool               arg_sandbox       = true;
static const char        *arg_compilers     = NULL;
static bool               arg_zeroconf      = false;
static bool               arg_stats         = false;
static unsigned           arg_stats_port    = STATS_DEFAULT_PORT;
static char             **arg_allow_summary = NULL; /* for the stats port */
static const char        *arg_cache_dir     = NULL; /* NULL: the default */
static uint64_t           arg_cache_size    = CACHE_DEFAULT_SIZE;  /* 0: off */
static uint64_t           arg_chunks_size   = CHUNKS_DEFAULT_SIZE; /* 0: off */

static void help(void)
{
  printf(
    "Usage: %s [OPTION]...\n"
    "Compile server for herdcc and distcc clients (protocols 1 and 2).\n"
    "\n"
    "Mode (default: --daemon):\n"
    "      --daemon               serve standalone on a TCP port; detach\n"
    "                             once it is bound (unless --no-detach)\n"
    "      --no-detach            stay in the foreground (with --daemon,\n"
    "                             in either order)\n"
    "      --inetd                serve one connection on stdin/stdout\n"
    "\n"
    "Network:\n"
    "  -p, --port N               TCP port (default %d)\n"
    "      --listen ADDR          listen on this IPv4/IPv6 address only\n"
    "                             (repeatable; default: every address)\n"
    "  -a, --allow ADDR[/BITS]    allow clients from this network\n"
    "                             (repeatable; IPv4 or IPv6)\n"
    "      --allow-private        allow the private and local networks\n"
    "                             (10/8, 172.16/12, 192.168/16, 127/8,\n"
    "                             169.254/16, ::1, fc00::/7, fe80::/10);\n"
    "                             this is the default when no --allow is\n"
    "                             given\n"
    "\n"
    "Jobs:\n"
    "  -j, --jobs N               compiles at once (default: CPUs + 2)\n"
    "  -N, --nice N               niceness of the compilers (default %d)\n"
    "      --job-lifetime SECS    kill a compile running longer (default:\n"
    "                             no limit)\n"
    "      --io-timeout SECS      drop a client whose request is not all\n"
    "                             there within SECS, or that is silent as\n"
    "                             long in the middle of one (default %u)\n"
    "      --max-pending N        connections that may wait for their\n"
    "                             request or a job slot (default %d)\n"
    "      --max-per-address N    connections one client address may have\n"
    "                             waiting and running (default: 64, or\n"
    "                             2 x --jobs when that is more)\n"
    "      --speed N              the speed announced to herdcc clients\n"
    "                             (default: measured at start)\n"
    "      --compilers FILE       also allow the compilers FILE lists, one\n"
    "                             \"NAME [ABSOLUTE_PATH]\" per line\n"
    "      --enable-tcp-insecure  run any compiler on PATH, or any absolute\n"
    "                             path, for allowed clients (dangerous)\n"
    "      --no-sandbox           run compilers unconfined: with the\n"
    "                             network and every readable file in view\n"
    "                             (default: each in its own namespaces,\n"
    "                             the job directory its only writable place)\n"
    "\n"
    "Result cache:\n"
    "      --cache-dir DIR        keep compiled results in DIR (default:\n"
    "                             $CACHE_DIRECTORY, /var/cache/herdccd as\n"
    "                             root, else ~/.cache/herdccd)\n"
    "      --cache-size SIZE      at most SIZE bytes (K, M, G suffixes;\n"
    "                             default 2G), least recently used evicted;\n"
    "                             0 turns the cache off\n"
    "      --no-cache             no result cache\n"
    "      --chunk-store-size SIZE\n"
    "                             keep at most SIZE bytes of the sources'\n"
    "                             chunks native clients sent, in\n"
    "                             DIR/chunks, so that what recurs is not\n"
    "                             sent again (default 256M; 0: off; not\n"
    "                             turned off by --no-cache)\n"
    "\n"
    "Daemon:\n"
    "      --user NAME            user to run as when started as root\n"
    "                             (default: %s if it exists, else %s)\n"
    "  -P, --pid-file FILE        write the daemon's pid to FILE\n"
    "      --lifetime SECS        exit after SECS seconds\n"
    "      --log-file FILE        log to FILE\n"
    "      --log-stderr           log to standard error\n"
    "      --log-level LEVEL      error, warning, notice (default), info,\n"
    "                             debug\n"
    "      --verbose              log everything (--log-level debug)\n"
    "      --zeroconf             publish over mDNS/DNS-SD (Avahi) so that\n"
    "                             herdcc and distcc clients find this server\n"
    "      --stats                serve statistics on the stats port:\n"
    "                             distcc's text, or JSON for GET /json\n"
    "                             (clients as --allow allows)\n"
    "      --stats-port N         the stats port (default %d)\n"
    "\n"
    "  -h, --help                 show this help\n"
    "      --version              show the version\n"
    "\n"
    "Compilers allowed: names with an entry in %s or %s, and names\n"
    "listed in %s or the --compilers file.\n"
    "Without --log-file or --log-stderr a detached daemon logs to syslog.\n",
    program_invocation_short_name, PROTO_DEFAULT_PORT, DEFAULT_NICE,
    JOB_IO_TIMEOUT_MS / 1000, SERVER_MAX_PENDING_DEFAULT, PRIVS_DEFAULT_USER,
    PRIVS_FALLBACK_USER, STATS_DEFAULT_PORT, HERDCC_MASQUERADE_DIR,
    DISTCC_MASQUERADE_DIR, COMPILERS_FILE);
}

static void version(void)
{
  printf("%s %s %s\n"
         "  (protocols 1 and 2) (default port %d)\n"
         "  (herdcc native extension version %d)\n"
         "\n"
         "Copyright (C) the herdcc authors.\n"
         "License GPLv2+: GNU GPL version 2 or later "
         "<https://gnu.org/licenses/gpl.html>.\n"
         "This is free software: you are free to change and redistribute "
         "it.\n"
         "There is NO WARRANTY, to the extent permitted by law.\n",
         program_invocation_short_name, HERDCC_VERSION, HERDCC_GNU_TRIPLE,
         PROTO_DEFAULT_PORT, HERD_VERSION);
}

/* A whole decimal number within [min, max]; -EINVAL otherwise. */
static int parse_number(const char *text, long min, long max, long *ret)
{
  char *end;

  errno      = 0;
  long value = strtol(text, &end, 10);
  if (errno || end == text || *end || value < min || value > max) {
    return -EINVAL;
  }
  *ret = value;
  return 0;
}

static int bad_argument(const char *option, const char *value, const char *why)
{
  fprintf(stderr, "%s: bad %s '%s': %s\n", program_invocation_short_name,
          option, value, why);
  return -EINVAL;
}

enum {
  OPT_DAEMON = 0x100,
  OPT_NO_DETACH,
  OPT_INETD,
  OPT_LISTEN,
  OPT_ALLOW_PRIVATE,
  OPT_USER,
  OPT_LOG_FILE,
  OPT_LOG_STDERR,
  OPT_LOG_LEVEL,
  OPT_VERBOSE,
  OPT_LIFETIME,
  OPT_JOB_LIFETIME,
  OPT_IO_TIMEOUT,
  OPT_MAX_PENDING,
  OPT_MAX_PER_ADDRESS,
  OPT_SPEED,
  OPT_ZEROCONF,
  OPT_STATS,
  OPT_STATS_PORT,
  OPT_INSECURE,
  OPT_NO_SANDBOX,
  OPT_COMPILERS,
  OPT_CACHE_DIR,
  OPT_CACHE_SIZE,
  OPT_NO_CACHE,
  OPT_CHUNK_STORE_SIZE,
  OPT_VERSION,
};

static const struct option options[] = {
  { "daemon", no_argument, NULL, OPT_DAEMON },
  { "no-detach", no_argument, NULL, OPT_NO_DETACH },
  { "inetd", no_argument, NULL, OPT_INETD },
  { "port", required_argument, NULL, 'p' },
  { "listen", required_argument, NULL, OPT_LISTEN },
  { "allow", required_argument, NULL, 'a' },
  { "allow-private", no_argument, NULL, OPT_ALLOW_PRIVATE },
  { "jobs", required_argument, NULL, 'j' },
  { "nice", required_argument, NULL, 'N' },
  { "user", required_argument, NULL, OPT_USER },
  { "pid-file", required_argument, NULL, 'P' },
  { "log-file", required_argument, NULL, OPT_LOG_FILE },
  { "log-stderr", no_argument, NULL, OPT_LOG_STDERR },
  { "log-level", required_argument, NULL, OPT_LOG_LEVEL },
  { "verbose", no_argument, NULL, OPT_VERBOSE },
  { "lifetime", required_argument, NULL, OPT_LIFETIME },
  { "job-lifetime", required_argument, NULL, OPT_JOB_LIFETIME },
  { "io-timeout", required_argument, NULL, OPT_IO_TIMEOUT },
  { "max-pending", required_argument, NULL, OPT_MAX_PENDING },
  { "max-per-address", required_argument, NULL, OPT_MAX_PER_ADDRESS },
  { "speed", required_argument, NULL, OPT_SPEED },
  { "zeroconf", no_argument, NULL, OPT_ZEROCONF },
  { "stats", no_argument, NULL, OPT_STATS },
  { "stats-port", required_argument, NULL, OPT_STATS_PORT },
  { "enable-tcp-insecure", no_argument, NULL, OPT_INSECURE },
  { "no-sandbox", no_argument, NULL, OPT_NO_SANDBOX },
  { "compilers", required_argument, NULL, OPT_COMPILERS },
  { "cache-dir", required_argument, NULL, OPT_CACHE_DIR },
  { "cache-size", required_argument, NULL, OPT_CACHE_SIZE },
  { "no-cache", no_argument, NULL, OPT_NO_CACHE },
  { "chunk-store-size", required_argument, NULL, OPT_CHUNK_STORE_SIZE },
  { "help", no_argument, NULL, 'h' },
  { "version", no_argument, NULL, OPT_VERSION },
  { 0 },
};

static int parse_listen(const char *value)
{
  struct sockaddr_storage addr;
  socklen_t               len;

  if (io_parse_address(value, 0, &addr, &len) < 0) {
    return bad_argument("--listen", value, "not an IPv4 or IPv6 address");
  }
  return strv_push(&arg_listen, value);
}

static int parse_allow(const char *value)
{
  int r = access_list_add(&arg_allow, value);

  if (r == -EINVAL) {
    return bad_argument("--allow", value,
                        "expected ADDR or ADDR/BITS (IPv4 /0-32, IPv6 "
                        "/0-128)");
  }
  arg_allow_given = true;
  return r < 0 ? r : strv_push(&arg_allow_summary, value);
}

static int parse_unsigned(const char *option, const char *value, long min,
                          long max, unsigned *ret)
{
  long number;

  if (parse_number(value, min, max, &number) < 0) {
    return bad_argument(option, value, "not a number in range");
  }
  *ret = (unsigned)number;
  return 0;
}

/* A size in bytes: digits, then K, M, G or T (powers of 1024) or
 * nothing. */
static int parse_size(const char *option, const char *value, uint64_t *ret)
{
  static const char units[] = "KMGT";
  char             *end;
  uint64_t          scale = 1;

  errno                      = 0;
  unsigned long long value_n = strtoull(value, &end, 10);
  if (*end) {
    const char *unit = strchr(units, *end & ~0x20);
    if (!unit || end[1]) {
      return bad_argument(option, value, "expected a size (4096, 500M, 2G)");
    }
    scale = 1ull << (10 * (unit - units + 1));
  }
  if (errno || end == value || value[0] == '-' ||
      __builtin_mul_overflow(value_n, scale, ret)) {
    return bad_argument(option, value, "expected a size (4096, 500M, 2G)");
  }
  return 0;
}

/* One option; -errno to stop with exit 101, 1 to stop with exit 0. */
static int parse_option(int c, const char *value)
{
  long number;

  switch (c) {
    case OPT_DAEMON:
      arg_mode = MODE_DAEMON;
      return 0;
    case OPT_NO_DETACH:
      arg_no_detach = true;
      return 0;
    case OPT_INETD:
      arg_mode = MODE_INETD;
      return 0;
    case 'p':
      return parse_unsigned("--port", value, 1, 65535, &arg_port);
    case OPT_LISTEN:
      return parse_listen(value);
    case 'a':
      return parse_allow(value);
    case OPT_ALLOW_PRIVATE:
      arg_allow_private = true;
      return 0;
    case 'j':
      return parse_unsigned("--jobs", value, 1, 1024, &arg_jobs);
    case 'N':
      if (parse_number(value, -20, 19, &number) < 0) {
        return bad_argument("--nice", value, "expected -20..19");
      }
      arg_nice = (int)number;
      return 0;
    case OPT_USER:
      arg_user = value;
      return 0;
    case 'P':
      arg_pid_file = value;
      return 0;
    case OPT_LOG_FILE:
      arg_log_file = value;
      return 0;
    case OPT_LOG_STDERR:
      arg_log_stderr = true;
      return 0;
    case OPT_LOG_LEVEL:
      if (log_level_from_string(value, &arg_log_level) < 0) {
        return bad_argument("--log-level", value, "unknown level");
      }
      return 0;
    case OPT_VERBOSE:
      arg_log_level = LOG_LEVEL_DEBUG;
      return 0;
    case OPT_LIFETIME:
      return parse_unsigned("--lifetime", value, 0, INT_MAX / 1000,
                            &arg_lifetime);
    case OPT_JOB_LIFETIME:
      return parse_unsigned("--job-lifetime", value, 0, INT_MAX / 1000,
                            &arg_job_lifetime);
    case OPT_IO_TIMEOUT:
      return parse_unsigned("--io-timeout", value, 1, 3600, &arg_io_timeout);
    case OPT_MAX_PENDING:
      return parse_unsigned("--max-pending", value, 1, 65536, &arg_max_pending);
    case OPT_MAX_PER_ADDRESS:
      return parse_unsigned("--max-per-address", value, 1, 65536,
                            &arg_per_address);
    case OPT_SPEED:
      return parse_unsigned("--speed", value, 1, 999999, &arg_speed);
    case OPT_ZEROCONF:
      arg_zeroconf = true;
      return 0;
    case OPT_STATS:
      arg_stats = true;
      return 0;
    case OPT_STATS_PORT:
      return parse_unsigned("--stats-port", value, 1, 65535, &arg_stats_port);
    case OPT_INSECURE:
      arg_insecure = true;
      return 0;
    case OPT_NO_SANDBOX:
      arg_sandbox = false;
      return 0;
    case OPT_COMPILERS:
      arg_compilers = value;
      return 0;
    case OPT_CACHE_DIR:
      if (value[0] != '/') {
        return bad_argument("--cache-dir", value, "not an absolute path");
      }
      arg_cache_dir = value;
      return 0;
    case OPT_CACHE_SIZE:
      return parse_size("--cache-size", value, &arg_cache_size);
    case OPT_NO_CACHE:
      arg_cache_size = 0;
      return 0;
    case OPT_CHUNK_STORE_SIZE:
      return parse_size("--chunk-store-size", value, &arg_chunks_size);
    case 'h':
      help();
      return 1;
    case OPT_VERSION:
      version();
      return 1;
    default:
      fprintf(stderr, "Try '%s --help' for more information.\n",
              program_invocation_short_name);
      return -EINVAL;
  }
}

static int parse_argv(int argc, char *argv[])
{
  int c;

  while ((c = getopt_long(argc, argv, "p:a:j:N:P:h", options, NULL)) >= 0) {
    int r = parse_option(c, optarg);
    if (r != 0) {
      return r;
    }
  }
  if (optind < argc) {
    fprintf(stderr,
            "%s: unexpected argument '%s' (a compile server takes no "
            "command)\n",
            program_invocation_short_name, argv[optind]);
    return -EINVAL;
  }
  if (!arg_allow_given || arg_allow_private) {
    int r = access_list_add_private(&arg_allow);
    return r < 0 ? r : strv_push(&arg_allow_summary, "private");
  }
  return 0;
}

static int setup_logging(void)
{
  log_setup(program_invocation_short_name, arg_log_level);
  if (arg_log_file) {
    int r = log_open_file(arg_log_file);
    if (r < 0) {
      log_error("Failed to open log file %s: %s", arg_log_file, strerror(-r));
      return r;
    }
  } else if (!arg_log_stderr && arg_mode == MODE_INETD) {
    log_use_syslog(); /* stderr may be the connection itself */
  }
  return 0;
}

static int load_compilers(struct compilers **ret_compilers)
{
  char *const dirs[] = {
    (char *)HERDCC_MASQUERADE_DIR,
    (char *)DISTCC_MASQUERADE_DIR,
    NULL,
  };
  _cleanup_(compilers_freep) struct compilers *compilers = NULL;
  int r = compilers_new(dirs, arg_insecure, &compilers);

  if (r < 0) {
    log_error("Failed to set up the compiler list: %s", strerror(-r));
    return r;
  }
  r = compilers_load_file(compilers, COMPILERS_FILE);
  if (r < 0 && r != -ENOENT) {
    log_warning("Failed to read %s: %s", COMPILERS_FILE, strerror(-r));
  }
  if (arg_compilers) {
    r = compilers_load_file(compilers, arg_compilers);
    if (r < 0) {
      log_error("Failed to read compilers file %s: %s", arg_compilers,
                strerror(-r));
      return r;
    }
  }
  *ret_compilers = TAKE_PTR(compilers);
  return 0;
}

/* One connection on stdin/stdout: a socket from inetd, or pipes from ssh
 * (a local peer, always allowed). */
static int run_inetd(const struct job_config *job, const struct privs *privs)
{
  struct sockaddr_storage peer;
  socklen_t               len = sizeof(peer);

  if (getpeername(STDIN_FILENO, (struct sockaddr *)&peer, &len) < 0 ||
      (peer.ss_family != AF_INET && peer.ss_family != AF_INET6)) {
    len = 0;
  }
  int r = privs_apply(privs);
  if (r < 0) {
    log_error("Failed to drop privileges: %s",
              r == -EPERM ? "refusing to run jobs as root" : strerror(-r));
    return EXIT_SETUID_FAILED;
  }
  for (int fd = STDIN_FILENO; fd <= STDOUT_FILENO; fd++) {
    int flags = fcntl(fd, F_GETFL);
    if (flags >= 0) {
      fcntl(fd, F_SETFL, flags | O_NONBLOCK);
    }
  }
  r = job_serve(STDIN_FILENO, STDOUT_FILENO,
                len ? (struct sockaddr *)&peer : NULL, len, 0, job, NULL);
  return r >= 0 || r == -EPERM ? 0 : EXIT_IO_ERROR;
}

/* Whether compilers can be confined here, found out once for a daemon:
 * a kernel that refuses is reported and jobs are refused, saying why.
 * Under --inetd (one job) a failure shows in the job's reply instead. */
static void check_sandbox(const struct privs *privs, char **ret_missing)
{
  _cleanup_free_ char *reason = NULL;

  if (!arg_sandbox) {
    log_warning("--no-sandbox: compilers run unconfined, with the network "
                "and every file their user can read in view");
    return;
  }
  if (arg_mode == MODE_INETD || sandbox_probe(privs, &reason) >= 0) {
    return;
  }
  log_error("Failed to confine compilers: %s. Jobs are refused until user "
            "namespaces are allowed for user %s (or herdccd runs with "
            "--no-sandbox)",
            reason ? reason : "out of memory",
            privs->drop ? privs->user : "(current)");
  *ret_missing = reason ? TAKE_PTR(reason) : strdup("out of memory");
}

/* The result cache (below NULL) or the chunk store (below CHUNKS_DIR)
 * of at most size bytes, called what; NULL when it is off or cannot be
 * used (a warning: the server still compiles). */
static struct cache *open_cache(const struct privs *privs, const char *what,
                                const char *below, uint64_t size)
{
  _cleanup_free_ char *dir   = NULL;
  struct cache        *cache = NULL;
  uid_t                uid   = privs->drop ? privs->uid : (uid_t)-1;
  gid_t                gid   = privs->drop ? privs->gid : (gid_t)-1;
  int                  r     = 0;

  if (size == 0) {
    return NULL;
  }
  if (arg_cache_dir) {
    dir = strdup(arg_cache_dir);
    r   = dir ? 0 : -ENOMEM;
  } else {
    r = cache_default_dir(&dir);
  }
  if (r >= 0) {
    r = below ? cache_open_below(dir, below, size, uid, gid, &cache)
              : cache_open(dir, size, uid, gid, &cache);
  }
  if (r < 0) {
    log_warning("Failed to open the %s in %s: %s; compiling without", what,
                dir ? dir : "(no directory)", strerror(-r));
    return NULL;
  }
  log_info("The %s is in %s%s%s, at most %llu bytes", what, dir,
           below ? "/" : "", below ? below : "", (unsigned long long)size);
  return cache;
}

static unsigned default_jobs(void)
{
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);

  return (unsigned)(cpus > 0 && cpus < 1024 ? cpus : 1) + 2;
}

static int run(void)
{
  _cleanup_(compilers_freep) struct compilers *compilers       = NULL;
  _cleanup_(cache_freep) struct cache         *cache           = NULL;
  _cleanup_(cache_freep) struct cache         *chunks          = NULL;
  _cleanup_free_ char                         *sandbox_missing = NULL;
  struct privs                                 privs;
  int                                          r = privs_plan(arg_user, &privs);

  if (r < 0) {
    log_error("Failed to find an unprivileged user %s: %s",
              arg_user ? arg_user : "(" PRIVS_DEFAULT_USER ", nobody)",
              r == -EPERM ? "it is root" : strerror(-r));
    return EXIT_SETUID_FAILED;
  }
  if (!privs.drop && arg_user) {
    log_notice("Not started as root: --user %s is ignored", arg_user);
  }
  if (load_compilers(&compilers) < 0) {
    return EXIT_BAD_ARGUMENTS;
  }
  if (arg_insecure) {
    log_warning("--enable-tcp-insecure: ANY compiler on PATH and ANY "
                "absolute path will run for every allowed client; use it "
                "only on a network you trust completely");
  }
  check_sandbox(&privs, &sandbox_missing);
  cache  = open_cache(&privs, "result cache", NULL, arg_cache_size);
  chunks = open_cache(&privs, "chunk store", CHUNKS_DIR, arg_chunks_size);
  struct job_config job = {
    .access          = &arg_allow,
    .compilers       = compilers,
    .limits          = &proto_default_limits,
    .nice            = arg_nice,
    .lifetime_s      = arg_job_lifetime,
    .io_timeout_ms   = (int)arg_io_timeout * 1000,
    .sandbox         = arg_sandbox,
    .sandbox_missing = sandbox_missing,
    .cache           = cache,
    .chunks          = chunks,
  };
  if (arg_mode == MODE_INETD) {
    if (arg_stats) {
      log_notice("--stats is ignored with --inetd (no daemon to ask)");
    }
    return run_inetd(&job, &privs);
  }
  unsigned             jobs  = arg_jobs ? arg_jobs : default_jobs();
  struct statsd_config stats = {
    .port          = (uint16_t)arg_stats_port,
    .job_port      = (uint16_t)arg_port,
    .jobs          = jobs,
    .zeroconf      = arg_zeroconf,
    .access        = &arg_allow,
    .allow_summary = arg_allow_summary,
    .program       = program_invocation_short_name,
    .cache         = cache,
  };
  struct server_config server = {
    .listen               = arg_listen,
    .port                 = (uint16_t)arg_port,
    .jobs                 = jobs,
    .max_pending          = arg_max_pending,
    .per_address_max      = arg_per_address,
    .speed                = arg_speed,
    .request_timeout_ms   = (int)arg_io_timeout * 1000,
    .lifetime_s           = arg_lifetime,
    .pid_file             = arg_pid_file,
    .privs                = &privs,
    .detach               = !arg_no_detach,
    .syslog_once_detached = !arg_log_file && !arg_log_stderr,
    .keep_stderr          = arg_log_stderr,
    .zeroconf             = arg_zeroconf,
    .job                  = &job,
    .stats                = arg_stats ? &stats : NULL,
  };
  return server_run(&server);
}

int main(int argc, char *argv[])
{
  int r = parse_argv(argc, argv);

  if (r > 0) {
    r = 0; /* --help, --version */
  } else if (r < 0) {
    r = EXIT_BAD_ARGUMENTS;
  } else if (setup_logging() < 0) {
    r = EXIT_IO_ERROR;
  } else {
    signal(SIGPIPE, SIG_IGN);
    r = run();
  }
  strv_free(arg_listen);
  strv_free(arg_allow_summary);
  access_list_clear(&arg_allow);
  return r;
}
