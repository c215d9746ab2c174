/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "ssh.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "env.h"
#include "exitcode.h"
#include "io.h"
#include "macro.h"
#include "strv.h"
#include "text.h"

#define SSH_DEFAULT_COMMAND "herdccd"
#define SSH_PERSIST_DEFAULT 120
/* What ssh says is kept up to this size. */
#define SSH_STDERR_MAX 4096

struct ssh_conn {
  pid_t pid;
  int   err_fd; /* memfd: ssh's standard error */
  int   status; /* once reaped */
  bool  reaped;
  char  key[SSH_KEY_MAX];
};

void ssh_key(const struct hosts_entry *host, char ret_key[static SSH_KEY_MAX])
{
  snprintf(ret_key, SSH_KEY_MAX, "ssh:%s%s%s", host->user ? host->user : "",
           host->user ? "@" : "", host->name);
}

/* ---- the command line --------------------------------------------------- */

static bool is_openssh(const char *command)
{
  const char *base = strrchr(command, '/');

  return strcmp(base ? base + 1 : command, "ssh") == 0;
}

/* STATE/ssh/%C for the master connection's socket, when it fits in a
 * socket address (with the suffix OpenSSH adds while it binds). */
static char *control_path(const char *state_dir)
{
  char                *path = NULL;
  _cleanup_free_ char *dir  = NULL;
  struct sockaddr_un   un;

  if (!state_dir || asprintf(&dir, "%s/ssh", state_dir) < 0) {
    return NULL;
  }
  if (strlen(dir) + strlen("/%C") + 40 + 18 >= sizeof(un.sun_path) ||
      (mkdir(dir, 0700) < 0 && errno != EEXIST)) {
    return NULL;
  }
  return asprintf(&path, "%s/%%C", dir) < 0 ? NULL : path;
}

/* OpenSSH options, in order: connection sharing, no prompts, the connect
 * timeout. */
static int push_openssh_options(char ***argv, const char *state_dir,
                                int connect_timeout_ms)
{
  _cleanup_free_ char *path = control_path(state_dir);
  char                 option[PATH_MAX + 32];
  long persist = env_get_bounded("SSH_PERSIST", SSH_PERSIST_DEFAULT, 0, 86400);
  int  r       = 0;

  if (path && persist > 0) {
    const char *const fixed[] = { "-o", "ControlMaster=auto", "-o" };
    for (size_t i = 0; i < ARRAY_SIZE(fixed) && r >= 0; i++) {
      r = strv_push(argv, fixed[i]);
    }
    snprintf(option, sizeof(option), "ControlPath=%s", path);
    r = r < 0 ? r : strv_push(argv, option);
    r = r < 0 ? r : strv_push(argv, "-o");
    snprintf(option, sizeof(option), "ControlPersist=%ld", persist);
    r = r < 0 ? r : strv_push(argv, option);
  }
  r = r < 0 ? r : strv_push(argv, "-o");
  r = r < 0 ? r : strv_push(argv, "BatchMode=yes");
  r = r < 0 ? r : strv_push(argv, "-o");
  snprintf(option, sizeof(option), "ConnectTimeout=%d",
           (connect_timeout_ms + 999) / 1000);
  return r < 0 ? r : strv_push(argv, option);
}

static int build_argv(const struct hosts_entry *host, const char *state_dir,
                      int connect_timeout_ms, char ***ret_argv)
{
  const char                *ssh  = env_get("SSH");
  _cleanup_strv_free_ char **argv = NULL;
  int                        r;

  if (!ssh || !*ssh) {
    ssh = "ssh";
  }
  r = strv_push(&argv, ssh);
  if (r >= 0 && is_openssh(ssh)) {
    r = push_openssh_options(&argv, state_dir, connect_timeout_ms);
  }
  if (r >= 0 && host->user && *host->user) {
    r = strv_push(&argv, "-l");
    r = r < 0 ? r : strv_push(&argv, host->user);
  }
  r = r < 0 ? r : strv_push(&argv, host->name);
  r = r < 0 ? r
            : strv_push(&argv, host->command && *host->command
                                 ? host->command
                                 : SSH_DEFAULT_COMMAND);
  r = r < 0 ? r : strv_push(&argv, "--inetd");
  if (r < 0) {
    return r;
  }
  *ret_argv = TAKE_PTR(argv);
  return 0;
}

/* ---- the process -------------------------------------------------------- */

static _noreturn_ void exec_ssh(char **argv, int sock, int err_fd)
{
  sigset_t none;

  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  signal(SIGPIPE, SIG_DFL);
  setsid(); /* no terminal to prompt on */
  if (dup2(sock, STDIN_FILENO) < 0 || dup2(sock, STDOUT_FILENO) < 0 ||
      dup2(err_fd, STDERR_FILENO) < 0) {
    _exit(EXIT_GENERAL);
  }
  execvp(argv[0], argv);
  dprintf(STDERR_FILENO, "%s: %s\n", argv[0], strerror(errno));
  _exit(127);
}

int ssh_start(const struct hosts_entry *host, const char *state_dir,
              int connect_timeout_ms, struct ssh_conn **ret_conn, int *ret_fd)
{
  _cleanup_strv_free_ char **argv   = NULL;
  _cleanup_close_ int        err_fd = -1, ours = -1, theirs = -1;
  int                        pair[2];

  if (!host->name || !*host->name || host->name[0] == '-' ||
      (host->user && host->user[0] == '-')) {
    return -EINVAL;
  }
  int r = build_argv(host, state_dir, connect_timeout_ms, &argv);
  if (r < 0) {
    return r;
  }
  err_fd = memfd_create("herdcc-ssh-stderr", MFD_CLOEXEC);
  if (err_fd < 0 ||
      socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) < 0) {
    return -errno;
  }
  ours   = pair[0];
  theirs = pair[1];
  if (fcntl(ours, F_SETFL, O_NONBLOCK) < 0) {
    return -errno;
  }
  struct ssh_conn *conn = calloc(1, sizeof(*conn));
  if (!conn) {
    return -ENOMEM;
  }
  ssh_key(host, conn->key);
  conn->pid = fork();
  if (conn->pid == 0) {
    exec_ssh(argv, theirs, err_fd);
  }
  if (conn->pid < 0) {
    r = -errno;
    free(conn);
    return r;
  }
  conn->err_fd = TAKE_FD(err_fd);
  *ret_conn    = conn;
  *ret_fd      = TAKE_FD(ours);
  return 0;
}

/* ---- its end ------------------------------------------------------------ */

/* Reap ssh if it ends within timeout_ms; true when it has. */
static bool reap(struct ssh_conn *conn, int timeout_ms)
{
  long long deadline = clock_now_ms() + timeout_ms;

  while (!conn->reaped) {
    pid_t pid = waitpid(conn->pid, &conn->status, WNOHANG);
    if (pid == conn->pid || (pid < 0 && errno != EINTR)) {
      conn->reaped = true;
      break;
    }
    if (clock_now_ms() >= deadline) {
      break;
    }
    struct timespec pause = { 0, 5 * 1000 * 1000 };
    nanosleep(&pause, NULL);
  }
  return conn->reaped;
}

/* What ssh said, the last line that says something, through the one text
 * cleaner (the remote side's banner is in it). */
static char *last_words(const struct ssh_conn *conn)
{
  _cleanup_free_ char *text = NULL;
  size_t               len  = 0;

  struct stat st;

  /* The end of it: a long banner must not hide the reason. */
  if (fstat(conn->err_fd, &st) < 0 ||
      lseek(conn->err_fd,
            st.st_size > SSH_STDERR_MAX ? st.st_size - SSH_STDERR_MAX : 0,
            SEEK_SET) < 0 ||
      io_read_fd(conn->err_fd, SSH_STDERR_MAX, &text, &len) < 0 || len == 0) {
    return NULL;
  }
  for (size_t i = 0; i < len; i++) {
    if ((unsigned char)text[i] < 0x20 && text[i] != '\n') {
      text[i] = ' ';
    }
  }
  char *end = text + len;
  while (end > text && (end[-1] == '\n' || end[-1] == ' ')) {
    *--end = '\0';
  }
  char *line = strrchr(text, '\n');
  line       = line ? line + 1 : text;
  /* blank lines say nothing; the rest is the peer's text: cleaned */
  return *line ? text_clean_dup(line, 0) : NULL;
}

/* What kind of failure ssh's words and status show: the first match
 * wins. */
static const struct {
  const char *words;
  const char *what;
} ssh_failures[] = {
  { "Host key verification failed", "the host key was not accepted"   },
  { "REMOTE HOST IDENTIFICATION",   "the host key has changed"        },
  { "Permission denied",            "authentication failed"           },
  { "Too many authentication",      "authentication failed"           },
  { "command not found",            "the remote command is not there" },
  { "No such file or directory",    "the remote command is not there" },
  { "Could not resolve hostname",   "the host name does not resolve"  },
  { "Connection refused",           "no ssh server there"             },
  { "Connection timed out",         "the host cannot be reached"      },
  { "No route to host",             "the host cannot be reached"      },
  { "Network is unreachable",       "the host cannot be reached"      },
};

static const char *classify(const char *words, int status)
{
  for (size_t i = 0; words && i < ARRAY_SIZE(ssh_failures); i++) {
    if (strstr(words, ssh_failures[i].words)) {
      return ssh_failures[i].what;
    }
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
    return "the remote command is not there";
  }
  return WIFEXITED(status) && WEXITSTATUS(status) == 255 ? "ssh failed" : NULL;
}

int ssh_failure(struct ssh_conn *conn, int timeout_ms, char **ret_why)
{
  bool                 ended = reap(conn, timeout_ms);
  _cleanup_free_ char *words = last_words(conn);
  const char          *what  = ended ? classify(words, conn->status) : NULL;
  char                 status[32] = "still running";

  if (ended && WIFEXITED(conn->status)) {
    snprintf(status, sizeof(status), "exit %d", WEXITSTATUS(conn->status));
  } else if (ended) {
    snprintf(status, sizeof(status), "signal %d", WTERMSIG(conn->status));
  }
  if (ended && conn->status == 0 && !words) {
    *ret_why = NULL;
    return 0;
  }
  int r =
    asprintf(ret_why, "%s (ssh %s%s%s)", what ? what : "the connection ended",
             status, words ? ": " : "", words ? words : "");
  return r < 0 ? -ENOMEM : 0;
}

bool ssh_reached(const struct ssh_conn *conn)
{
  return conn->reaped && WIFEXITED(conn->status) &&
         WEXITSTATUS(conn->status) != 255 && WEXITSTATUS(conn->status) != 127;
}

struct ssh_conn *ssh_free(struct ssh_conn *conn, int timeout_ms)
{
  if (!conn) {
    return NULL;
  }
  if (!reap(conn, timeout_ms)) {
    kill(conn->pid, SIGTERM);
    while (waitpid(conn->pid, &conn->status, 0) < 0 && errno == EINTR) {
    }
  }
  closep(&conn->err_fd);
  free(conn);
  return NULL;
}
