/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "color.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compiler.h"
#include "macro.h"

/* Options with which the user has chosen already, either way. */
static const char *const color_choices[] = {
  "-fdiagnostics-color", /* and -fdiagnostics-color=WHEN */
  "-fno-diagnostics-color",
  "-fcolor-diagnostics",
  "-fno-color-diagnostics",
};

static bool names_gcc_or_clang(const char *path)
{
  const char *base = compiler_basename(path);

  return strstr(base, "gcc") || strstr(base, "g++") || strstr(base, "clang");
}

/* gcc, g++, clang, clang++ and their versioned and target-triple names;
 * cc and c++ when they lead to one of those. */
static bool is_gcc_or_clang(const char *name, const char *compiler)
{
  char real[PATH_MAX];

  if (names_gcc_or_clang(name)) {
    return true;
  }
  return compiler && realpath(compiler, real) && names_gcc_or_clang(real);
}

static bool chose_already(char *const *argv)
{
  for (size_t i = 1; argv[i]; i++) {
    for (size_t k = 0; k < ARRAY_SIZE(color_choices); k++) {
      if (strncmp(argv[i], color_choices[k], strlen(color_choices[k])) == 0) {
        return true;
      }
    }
  }
  return false;
}

bool color_wanted(char *const *argv, const char *compiler)
{
  const char *term = getenv("TERM");

  if (!isatty(STDERR_FILENO) || !term || !*term || strcmp(term, "dumb") == 0) {
    return false;
  }
  return is_gcc_or_clang(argv[0], compiler) && !chose_already(argv);
}

char **color_add(char *const *argv)
{
  size_t n = 0;

  while (argv[n]) {
    n++;
  }
  char **out = calloc(n + 2, sizeof(char *));
  if (!out) {
    return NULL;
  }
  out[0] = argv[0];
  out[1] = (char *)COLOR_OPTION;
  for (size_t i = 1; i < n; i++) {
    out[i + 1] = argv[i];
  }
  return out;
}
