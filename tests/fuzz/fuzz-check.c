/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "fuzz-check.h"

#include <stdbool.h>
#include <string.h>

#include "macro.h"

/* Options whose value is the next argument, among those a server takes. */
static const char *const separate_value_options[] = {
  "-o",
  "-x",
  "--param",
  "-target",
};

/* Options that carry a path as a mere string (the debug info's names). */
static const char *const path_string_options[] = {
  "-fdebug-prefix-map=",     "-ffile-prefix-map=",
  "-fmacro-prefix-map=",     "-fdebug-compilation-dir=",
  "-ffile-compilation-dir=", "-fprofile-prefix-map=",
  "-fcoverage-prefix-map=",
};

/* Never on a server: they load code, name other programs, read the
 * server's files, or write files of their own. */
static const char *const forbidden_prefixes[] = {
  "-fplugin",
  "-fpass-plugin",
  "-iplugindir",
  "-specs",
  "--specs",
  "-B",
  "-wrapper",
  "-X",
  "-dump",
  "-save-temps",
  "--save-temps",
  "-fprofile",
  "-fno-profile",
  "-fauto-profile",
  "-fdump-",
  "-fstack-usage",
  "-fcallgraph-info",
  "-fopt-info",
  "-aux-info",
  "--sysroot",
  "-isysroot",
  "-I",
  "-include",
  "-imacros",
  "-iquote",
  "-isystem",
  "-idirafter",
  "-iprefix",
  "-iwithprefix",
  "-L",
  "-l",
  "-T",
  "-Wl,",
  "-Wp,",
  "-M",
  "-E",
  "-D",
  "-U",
  "-gsplit-dwarf",
  "-coverage",
  "--coverage",
  "-ftest-coverage",
  "-fsanitize-blacklist",
  "-fsanitize-ignorelist",
  "-fsanitize-coverage-",
  "-fmodule",
  "-fpch-",
  "-ftime-trace",
  "-fsave-optimization-record",
  "-fcrash-diagnostics",
  "-fdiagnostics-format=",
  "-fcompare-debug",
  "-frecord-gcc-switches",
};

static bool starts_with(const char *s, const char *prefix)
{
  return strncmp(s, prefix, strlen(prefix)) == 0;
}

static bool in_list(const char *s, const char *const *list, size_t n,
                    bool prefix)
{
  for (size_t i = 0; i < n; i++) {
    if (prefix ? starts_with(s, list[i]) : strcmp(s, list[i]) == 0) {
      return true;
    }
  }
  return false;
}

static void check_option(const char *arg)
{
  FUZZ_CHECK(arg[0] == '-' && arg[1] != '\0');
  bool path_string =
    in_list(arg, path_string_options, ARRAY_SIZE(path_string_options), true);
  FUZZ_CHECK(path_string || !in_list(arg, forbidden_prefixes,
                                     ARRAY_SIZE(forbidden_prefixes), true));
  if (strchr(arg, '/')) {
    FUZZ_CHECK(path_string);
  }
  if (starts_with(arg, "-Wa,")) {
    FUZZ_CHECK(!strchr(arg, '@') && !strstr(arg, ",-a"));
  }
}

/* A rebuilt tree's compile (ARGS_TREE_MARK last) reads the include search
 * and the macros of its command line: their values are names in the
 * job's sandbox. How many words the option at argv[i] takes, or 0 for
 * one that is not such. */
static size_t tree_option(char *const *argv, size_t i, size_t argc)
{
  static const char *const searches[] = {
    "-I",         "-include",           "-iquote",      "-isystem",
    "-idirafter", "-iwithprefixbefore", "-iwithprefix", "-iprefix",
    "-isysroot",  "-cxx-isystem",       "-D",           "-U",
  };
  const char *arg = argv[i];

  if (strcmp(arg, "-nostdinc") == 0 || strcmp(arg, "-nostdinc++") == 0 ||
      strcmp(arg, "-gsplit-dwarf") == 0 ||
      strcmp(arg, "-gno-split-dwarf") == 0 || starts_with(arg, "--sysroot=")) {
    return 1;
  }
  if (strcmp(arg, "--sysroot") == 0) {
    FUZZ_CHECK(i + 1 < argc);
    return 2;
  }
  if (starts_with(arg, "-Wp,")) {
    /* only whole -D, -U and -I items */
    for (const char *item = arg + 4; item; item = strchr(item, ',')) {
      item += *item == ',';
      FUZZ_CHECK(item[0] == '-' && strchr("DUI", item[1]) && item[1] &&
                 item[2] && item[2] != ',');
    }
    return 1;
  }
  for (size_t k = 0; k < ARRAY_SIZE(searches); k++) {
    if (starts_with(arg, searches[k])) {
      bool joined = arg[strlen(searches[k])] != '\0';
      FUZZ_CHECK(joined || i + 1 < argc);
      return joined ? 1 : 2;
    }
  }
  return 0;
}

void fuzz_check_accepted(char *const *argv, const struct args_job *job)
{
  size_t argc       = 0;
  bool   has_output = false;

  while (argv[argc]) {
    argc++;
  }
  /* clang's -frewrite-includes text (the mark last) takes -D and -U */
  bool macros = argc >= 2 && strcmp(argv[argc - 1], "-frewrite-includes") == 0;
  /* gcc's text (its mark last) takes -gsplit-dwarf */
  bool gcc_text = argc >= 2 &&
                  strcmp(argv[argc - 1], "-fdirectives-only") == 0 &&
                  !strstr(argv[0], "clang");
  /* a tree's mark last; a last word like it that is not the mark is an
     option's value, checked as one below */
  bool tree = job->tree != NULL;
  if (tree) {
    FUZZ_CHECK(argc >= 2 && starts_with(argv[argc - 1], ARGS_TREE_MARK) &&
               job->tree == argv[argc - 1] + strlen(ARGS_TREE_MARK));
    FUZZ_CHECK(strstr(argv[0], "clang") && job->tree[0] == '/');
    argc--; /* the mark */
  }
  FUZZ_CHECK(job->lang);
  FUZZ_CHECK(job->input_index >= 1 && job->input_index < argc);
  FUZZ_CHECK(job->output_index < argc);
  FUZZ_CHECK(job->lang_index < argc);
  const char *input = argv[job->input_index];
  FUZZ_CHECK(input[0] != '@' && (input[0] != '-' || strcmp(input, "-") == 0));

  for (size_t i = 1; i < argc; i++) {
    /* gcc and clang read "@FILE" wherever it stands */
    FUZZ_CHECK(argv[i][0] != '@');
  }
  for (size_t i = 1; i < argc; i++) {
    const char *arg = argv[i];
    if (i == job->input_index) {
      continue; /* replaced by the job directory's input */
    }
    if (i == job->profile_index) {
      /* the job's own profile file: gcc's .gcda beside the output, or
         the mark the daemon replaces with it */
      const char *eq = strchr(arg, '=');
      FUZZ_CHECK(strcmp(arg, "-fprofile-use") == 0 ||
                 (eq && strcmp(eq + 1, ARGS_PROFILE_MARK) == 0));
      continue;
    }
    if (starts_with(arg, "-o")) {
      /* One output option, the one the daemon replaces. */
      FUZZ_CHECK(!has_output);
      has_output = true;
      FUZZ_CHECK(job->output_index == (arg[2] ? i : i + 1));
      i += arg[2] ? 0 : 1;
      continue;
    }
    if (in_list(arg, separate_value_options, ARRAY_SIZE(separate_value_options),
                false)) {
      FUZZ_CHECK(i + 1 < argc);
      FUZZ_CHECK(!strchr(argv[i + 1], '/') && argv[i + 1][0] != '@');
      i++; /* its value: a string */
      continue;
    }
    size_t words = tree ? tree_option(argv, i, argc) : 0;
    if (words) {
      i += words - 1;
      continue;
    }
    if (gcc_text && (strcmp(arg, "-gsplit-dwarf") == 0 ||
                     strcmp(arg, "-gno-split-dwarf") == 0)) {
      continue; /* compiled under the client's relative names */
    }
    if (macros && (starts_with(arg, "-D") || starts_with(arg, "-U"))) {
      FUZZ_CHECK(arg[2] || i + 1 < argc);
      i += arg[2] ? 0 : 1; /* a macro: a string, whatever it holds */
      continue;
    }
    check_option(arg);
  }
  FUZZ_CHECK(has_output == (job->output_index != 0));
  if (job->split_dwarf) {
    /* the outputs, and gcc's source, placed under the client's names */
    FUZZ_CHECK(!job->assemble_only);
    FUZZ_CHECK(job->tree || (job->own_name && args_relative_depth(input) >= 0));
  }
}
