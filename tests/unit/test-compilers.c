/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tests of herdccd's compiler allow-list (compilers.h), as tables over a
 * scratch tree: a masquerade directory, PATH directories holding a real
 * compiler and a masquerade-style link to a farm client, and a compilers
 * file with good and bad lines. Each case names a compiler and says what
 * must come of it: the executable, "not allowed" or "not found". */
#include <errno.h>
#include <ftw.h>
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
#include <unistd.h>

#include <cmocka.h>

#include "compilers.h"
#include "macro.h"

static char root[] = "/tmp/herdcc-test-compilers.XXXXXX";

static void write_file(const char *rel, const char *text, mode_t mode)
{
  char  path[PATH_MAX];
  FILE *f;

  snprintf(path, sizeof(path), "%s/%s", root, rel);
  f = fopen(path, "w");
  assert_non_null(f);
  fputs(text, f);
  assert_int_equal(fclose(f), 0);
  assert_int_equal(chmod(path, mode), 0);
}

static void make_dir(const char *rel)
{
  char path[PATH_MAX];

  snprintf(path, sizeof(path), "%s/%s", root, rel);
  assert_int_equal(mkdir(path, 0755), 0);
}

static void make_link(const char *target, const char *rel)
{
  char path[PATH_MAX];

  snprintf(path, sizeof(path), "%s/%s", root, rel);
  assert_int_equal(symlink(target, path), 0);
}

/* masq/      gcc -> ../bin1/distcc, cc, gcc2 (masquerade entries)
 * bin1/      distcc (a farm client), gcc -> distcc (a masquerade-style link)
 * bin2/      gcc, gcc2, cc-noexec (not executable)
 * compilers  the extra list
 * PATH       masq : bin1 : a relative entry : bin2 */
static int setup(void **state)
{
  char path[4 * PATH_MAX];

  (void)state;
  if (!mkdtemp(root)) {
    return -1;
  }
  make_dir("masq");
  make_dir("bin1");
  make_dir("bin2");
  write_file("bin1/distcc", "#!/bin/sh\n", 0755);
  make_link("distcc", "bin1/gcc");
  make_link("../bin1/distcc", "masq/gcc");
  write_file("masq/cc", "", 0644);
  write_file("masq/gcc2", "", 0644);
  write_file("bin2/gcc", "#!/bin/sh\n", 0755);
  write_file("bin2/gcc2", "#!/bin/sh\n", 0755);
  write_file("bin2/cc-noexec", "#!/bin/sh\n", 0644);
  snprintf(path, sizeof(path),
           "# extra compilers\n"
           "mycc %s/bin2/gcc   # by path\n"
           "  ghost\n"
           "cc-noexec\n"
           "rel relative/gcc\n"
           "bad/name\n"
           "x y z\n"
           "\n",
           root);
  write_file("compilers", path, 0644);
  snprintf(path, sizeof(path), "%s/masq:%s/bin1:relative-dir:%s/bin2", root,
           root, root);
  return setenv("PATH", path, 1);
}

static int remove_entry(const char *path, const struct stat *st, int type,
                        struct FTW *ftw)
{
  (void)st;
  (void)type;
  (void)ftw;
  return remove(path);
}

static int teardown(void **state)
{
  (void)state;
  return nftw(root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static struct compilers *make_compilers(bool insecure)
{
  char              masq[PATH_MAX], file[PATH_MAX];
  char *const       dirs[] = { masq, NULL };
  struct compilers *c;

  snprintf(masq, sizeof(masq), "%s/masq", root);
  snprintf(file, sizeof(file), "%s/compilers", root);
  assert_int_equal(compilers_new(dirs, insecure, &c), 0);
  assert_int_equal(compilers_load_file(c, file), 0);
  return c;
}

/* expect: a path under root ("bin2/gcc"), or NULL with error set. */
struct resolve_case {
  const char *name;
  const char *expect;
  int         error;
};

static void run_cases(bool insecure, const struct resolve_case *cases, size_t n)
{
  _cleanup_(compilers_freep) struct compilers *c = make_compilers(insecure);

  for (size_t i = 0; i < n; i++) {
    _cleanup_free_ char *path   = NULL;
    _cleanup_free_ char *reason = NULL;
    char                 want[PATH_MAX];
    int r = compilers_resolve(c, cases[i].name, &path, &reason);

    if (!cases[i].expect) {
      if (r != cases[i].error || !reason) {
        fail_msg("%s \"%s\": got %d (%s), expected %d with a reason",
                 insecure ? "insecure" : "default", cases[i].name, r,
                 path ? path : "-", cases[i].error);
      }
      continue;
    }
    snprintf(want, sizeof(want), "%s/%s", root, cases[i].expect);
    if (r != 0 || strcmp(path, want) != 0) {
      fail_msg("%s \"%s\": got %d (%s), expected %s",
               insecure ? "insecure" : "default", cases[i].name, r,
               r == 0 ? path : reason, want);
    }
  }
}

static const struct resolve_case default_cases[] = {
  /* masquerade entry; PATH skips masq/ and bin1's link to distcc */
  { "gcc",          "bin2/gcc",  0       },
  { "gcc2",         "bin2/gcc2", 0       },
  { "cc",           NULL,        -ENOENT }, /* allowed, not installed */
  /* the compilers file */
  { "mycc",         "bin2/gcc",  0       },
  { "ghost",        NULL,        -ENOENT },
  { "cc-noexec",    NULL,        -ENOENT }, /* not executable */
  { "rel",          NULL,        -EPERM  }, /* line had a relative path */
  { "x",            NULL,        -EPERM  }, /* line had three words */
  /* not on any list */
  { "clang",        NULL,        -EPERM  },
  { "distcc",       NULL,        -EPERM  },
  /* names that are not plain */
  { "",             NULL,        -EPERM  },
  { "-gcc",         NULL,        -EPERM  },
  { ".gcc",         NULL,        -EPERM  },
  { "bad/name",     NULL,        -EPERM  },
  { "../bin2/gcc",  NULL,        -EPERM  },
  { "/usr/bin/gcc", NULL,        -EPERM  },
  { "gcc;rm -rf /", NULL,        -EPERM  },
  { "gcc gcc",      NULL,        -EPERM  },
  { "gcc$(id)",     NULL,        -EPERM  },
  { "gcc\n",        NULL,        -EPERM  },
};

static void test_resolve_default(void **state)
{
  (void)state;
  run_cases(false, default_cases, ARRAY_SIZE(default_cases));
}

static const struct resolve_case insecure_cases[] = {
  { "gcc",             "bin2/gcc", 0       }, /* still not the client */
  { "cc-noexec",       NULL,       -ENOENT },
  { "bin2/gcc",        NULL,       -EPERM  }, /* relative path */
  { "../x",            NULL,       -EPERM  },
  { "/nonexistent/cc", NULL,       -ENOENT },
  { "gcc;id",          NULL,       -EPERM  },
  { "distcc",          NULL,       -ENOENT }, /* found, but a client */
};

static void test_resolve_insecure(void **state)
{
  char abs_name[PATH_MAX];

  (void)state;
  run_cases(true, insecure_cases, ARRAY_SIZE(insecure_cases));
  /* An absolute path runs as it is named. */
  snprintf(abs_name, sizeof(abs_name), "%s/bin2/gcc2", root);
  struct resolve_case abs_case = { abs_name, "bin2/gcc2", 0 };
  run_cases(true, &abs_case, 1);
}

static void test_missing_file(void **state)
{
  _cleanup_(compilers_freep) struct compilers *c      = NULL;
  char *const                                  dirs[] = { NULL };

  (void)state;
  assert_int_equal(compilers_new(dirs, false, &c), 0);
  assert_int_equal(compilers_load_file(c, "/nonexistent/herdcc/compilers"),
                   -ENOENT);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_resolve_default),
    cmocka_unit_test(test_resolve_insecure),
    cmocka_unit_test(test_missing_file),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
