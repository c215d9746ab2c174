/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "cpprun.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/pidfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cppscan.h"
#include "cppstrip.h"
#include "indentscan.h"
#include "io.h"
#include "jobstatus.h"
#include "log.h"
#include "macro.h"
#include "rebuild.h"
#include "run.h"
#include "slots.h"
#include "strv.h"

/* closep() that also forgets the descriptor, for fields closed early. */
static void close_field(int *fd)
{
  closep(fd);
  *fd = -1;
}

struct cpprun *cpprun_free(struct cpprun *cpp)
{
  if (!cpp) {
    return NULL;
  }
  if (cpp->pid > 0) {
    run_terminate(cpp->pid);
  }
  if (cpp->deps_tmp) {
    unlink(cpp->deps_tmp); /* renamed away already on success */
    run_forget_file(cpp->deps_tmp);
    free(cpp->deps_tmp);
  }
  closep(&cpp->pidfd);
  slots_release(cpp->state_dir, cpp->slot_fd);
  closep(&cpp->source_fd);
  closep(&cpp->err_fd);
  strv_free(cpp->argv);
  free(cpp);
  return NULL;
}

/* cpp's own command line: the plan's, with the resolved compiler, and -MF
 * pointed at a temporary file renamed into place with the object (a
 * special file such as /dev/null is left for cpp to write). The plan is
 * left as planned. */
static int cpp_argv(const struct remote_job *job, struct cpprun *cpp)
{
  const struct args_plan *plan = job->plan;

  cpp->argv = strv_copy(plan->cpp_argv);
  if (!cpp->argv) {
    return -ENOMEM;
  }
  if (plan->deps_file && !io_is_special(plan->deps_file)) {
    _cleanup_close_ int fd = -1;
    int                 r = io_tmp_beside(plan->deps_file, &cpp->deps_tmp, &fd);
    if (r < 0) {
      return r;
    }
    run_track_file(cpp->deps_tmp);
    r = io_chmod_default(cpp->deps_tmp);
    if (r < 0) {
      return r;
    }
    free(cpp->argv[plan->deps_file_index]);
    cpp->argv[plan->deps_file_index] = strdup(cpp->deps_tmp);
  }
  free(cpp->argv[0]);
  cpp->argv[0] = strdup(job->compiler);
  if (!cpp->argv[0] || (plan->deps_file && !cpp->argv[plan->deps_file_index])) {
    return -ENOMEM;
  }
  return 0;
}

static int cpp_spawn(const struct remote_job *job, struct cpprun *cpp)
{
  char    *slot_names[] = { (char *)"cpp_localhost", NULL };
  unsigned slot;

  cpp->source_fd = memfd_create("herdcc-cpp", MFD_CLOEXEC);
  cpp->err_fd    = memfd_create("herdcc-cpp-stderr", MFD_CLOEXEC);
  if (cpp->source_fd < 0 || cpp->err_fd < 0) {
    return -errno;
  }
  int r = cpp_argv(job, cpp);
  if (r < 0) {
    return r;
  }
  r = slots_try(job->state_dir, slot_names, &job->cpp_slots, 1, false, &slot,
                &cpp->slot_fd);
  if (r == -EAGAIN) {
    jobstatus_phase(JOB_PHASE_WAIT_SLOT);
    r = slots_acquire(job->state_dir, slot_names, &job->cpp_slots, 1, false,
                      &slot, &cpp->slot_fd);
    jobstatus_phase(JOB_PHASE_CONNECT);
  }
  if (r < 0) {
    cpp->slot_fd = -1; /* run unthrottled rather than not at all */
  }
  _cleanup_strv_free_ char **text_argv = NULL;
  if (job->plan->scan_indent) { /* the source text first, to be scanned */
    text_argv = strv_copy(cpp->argv);
    r         = text_argv ? args_cpp_text_argv(job->plan, &text_argv) : -ENOMEM;
    if (r < 0) {
      return r;
    }
    cpp->scanning = true;
  }
  r = run_spawn(text_argv ? text_argv : cpp->argv, cpp->source_fd, cpp->err_fd,
                true, &cpp->pid);
  if (r < 0) {
    cpp->pid = 0;
    return r;
  }
  cpp->pidfd = pidfd_open(cpp->pid, 0); /* -1: no early abort, no harm */
  return 0;
}

int cpprun_start(struct remote_job *job)
{
  struct cpprun *cpp = calloc(1, sizeof(*cpp));
  int            r;

  if (!cpp) {
    return -ENOMEM;
  }
  *cpp = (struct cpprun){ .pidfd     = -1,
                          .slot_fd   = -1,
                          .state_dir = job->state_dir,
                          .source_fd = -1,
                          .err_fd    = -1 };
  if (job->plan->cpp_argv) {
    r = cpp_spawn(job, cpp);
  } else {
    cpp->source_fd = open(job->plan->input, O_RDONLY | O_CLOEXEC);
    r              = cpp->source_fd < 0 ? -errno : 0;
  }
  if (r < 0) {
    cpprun_free(cpp);
    return r;
  }
  job->cpp = cpp;
  return 0;
}

/* cpp has ended (its slot is freed once its text is made). Its
 * diagnostics go out with the server's reply, and are dropped when the
 * compile runs here after all (it says them again): a failed cpp's too,
 * whose compile runs here for all that a local compile says after it (gcc
 * goes on past an #error). */
static void cpp_ended(const struct remote_job *job, int status)
{
  struct cpprun *cpp = job->cpp;

  cpp->pid    = 0;
  cpp->status = status;
  close_field(&cpp->pidfd);
}

/* Preprocess again with argv, its output and words in place of the first
 * run's. */
static int cpp_again(struct cpprun *cpp, char **argv)
{
  if (ftruncate(cpp->source_fd, 0) < 0 || ftruncate(cpp->err_fd, 0) < 0 ||
      lseek(cpp->source_fd, 0, SEEK_SET) < 0 ||
      lseek(cpp->err_fd, 0, SEEK_SET) < 0) {
    return -errno;
  }
  int r = run_spawn(argv, cpp->source_fd, cpp->err_fd, true, &cpp->pid);
  if (r >= 0) {
    r = run_wait(cpp->pid, &cpp->status);
  }
  cpp->pid = 0;
  return r;
}

/* gcc's -fdirectives-only text, mended (cppscan.h); when a file it names
 * holds a pragma the text loses, preprocess again without the option, the
 * macros expanded here. The server compiles either text right. */
static int cpp_mend(const struct remote_job *job)
{
  struct cpprun             *cpp  = job->cpp;
  _cleanup_strv_free_ char **argv = NULL;
  bool                       lost = false;
  int r = cppscan_mend(&cpp->source_fd, cpp->err_fd, &lost);

  if (r < 0 || !lost) {
    return r < 0 ? r : cppstrip_system_file(cpp->source_fd);
  }
  log_info("%s holds a pragma -fdirectives-only loses: preprocessing it fully",
           job->plan->input);
  for (char **a = cpp->argv; *a && r >= 0; a++) {
    if (strcmp(*a, "-fdirectives-only") != 0) {
      r = strv_push(&argv, *a);
    }
  }
  return r < 0 ? r : cpp_again(cpp, argv);
}

/* Whether gcc could say -Wmisleading-indentation of the text fd holds, as
 * herdccd's scan of it would find (indentscan.h): 1 or 0, -errno. */
static int may_warn_of_indentation(const struct args_plan *plan, int fd)
{
  struct indentscan_opts opts = {
    .tab_width      = args_tab_width(plan->server_argv),
    .system_headers = args_system_headers(plan->server_argv),
  };
  struct stat st;
  size_t      line = 0;

  if (opts.tab_width == 0 || fstat(fd, &st) < 0 || st.st_size == 0) {
    return 1; /* gcc refuses the width: the source text says so */
  }
  void *text = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
  if (text == MAP_FAILED) {
    return -errno;
  }
  int r = indentscan_text(text, (size_t)st.st_size, &opts, &line);
  munmap(text, (size_t)st.st_size);
  if (r > 0) {
    log_debug("a guard at line %zu of the source text may be misleadingly "
              "indented (or the scan cannot tell): the source text goes",
              line);
  }
  return r;
}

/* The source text of a scan_indent plan is in: mended, it goes when a
 * guard in it may call for -Wmisleading-indentation (the plan becomes the
 * text's); else the expanded text is made as planned, and goes (a text
 * that lost a pragma is made so anyway). */
static int cpp_choose_text(const struct remote_job *job)
{
  struct cpprun *cpp  = job->cpp;
  bool           lost = false;
  int            r    = cppscan_mend(&cpp->source_fd, cpp->err_fd, &lost);

  cpp->scanning = false;
  if (r >= 0 && !lost) {
    r = cppstrip_system_file(cpp->source_fd);
    r = r < 0 ? r : may_warn_of_indentation(job->plan, cpp->source_fd);
  }
  if (r > 0) {
    return args_plan_use_text(job->plan);
  }
  r = r < 0 ? r : cpp_again(cpp, cpp->argv);
  if (r >= 0 && cpp->status == 0 && job->plan->comments_kept) {
    r = cppstrip_file(cpp->source_fd);
  }
  return r;
}

/* A tree's text (args_plan.tree) ends in the sizes of the files it came
 * from, so that the server rebuilds each as it is here (rebuild.h). A
 * file that is gone counts as empty: the server then refuses the job. */
static int cpp_sizes(const struct remote_job *job)
{
  int                        fd   = job->cpp->source_fd;
  _cleanup_free_ char       *text = NULL, *line = NULL;
  _cleanup_free_ uint64_t   *sizes = NULL;
  _cleanup_strv_free_ char **names = NULL;
  size_t                     len = 0, line_len = 0;
  struct stat                st;

  int r =
    lseek(fd, 0, SEEK_SET) < 0 ? -errno : io_read_fd(fd, SIZE_MAX, &text, &len);
  r            = r < 0 ? r : rebuild_names(text, len, &names);
  size_t count = strv_length(names);
  if (r >= 0 && !(sizes = calloc(count + 1, sizeof(*sizes)))) {
    r = -ENOMEM;
  }
  for (size_t i = 0; r >= 0 && i < count; i++) {
    sizes[i] = stat(names[i], &st) == 0 ? (uint64_t)st.st_size : 0;
  }
  r = r < 0 ? r : rebuild_sizes_line(sizes, count, &line, &line_len);
  return r < 0 ? r : io_write_all(fd, line, line_len, -1);
}

/* Collect cpp's end: waiting for it, or only looking when !wait. */
int cpprun_settle(const struct remote_job *job, bool wait)
{
  int status, r;

  if (job->cpp->pid <= 0) {
    return 0;
  }
  if (wait) {
    r = run_wait(job->cpp->pid, &status);
    r = r < 0 ? r : 1;
  } else {
    r = run_poll(job->cpp->pid, &status);
  }
  if (r > 0) {
    cpp_ended(job, status);
    if (status == 0 && job->cpp->scanning) {
      r = cpp_choose_text(job);
    } else if (status == 0 && job->plan->directives_only) {
      r = cpp_mend(job);
    } else if (status == 0 && job->plan->tree) {
      r = cpp_sizes(job);
    } else if (status == 0 && job->plan->comments_kept) {
      r = cppstrip_file(job->cpp->source_fd);
    }
    /* held until then: a second run is this machine's work too */
    slots_release(job->state_dir, job->cpp->slot_fd);
    job->cpp->slot_fd = -1;
  }
  return r < 0 ? r : 0;
}

bool cpprun_failed(const struct cpprun *cpp)
{
  return cpp->pid <= 0 && cpp->status != 0;
}

/* A line of the preprocessor's words that names no source but a program
 * ("cc1: warning: command-line option ...", "gcc: warning: ..."): what gcc
 * says of its options, at its start. */
static bool program_line(const char *line, size_t len)
{
  static const char *const kinds[] = { "warning: ", "note: ", "error: ",
                                       "fatal error: " };
  size_t                   name    = 0;

  while (name < len && line[name] != ':' && line[name] != '/' &&
         line[name] != ' ' && line[name] != '\n') {
    name++;
  }
  if (name == 0 || name + 2 > len || line[name] != ':' ||
      line[name + 1] != ' ') {
    return false;
  }
  for (size_t i = 0; i < ARRAY_SIZE(kinds); i++) {
    size_t n = strlen(kinds[i]);
    if (len - name - 2 >= n && memcmp(line + name + 2, kinds[i], n) == 0) {
      return true;
    }
  }
  return false;
}

/* Whether words (len bytes) hold line (n bytes, its newline included) as a
 * whole line. */
static bool holds_line(const char *words, size_t len, const char *line,
                       size_t n)
{
  for (const char *p = words, *end = words + len; p < end;) {
    const char *nl   = memchr(p, '\n', (size_t)(end - p));
    const char *next = nl ? nl + 1 : end;
    if ((size_t)(next - p) == n && memcmp(p, line, n) == 0) {
      return true;
    }
    p = next;
  }
  return false;
}

/* clang's count of what it said, "3 warnings and 1 error generated.". */
static bool summary_line(const char *line, size_t n)
{
  static const char tail[] = " generated.\n";
  size_t            t      = sizeof(tail) - 1;

  if (n <= t || line[0] < '0' || line[0] > '9' ||
      memcmp(line + n - t, tail, t) != 0) {
    return false;
  }
  for (size_t at = 1; at + 6 <= n; at++) {
    if (memcmp(line + at, " error", 6) == 0 ||
        (at + 8 <= n && memcmp(line + at, " warning", 8) == 0)) {
      return true;
    }
  }
  return false;
}

bool cpprun_said_more(const struct cpprun *cpp, const char *words, size_t len)
{
  _cleanup_free_ char *err     = NULL;
  size_t               err_len = 0;
  struct stat          st;

  if (cpp->err_fd < 0 || fstat(cpp->err_fd, &st) < 0 || st.st_size == 0 ||
      lseek(cpp->err_fd, 0, SEEK_SET) < 0 ||
      io_read_fd(cpp->err_fd, SIZE_MAX, &err, &err_len) < 0 || !err) {
    return false;
  }
  for (size_t at = 0; at < err_len;) {
    const char *nl = memchr(err + at, '\n', err_len - at);
    size_t      n  = nl ? (size_t)(nl - (err + at)) + 1 : err_len - at;
    if (!program_line(err + at, n) && !summary_line(err + at, n) &&
        !holds_line(words, len, err + at, n)) {
      return true;
    }
    at += n;
  }
  return false;
}

int cpprun_drop_repeated(struct cpprun *cpp, const char *words, size_t len,
                         bool only_programs)
{
  _cleanup_free_ char *err = NULL;
  size_t               err_len, kept = 0;
  int r = cpp->err_fd < 0 || (len == 0 && !only_programs) ? 1 : 0;

  if (r == 0 && lseek(cpp->err_fd, 0, SEEK_SET) < 0) {
    return -errno;
  }
  if (r == 0 && (r = io_read_fd(cpp->err_fd, SIZE_MAX, &err, &err_len)) < 0) {
    return r;
  }
  for (size_t at = 0; r == 0 && at < err_len;) {
    const char *nl      = memchr(err + at, '\n', err_len - at);
    size_t      n       = nl ? (size_t)(nl - (err + at)) + 1 : err_len - at;
    bool        program = program_line(err + at, n);
    if (program ? !holds_line(words, len, err + at, n) : !only_programs) {
      memmove(err + kept, err + at, n);
      kept += n;
    }
    at += n;
  }
  if (r != 0 || kept == err_len) {
    return 0;
  }
  if (ftruncate(cpp->err_fd, 0) < 0 || lseek(cpp->err_fd, 0, SEEK_SET) < 0) {
    return -errno;
  }
  return io_write_all(cpp->err_fd, err, kept, -1);
}
