/* SPDX-License-Identifier: GPL-2.0-or-later */
/* herdcc-top: the farm in a terminal. The servers this machine's client
 * would use (the host list, mDNS and DNS discovery) with what their status
 * endpoints say, this machine's client jobs, and each reachable server's
 * current jobs; refreshed in place, or printed once for scripts. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "exitcode.h"
#include "farm.h"
#include "log.h"
#include "macro.h"
#include "text.h"

#define TOP_COLD_WAIT_MS 2000 /* a cold discovery cache, at most */

static const char *arg_program   = "herdcc-top";
static double      arg_delay_s   = 2.0;
static double      arg_timeout_s = 1.0;
static bool        arg_once      = false;

/* ---- a table of cleaned cells ------------------------------------------ */

#define TABLE_MAX_COLS 9

struct table {
  size_t cols;
  size_t rows; /* the header included */
  char **cells;
  bool   right[TABLE_MAX_COLS]; /* right-aligned (numbers) */
};

/* The number of characters (code points) of valid UTF-8 text. */
static size_t text_width(const char *s)
{
  size_t n = 0;

  for (; *s; s++) {
    n += ((unsigned char)*s & 0xc0) != 0x80;
  }
  return n;
}

/* Add a row of cols cells; the text is untrusted and cleaned here. Every
 * column but the last gets no blanks, so a script can split on them. */
static void table_row(struct table *t, ...)
{
  va_list ap;
  char  **grown =
    reallocarray(t->cells, (t->rows + 1) * t->cols, sizeof(*grown));

  if (!grown) {
    return;
  }
  t->cells = grown;
  va_start(ap, t);
  for (size_t c = 0; c < t->cols; c++) {
    const char *text = va_arg(ap, const char *);
    char        clean[1200];
    text_clean(clean, sizeof(clean), text ? text : "-",
               c + 1 < t->cols ? TEXT_NO_SPACE : 0);
    grown[t->rows * t->cols + c] = strdup(clean[0] ? clean : "-");
  }
  va_end(ap);
  t->rows++;
}

static void table_clear(struct table *t)
{
  for (size_t i = 0; i < t->rows * t->cols; i++) {
    free(t->cells[i]);
  }
  free(t->cells);
  t->cells = NULL;
  t->rows  = 0;
}

/* Write t with columns two blanks apart; the last column is not padded. */
static void table_print(FILE *f, const struct table *t)
{
  size_t width[TABLE_MAX_COLS] = { 0 };

  for (size_t r = 0; r < t->rows; r++) {
    for (size_t c = 0; c < t->cols; c++) {
      const char *cell = t->cells[r * t->cols + c];
      size_t      w    = cell ? text_width(cell) : 1;
      width[c]         = w > width[c] ? w : width[c];
    }
  }
  for (size_t r = 0; r < t->rows; r++) {
    for (size_t c = 0; c < t->cols; c++) {
      const char *cell = t->cells[r * t->cols + c];
      size_t      pad  = width[c] - (cell ? text_width(cell) : 1);
      bool        last = c + 1 == t->cols;
      if (t->right[c] && r > 0) {
        fprintf(f, "%*s", (int)pad, "");
      }
      fputs(cell ? cell : "?", f);
      if (!last && !(t->right[c] && r > 0)) {
        fprintf(f, "%*s", (int)pad, "");
      }
      fputs(last ? "\n" : "  ", f);
    }
  }
}

/* ---- formatting -------------------------------------------------------- */

static void format_age(char *buf, size_t size, long long s)
{
  if (s < 0) {
    s = 0;
  }
  if (s < 60) {
    snprintf(buf, size, "%llds", s);
  } else if (s < 3600) {
    snprintf(buf, size, "%lldm%02llds", s / 60, s % 60);
  } else if (s < 100 * 3600) {
    snprintf(buf, size, "%lldh%02lldm", s / 3600, s / 60 % 60);
  } else {
    snprintf(buf, size, "%lldd", s / 86400);
  }
}

static void format_size(char *buf, size_t size, uint64_t bytes)
{
  if (bytes < 10000) {
    snprintf(buf, size, "%llu", (unsigned long long)bytes);
  } else if (bytes < 10000ull * 1024) {
    snprintf(buf, size, "%.1fK", (double)bytes / 1024);
  } else if (bytes < 10000ull * 1024 * 1024) {
    snprintf(buf, size, "%.1fM", (double)bytes / (1024.0 * 1024));
  } else {
    snprintf(buf, size, "%.1fG", (double)bytes / (1024.0 * 1024 * 1024));
  }
}

static void format_address(char *buf, size_t size, const struct farm_server *s)
{
  if (!s->addr[0]) {
    snprintf(buf, size, "-:%u", s->port);
  } else {
    snprintf(buf, size, strchr(s->addr, ':') ? "[%s]:%u" : "%s:%u", s->addr,
             s->port);
  }
}

/* ---- one snapshot ------------------------------------------------------ */

static void print_servers(FILE *f, const struct farm *farm)
{
  struct table t = { .cols = 8 };

  t.right[3] = t.right[4] = t.right[5] = t.right[6] = true;
  table_row(&t, "SOURCE", "NAME", "ADDRESS:PORT", "SLOTS", "LOAD", "OK", "ERR",
            "STATE");
  for (size_t i = 0; i < farm->server_count; i++) {
    const struct farm_server *s  = &farm->servers[i];
    const struct stats       *st = &s->stats;
    bool                      ok = s->status == FARM_STATUS_OK;
    char address[INET6_ADDRSTRLEN + 16], slots[32], load[32], n_ok[24],
      n_err[24], state[FARM_WHY_MAX + 64];

    format_address(address, sizeof(address), s);
    if (ok) {
      unsigned total = st->config.jobs ? st->config.jobs : s->slots;
      snprintf(slots, sizeof(slots), "%u/%u", st->running, total);
      snprintf(load, sizeof(load), "%.2f", st->load[0]);
      snprintf(n_ok, sizeof(n_ok), "%llu",
               (unsigned long long)st->results[STATS_RESULT_OK]);
      snprintf(
        n_err, sizeof(n_err), "%llu",
        (unsigned long long)(st->jobs_done - st->results[STATS_RESULT_OK]));
    } else {
      snprintf(slots, sizeof(slots), "-/%u", s->slots);
      snprintf(load, sizeof(load), "-");
      snprintf(n_ok, sizeof(n_ok), "-");
      snprintf(n_err, sizeof(n_err), "-");
    }
    farm_server_state(s, farm_status_name(s->status), "(backed off)", state,
                      sizeof(state));
    table_row(&t, farm_source_name(s->source), s->name, address, slots, load,
              n_ok, n_err, state);
  }
  table_print(f, &t);
  table_clear(&t);
}

/* bytes over ms as "1.2M/s", or "-" without time. */
static void format_rate(char *buf, size_t size, uint64_t bytes, uint64_t ms)
{
  char b[24];

  if (ms == 0) {
    snprintf(buf, size, "-");
    return;
  }
  format_size(b, sizeof(b), (uint64_t)((double)bytes * 1000.0 / (double)ms));
  snprintf(buf, size, "%s/s", b);
}

/* bytes over µs as "1.2M/s", or "-" without bytes or time. */
static void format_rate_us(char *buf, size_t size, uint64_t bytes, uint64_t us)
{
  char b[24];

  if (bytes == 0 || us == 0) {
    snprintf(buf, size, "-");
    return;
  }
  format_size(b, sizeof(b), (uint64_t)((double)bytes * 1e6 / (double)us));
  snprintf(buf, size, "%s/s", b);
}

/* "tcp:3632/lzo", "ssh/zlib", or "-" before the job has a server. */
static void format_link(char *buf, size_t size, const struct job_state *j)
{
  if (j->conn == JOB_CONN_NONE) {
    snprintf(buf, size, "-");
  } else if (j->port) {
    snprintf(buf, size, "%s:%u/%s", job_conn_name(j->conn), j->port,
             job_codec_name(j->codec));
  } else {
    snprintf(buf, size, "%s/%s", job_conn_name(j->conn),
             job_codec_name(j->codec));
  }
}

static void print_local_jobs(FILE *f, const struct farm *farm)
{
  struct table    t = { .cols = 9 };
  struct timespec now;

  clock_gettime(CLOCK_REALTIME, &now);
  long long now_us = now.tv_sec * 1000000LL + now.tv_nsec / 1000;
  t.right[0] = t.right[3] = t.right[4] = t.right[6] = t.right[7] = true;
  table_row(&t, "PID", "PHASE", "HOST", "SLOT", "AGE", "LINK", "SEND/S",
            "RECV/S", "FILE");
  for (size_t i = 0; i < farm->job_count; i++) {
    const struct job_state *j     = &farm->jobs[i].state;
    const char             *phase = job_phase_name(j->phase);
    char pid[16], slot[16], age[32], link[48], send[32], recv[32];
    snprintf(pid, sizeof(pid), "%u", j->pid);
    if (j->slot >= 0) {
      snprintf(slot, sizeof(slot), "%d", j->slot);
    } else {
      snprintf(slot, sizeof(slot), "-");
    }
    format_age(age, sizeof(age), (now_us - j->started_us) / 1000000);
    format_link(link, sizeof(link), j);
    format_rate_us(send, sizeof(send), j->sent, j->send_us);
    format_rate_us(recv, sizeof(recv), j->received, j->receive_us);
    table_row(&t, pid, phase ? phase : "?", j->host[0] ? j->host : "-", slot,
              age, link, send, recv, j->file);
  }
  table_print(f, &t);
  table_clear(&t);
}

static void print_server_jobs(FILE *f, const struct farm_server *s)
{
  struct table t = { .cols = 7 };
  char         address[INET6_ADDRSTRLEN + 16], name[FARM_NAME_MAX];

  format_address(address, sizeof(address), s);
  fprintf(f, "\nJOBS ON %s %s: %zu running\n",
          text_clean(name, sizeof(name), s->name, TEXT_NO_SPACE), address,
          s->stats.job_count);
  if (s->stats.job_count == 0) {
    return;
  }
  t.right[2] = t.right[3] = t.right[4] = t.right[5] = true;
  table_row(&t, "CLIENT", "PHASE", "SIZE", "AGE", "PID", "RECV/S", "SOURCE");
  for (size_t i = 0; i < s->stats.job_count; i++) {
    const struct stats_job *j     = &s->stats.jobs[i];
    const char             *phase = stats_phase_name(j->phase);
    char                    size[32], age[32], pid[16], rate[32];
    format_size(size, sizeof(size), j->size);
    format_age(age, sizeof(age), (long long)(s->stats.now - j->started));
    if (j->pid > 0) {
      snprintf(pid, sizeof(pid), "%d", (int)j->pid);
    } else {
      snprintf(pid, sizeof(pid), "-");
    }
    format_rate(rate, sizeof(rate), j->size, j->receive_ms);
    table_row(&t, j->client, phase ? phase : "?", size, age, pid, rate,
              j->source);
  }
  table_print(f, &t);
  table_clear(&t);
}

/* The result cache's figures (herdccd's status JSON "cache"). */
static void print_cache(FILE *f, const struct stats_cache *c)
{
  char bytes[32], max[32];

  if (!c->enabled) {
    fprintf(f, "  result cache off\n");
    return;
  }
  format_size(bytes, sizeof(bytes), c->bytes);
  format_size(max, sizeof(max), c->max_bytes);
  fprintf(f,
          "  result cache %s of %s, %llu entries: %llu hits (%.0f%%), %llu "
          "misses, %llu stored, %llu evicted\n",
          bytes, max, (unsigned long long)c->entries,
          (unsigned long long)c->hits, stats_cache_hit_percent(c),
          (unsigned long long)c->misses, (unsigned long long)c->stores,
          (unsigned long long)c->evictions);
}

/* Everything else a server's status says (distcc's "lisa's list"):
 * uptime, configuration, results by kind, throughput. Strings from the
 * server go through text_clean. */
static void print_server_details(FILE *f, const struct farm_server *s)
{
  const struct stats *st = &s->stats;
  char name[FARM_NAME_MAX], version[64], longest[300], up[32], in[32], out[32],
    rin[32], rout[32], rss[32];
  uint64_t compiled =
    st->results[STATS_RESULT_OK] + st->results[STATS_RESULT_COMPILE_ERROR];

  format_age(up, sizeof(up), st->uptime_s);
  fprintf(f, "\nDETAILS OF %s\n",
          text_clean(name, sizeof(name), s->name, TEXT_NO_SPACE));
  fprintf(f, "  up %s, %s, port %u, stats port %u, %u slots, %u cpus, %s%s\n",
          up, text_clean(version, sizeof(version), st->version, TEXT_NO_SPACE),
          st->config.port, st->config.stats_port, st->config.jobs, st->cpus,
          st->config.lzo ? "lzo" : "no compression",
          st->config.zeroconf ? ", mdns" : "");
  fprintf(f, "  allow:");
  for (size_t i = 0; i < st->config.allow_count && i < STATS_ALLOW_MAX; i++) {
    char a[64];
    fprintf(f, " %s",
            text_clean(a, sizeof(a), st->config.allow[i], TEXT_NO_SPACE));
  }
  fprintf(f, "\n  jobs done %llu:", (unsigned long long)st->jobs_done);
  for (int r = 0; r < STATS_RESULT_COUNT_; r++) {
    fprintf(f, " %s %llu", stats_result_name((enum stats_result)r),
            (unsigned long long)st->results[r]);
  }
  format_size(in, sizeof(in), st->bytes_in);
  format_size(out, sizeof(out), st->bytes_out);
  format_rate(rin, sizeof(rin), st->bytes_in,
              st->phase_ms[STATS_PHASE_RECEIVE]);
  format_rate(rout, sizeof(rout), st->bytes_out,
              st->phase_ms[STATS_PHASE_SEND]);
  fprintf(f, "\n  received %s at %s, sent %s at %s, %.1f jobs/min", in, rin,
          out, rout, st->jobs_per_min);
  if (compiled) {
    fprintf(f, ", compile %.1fs on average",
            (double)st->phase_ms[STATS_PHASE_COMPILE] / 1000.0 /
              (double)compiled);
  }
  fprintf(f, "\n  accepted %llu", (unsigned long long)st->accepted);
  if (st->longest_ms) {
    fprintf(
      f, ", longest %.1fs (%s)", (double)st->longest_ms / 1000.0,
      text_clean(longest, sizeof(longest), st->longest_source, TEXT_NO_SPACE));
  }
  if (st->max_rss_kb) {
    format_size(rss, sizeof(rss), st->max_rss_kb * 1024);
    fprintf(f, ", compiler peak %s", rss);
  }
  fprintf(f, "\n");
  print_cache(f, &st->cache);
}

static void print_snapshot(FILE *f, const struct farm *farm)
{
  size_t    ok  = 0;
  time_t    now = time(NULL);
  struct tm tm;
  char      clock[16];

  for (size_t i = 0; i < farm->server_count; i++) {
    ok += farm->servers[i].status == FARM_STATUS_OK;
  }
  localtime_r(&now, &tm);
  strftime(clock, sizeof(clock), "%H:%M:%S", &tm);
  fprintf(f, "%s %s  %s  servers: %zu (%zu ok)  local jobs: %zu\n", arg_program,
          HERDCC_VERSION, clock, farm->server_count, ok, farm->job_count);
  if (farm->note[0]) {
    char note[FARM_WHY_MAX];
    fprintf(f, "note: %s\n", text_clean(note, sizeof(note), farm->note, 0));
  }
  fprintf(f, "\nSERVERS\n");
  print_servers(f, farm);
  fprintf(f, "\nLOCAL JOBS\n");
  print_local_jobs(f, farm);
  for (size_t i = 0; i < farm->server_count; i++) {
    if (farm->servers[i].status == FARM_STATUS_OK) {
      print_server_jobs(f, &farm->servers[i]);
    }
  }
  for (size_t i = 0; i < farm->server_count; i++) {
    if (farm->servers[i].status == FARM_STATUS_OK) {
      print_server_details(f, &farm->servers[i]);
    }
  }
}

/* Gather one picture of the farm and write it to a memory buffer; memory
 * holds the previous picture (farm_remember) and is replaced by this one. */
static int snapshot(struct farm *memory, char **ret_text, size_t *ret_len)
{
  struct farm farm = { 0 };
  char       *text = NULL;
  size_t      len  = 0;
  int         r    = farm_load_servers(&farm, TOP_COLD_WAIT_MS);

  if (r < 0) {
    farm_clear(&farm);
    return r;
  }
  farm_remember(&farm, memory);
  farm_fetch(&farm, (int)(arg_timeout_s * 1000));
  if (farm_load_jobs(&farm) < 0) {
    snprintf(farm.note, sizeof(farm.note), "%s",
             "the client jobs directory cannot be read");
  }
  FILE *f = open_memstream(&text, &len);
  if (!f) {
    farm_clear(&farm);
    return -ENOMEM;
  }
  print_snapshot(f, &farm);
  farm_clear(memory);
  *memory = farm;
  if (fclose(f) != 0) {
    free(text);
    return -ENOMEM;
  }
  *ret_text = text;
  *ret_len  = len;
  return 0;
}

/* ---- the terminal ------------------------------------------------------ */

#define TERM_ENTER   "\033[?1049h\033[?25l" /* alternate screen, no cursor */
#define TERM_RESTORE "\033[?25h\033[?1049l"

static struct termios saved_termios;
static bool           termios_saved  = false;
static bool           screen_entered = false;
static int            wake_pipe[2]   = { -1, -1 };

static void terminal_restore(void)
{
  if (screen_entered) {
    ssize_t n _unused_ =
      write(STDOUT_FILENO, TERM_RESTORE, sizeof(TERM_RESTORE) - 1);
    screen_entered = false;
  }
  if (termios_saved) {
    tcsetattr(STDIN_FILENO, TCSANOW, &saved_termios);
    termios_saved = false;
  }
}

/* Async-signal-safe: give the terminal back and die of the signal. */
static void on_terminate(int sig)
{
  terminal_restore();
  signal(sig, SIG_DFL);
  raise(sig);
}

static void on_winch(int sig)
{
  int saved = errno;

  (void)sig;
  if (wake_pipe[1] >= 0) {
    ssize_t n _unused_ = write(wake_pipe[1], "w", 1);
  }
  errno = saved;
}

static void terminal_setup(void)
{
  struct sigaction sa = { .sa_handler = on_terminate };

  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGHUP, &sa, NULL);
  sigaction(SIGQUIT, &sa, NULL);
  if (pipe2(wake_pipe, O_CLOEXEC | O_NONBLOCK) == 0) {
    sa.sa_handler = on_winch;
    sa.sa_flags   = SA_RESTART;
    sigaction(SIGWINCH, &sa, NULL);
  }
  if (isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved_termios) == 0) {
    struct termios raw = saved_termios;
    raw.c_lflag &= (tcflag_t) ~(ICANON | ECHO);
    raw.c_cc[VMIN]  = 0;
    raw.c_cc[VTIME] = 0;
    termios_saved   = tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0;
  }
  atexit(terminal_restore); /* a bad host list exits from deep down */
  screen_entered             = true;
  static const char enter[]  = TERM_ENTER "\033[H"
                                          "asking the farm...";
  ssize_t n         _unused_ = write(STDOUT_FILENO, enter, sizeof(enter) - 1);
}

static void terminal_size(unsigned *ret_cols, unsigned *ret_rows)
{
  struct winsize ws;

  if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 &&
      ws.ws_row > 0) {
    *ret_cols = ws.ws_col;
    *ret_rows = ws.ws_row;
    return;
  }
  *ret_cols = 80;
  *ret_rows = 24;
}

static int write_all(int fd, const char *buf, size_t len)
{
  while (len > 0) {
    ssize_t n = write(fd, buf, len);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      return -errno;
    }
    buf += n;
    len -= (size_t)n;
  }
  return 0;
}

/* Draw text over the previous frame: cursor home, every line cut to the
 * width and cleared to its end, the rest of the screen cleared. One
 * write, so the terminal never shows half a frame. */
static void draw(const char *text)
{
  unsigned cols, rows;
  char    *frame = NULL;
  size_t   len   = 0;
  FILE    *f     = open_memstream(&frame, &len);

  if (!f) {
    return;
  }
  terminal_size(&cols, &rows);
  fputs("\033[H", f);
  const char *line = text;
  for (unsigned row = 0; *line && row + 1 < rows; row++) {
    const char *end = strchr(line, '\n');
    size_t      n   = end ? (size_t)(end - line) : strlen(line);
    size_t      w = 0, k = 0;
    /* cut at cols - 1 characters: a full last column would wrap */
    for (; k < n; k++) {
      if (((unsigned char)line[k] & 0xc0) != 0x80 && ++w > cols - 1) {
        break;
      }
    }
    fwrite(line, 1, k, f);
    fputs("\033[K\n", f);
    line = end ? end + 1 : line + n;
  }
  fputs("\033[J", f);
  if (fclose(f) == 0) {
    write_all(STDOUT_FILENO, frame, len);
  }
  free(frame);
}

/* Wait for the delay, a key or a resize: false when 'q' was pressed. */
static bool wait_next(void)
{
  struct pollfd fds[2] = {
    { .fd = wake_pipe[0],                      .events = POLLIN },
    { .fd = termios_saved ? STDIN_FILENO : -1, .events = POLLIN },
  };
  int  n = poll(fds, 2, (int)(arg_delay_s * 1000));
  char buf[64];

  if (n <= 0) {
    return true;
  }
  if (fds[0].revents & POLLIN) {
    while (read(wake_pipe[0], buf, sizeof(buf)) > 0) {
    }
  }
  if (fds[1].revents & POLLIN) {
    ssize_t k = read(STDIN_FILENO, buf, sizeof(buf));
    for (ssize_t i = 0; i < k; i++) {
      if (buf[i] == 'q' || buf[i] == 'Q') {
        return false;
      }
    }
  }
  if (fds[1].revents & (POLLHUP | POLLERR)) {
    fds[1].fd = -1;
  }
  return true;
}

/* ---- the command line -------------------------------------------------- */

static void print_version(void)
{
  printf("%s %s %s\n"
         "  (reads herdccd's status port, default %d)\n"
         "Copyright (C) 2026 the herdcc authors.\n"
         "%s comes with ABSOLUTELY NO WARRANTY. It is free software under\n"
         "the GNU General Public License version 2 or later.\n",
         arg_program, HERDCC_VERSION, HERDCC_GNU_TRIPLE, STATS_DEFAULT_PORT,
         arg_program);
}

static void print_help(void)
{
  printf("Usage: %s [OPTIONS]\n"
         "Show the compile farm: the servers herdcc would use (host list,\n"
         "mDNS and DNS discovery) with their load and jobs, and this\n"
         "machine's client jobs. Refreshes in place until q or Ctrl-C.\n"
         "\n"
         "Options:\n"
         "  -d, --delay SECONDS    time between refreshes (default 2)\n"
         "  -t, --timeout SECONDS  how long one round of status requests may\n"
         "                         take (default 1)\n"
         "  -1, --once             print one snapshot as plain text and exit\n"
         "  -h, --help             explain usage and exit\n"
         "  -V, --version          show version and exit\n"
         "\n"
         "The host list and the state directory are the client's:\n"
         "$HERDCC_HOSTS, $HERDCC_DIR and the rest (see herdcc(1)); the jobs\n"
         "directory is $HERDCC_JOBS_DIR or $HERDCC_DIR/jobs.\n",
         arg_program);
}

static int parse_seconds(const char *text, double min, double max, double *ret)
{
  char  *end = NULL;
  double v;

  errno = 0;
  v     = strtod(text, &end);
  if (errno || end == text || *end || !isfinite(v) || v < min || v > max) {
    return -EINVAL;
  }
  *ret = v;
  return 0;
}

static int parse_argv(int argc, char **argv)
{
  static const struct option options[] = {
    { "delay", required_argument, NULL, 'd' },
    { "timeout", required_argument, NULL, 't' },
    { "once", no_argument, NULL, '1' },
    { "help", no_argument, NULL, 'h' },
    { "version", no_argument, NULL, 'V' },
    { 0 },
  };
  int c;

  opterr = 0;
  while ((c = getopt_long(argc, argv, ":d:t:1hV", options, NULL)) != -1) {
    switch (c) {
      case 'd':
        if (parse_seconds(optarg, 0.1, 86400, &arg_delay_s) < 0) {
          log_error("--delay: not a number of seconds from 0.1: %s", optarg);
          return -EINVAL;
        }
        break;
      case 't':
        if (parse_seconds(optarg, 0.05, 60, &arg_timeout_s) < 0) {
          log_error("--timeout: not a number of seconds from 0.05 to 60: %s",
                    optarg);
          return -EINVAL;
        }
        break;
      case '1':
        arg_once = true;
        break;
      case 'h':
        print_help();
        return 0;
      case 'V':
        print_version();
        return 0;
      case ':':
        log_error("option %s needs an argument", argv[optind - 1]);
        return -EINVAL;
      default:
        log_error("unknown option %s", argv[optind - 1]);
        return -EINVAL;
    }
  }
  if (optind < argc) {
    log_error("unexpected argument %s", argv[optind]);
    return -EINVAL;
  }
  return 1;
}

int main(int argc, char **argv)
{
  const char *slash = strrchr(argv[0], '/');
  int         r;

  arg_program = slash ? slash + 1 : argv[0];
  log_setup(arg_program, LOG_LEVEL_WARNING);
  r = parse_argv(argc, argv);
  if (r <= 0) {
    return r < 0 ? EXIT_BAD_ARGUMENTS : 0;
  }
  signal(SIGPIPE, SIG_IGN);

  bool live = !arg_once && isatty(STDOUT_FILENO);
  if (live) {
    terminal_setup();
  }
  _cleanup_(farm_clear) struct farm memory = { 0 };
  for (bool first = true;; first = false) {
    _cleanup_free_ char *text = NULL;
    size_t               len  = 0;
    r                         = snapshot(&memory, &text, &len);
    if (r < 0) {
      terminal_restore();
      log_error("cannot gather the farm's state: %s", strerror(-r));
      return EXIT_GENERAL;
    }
    if (live) {
      draw(text);
      if (!wait_next()) {
        break;
      }
      continue;
    }
    int w = first ? 0 : write_all(STDOUT_FILENO, "\n", 1);
    w     = w < 0 ? w : write_all(STDOUT_FILENO, text, len);
    if (w < 0) {
      return w == -EPIPE ? 0 : EXIT_IO_ERROR; /* a reader that had enough */
    }
    if (arg_once) {
      break;
    }
    struct timespec pause = {
      .tv_sec  = (time_t)arg_delay_s,
      .tv_nsec = (long)((arg_delay_s - floor(arg_delay_s)) * 1e9),
    };
    nanosleep(&pause, NULL);
  }
  terminal_restore();
  return 0;
}
