/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tests of one compiler run's start: placeholders reach the sandbox
 * (skipped where the kernel makes none), and without a sandbox they are
 * refused before anything runs, while a run without them goes ahead. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "compilerun.h"
#include "fixture.h"
#include "io.h"
#include "macro.h"

static const char *const placeholders[] = {
  "/home/placeholder-test/src/x.c",
  NULL,
};

/* Run /bin/sh -c script as req's compiler in dir: its wait status (the
 * sandbox's report when there is one), or -errno when it did not start. */
static int run(const struct compile_request *req, const char *dir,
               const char *const *paths, const char *script)
{
  char                sh[] = "/bin/sh", c[] = "-c";
  char               *argv[] = { sh, c, (char *)script, NULL };
  _cleanup_close_ int in_fd  = open("/dev/null", O_RDONLY | O_CLOEXEC);
  pid_t               pid;
  int                 status_fd, status = 0;

  assert_true(in_fd >= 0);
  int r = compilerun_spawn_with(req, dir, dir, "", argv, in_fd, paths, &pid,
                                &status_fd);
  if (r < 0) {
    return r;
  }
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (status_fd >= 0) {
    int32_t report;
    if (read(status_fd, &report, sizeof(report)) == (ssize_t)sizeof(report)) {
      status = report;
    }
    close(status_fd);
  }
  return status;
}

static struct compile_request request(bool sandbox)
{
  static char        sh[]   = "/bin/sh";
  static char *const argv[] = { sh, NULL };

  return (struct compile_request){
    .argv          = argv,
    .compiler_path = "/bin/sh",
    .client_fd     = -1,
    .sandbox       = sandbox,
  };
}

static bool exists_in(const char *dir, const char *name)
{
  _cleanup_free_ char *path = NULL;

  assert_true(asprintf(&path, "%s/%s", dir, name) > 0);
  return access(path, F_OK) == 0;
}

static void test_without_sandbox(void **state)
{
  const char              *dir    = *state;
  struct compile_request   req    = request(false);
  _cleanup_free_ char     *script = NULL;
  static const char *const none[] = { NULL };

  assert_true(asprintf(&script, "touch %s/ran", dir) > 0);
  assert_int_equal(run(&req, dir, placeholders, script), -EOPNOTSUPP);
  assert_false(exists_in(dir, "ran"));
  assert_false(exists_in(dir, "stdout")); /* nothing was made either */
  /* An empty list is no list. */
  assert_int_equal(run(&req, dir, none, script), 0);
  assert_true(exists_in(dir, "ran"));
}

static void test_in_sandbox(void **state)
{
  const char            *dir = *state;
  struct compile_request req = request(true);

  int status = run(&req, dir, NULL, "exit 0");
  if (status != 0) {
    _cleanup_free_ char *path = NULL, *err = NULL;
    size_t               len;
    assert_true(asprintf(&path, "%s/stderr", dir) > 0);
    print_message("no sandbox here (%s): skipped\n",
                  status < 0 ? strerror(-status)
                  : io_read_file(path, 4096, &err, &len) >= 0 && err[0]
                    ? err
                    : "set-up failed");
    skip();
  }
  _cleanup_free_ char *out = NULL, *err = NULL;
  assert_true(asprintf(&out, "%s/stdout", dir) > 0);
  assert_true(asprintf(&err, "%s/stderr", dir) > 0);
  assert_int_equal(unlink(out), 0);
  assert_int_equal(unlink(err), 0);
  status = run(&req, dir, placeholders,
               "test -f /home/placeholder-test/src/x.c && "
               "test ! -s /home/placeholder-test/src/x.c");
  if (status != 0) {
    _cleanup_free_ char *text = NULL;
    size_t               len;
    assert_int_equal(io_read_file(err, 4096, &text, &len), 0);
    fail_msg("status %#x: %s", status, text);
  }
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(test_without_sandbox, fixture_dir_make,
                                    fixture_dir_remove),
    cmocka_unit_test_setup_teardown(test_in_sandbox, fixture_dir_make,
                                    fixture_dir_remove),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
