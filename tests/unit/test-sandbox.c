/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tests of the job sandbox's placeholders, in real sandboxes (skipped
 * where the kernel makes none): the files exist inside as empty
 * read-only files where the caller named them, and nowhere outside; each
 * path the sandbox must refuse fails the set-up with the message naming
 * it, and nothing runs. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "exitcode.h"
#include "fixture.h"
#include "io.h"
#include "macro.h"
#include "sandbox.h"

static void run_sh(void *userdata)
{
  execl("/bin/sh", "sh", "-c", (const char *)userdata, (char *)NULL);
  _exit(127);
}

/* Run script with /bin/sh in a sandbox over job_dir holding placeholders:
 * the compiler's wait status, or the init's when the set-up failed; what
 * the init reported in *ret_err (owned). -errno when no sandbox started. */
static int run_as(const char *compiler, const char *job_dir,
                  const char *const *placeholders, const char *script,
                  char **ret_err)
{
  int fds[2];

  assert_int_equal(pipe2(fds, O_CLOEXEC), 0);
  struct sandbox_spec spec = {
    .job_dir      = job_dir,
    .compiler     = compiler,
    .err_fd       = fds[1],
    .placeholders = placeholders,
  };
  pid_t pid;
  int   status_fd, status = 0;
  int   r = sandbox_spawn(&spec, run_sh, (void *)script, &pid, &status_fd);
  if (r >= 0) {
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    status = sandbox_status(status_fd, status);
    close(status_fd);
  }
  close(fds[1]);
  char  *err = NULL;
  size_t len = 0;
  assert_int_equal(io_read_fd(fds[0], 1 << 16, &err, &len), 0);
  close(fds[0]);
  *ret_err = err;
  return r < 0 ? r : status;
}

static int run_in_sandbox(const char *job_dir, const char *const *placeholders,
                          const char *script, char **ret_err)
{
  return run_as("/bin/sh", job_dir, placeholders, script, ret_err);
}

/* Whether a sandbox can be made here; the reason when not. */
static bool sandbox_works(const char *job_dir)
{
  _cleanup_free_ char *err    = NULL;
  int                  status = run_in_sandbox(job_dir, NULL, "exit 0", &err);

  if (status == 0) {
    return true;
  }
  print_message("no sandbox here (%s%s): skipped\n",
                status < 0 ? strerror(-status) : "",
                err && err[0] ? err : "set-up failed");
  return false;
}

static void test_placeholders_made(void **state)
{
  const char *dir = *state;

  if (!sandbox_works(dir)) {
    skip();
  }
  const char *const placeholders[] = {
    "/home/placeholder-test/a/b.c",
    "/home/placeholder-test/include/c.h",
    "/etc/placeholder-test.h", /* beside the view's /etc files */
    NULL,
  };
  _cleanup_free_ char *script = NULL;
  assert_true(
    asprintf(&script,
             "set -e\n"
             "for f in /home/placeholder-test/a/b.c "
             "/home/placeholder-test/include/c.h "
             "/etc/placeholder-test.h; do\n"
             "  test -f \"$f\" && test ! -L \"$f\" && test ! -s \"$f\"\n"
             "  test \"$(stat -c %%a \"$f\")\" = 444\n"
             "  if (echo x >\"$f\") 2>/dev/null; then exit 3; fi\n"
             "done\n"
             "test \"$(stat -c %%a /home/placeholder-test/a)\" = 755\n"
             "test \"$(ls /home/placeholder-test/a)\" = b.c\n"
             "touch %s/ran\n",
             dir) > 0);
  bool                 outside = access("/home/placeholder-test", F_OK) == 0;
  _cleanup_free_ char *err     = NULL;
  int                  status = run_in_sandbox(dir, placeholders, script, &err);

  if (status != 0) {
    fail_msg("the sandbox's script failed (status %#x): %s", status, err);
  }
  assert_string_equal(err, "");
  _cleanup_free_ char *ran = NULL;
  assert_true(asprintf(&ran, "%s/ran", dir) > 0);
  assert_int_equal(access(ran, F_OK), 0);
  if (!outside) {
    /* Made on the sandbox's tmpfs only. */
    assert_int_not_equal(access("/home/placeholder-test", F_OK), 0);
  }
}

#define JOB "JOB" /* stands for the job directory in the cases below */

static const struct refusal_case {
  const char *name;
  const char *paths[4];
  const char *refused; /* the path the message names */
} refusal_cases[] = {
  { "relative",                { "home/u/x.c" },                 "home/u/x.c"             },
  { "dot-dot",                 { "/home/u/../x.c" },             "/home/u/../x.c"         },
  { "dot",                     { "/home/./x.c" },                "/home/./x.c"            },
  { "empty component",         { "/home//x.c" },                 "/home//x.c"             },
  { "trailing slash",          { "/home/u/" },                   "/home/u/"               },
  { "the root",                { "/" },                          "/"                      },
  { "under /usr",              { "/usr/include/x.h" },           "/usr/include/x.h"       },
  { "a view file",             { "/etc/ld.so.cache" },           "/etc/ld.so.cache"       },
  { "above a view path",       { "/etc" },                       "/etc"                   },
  { "under /dev",              { "/dev/placeholder-test" },      "/dev/placeholder-test"  },
  { "under /proc",             { "/proc/placeholder-test" },     "/proc/placeholder-test" },
  { "the job directory",       { JOB },                          JOB                      },
  { "in the job directory",    { JOB "/x.c" },                   JOB "/x.c"               },
  { "above the job directory", { "/tmp" },                       "/tmp"                   },
  { "through a file",          { "/home/u/a", "/home/u/a/b.c" }, "/home/u/a/b.c"          },
  { "twice",                   { "/home/u/a.c", "/home/u/a.c" }, "/home/u/a.c"            },
  { "the second",              { "/home/u/a.c", "/usr/x" },      "/usr/x"                 },
};

/* s with JOB at its start replaced by dir (owned). */
static char *job_path(const char *s, const char *dir)
{
  char *path = NULL;

  if (strncmp(s, JOB, strlen(JOB)) == 0) {
    assert_true(asprintf(&path, "%s%s", dir, s + strlen(JOB)) > 0);
  } else {
    path = strdup(s);
    assert_non_null(path);
  }
  return path;
}

/* Whether status is an init's whose set-up failed: EXIT_GENERAL, or under
 * valgrind (tests/run) the error exit code meson's setup gives it, since
 * memcheck counts what the parent held when the init was forked as lost
 * at the init's _exit. */
static bool setup_failed(int status)
{
  const char *preload = getenv("LD_PRELOAD");

  if (!WIFEXITED(status)) {
    return false;
  }
  return WEXITSTATUS(status) == EXIT_GENERAL ||
         (preload && strstr(preload, "vgpreload") && WEXITSTATUS(status) == 99);
}

/* Run placeholders with compiler, which the sandbox must refuse at
 * refused. */
static void check_refused_as(const char *compiler, const char *name,
                             const char *dir, const char *const *placeholders,
                             const char *refused)
{
  _cleanup_free_ char *script = NULL, *ran = NULL, *want = NULL;
  _cleanup_free_ char *err = NULL;

  assert_true(asprintf(&script, "touch %s/ran", dir) > 0);
  assert_true(asprintf(&ran, "%s/ran", dir) > 0);
  assert_true(
    asprintf(&want,
             "herdccd: failed to set up the job sandbox: placeholder %s: ",
             refused) > 0);
  int status = run_as(compiler, dir, placeholders, script, &err);
  if (!setup_failed(status)) {
    fail_msg("%s: status %#x, not a failed set-up", name, status);
  }
  if (strncmp(err, want, strlen(want)) != 0 || !strchr(err, '\n') ||
      strchr(err, '\n')[1] != '\0') {
    fail_msg("%s: the init said \"%s\", not \"%s...\"", name, err, want);
  }
  if (access(ran, F_OK) == 0) {
    fail_msg("%s: the script ran", name);
  }
}

static void check_refused(const char *name, const char *dir,
                          const char *const *placeholders, const char *refused)
{
  check_refused_as("/bin/sh", name, dir, placeholders, refused);
}

static void test_placeholders_refused(void **state)
{
  const char *dir = *state;

  if (!sandbox_works(dir)) {
    skip();
  }
  for (size_t i = 0; i < ARRAY_SIZE(refusal_cases); i++) {
    const struct refusal_case *c = &refusal_cases[i];
    char                      *paths[ARRAY_SIZE(c->paths) + 1] = { NULL };
    for (size_t j = 0; j < ARRAY_SIZE(c->paths) && c->paths[j]; j++) {
      paths[j] = job_path(c->paths[j], dir);
    }
    _cleanup_free_ char *refused = job_path(c->refused, dir);
    check_refused(c->name, dir, (const char *const *)paths, refused);
    for (size_t j = 0; paths[j]; j++) {
      free(paths[j]);
    }
  }
}

static void test_placeholders_too_long(void **state)
{
  const char *dir = *state;

  if (!sandbox_works(dir)) {
    skip();
  }
  /* PATH_MAX bytes without the NUL: one too many. */
  char long_path[PATH_MAX + 1];
  memset(long_path, 'a', PATH_MAX);
  for (size_t i = 0; i < PATH_MAX; i += 64) {
    long_path[i] = '/';
  }
  long_path[PATH_MAX]     = '\0';
  const char *const one[] = { long_path, NULL };
  check_refused("longer than PATH_MAX", dir, one, long_path);
}

static void test_placeholders_too_many(void **state)
{
  const char *dir = *state;

  if (!sandbox_works(dir)) {
    skip();
  }
  char        names[SANDBOX_PLACEHOLDERS_MAX + 1][32];
  const char *paths[SANDBOX_PLACEHOLDERS_MAX + 2];
  for (size_t i = 0; i <= SANDBOX_PLACEHOLDERS_MAX; i++) {
    snprintf(names[i], sizeof(names[i]), "/home/u/%zu.c", i);
    paths[i] = names[i];
  }
  /* As many as the cap: all made. */
  paths[SANDBOX_PLACEHOLDERS_MAX] = NULL;
  _cleanup_free_ char *err        = NULL;
  int status = run_in_sandbox(dir, paths, "test -f /home/u/15.c", &err);
  if (status != 0) {
    fail_msg("%d placeholders: status %#x: %s", SANDBOX_PLACEHOLDERS_MAX,
             status, err);
  }
  /* One more: refused, naming the first over the cap. */
  paths[SANDBOX_PLACEHOLDERS_MAX]     = names[SANDBOX_PLACEHOLDERS_MAX];
  paths[SANDBOX_PLACEHOLDERS_MAX + 1] = NULL;
  check_refused("over the cap", dir, paths, names[SANDBOX_PLACEHOLDERS_MAX]);
}

/* The compiler's own directory, outside the view's, is shown too. */
static void test_placeholders_toolchain(void **state)
{
  const char *dir = *state;

  if (!sandbox_works(dir)) {
    skip();
  }
  char tool[] = "/tmp/herdcc-test-tool.XXXXXX";
  assert_non_null(mkdtemp(tool));
  _cleanup_free_ char *bin = NULL, *cc = NULL, *below = NULL;
  assert_true(asprintf(&bin, "%s/bin", tool) > 0);
  assert_true(asprintf(&cc, "%s/cc", bin) > 0);
  assert_true(asprintf(&below, "%s/x.c", bin) > 0);
  assert_int_equal(mkdir(bin, 0755), 0);
  assert_int_equal(symlink("/bin/sh", cc), 0);
  const char *const    in_tool[] = { below, NULL };
  const char *const    beside[]  = { "/tmp/herdcc-test-beside.c", NULL };
  _cleanup_free_ char *err       = NULL;
  int                  status =
    run_as(cc, dir, beside, "test -f /tmp/herdcc-test-beside.c", &err);
  check_refused_as(cc, "in the compiler's directory", dir, in_tool, below);
  unlink(cc);
  rmdir(bin);
  rmdir(tool);
  /* Beside the job directory and the compiler's: bare tmpfs. */
  if (status != 0) {
    fail_msg("beside the job directory: status %#x: %s", status, err);
  }
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(test_placeholders_made, fixture_dir_make,
                                    fixture_dir_remove),
    cmocka_unit_test_setup_teardown(test_placeholders_refused, fixture_dir_make,
                                    fixture_dir_remove),
    cmocka_unit_test_setup_teardown(test_placeholders_too_long,
                                    fixture_dir_make, fixture_dir_remove),
    cmocka_unit_test_setup_teardown(test_placeholders_too_many,
                                    fixture_dir_make, fixture_dir_remove),
    cmocka_unit_test_setup_teardown(test_placeholders_toolchain,
                                    fixture_dir_make, fixture_dir_remove),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
