/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The argument table and its two readers: the client's plan and the
 * daemon's check (args.h). Longer than ~900 lines on purpose: the table
 * (a quarter of the file) stays private to this file, so that no other
 * module can read an option's columns except through the plan or the
 * check, and a new option is one row here and nowhere else. */
#include "args.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "macro.h"
#include "strv.h"
#include "why.h"

/* ---- languages ---------------------------------------------------------- */

static const struct args_lang langs[] = {
  { "c",                        "cpp-output",               "i",   false },
  { "c++",                      "c++-cpp-output",           "ii",  false },
  { "objective-c",              "objective-c-cpp-output",   "mi",  false },
  { "objective-c++",            "objective-c++-cpp-output", "mii", false },
  { "assembler-with-cpp",       "assembler",                "s",   false },
  { "cpp-output",               "cpp-output",               "i",   true  },
  { "c++-cpp-output",           "c++-cpp-output",           "ii",  true  },
  { "objective-c-cpp-output",   "objective-c-cpp-output",   "mi",  true  },
  { "objective-c++-cpp-output", "objective-c++-cpp-output", "mii", true  },
  { "assembler",                "assembler",                "s",   true  },
};

static const struct {
  const char *ext;
  const char *lang;
} lang_exts[] = {
  { "c",   "c"                        },
  { "cc",  "c++"                      },
  { "cp",  "c++"                      },
  { "cxx", "c++"                      },
  { "cpp", "c++"                      },
  { "CPP", "c++"                      },
  { "c++", "c++"                      },
  { "C",   "c++"                      },
  { "m",   "objective-c"              },
  { "mm",  "objective-c++"            },
  { "M",   "objective-c++"            },
  { "S",   "assembler-with-cpp"       },
  { "sx",  "assembler-with-cpp"       },
  { "i",   "cpp-output"               },
  { "ii",  "c++-cpp-output"           },
  { "mi",  "objective-c-cpp-output"   },
  { "mii", "objective-c++-cpp-output" },
  { "s",   "assembler"                },
};

const struct args_lang *args_lang_from_name(const char *name)
{
  for (size_t i = 0; i < ARRAY_SIZE(langs); i++) {
    if (strcmp(langs[i].name, name) == 0) {
      return &langs[i];
    }
  }
  return NULL;
}

static const char *path_ext(const char *path)
{
  const char *base = strrchr(path, '/');
  base             = base ? base + 1 : path;
  const char *dot  = strrchr(base, '.');
  return dot && dot != base ? dot + 1 : NULL;
}

const struct args_lang *args_lang_from_path(const char *path)
{
  const char *ext = path_ext(path);

  for (size_t i = 0; ext && i < ARRAY_SIZE(lang_exts); i++) {
    if (strcmp(lang_exts[i].ext, ext) == 0) {
      return args_lang_from_name(lang_exts[i].lang);
    }
  }
  return NULL;
}

/* ---- the table ---------------------------------------------------------- */

enum arg_kind {
  ARG_COMPILE,      /* cpp and server; its text must not name a path */
  ARG_COMPILE_PATH, /* cpp and server; a path in it is only a string */
  ARG_PREPROC,      /* cpp only */
  ARG_SEARCH,       /* -I, -include, --sysroot and the like: cpp, and the
                       server's compile of a rebuilt tree (rebuild.h) */
  ARG_MACRO,        /* -D, -U: cpp, and the server with -frewrite-includes */
  ARG_CPP_OUTPUT,   /* -C, -CC, -P, -f[no-]working-directory: they shape
                       only -E output, so the cpp run drops them; the
                       server's compile ignores them as a local one does
                       (gcc records them with -g) */
  ARG_DEPS_MD,      /* -MD: cpp writes a .d file */
  ARG_DEPS_MMD,     /* -MMD */
  ARG_DEPS_FILE,    /* -MF FILE */
  ARG_DEPS_TARGET,  /* -MT/-MQ TARGET */
  ARG_DEPS_PHONY,   /* -MP */
  ARG_LINK,         /* linker only: stripped */
  ARG_MODE_COMPILE, /* -c */
  ARG_MODE_ASM,     /* -S */
  ARG_OUTPUT,       /* -o FILE */
  ARG_LANGUAGE,     /* -x LANG */
  ARG_WP,           /* -Wp,...: looked at item by item */
  ARG_WA,           /* -Wa,...: assembler options */
  ARG_PROFILE,      /* reads a profile: sent with the job (args.h) */
  ARG_SPLIT_DWARF,  /* -g[no-]split-dwarf: a second output, the .dwo,
                       which only a tree's reply brings back (args.h) */
  ARG_LOCAL,        /* run locally; the daemon refuses it */
};

enum arg_match {
  MATCH_EXACT,              /* the whole argument */
  MATCH_PREFIX,             /* the argument starts with it (joined value) */
  MATCH_SEPARATE,           /* the whole argument; the value is the next one */
  MATCH_JOINED_OR_SEPARATE, /* -oFILE or -o FILE */
};

struct arg_rule {
  const char    *name;
  enum arg_match match;
  enum arg_kind  kind;
};

/* First match wins: list a flag before any shorter flag that prefixes it. */
static const struct arg_rule arg_rules[] = {
  /* mode, output, language */
  { "-c",                         MATCH_EXACT,              ARG_MODE_COMPILE },
  { "-S",                         MATCH_EXACT,              ARG_MODE_ASM     },
  { "-E",                         MATCH_EXACT,              ARG_LOCAL        },
  { "-o",                         MATCH_JOINED_OR_SEPARATE, ARG_OUTPUT       },
  { "-x",                         MATCH_JOINED_OR_SEPARATE, ARG_LANGUAGE     },
  /* dependency output */
  { "-MD",                        MATCH_EXACT,              ARG_DEPS_MD      },
  { "-MMD",                       MATCH_EXACT,              ARG_DEPS_MMD     },
  { "-MF",                        MATCH_JOINED_OR_SEPARATE, ARG_DEPS_FILE    },
  { "-MT",                        MATCH_JOINED_OR_SEPARATE, ARG_DEPS_TARGET  },
  { "-MQ",                        MATCH_JOINED_OR_SEPARATE, ARG_DEPS_TARGET  },
  { "-MP",                        MATCH_EXACT,              ARG_DEPS_PHONY   },
  { "-M",                         MATCH_PREFIX,             ARG_LOCAL        },
  /* the preprocessor */
  { "-Wp,",                       MATCH_PREFIX,             ARG_WP           },
  { "-D",                         MATCH_JOINED_OR_SEPARATE, ARG_MACRO        },
  { "-U",                         MATCH_JOINED_OR_SEPARATE, ARG_MACRO        },
  { "-I",                         MATCH_JOINED_OR_SEPARATE, ARG_SEARCH       },
  { "-include-pch",               MATCH_SEPARATE,           ARG_LOCAL        },
  { "-include",                   MATCH_JOINED_OR_SEPARATE, ARG_SEARCH       },
  { "-imacros",                   MATCH_JOINED_OR_SEPARATE, ARG_PREPROC      },
  { "-isystem",                   MATCH_JOINED_OR_SEPARATE, ARG_SEARCH       },
  { "-idirafter",                 MATCH_JOINED_OR_SEPARATE, ARG_SEARCH       },
  { "-iquote",                    MATCH_JOINED_OR_SEPARATE, ARG_SEARCH       },
  { "-iprefix",                   MATCH_JOINED_OR_SEPARATE, ARG_SEARCH       },
  { "-iwithprefixbefore",         MATCH_JOINED_OR_SEPARATE, ARG_SEARCH       },
  { "-iwithprefix",               MATCH_JOINED_OR_SEPARATE, ARG_SEARCH       },
  { "-isysroot",                  MATCH_JOINED_OR_SEPARATE, ARG_SEARCH       },
  { "-imultilib",                 MATCH_JOINED_OR_SEPARATE, ARG_PREPROC      },
  { "-cxx-isystem",               MATCH_JOINED_OR_SEPARATE, ARG_SEARCH       },
  { "--sysroot=",                 MATCH_PREFIX,             ARG_SEARCH       },
  { "--sysroot",                  MATCH_SEPARATE,           ARG_SEARCH       },
  { "-Xpreprocessor",             MATCH_SEPARATE,           ARG_PREPROC      },
  { "-nostdinc++",                MATCH_EXACT,              ARG_SEARCH       },
  { "-nostdinc",                  MATCH_EXACT,              ARG_SEARCH       },
  { "-undef",                     MATCH_EXACT,              ARG_COMPILE      },
  { "-traditional-cpp",           MATCH_EXACT,              ARG_PREPROC      },
  { "-C",                         MATCH_EXACT,              ARG_CPP_OUTPUT   },
  { "-CC",                        MATCH_EXACT,              ARG_CPP_OUTPUT   },
  { "-P",                         MATCH_EXACT,              ARG_CPP_OUTPUT   },
  { "-fworking-directory",        MATCH_EXACT,              ARG_CPP_OUTPUT   },
  { "-fno-working-directory",     MATCH_EXACT,              ARG_CPP_OUTPUT   },
  { "-H",                         MATCH_EXACT,              ARG_PREPROC      },
  /* the linker */
  { "-Wl,",                       MATCH_PREFIX,             ARG_LINK         },
  { "-Xlinker",                   MATCH_SEPARATE,           ARG_LINK         },
  { "-L",                         MATCH_JOINED_OR_SEPARATE, ARG_LINK         },
  { "-l",                         MATCH_JOINED_OR_SEPARATE, ARG_LINK         },
  { "-T",                         MATCH_JOINED_OR_SEPARATE, ARG_LINK         },
  { "-u",                         MATCH_JOINED_OR_SEPARATE, ARG_LINK         },
  { "-z",                         MATCH_SEPARATE,           ARG_LINK         },
  { "-static-libgcc",             MATCH_EXACT,              ARG_LINK         },
  { "-static-libstdc++",          MATCH_EXACT,              ARG_LINK         },
  { "-static-pie",                MATCH_EXACT,              ARG_LINK         },
  { "-static",                    MATCH_EXACT,              ARG_LINK         },
  { "-shared",                    MATCH_EXACT,              ARG_LINK         },
  { "-rdynamic",                  MATCH_EXACT,              ARG_LINK         },
  { "-nostdlib",                  MATCH_EXACT,              ARG_LINK         },
  { "-nostartfiles",              MATCH_EXACT,              ARG_LINK         },
  { "-nodefaultlibs",             MATCH_EXACT,              ARG_LINK         },
  { "-s",                         MATCH_EXACT,              ARG_LINK         },
  /* things that read or write files of their own, or need this machine */
  { "-Wa,",                       MATCH_PREFIX,             ARG_WA           },
  { "-Xassembler",                MATCH_SEPARATE,           ARG_LOCAL        },
  { "-Xclang",                    MATCH_SEPARATE,           ARG_LOCAL        },
  { "-march=native",              MATCH_EXACT,              ARG_LOCAL        },
  { "-mtune=native",              MATCH_EXACT,              ARG_LOCAL        },
  { "-mcpu=native",               MATCH_EXACT,              ARG_LOCAL        },
  { "-fplugin",                   MATCH_PREFIX,             ARG_LOCAL        },
  { "-fpass-plugin",              MATCH_PREFIX,             ARG_LOCAL        },
  { "-iplugindir",                MATCH_PREFIX,             ARG_LOCAL        },
  { "-specs",                     MATCH_PREFIX,             ARG_LOCAL        },
  { "--specs",                    MATCH_PREFIX,             ARG_LOCAL        },
  { "-B",                         MATCH_PREFIX,             ARG_LOCAL        },
  { "-wrapper",                   MATCH_SEPARATE,           ARG_LOCAL        },
  { "-dumpdir",                   MATCH_SEPARATE,           ARG_LOCAL        },
  { "-dump",                      MATCH_PREFIX,             ARG_LOCAL        },
  { "-save-temps",                MATCH_PREFIX,             ARG_LOCAL        },
  { "-fprofile-prefix-map=",      MATCH_PREFIX,             ARG_COMPILE_PATH },
  { "-fcoverage-prefix-map=",     MATCH_PREFIX,             ARG_COMPILE_PATH },
  { "-fprofile-use",              MATCH_EXACT,              ARG_PROFILE      },
  { "-fprofile-use=",             MATCH_PREFIX,             ARG_PROFILE      },
  { "-fprofile-instr-use=",       MATCH_PREFIX,             ARG_PROFILE      },
  { "-fprofile-sample-use=",      MATCH_PREFIX,             ARG_PROFILE      },
  { "-fprofile",                  MATCH_PREFIX,             ARG_LOCAL        },
  { "-fno-profile",               MATCH_PREFIX,             ARG_LOCAL        },
  { "-fauto-profile",             MATCH_PREFIX,             ARG_LOCAL        },
  { "-fcoverage",                 MATCH_PREFIX,             ARG_LOCAL        },
  { "-ftest-coverage",            MATCH_PREFIX,             ARG_LOCAL        },
  { "-coverage",                  MATCH_PREFIX,             ARG_LOCAL        },
  { "--coverage",                 MATCH_PREFIX,             ARG_LOCAL        },
  { "-pg",                        MATCH_EXACT,              ARG_LOCAL        },
  { "-p",                         MATCH_EXACT,              ARG_LOCAL        },
  { "-fdump-",                    MATCH_PREFIX,             ARG_LOCAL        },
  { "-fopt-info",                 MATCH_PREFIX,             ARG_LOCAL        },
  { "-fstack-usage",              MATCH_PREFIX,             ARG_LOCAL        },
  { "-fcallgraph-info",           MATCH_PREFIX,             ARG_LOCAL        },
  { "-frecord-gcc-switches",      MATCH_PREFIX,             ARG_LOCAL        },
  { "-fsanitize-blacklist",       MATCH_PREFIX,             ARG_LOCAL        },
  { "-fsanitize-ignorelist",      MATCH_PREFIX,             ARG_LOCAL        },
  { "-fsanitize-coverage-",       MATCH_PREFIX,             ARG_LOCAL        },
  { "-fmodule",                   MATCH_PREFIX,             ARG_LOCAL        },
  { "-fprebuilt-module-path",     MATCH_PREFIX,             ARG_LOCAL        },
  { "-fimplicit-module",          MATCH_PREFIX,             ARG_LOCAL        },
  { "-fcxx-modules",              MATCH_PREFIX,             ARG_LOCAL        },
  { "-fpch-",                     MATCH_PREFIX,             ARG_LOCAL        },
  { "-ftime-trace",               MATCH_PREFIX,             ARG_LOCAL        },
  { "-fsave-optimization-record", MATCH_PREFIX,             ARG_LOCAL        },
  { "-fcrash-diagnostics",        MATCH_PREFIX,             ARG_LOCAL        },
  { "-fcompare-debug",            MATCH_PREFIX,             ARG_LOCAL        },
  { "-fdiagnostics-format=",      MATCH_PREFIX,             ARG_LOCAL        },
  { "-gsplit-dwarf",              MATCH_EXACT,              ARG_SPLIT_DWARF  },
  { "-gno-split-dwarf",           MATCH_EXACT,              ARG_SPLIT_DWARF  },
  { "-gsplit-dwarf",              MATCH_PREFIX,             ARG_LOCAL        },
  { "-fdebug-prefix-map=",        MATCH_PREFIX,             ARG_COMPILE_PATH },
  { "-ffile-prefix-map=",         MATCH_PREFIX,             ARG_COMPILE_PATH },
  { "-fmacro-prefix-map=",        MATCH_PREFIX,             ARG_COMPILE_PATH },
  { "-fdebug-compilation-dir=",   MATCH_PREFIX,             ARG_COMPILE_PATH },
  { "-ffile-compilation-dir=",    MATCH_PREFIX,             ARG_COMPILE_PATH },
  /* the compile proper */
  { "--param=",                   MATCH_PREFIX,             ARG_COMPILE      },
  { "--param",                    MATCH_SEPARATE,           ARG_COMPILE      },
  { "--target=",                  MATCH_PREFIX,             ARG_COMPILE      },
  { "-target",                    MATCH_SEPARATE,           ARG_COMPILE      },
  { "-std=",                      MATCH_PREFIX,             ARG_COMPILE      },
  { "--std=",                     MATCH_PREFIX,             ARG_COMPILE      },
  { "-ansi",                      MATCH_EXACT,              ARG_COMPILE      },
  { "-pedantic",                  MATCH_PREFIX,             ARG_COMPILE      },
  { "-pthread",                   MATCH_EXACT,              ARG_COMPILE      },
  { "-pipe",                      MATCH_EXACT,              ARG_COMPILE      },
  { "-pie",                       MATCH_EXACT,              ARG_COMPILE      },
  { "-no-pie",                    MATCH_EXACT,              ARG_COMPILE      },
  { "-w",                         MATCH_EXACT,              ARG_COMPILE      },
  { "-trigraphs",                 MATCH_EXACT,              ARG_COMPILE      },
  { "-O",                         MATCH_PREFIX,             ARG_COMPILE      },
  { "-g",                         MATCH_PREFIX,             ARG_COMPILE      },
  { "-W",                         MATCH_PREFIX,             ARG_COMPILE      },
  { "-f",                         MATCH_PREFIX,             ARG_COMPILE      },
  { "-m",                         MATCH_PREFIX,             ARG_COMPILE      },
};

/* The rule for argv[i], or NULL when the table does not know it. */
static const struct arg_rule *rule_for(const char *arg)
{
  for (size_t i = 0; i < ARRAY_SIZE(arg_rules); i++) {
    const struct arg_rule *rule  = &arg_rules[i];
    size_t                 len   = strlen(rule->name);
    bool                   exact = strcmp(arg, rule->name) == 0;

    switch (rule->match) {
      case MATCH_EXACT:
      case MATCH_SEPARATE:
        if (exact) {
          return rule;
        }
        break;
      case MATCH_PREFIX:
      case MATCH_JOINED_OR_SEPARATE:
        if (strncmp(arg, rule->name, len) == 0) {
          return rule;
        }
        break;
    }
  }
  return NULL;
}

/* One option as found on a command line. */
struct arg_seen {
  const struct arg_rule *rule;
  const char            *value; /* the joined or separate value, or NULL */
  size_t                 count; /* argv entries it takes: 1 or 2 */
  bool                   joined;
};

/* Match argv[i] (an option); -EINVAL when a separate value is missing. */
static int arg_scan(char *const *argv, size_t i, struct arg_seen *ret_seen)
{
  struct arg_seen seen = { .rule = rule_for(argv[i]), .count = 1 };

  if (seen.rule) {
    size_t len        = strlen(seen.rule->name);
    bool   exact      = argv[i][len] == '\0';
    bool   wants_next = seen.rule->match == MATCH_SEPARATE ||
                      (seen.rule->match == MATCH_JOINED_OR_SEPARATE && exact);
    if (wants_next) {
      if (!argv[i + 1]) {
        return -EINVAL;
      }
      seen.value = argv[i + 1];
      seen.count = 2;
    } else if (seen.rule->match == MATCH_JOINED_OR_SEPARATE) {
      seen.value  = argv[i] + len;
      seen.joined = true;
    }
  }
  *ret_seen = seen;
  return 0;
}

static bool is_input(const char *arg)
{
  return arg[0] != '-' || arg[1] == '\0';
}

/* The first argument that gcc and clang would read as a response file:
 * they expand "@FILE" wherever it stands, the value of an option
 * included ("--param @FILE"), before they parse anything. */
static const char *response_file(char *const *argv)
{
  for (size_t i = 1; argv[i]; i++) {
    if (argv[i][0] == '@') {
      return argv[i];
    }
  }
  return NULL;
}

/* ---- the client's plan -------------------------------------------------- */

/* What a scan of the command line found. */
struct scan {
  char                   *why_local;
  const char             *input;
  const struct args_lang *lang;
  const char             *lang_forced; /* last -x before the input */
  const char             *output;
  bool                    mode_compile, mode_asm;
  enum arg_kind           deps_kind; /* ARG_DEPS_MD/MMD, or ARG_LOCAL: none */
  bool                    deps_from_wp;     /* -Wp,-MD,FILE and the like */
  bool                    deps_from_driver; /* -MD, -MF, -MT ... */
  bool                    clang;
  const char             *deps_file;
  char                   *wp_deps_file; /* owned: deps_file from a -Wp, */
  bool                    deps_phony;
  bool                    has_targets;
  bool                    debug_info;      /* a -g other than -g0 */
  int                     dwarf_version;   /* the last -gdwarf-N, or 0 */
  bool                    record_switches; /* -grecord-command-line */
  bool                    compile_dir;     /* -f*-compilation-dir= given */
  bool                    tree; /* clang DWARF 5: the server rebuilds the
                                   files (args_plan.tree) */
  bool        split_dwarf;      /* -gsplit-dwarf last (clang) */
  bool        openmp;           /* -fopenmp, -fopenmp-simd, -fopenacc */
  bool        wraps_words;      /* the last -fmessage-length=N has N > 0 */
  bool        preprocess_only;  /* -E, -M, -MM */
  const char *profile_arg;      /* the option reading a profile */
  unsigned    profiles;         /* how many such options */
};

static _printf_(2, 3) int set_local(struct scan *scan, const char *fmt, ...)
{
  va_list ap;
  int     r;

  if (scan->why_local) {
    return 0; /* the first reason is the one to tell */
  }
  va_start(ap, fmt);
  r = vasprintf(&scan->why_local, fmt, ap);
  va_end(ap);
  if (r < 0) {
    scan->why_local = NULL;
    return -ENOMEM;
  }
  return 0;
}

/* A -Wp, list whose first item is a dependency option: its items are
 * all dependency options (scan_wp). */
static bool is_wp_deps(const char *arg)
{
  return strncmp(arg, "-Wp,-M", 6) == 0;
}

/* The next item of a -Wp, list at *cursor (gcc splits it at every
 * comma); false at its end. */
static bool wp_next(const char **cursor, const char **ret_item, size_t *ret_len)
{
  const char *p = *cursor;

  if (!p) {
    return false;
  }
  const char *comma = strchr(p, ',');
  *ret_item         = p;
  *ret_len          = comma ? (size_t)(comma - p) : strlen(p);
  *cursor           = comma ? comma + 1 : NULL;
  return true;
}

static bool item_is(const char *item, size_t len, const char *what)
{
  return len == strlen(what) && memcmp(item, what, len) == 0;
}

/* Dependency items of a -Wp, list, as gcc's cc1 reads them in order:
 * -MD FILE and -MMD FILE (the kind and the file), -MF FILE (the file, the
 * last one wins), -MT and -MQ TARGET, -MP. clang reads such lists its own
 * way: only a lone -MD,FILE or -MMD,FILE is known. */
static int scan_wp_deps(struct scan *scan, const char *arg)
{
  const char *cursor = arg + strlen("-Wp,"), *item, *value;
  size_t      len, value_len;
  unsigned    items = 0;

  while (wp_next(&cursor, &item, &len)) {
    bool file = item_is(item, len, "-MD") || item_is(item, len, "-MMD") ||
                item_is(item, len, "-MF");
    bool target = item_is(item, len, "-MT") || item_is(item, len, "-MQ");
    items++;
    if (item_is(item, len, "-MP")) {
      scan->deps_phony = true;
      continue;
    }
    if (!(file || target) || !wp_next(&cursor, &value, &value_len) ||
        value_len == 0) {
      return set_local(scan, "%s is not distributable", arg);
    }
    items++;
    if (item_is(item, len, "-MD") || item_is(item, len, "-MMD")) {
      scan->deps_kind = len == 4 ? ARG_DEPS_MMD : ARG_DEPS_MD;
    }
    if (file) {
      free(scan->wp_deps_file);
      scan->wp_deps_file = strndup(value, value_len);
      scan->deps_file    = scan->wp_deps_file;
      if (!scan->wp_deps_file) {
        return -ENOMEM;
      }
    } else {
      scan->has_targets = true;
    }
  }
  scan->deps_from_wp = true;
  if (scan->clang && (items != 2 || !(strncmp(arg, "-Wp,-MD,", 8) == 0 ||
                                      strncmp(arg, "-Wp,-MMD,", 9) == 0))) {
    return set_local(scan, "clang with %s", arg);
  }
  return 0;
}

/* -Wp, lists of dependency options (scan_wp_deps) are dependency output;
 * -Wp, with only -D/-U/-I items is plain preprocessor input; anything
 * else runs locally. */
/* Whether every item of a -Wp, list is a whole -D, -U or -I, its value
 * joined. */
static bool wp_plain(const char *arg)
{
  const char *cursor = arg + strlen("-Wp,"), *item;
  size_t      len;

  while (wp_next(&cursor, &item, &len)) {
    if (len < 3 || item[0] != '-' || !strchr("DUI", item[1])) {
      return false;
    }
  }
  return true;
}

static int scan_wp(struct scan *scan, const char *arg)
{
  if (is_wp_deps(arg)) {
    return scan_wp_deps(scan, arg);
  }
  return wp_plain(arg) ? 0 : set_local(scan, "%s is not distributable", arg);
}

/* -Wa, items naming files (listings, @files, paths) run locally. */
static int scan_wa(struct scan *scan, const char *arg)
{
  if (strchr(arg, '/') || strchr(arg, '@') || strstr(arg, ",-a")) {
    return set_local(scan, "%s names an assembler file", arg);
  }
  return 0;
}

static int scan_input(struct scan *scan, const char *arg)
{
  if (scan->input) {
    return set_local(scan, "%s", "several sources on one command line");
  }
  scan->input = arg;
  if (strcmp(arg, "-") == 0) {
    return set_local(scan, "%s", "source read from standard input");
  }
  if (scan->lang_forced) {
    scan->lang = args_lang_from_name(scan->lang_forced);
    if (!scan->lang) {
      return set_local(scan, "-x %s is not a C-family language",
                       scan->lang_forced);
    }
  } else {
    scan->lang = args_lang_from_path(arg);
    if (!scan->lang) {
      return set_local(scan, "%s is not a C-family source", arg);
    }
  }
  const char *base = strrchr(arg, '/');
  base             = base ? base + 1 : arg;
  if (strncmp(base, "conftest.", 9) == 0) {
    return set_local(scan, "%s is a configure test", arg);
  }
  return 0;
}

static bool server_accepts(const struct arg_seen *seen, const char *arg)
{
  switch (seen->rule->kind) {
    case ARG_COMPILE:
      return !strchr(arg, '/') && !(seen->value && strchr(seen->value, '/'));
    case ARG_WA:
      return !strchr(arg, '/') && !strchr(arg, '@') && !strstr(arg, ",-a");
    case ARG_COMPILE_PATH:
    case ARG_MODE_COMPILE:
    case ARG_MODE_ASM:
    case ARG_OUTPUT:
    case ARG_LANGUAGE:
    case ARG_CPP_OUTPUT:
      return true;
    default:
      return false;
  }
}

/* What debug information the command line asks for. */
static void scan_debug_option(struct scan *scan, const char *arg)
{
  if (strcmp(arg, "-fopenmp") == 0 || strcmp(arg, "-fopenmp-simd") == 0 ||
      strcmp(arg, "-fopenacc") == 0) {
    scan->openmp = true;
  } else if (strcmp(arg, "-fno-openmp") == 0 ||
             strcmp(arg, "-fno-openmp-simd") == 0 ||
             strcmp(arg, "-fno-openacc") == 0) {
    scan->openmp = false;
  } else if (strncmp(arg, "-fdebug-compilation-dir=", 24) == 0 ||
             strncmp(arg, "-ffile-compilation-dir=", 23) == 0) {
    scan->compile_dir = true;
  } else if (strcmp(arg, "-grecord-command-line") == 0 ||
             strcmp(arg, "-grecord-gcc-switches") == 0) {
    scan->record_switches = true;
  } else if (strcmp(arg, "-gno-record-command-line") == 0 ||
             strcmp(arg, "-gno-record-gcc-switches") == 0) {
    scan->record_switches = false;
  } else if (strncmp(arg, "-gdwarf", 7) == 0) {
    scan->debug_info = true;
    if (arg[7] == '-' && arg[8] >= '2' && arg[8] <= '5' && !arg[9]) {
      scan->dwarf_version = arg[8] - '0';
    }
  } else if (strcmp(arg, "-g0") == 0) {
    scan->debug_info = false;
  } else if (strncmp(arg, "-g", 2) == 0 && strncmp(arg, "-gno-", 5) != 0 &&
             strncmp(arg, "-gz", 3) != 0) {
    scan->debug_info = true;
  }
}

static int scan_option(struct scan *scan, const struct arg_seen *seen,
                       const char *arg)
{
  switch (seen->rule->kind) {
    case ARG_MODE_COMPILE:
      scan->mode_compile = true;
      return 0;
    case ARG_MODE_ASM:
      scan->mode_asm = true;
      return 0;
    case ARG_OUTPUT:
      if (scan->output) {
        return set_local(scan, "%s", "more than one -o");
      }
      scan->output = seen->value;
      return strcmp(seen->value, "-") == 0
               ? set_local(scan, "%s", "output to standard output")
               : 0;
    case ARG_LANGUAGE:
      /* Wherever it stands: after the source it changes nothing, but the
         compiler still refuses a language it does not know. */
      if (strcmp(seen->value, "none") != 0 &&
          !args_lang_from_name(seen->value)) {
        return set_local(scan, "-x %s is not a C-family language", seen->value);
      }
      scan->lang_forced = strcmp(seen->value, "none") == 0 ? NULL : seen->value;
      return 0;
    case ARG_DEPS_MD:
    case ARG_DEPS_MMD:
      /* gcc and clang let -MMD win over -MD, wherever each stands. */
      if (scan->deps_kind != ARG_DEPS_MMD) {
        scan->deps_kind = seen->rule->kind;
      }
      scan->deps_from_driver = true;
      return 0;
    case ARG_DEPS_FILE:
      scan->deps_file        = seen->value;
      scan->deps_from_driver = true;
      return 0;
    case ARG_DEPS_TARGET:
      scan->has_targets      = true;
      scan->deps_from_driver = true;
      return 0;
    case ARG_DEPS_PHONY:
      scan->deps_phony       = true;
      scan->deps_from_driver = true;
      return 0;
    case ARG_WP:
      return scan_wp(scan, arg);
    case ARG_WA:
      return scan_wa(scan, arg);
    case ARG_PROFILE:
      scan->profiles++;
      scan->profile_arg = arg;
      return 0;
    case ARG_SPLIT_DWARF:
      scan->split_dwarf = strcmp(arg, "-gsplit-dwarf") == 0;
      return 0;
    case ARG_LOCAL:
      scan->preprocess_only |= strcmp(arg, "-E") == 0 ||
                               strcmp(arg, "-M") == 0 ||
                               strcmp(arg, "-MM") == 0;
      return set_local(scan, "%s is not distributable", arg);
    case ARG_COMPILE:
    case ARG_COMPILE_PATH:
      if (!server_accepts(seen, arg)) {
        return set_local(scan, "%s names a path a server would refuse", arg);
      }
      scan_debug_option(scan, arg);
      if (strncmp(arg, "-fmessage-length=", 17) == 0) {
        scan->wraps_words = arg[17 + strspn(arg + 17, "0")] != '\0';
      }
      return 0;
    case ARG_PREPROC:
      if (scan->clang && (strncmp(arg, "-imacros", 8) == 0 ||
                          strcmp(arg, "-Xpreprocessor") == 0)) {
        /* clang's text has an -imacros file's macros neither defined nor
           used, and would lose an -Xpreprocessor -D */
        return set_local(scan, "clang with %s", arg);
      }
      return 0;
    case ARG_CPP_OUTPUT:
      if (scan->clang && (strcmp(arg, "-C") == 0 || strcmp(arg, "-CC") == 0)) {
        /* clang refuses them without -E: its own words say so */
        return set_local(scan, "clang with %s", arg);
      }
      return 0;
    case ARG_SEARCH:
    case ARG_MACRO:
    case ARG_LINK:
      return 0;
  }
  return 0;
}

static bool is_clang(const char *compiler);

static int scan_command_line(char *const *argv, struct scan *scan)
{
  int r = 0;

  scan->deps_kind = ARG_LOCAL;
  scan->clang     = is_clang(argv[0]);
  if (response_file(argv)) {
    return set_local(scan, "%s is a response file", response_file(argv));
  }
  for (size_t i = 1; argv[i] && r >= 0; i++) {
    if (is_input(argv[i])) {
      r = scan_input(scan, argv[i]);
      continue;
    }
    struct arg_seen seen;
    if (arg_scan(argv, i, &seen) < 0) {
      r = set_local(scan, "%s lacks its argument", argv[i]);
      continue;
    }
    if (!seen.rule) {
      r = set_local(scan, "%s is not known to be safe to distribute", argv[i]);
      continue;
    }
    r = scan_option(scan, &seen, argv[i]);
    i += seen.count - 1;
  }
  return r;
}

static bool is_clang(const char *compiler)
{
  const char *base = strrchr(compiler, '/');
  return strstr(base ? base + 1 : compiler, "clang") != NULL;
}

/* gcc -g3 (or -ggdb3 ...): the last debug level given is 3. The macro
 * table names the main file by the name the compiler is given. */
static bool macro_info(char *const *argv)
{
  bool level3 = false;

  for (size_t i = 1; argv[i]; i++) {
    const char *a   = argv[i];
    size_t      len = strlen(a);
    if (strncmp(a, "-g", 2) != 0 || strncmp(a, "-gdwarf", 7) == 0 ||
        strncmp(a, "-gno-", 5) == 0 || len < 3) {
      continue;
    }
    if (a[len - 1] >= '0' && a[len - 1] <= '3') {
      level3 = a[len - 1] == '3';
    }
  }
  return level3;
}

/* Whether a sanitizer list ("-fsanitize=" or "-fno-sanitize=" LIST) names
 * item. */
static bool sanitize_names(const char *list, const char *item)
{
  size_t len = strlen(item);

  for (const char *p = list; *p;) {
    size_t n = strcspn(p, ",");
    if (n == len && strncmp(p, item, len) == 0) {
      return true;
    }
    p += n + (p[n] == ',');
  }
  return false;
}

/* gcc -fsanitize=address: each object registers its globals under a
 * module name, the main file's name as the compiler was given it. */
static bool names_module(char *const *argv)
{
  bool address = false;

  for (size_t i = 1; argv[i]; i++) {
    const char *a = argv[i];
    if (strncmp(a, "-fsanitize=", 11) == 0 &&
        sanitize_names(a + 11, "address")) {
      address = true;
    } else if (strncmp(a, "-fno-sanitize=", 14) == 0 &&
               (sanitize_names(a + 14, "address") ||
                sanitize_names(a + 14, "all"))) {
      address = false;
    }
  }
  return address;
}

/* The first header an -include names that has a precompiled form beside
 * it (FILE.gch, a file or gcc's directory of them; clang's FILE.pch), or
 * NULL: the compiler here reads that instead of the header. */
static const char *precompiled(char *const *argv)
{
  static const char *const forms[] = { ".gch", ".pch" };

  for (size_t i = 1; argv[i]; i++) {
    const char *file = strcmp(argv[i], "-include") == 0 ? argv[i + 1]
                       : strncmp(argv[i], "-include", 8) == 0 &&
                           strcmp(argv[i], "-include-pch") != 0
                         ? argv[i] + 8
                         : NULL;
    for (size_t k = 0; file && file[0] && k < ARRAY_SIZE(forms); k++) {
      char path[PATH_MAX];
      if ((size_t)snprintf(path, sizeof(path), "%s%s", file, forms[k]) <
            sizeof(path) &&
          access(path, F_OK) == 0) {
        return file;
      }
    }
  }
  return NULL;
}

/* -flto or -flto=JOBS, not cancelled by a later -fno-lto. */
static bool link_time(char *const *argv)
{
  bool lto = false;

  for (size_t i = 1; argv[i]; i++) {
    if (strcmp(argv[i], "-flto") == 0 || strncmp(argv[i], "-flto=", 6) == 0) {
      lto = true;
    } else if (strcmp(argv[i], "-fno-lto") == 0) {
      lto = false;
    }
  }
  return lto;
}

/* A name a line marker writes as it is: no character gcc escapes. */
static bool marker_safe(const char *name)
{
  for (const char *c = name; *c; c++) {
    if ((unsigned char)*c < 0x20 || *c == 0x7f || *c == '\\' || *c == '"') {
      return false;
    }
  }
  return name[0] != '\0';
}

/* gcc -g3 of name can be compiled under a name that the line markers
 * share: the client's own when relative, the job directory's for an
 * absolute one (compile.c). */
static bool macro_placeable(const char *name)
{
  return args_relative_depth(name) >= 0 ||
         (name[0] == '/' && marker_safe(name));
}

int args_relative_depth(const char *name)
{
  const char *p         = name;
  int         up        = 0;
  bool        descended = false;

  if (name[0] == '/' || !marker_safe(name)) {
    return -1;
  }
  while (*p) {
    size_t len = strcspn(p, "/");
    if (len == 2 && p[0] == '.' && p[1] == '.') {
      if (descended) {
        return -1;
      }
      up++;
    } else if (len && !(len == 1 && p[0] == '.')) {
      descended = true;
    }
    p += len;
    p += *p == '/';
  }
  return descended ? up : -1;
}

/* -gsplit-dwarf writes a .dwo beside the object and names both in the
 * skeleton unit as given: the server compiles under the client's relative
 * names (clang's as a tree, gcc's text under its own name) and brings the
 * .dwo back. gcc writes one even without debug info. */
static int split_verdict(struct scan *scan)
{
  if (!scan->split_dwarf || (scan->clang && !scan->debug_info)) {
    return 0;
  }
  const char *output = scan->output ? scan->output : scan->input;
  if (!scan->clang && !scan->mode_asm && args_relative_depth(scan->input) < 0) {
    return set_local(scan,
                     "gcc -gsplit-dwarf of %s (the server compiles the "
                     "text under the source's own name, which must be "
                     "relative and not climb after it descends)",
                     scan->input);
  }
  if (scan->mode_asm || args_relative_depth(output) < 0) {
    return set_local(scan,
                     "%s -gsplit-dwarf %s (the skeleton names the .dwo "
                     "as given: only a relative output that does not "
                     "climb after it descends, with -c, is placed alike)",
                     scan->clang ? "clang" : "gcc",
                     scan->mode_asm ? "with -S" : output);
  }
  if (scan->lang && (scan->lang->preprocessed ||
                     strcmp(scan->lang->cpp_output, "assembler") == 0)) {
    return set_local(scan,
                     "-gsplit-dwarf of %s (only C-family source text is "
                     "compiled under the client's names)",
                     scan->input);
  }
  if (!scan->clang && scan->openmp) {
    return set_local(scan, "%s",
                     "gcc -gsplit-dwarf with -fopenmp or -fopenacc (its "
                     "source text, compiled under the client's names, "
                     "would lose the pragmas)");
  }
  scan->tree = scan->clang;
  return 0;
}

/* What would make the server's object another than a local compile's
 * (set_local), for each its reason. */
static int object_verdict(char *const *argv, struct scan *scan)
{
  const char *compiler = argv[0];

  /* clang's DWARF 5 (its default) records an MD5 checksum of each source
     file, which a compile of -frewrite-includes text cannot know: the
     server rebuilds the files and compiles them (args_plan.tree). A
     recorded command line would name the server's. Other debug info is
     the same from -frewrite-includes text (columns kept). */
  if (is_clang(compiler) && scan->debug_info &&
      (scan->dwarf_version == 0 || scan->dwarf_version >= 5)) {
    scan->tree = true;
  }
  int r = split_verdict(scan);
  if (r < 0 || scan->why_local) {
    return r;
  }
  if (is_clang(compiler) && scan->debug_info && scan->record_switches) {
    return set_local(scan, "%s", "clang -grecord-command-line");
  }
  /* A precompiled header gives another object than its text with debug
     info (measured with gcc 12), and the server has only the text. */
  const char *pch = scan->debug_info ? precompiled(argv) : NULL;
  if (pch) {
    return set_local(scan,
                     "the precompiled form of %s (with debug info the "
                     "object differs from one compiled from its text)",
                     pch);
  }
  /* gcc's LTO streams the directory the compile runs in and the main
     file's name as given, through no prefix map: the server's would be
     in the object, and in the debug info linked from it. */
  if (!is_clang(compiler) && link_time(argv)) {
    return set_local(scan, "%s",
                     "gcc -flto (the object records the directory the "
                     "compile runs in and the source's name as given)");
  }
  /* gcc -fsanitize=address records the main file's name as given: text
     (with -g, or when the expanded text's compile says anything) is
     compiled under the client's own relative name (compile.c); an
     absolute one cannot be given there. */
  if (!is_clang(compiler) && !scan->lang->preprocessed &&
      strcmp(scan->lang->cpp_output, "assembler") != 0 && names_module(argv) &&
      args_relative_depth(scan->input) < 0) {
    return set_local(scan,
                     "gcc -fsanitize=address of %s (the object names the "
                     "source as the compiler is given it: an absolute name, "
                     "or one that climbs after it descends or that a line "
                     "marker escapes)",
                     scan->input);
  }
  /* gcc -g3 text is compiled under a name the line markers share, below
     the job directory (compile.c): a relative name that climbs after it
     descends cannot be placed there, nor a name the markers escape. */
  if (!is_clang(compiler) && scan->debug_info && !scan->lang->preprocessed &&
      strcmp(scan->lang->cpp_output, "assembler") != 0 && macro_info(argv) &&
      !macro_placeable(scan->input)) {
    return set_local(scan,
                     "gcc -g3 of %s (a name that climbs after it "
                     "descends, or that a line marker escapes)",
                     scan->input);
  }
  return 0;
}

static int scan_verdict(char *const *argv, struct scan *scan)
{
  const char *compiler = argv[0];

  if (!scan->mode_compile && !scan->mode_asm) {
    return set_local(scan, "%s", "not a compile (no -c or -S)");
  }
  if (!scan->input) {
    return set_local(scan, "%s", "no source file");
  }
  if (scan->deps_from_wp && scan->deps_from_driver) {
    /* where the driver puts its own among the -Wp, items decides */
    return set_local(scan, "%s", "dependency options both in -Wp, and outside");
  }
  if (scan->deps_kind != ARG_LOCAL && scan->lang->preprocessed) {
    return set_local(scan, "%s", "dependency output of preprocessed input");
  }
  if (scan->deps_kind == ARG_LOCAL &&
      (scan->deps_file || scan->has_targets || scan->deps_phony)) {
    /* gcc refuses these without -MD or -MMD: let it say so. */
    return set_local(scan, "%s", "-MF, -MT, -MQ or -MP without -MD or -MMD");
  }
  if (scan->mode_asm && strcmp(scan->lang->cpp_output, "assembler") == 0) {
    /* gcc -S x.s writes nothing; gcc -S x.S writes cpp output to stdout. */
    return set_local(scan, "%s", "-S of assembler input");
  }
  int r = object_verdict(argv, scan);
  if (r < 0 || scan->why_local) {
    return r;
  }
  if (scan->profiles > 1) {
    return set_local(scan, "%s", "more than one profile option");
  }
  /* gcc -fprofile-use=PATH reads PATH/ and the object's absolute path
     mangled, and -g records PATH: only the plain form, whose profile is
     the .gcda beside the object, goes with a job. */
  if (scan->profiles && !is_clang(compiler) &&
      strcmp(scan->profile_arg, "-fprofile-use") != 0) {
    return set_local(scan,
                     "gcc %s (the profile's name is the object's "
                     "mangled path)",
                     scan->profile_arg);
  }
  /* gcc's -fdirectives-only output loses the OpenMP and OpenACC pragmas:
     without it the debug info would not keep the columns. */
  if (!is_clang(compiler) && scan->debug_info && scan->openmp) {
    return set_local(scan, "%s", "gcc -g with -fopenmp or -fopenacc");
  }
  /* gcc wraps a message with the file names it gives counted in, and the
     server's compiles for words (of rebuilt files, of absolute names)
     give it the job directory's names: the lines would break elsewhere. */
  if (!is_clang(compiler) && scan->wraps_words) {
    return set_local(scan, "%s",
                     "gcc -fmessage-length=N (its lines wrap at file names "
                     "the server's words compile cannot give as here)");
  }
  return 0;
}

/* basename(path) without its extension, plus ext. With keep_dir (an -o
 * value), the rule gcc and clang follow for the .d name: the last dot of the
 * base name starts the suffix even when it opens the name ("-o .o" gives
 * ".d"); in a source name such a dot belongs to the stem. */
static char *stem_with(const char *path, const char *ext, bool keep_dir)
{
  const char *slash   = strrchr(path, '/');
  const char *base    = slash ? slash + 1 : path;
  const char *dot     = strrchr(base, '.');
  const char *start   = keep_dir ? path : base;
  bool        has_ext = dot && (dot != base || keep_dir);
  size_t      len     = (size_t)((has_ext ? dot : base + strlen(base)) - start);
  char       *out;

  if (asprintf(&out, "%.*s.%s", (int)len, start, ext) < 0) {
    return NULL;
  }
  return out;
}

static bool is_deps_option(const struct arg_seen *seen, const char *arg)
{
  switch (seen->rule->kind) {
    case ARG_DEPS_MD:
    case ARG_DEPS_MMD:
    case ARG_DEPS_FILE:
    case ARG_DEPS_TARGET:
    case ARG_DEPS_PHONY:
      return true;
    case ARG_WP:
      return is_wp_deps(arg);
    default:
      return false;
  }
}

/* The -MT and -MQ targets of a -Wp, list, as options. */
static int push_wp_targets(char ***cpp, const char *arg)
{
  const char *cursor = arg + strlen("-Wp,"), *item, *value;
  size_t      len, value_len;
  int         r = 0;

  while (r >= 0 && wp_next(&cursor, &item, &len)) {
    if (item_is(item, len, "-MP")) {
      continue;
    }
    if (!wp_next(&cursor, &value, &value_len)) {
      break;
    }
    if (item_is(item, len, "-MT") || item_is(item, len, "-MQ")) {
      _cleanup_free_ char *opt = strndup(item, len);
      _cleanup_free_ char *val = strndup(value, value_len);
      r                        = opt && val ? strv_push(cpp, opt) : -ENOMEM;
      r                        = r < 0 ? r : strv_push(cpp, val);
    }
  }
  return r;
}

/* Dependency options for a cpp run with -E, so that it writes the .d a
 * compile would: the kind, the file (index recorded) and the targets. */
static int cpp_push_deps(char ***cpp, char *const *argv,
                         const struct scan *scan, struct args_plan *plan)
{
  bool default_is_output = !scan->deps_from_wp || is_clang(argv[0]);
  int  r = strv_push(cpp, scan->deps_kind == ARG_DEPS_MMD ? "-MMD" : "-MD");

  if (r >= 0) {
    r = strv_push(cpp, "-MF");
  }
  if (r >= 0) {
    plan->deps_file_index = strv_length(*cpp);
    r                     = strv_push(cpp, plan->deps_file);
  }
  for (size_t i = 1; argv[i] && r >= 0; i++) {
    struct arg_seen seen;
    if (is_input(argv[i]) || arg_scan(argv, i, &seen) < 0 || !seen.rule) {
      continue;
    }
    if (seen.rule->kind == ARG_DEPS_TARGET) {
      r = strv_push(cpp, seen.rule->name);
      if (r >= 0) {
        r = strv_push(cpp, seen.value);
      }
    } else if (seen.rule->kind == ARG_WP && is_wp_deps(argv[i])) {
      r = push_wp_targets(cpp, argv[i]);
    }
    i += seen.count - 1;
  }
  if (r >= 0 && !scan->has_targets) {
    _cleanup_free_ char *stem = stem_with(scan->input, "o", false);
    const char          *target =
      default_is_output && scan->output ? scan->output : stem;
    r = stem ? strv_push(cpp, "-MQ") : -ENOMEM;
    if (r >= 0) {
      r = strv_push(cpp, target);
    }
  }
  if (r >= 0 && scan->deps_phony) {
    r = strv_push(cpp, "-MP");
  }
  return r;
}

/* -c, -S, -o and the dependency options give way to -E and ours. */
static bool dropped_for_cpp(const struct arg_seen *seen, const char *arg)
{
  enum arg_kind kind = seen->rule->kind;
  return kind == ARG_MODE_COMPILE || kind == ARG_MODE_ASM ||
         kind == ARG_OUTPUT || kind == ARG_PROFILE || kind == ARG_CPP_OUTPUT ||
         is_deps_option(seen, arg);
}

static int build_cpp_argv(char *const *argv, const struct scan *scan,
                          struct args_plan *plan)
{
  _cleanup_strv_free_ char **cpp = NULL;
  int                        r   = strv_push(&cpp, argv[0]);

  for (size_t i = 1; argv[i] && r >= 0; i++) {
    struct arg_seen seen = { .count = 1 };
    if (!is_input(argv[i])) {
      arg_scan(argv, i, &seen); /* checked by the scan already */
      if (dropped_for_cpp(&seen, argv[i])) {
        i += seen.count - 1;
        continue;
      }
    }
    for (size_t k = 0; k < seen.count && r >= 0; k++) {
      r = strv_push(&cpp, argv[i + k]);
    }
    i += seen.count - 1;
  }
  if (r >= 0 && plan->deps_file) {
    r = cpp_push_deps(&cpp, argv, scan, plan);
  }
  if (r >= 0 && plan->directives_only) {
    r = strv_push(&cpp, "-fdirectives-only");
  }
  if (r >= 0 && plan->rewrite_includes) {
    r = strv_push(&cpp, "-frewrite-includes");
  }
  if (r >= 0 && plan->comments_kept) {
    r = strv_push(&cpp, "-C");
  }
  if (r >= 0) {
    r = strv_push(&cpp, "-E");
  }
  if (r >= 0) {
    plan->cpp_argv = TAKE_PTR(cpp);
  }
  return r;
}

static bool sent_to_server(enum arg_kind kind)
{
  switch (kind) {
    case ARG_COMPILE:
    case ARG_COMPILE_PATH:
    case ARG_MODE_COMPILE:
    case ARG_MODE_ASM:
    case ARG_OUTPUT:
    case ARG_LANGUAGE:
    case ARG_WA:
    case ARG_PROFILE:
    case ARG_CPP_OUTPUT:
      return true;
    default:
      return false;
  }
}

/* clang's profile options name the file the server puts in their place:
 * ARGS_PROFILE_MARK; gcc's plain -fprofile-use goes as it is. */
static int push_profile(char ***server, const struct arg_seen *seen,
                        const char *compiler)
{
  _cleanup_free_ char *arg  = NULL;
  const char          *name = seen->rule->name;

  if (!is_clang(compiler)) {
    return strv_push(server, name);
  }
  if (asprintf(&arg, "%s%s" ARGS_PROFILE_MARK, name,
               seen->rule->match == MATCH_EXACT ? "=" : "") < 0) {
    return -ENOMEM;
  }
  return strv_push(server, arg);
}

/* -x LANG becomes -x LANG's preprocessed form. */
static int push_language(char ***server, const struct arg_seen *seen)
{
  const struct args_lang *lang   = args_lang_from_name(seen->value);
  const char             *name   = lang ? lang->cpp_output : seen->value;
  _cleanup_free_ char    *joined = NULL;

  if (seen->joined) {
    if (asprintf(&joined, "-x%s", name) < 0) {
      return -ENOMEM;
    }
    return strv_push(server, joined);
  }
  int r = strv_push(server, "-x");
  return r < 0 ? r : strv_push(server, name);
}

/* clang: with -g, the working directory (unless the command line names
 * one), then the mark a herdccd reads: a tree's names the directory. */
static int push_rewrite_includes(char ***server, const struct scan *scan,
                                 bool tree)
{
  _cleanup_free_ char *dir = NULL, *arg = NULL, *mark = NULL;
  int                  r = 0;

  if ((scan->debug_info && !scan->compile_dir) || tree) {
    r = args_working_dir(&dir);
  }
  if (r >= 0 && scan->debug_info && !scan->compile_dir) {
    r = asprintf(&arg, "-fdebug-compilation-dir=%s", dir) < 0
          ? -ENOMEM
          : strv_push(server, arg);
  }
  if (r >= 0 && tree) {
    r = asprintf(&mark, "%s%s", ARGS_TREE_MARK, dir) < 0
          ? -ENOMEM
          : strv_push(server, mark);
  }
  return r < 0 || tree ? r : strv_push(server, "-frewrite-includes");
}

/* What a tree's command line carries besides what every server gets: the
 * include search, the macros (-Wp, lists of them too), in order. */
static bool tree_sends(const struct arg_seen *seen, const char *arg)
{
  enum arg_kind kind = seen->rule->kind;

  return kind == ARG_SEARCH || kind == ARG_MACRO || kind == ARG_SPLIT_DWARF ||
         (kind == ARG_WP && !is_wp_deps(arg));
}

/* The -D and -U of the option at argv[i] (seen), or of its -Wp, list
 * (scan_wp let only -D, -U and -I items, values joined, through), onto
 * *macros. */
static int collect_macros(char ***macros, char *const *argv, size_t i,
                          const struct arg_seen *seen)
{
  int r = 0;

  if (seen->rule->kind == ARG_MACRO) {
    for (size_t k = 0; k < seen->count && r >= 0; k++) {
      r = strv_push(macros, argv[i + k]);
    }
    return r;
  }
  if (seen->rule->kind != ARG_WP || is_wp_deps(argv[i])) {
    return 0;
  }
  const char *cursor = argv[i] + strlen("-Wp,"), *item;
  size_t      len;
  while (r >= 0 && wp_next(&cursor, &item, &len)) {
    if (item[1] == 'D' || item[1] == 'U') {
      _cleanup_free_ char *copy = strndup(item, len);
      r                         = copy ? strv_push(macros, copy) : -ENOMEM;
    }
  }
  return r;
}

static int build_server_argv(char *const *argv, const struct scan *scan,
                             struct args_plan *plan)
{
  _cleanup_strv_free_ char **server = NULL;
  int                        r      = strv_push(&server, argv[0]);

  for (size_t i = 1; argv[i] && r >= 0; i++) {
    if (is_input(argv[i])) {
      r = strv_push(&server, argv[i]);
      continue;
    }
    struct arg_seen seen;
    arg_scan(argv, i, &seen);
    if (scan->clang && !plan->tree) { /* only clang's text needs them */
      r = collect_macros(&plan->macros, argv, i, &seen);
    }
    if (r < 0 || !(sent_to_server(seen.rule->kind) ||
                   (plan->tree && tree_sends(&seen, argv[i])) ||
                   (plan->dwo && seen.rule->kind == ARG_SPLIT_DWARF))) {
      i += seen.count - 1;
      continue;
    }
    if (seen.rule->kind == ARG_LANGUAGE) {
      r = push_language(&server, &seen);
    } else if (seen.rule->kind == ARG_PROFILE) {
      r = push_profile(&server, &seen, argv[0]);
    } else {
      for (size_t k = 0; k < seen.count && r >= 0; k++) {
        r = strv_push(&server, argv[i + k]);
      }
    }
    i += seen.count - 1;
  }
  if (r >= 0 && plan->directives_only) {
    r = strv_push(&server, "-fdirectives-only");
  }
  if (r >= 0 && plan->rewrite_includes) {
    r = strv_extend(&server, plan->macros);
  }
  if (r >= 0 && plan->rewrite_includes) {
    r = push_rewrite_includes(&server, scan, plan->tree);
  }
  if (r >= 0) {
    plan->server_argv = TAKE_PTR(server);
  }
  return r;
}

static int plan_outputs(const struct scan *scan, struct args_plan *plan)
{
  plan->output = scan->output
                   ? strdup(scan->output)
                   : stem_with(scan->input, scan->mode_asm ? "s" : "o", false);
  if (!plan->output) {
    return -ENOMEM;
  }
  if (scan->deps_kind == ARG_LOCAL) {
    return 0;
  }
  if (scan->deps_file) {
    plan->deps_file = strdup(scan->deps_file);
  } else if (scan->output) {
    plan->deps_file = stem_with(scan->output, "d", true);
  } else {
    plan->deps_file = stem_with(scan->input, "d", false);
  }
  return plan->deps_file ? 0 : -ENOMEM;
}

/* The file a profile option reads here: gcc's .gcda beside the object;
 * clang's file, or default.profdata in a directory (or in "." for the
 * plain -fprofile-use). A profile that is not a readable regular file
 * keeps the compile local (the compiler says what it says of it). */
static int plan_profile(const struct scan *scan, const char *compiler,
                        struct args_plan *plan)
{
  const char *arg = scan->profile_arg;
  const char *eq  = strchr(arg, '=');
  struct stat st;

  if (!is_clang(compiler)) {
    plan->profile = stem_with(plan->output, "gcda", true);
  } else if (!eq || !eq[1]) {
    plan->profile = strdup("default.profdata");
  } else if (stat(eq + 1, &st) == 0 && S_ISDIR(st.st_mode) &&
             strncmp(arg, "-fprofile-sample-use=", 21) != 0) {
    if (asprintf(&plan->profile, "%s/default.profdata", eq + 1) < 0) {
      plan->profile = NULL;
    }
  } else {
    plan->profile = strdup(eq + 1);
  }
  if (!plan->profile) {
    return -ENOMEM;
  }
  if (stat(plan->profile, &st) < 0 || !S_ISREG(st.st_mode) ||
      access(plan->profile, R_OK) < 0) {
    if (asprintf(&plan->why_local, "the profile %s is not a readable file",
                 plan->profile) < 0) {
      plan->why_local = NULL;
      return -ENOMEM;
    }
  }
  return 0;
}

/* Whether gcc warns of a switch case's implicit fall through for argv,
 * the one warning that reads comments: an explicit -W[no-]implicit-
 * fallthrough[=N] (or -Werror=) decides, the last one; else -Wextra (-W)
 * turns it on. */
static bool warns_fallthrough(char *const *argv)
{
  int explicit = -1;
  bool extra   = false;

  for (size_t i = 1; argv[i]; i++) {
    const char *a = argv[i];
    if (strcmp(a, "-Wextra") == 0 || strcmp(a, "-W") == 0) {
      extra = true;
    } else if (strcmp(a, "-Wno-implicit-fallthrough") == 0 ||
               strcmp(a, "-Wimplicit-fallthrough=0") == 0) {
      explicit = 0;
    } else if (strncmp(a, "-Wimplicit-fallthrough", 22) == 0 ||
               strncmp(a, "-Werror=implicit-fallthrough", 28) == 0) {
      explicit = 1;
    }
  }
  return explicit >= 0 ? explicit == 1 : extra;
}

int args_plan(char *const *argv, struct args_plan *ret_plan)
{
  struct scan      scan = { 0 };
  struct args_plan plan = { 0 };
  int              r    = scan_command_line(argv, &scan);

  if (r >= 0 && !scan.why_local) {
    r = scan_verdict(argv, &scan);
  }
  plan.compiles =
    (scan.mode_compile || scan.mode_asm) && scan.input && !scan.preprocess_only;
  if (r >= 0 && scan.why_local) {
    free(scan.wp_deps_file);
    plan.why_local = TAKE_PTR(scan.why_local);
    *ret_plan      = plan;
    return 0;
  }
  plan.input         = scan.input;
  plan.lang          = scan.lang;
  plan.assemble_only = scan.mode_asm;
  /* The source text, its includes and conditionals resolved, the macros
     left for the server: its compiler then sees the columns a local
     compile sees (debug info, diagnostics); gcc loses OpenMP and OpenACC
     pragmas in that mode. */
  bool source_text =
    !scan.lang->preprocessed && strcmp(scan.lang->cpp_output, "assembler") != 0;
  plan.directives_only  = source_text && !is_clang(argv[0]) && !scan.openmp;
  plan.rewrite_includes = source_text && is_clang(argv[0]);
  plan.tree             = plan.rewrite_includes && scan.tree;
  if (r >= 0) {
    r = plan_outputs(&scan, &plan);
  }
  if (r >= 0 && (plan.tree || plan.directives_only) && scan.split_dwarf &&
      (scan.debug_info || !is_clang(argv[0])) &&
      !(plan.dwo = stem_with(plan.output, "dwo", true))) {
    r = -ENOMEM;
  }
  if (r >= 0 && scan.profiles) {
    r = plan_profile(&scan, argv[0], &plan);
  }
  /* Without debug info the text only matters for what the compiler says:
     the expanded text goes first, the source text only when it speaks
     (again on a classic connection: not for a profile, which only an
     invitation takes). */
  /* gcc's -Wmisleading-indentation comes only from its source text, and a
     compile of the expanded text that says nothing is not sent again: when
     the warning is on, the client scans the source text first and sends
     it when a guard may call for the warning (scan_indent) */
  plan.expanded_first = (plan.directives_only || plan.rewrite_includes) &&
                        !scan.debug_info && !plan.profile && !plan.dwo;
  if (plan.expanded_first) {
    plan.scan_indent =
      plan.directives_only && args_misleading_indentation(argv);
    plan.comments_kept    = plan.directives_only && warns_fallthrough(argv);
    plan.directives_only  = false;
    plan.rewrite_includes = false;
  }
  if (r >= 0 && plan.why_local) {
    free(scan.wp_deps_file);
    free(plan.output);
    free(plan.deps_file);
    free(plan.profile);
    free(plan.dwo);
    plan.output = plan.deps_file = plan.profile = plan.dwo = NULL;
    *ret_plan                                              = plan;
    return 0;
  }
  if (r >= 0 && !scan.lang->preprocessed) {
    r = build_cpp_argv(argv, &scan, &plan);
  }
  if (r >= 0) {
    r = build_server_argv(argv, &scan, &plan);
  }
  free(scan.wp_deps_file);
  if (r < 0) {
    free(scan.why_local);
    args_plan_clear(&plan);
    return r;
  }
  plan.remote = true;
  *ret_plan   = plan;
  return 0;
}

int args_cpp_text_argv(const struct args_plan *plan, char ***cpp_argv)
{
  size_t      n = strv_length(*cpp_argv);
  const char *mark =
    is_clang(plan->server_argv[0]) ? "-frewrite-includes" : "-fdirectives-only";

  /* The mark takes the place of gcc's -C before cpp's last word, -E, or
     goes before -E. */
  if (!plan->comments_kept) {
    int r = strv_push(cpp_argv, "-E");
    if (r < 0) {
      return r;
    }
    n++;
  }
  free((*cpp_argv)[n - 2]);
  (*cpp_argv)[n - 2] = strdup(mark);
  return (*cpp_argv)[n - 2] ? 0 : -ENOMEM;
}

int args_plan_use_text(struct args_plan *plan)
{
  bool gcc = !is_clang(plan->server_argv[0]);

  /* The mark goes after the server's last word too. No debug info, so
     clang needs no working directory. */
  if (!plan->expanded_first) {
    return 0;
  }
  int r = args_cpp_text_argv(plan, &plan->cpp_argv);
  if (r >= 0 && !gcc) {
    r = strv_extend(&plan->server_argv, plan->macros);
  }
  if (r >= 0) {
    r = strv_push(&plan->server_argv,
                  gcc ? "-fdirectives-only" : "-frewrite-includes");
  }
  if (r >= 0) {
    plan->directives_only  = gcc;
    plan->rewrite_includes = !gcc;
    plan->expanded_first   = false;
    plan->comments_kept    = false;
    plan->scan_indent      = false;
  }
  return r;
}

void args_plan_clear(struct args_plan *plan)
{
  free(plan->why_local);
  free(plan->dwo);
  free(plan->output);
  free(plan->deps_file);
  free(plan->profile);
  strv_free(plan->cpp_argv);
  strv_free(plan->server_argv);
  strv_free(plan->macros);
  *plan = (struct args_plan){ 0 };
}

/* ---- the daemon's check ------------------------------------------------- */

/* Only the forms a herdcc client writes, whose file the job brings
 * (HPRF): gcc's plain -fprofile-use (the .gcda beside the object), clang's
 * options naming ARGS_PROFILE_MARK. */
static int check_profile(char *const *argv, size_t i, struct args_job *job,
                         char **ret_reason)
{
  const char *arg = argv[i];
  const char *eq  = strchr(arg, '=');
  bool ok = is_clang(argv[0]) ? eq && strcmp(eq + 1, ARGS_PROFILE_MARK) == 0
                              : strcmp(arg, "-fprofile-use") == 0;

  if (!ok) {
    return why_reason(-EPERM, ret_reason,
                      "option %s is not allowed on this server", arg);
  }
  if (job->profile_index) {
    return why_reason(-EPERM, ret_reason, "%s", "more than one profile option");
  }
  job->profile_index = i;
  return 0;
}

/* -D and -U come only with clang's -frewrite-includes text, whose macros
 * the compile expands: the client's mark last. */
static bool takes_macros(const struct args_job *job,
                         const struct arg_seen *seen)
{
  return seen->rule->kind == ARG_MACRO &&
         strcmp(job->mark, "-frewrite-includes") == 0;
}

/* A tree's compile reads the rebuilt files as a local one reads the
 * originals: through the include search and the macros of the command
 * line. Its paths name only files of the rebuilt tree or of the server's
 * view, in the job's sandbox, and the server compares what it read with
 * what the client sent (compile.c). */
static bool tree_takes(const struct args_job *job, const struct arg_seen *seen,
                       const char *arg)
{
  enum arg_kind kind = seen->rule->kind;

  return job->tree &&
         (kind == ARG_SEARCH || kind == ARG_MACRO || kind == ARG_SPLIT_DWARF ||
          (kind == ARG_WP && !is_wp_deps(arg) && wp_plain(arg)));
}

/* gcc's -gsplit-dwarf comes with its source text (the -fdirectives-only
 * mark), which the server compiles under the client's names (own_name). */
static bool text_takes_split(char *const *argv, const struct args_job *job,
                             const struct arg_seen *seen)
{
  return seen->rule->kind == ARG_SPLIT_DWARF &&
         strcmp(job->mark, "-fdirectives-only") == 0 && !is_clang(argv[0]);
}

static int check_server_option(char *const *argv, size_t i,
                               struct args_job *job, struct arg_seen *seen,
                               char **ret_reason)
{
  if (arg_scan(argv, i, seen) < 0) {
    return why_reason(-EPERM, ret_reason, "option %s lacks its argument",
                      argv[i]);
  }
  if (seen->rule && seen->rule->kind == ARG_PROFILE) {
    return check_profile(argv, i, job, ret_reason);
  }
  if (!seen->rule ||
      !(server_accepts(seen, argv[i]) || takes_macros(job, seen) ||
        tree_takes(job, seen, argv[i]) || text_takes_split(argv, job, seen))) {
    return why_reason(-EPERM, ret_reason,
                      "option %s is not allowed on this server", argv[i]);
  }
  size_t value_index = seen->joined ? i : i + 1;
  if (seen->rule->kind == ARG_OUTPUT) {
    /* Only the last one is replaced: another would be written as named. */
    if (job->output_index) {
      return why_reason(-EPERM, ret_reason, "%s", "more than one -o");
    }
    job->output_index  = value_index;
    job->output_joined = seen->joined;
  } else if (seen->rule->kind == ARG_LANGUAGE) {
    const struct args_lang *lang = args_lang_from_name(seen->value);
    if (!lang && strcmp(seen->value, "none") != 0) {
      return why_reason(-EPERM, ret_reason,
                        "language %s is not allowed on this server",
                        seen->value);
    }
    if (!job->input_index) {   /* -x acts on the files after it */
      job->lang        = lang; /* none: the extension decides */
      job->lang_index  = lang ? value_index : 0;
      job->lang_joined = lang && seen->joined;
    }
  } else if (seen->rule->kind == ARG_MODE_ASM) {
    job->assemble_only = true;
  } else if (seen->rule->kind == ARG_SPLIT_DWARF) {
    job->split_dwarf = strcmp(argv[i], "-gsplit-dwarf") == 0;
  }
  return 0;
}

/* The client's mark: "-fdirectives-only" last, for gcc, on a source that
 * is not preprocessed yet. */
static bool directives_only_text(char *const *argv, const struct args_job *job)
{
  return strcmp(job->mark, "-fdirectives-only") == 0 && !is_clang(argv[0]) &&
         !job->lang->preprocessed &&
         strcmp(job->lang->cpp_output, "assembler") != 0;
}

/* Under -pedantic gcc warns of every line marker in ordinary source. When
 * the object records no switches, the text is compiled as preprocessed
 * input (the object is the same); when it does, twice (pedantic_twin). */
static bool is_pedantic(char *const *argv)
{
  for (size_t i = 1; argv[i]; i++) {
    if (argv[i][0] == '-' && strstr(argv[i], "pedantic")) {
      return true;
    }
  }
  return false;
}

static bool records_switches(char *const *argv)
{
  bool debug = false, record = true;

  for (size_t i = 1; argv[i]; i++) {
    const char *a = argv[i];
    if (strcmp(a, "-gno-record-gcc-switches") == 0) {
      record = false;
    } else if (strcmp(a, "-grecord-gcc-switches") == 0) {
      record = true;
    } else if (strcmp(a, "-g0") == 0) {
      debug = false;
    } else if (strncmp(a, "-g", 2) == 0 && strncmp(a, "-gno-", 5) != 0 &&
               strncmp(a, "-gz", 3) != 0) {
      debug = true;
    }
  }
  return debug && record;
}

/* The client's mark for clang: "-frewrite-includes" last. */
static bool rewrite_includes_text(char *const *argv, const struct args_job *job)
{
  return strcmp(job->mark, "-frewrite-includes") == 0 && is_clang(argv[0]) &&
         !job->lang->preprocessed &&
         strcmp(job->lang->cpp_output, "assembler") != 0;
}

/* A client's -x LANG reaches the server as LANG's preprocessed form,
 * which a stock server compiles the marked text as; the mark last says
 * the text is LANG's source. */
static const struct args_lang *marked_language(const struct args_job *job)
{
  const char *last = job->mark;

  if (!job->lang_index || !job->lang->preprocessed ||
      (strcmp(last, "-fdirectives-only") != 0 &&
       strcmp(last, "-frewrite-includes") != 0 && !job->tree)) {
    return job->lang;
  }
  for (size_t i = 0; i < ARRAY_SIZE(langs); i++) {
    if (!langs[i].preprocessed &&
        strcmp(langs[i].cpp_output, job->lang->name) == 0 &&
        strcmp(langs[i].cpp_output, "assembler") != 0) {
      return &langs[i];
    }
  }
  return job->lang;
}

int args_split_names(char *const *argv, const struct args_job *job,
                     char **ret_object, char **ret_dwo)
{
  char *object =
    job->output_index
      ? strdup(argv[job->output_index] + (job->output_joined ? 2 : 0))
      : stem_with(argv[job->input_index], "o", false);
  char *dwo = object ? stem_with(object, "dwo", true) : NULL;

  if (!dwo) {
    free(object);
    return -ENOMEM;
  }
  *ret_object = object;
  *ret_dwo    = dwo;
  return 0;
}

/* A tree is clang's C-family source, compiled as if it ran in the
 * client's absolute working directory. */
static int check_tree(char *const *argv, const struct args_job *job,
                      char **ret_reason)
{
  if (!job->tree) {
    return 0;
  }
  if (!is_clang(argv[0]) || job->lang->preprocessed ||
      strcmp(job->lang->cpp_output, "assembler") == 0) {
    return why_reason(-EPERM, ret_reason, "%s",
                      "a rebuilt tree is only for clang's C-family sources");
  }
  if (job->tree[0] != '/') {
    return why_reason(-EPERM, ret_reason,
                      "a rebuilt tree's working directory %s is not absolute",
                      job->tree);
  }
  return 0;
}

/* -gsplit-dwarf: a tree's, or gcc's text's compiled under the source's own
 * name; both under the client's relative output name. */
static int check_split(char *const *argv, const struct args_job *job,
                       char **ret_reason)
{
  _cleanup_free_ char *object = NULL, *dwo = NULL;

  if (!job->split_dwarf) {
    return 0;
  }
  if (job->assemble_only || args_split_names(argv, job, &object, &dwo) < 0 ||
      args_relative_depth(object) < 0) {
    return why_reason(-EPERM, ret_reason, "%s",
                      "-gsplit-dwarf needs -c and a relative output that "
                      "does not climb after it descends");
  }
  if (!job->tree && args_relative_depth(argv[job->input_index]) < 0) {
    return why_reason(-EPERM, ret_reason,
                      "gcc -gsplit-dwarf of %s: the source's name must be "
                      "relative and not climb after it descends",
                      argv[job->input_index]);
  }
  return 0;
}

/* The client marks its request with a last word of its own, one that
 * stands alone: a last word that is an option's value ("-o
 * -fdirectives-only") marks nothing. */
static const char *client_mark(char *const *argv)
{
  size_t i = 1;

  if (!argv[0]) {
    return "";
  }
  while (argv[i] && argv[i + 1]) {
    struct arg_seen seen = { .count = 1 };
    if (!is_input(argv[i]) && arg_scan(argv, i, &seen) < 0) {
      return "";
    }
    i += seen.count;
  }
  return argv[i] ? argv[i] : "";
}

int args_check_server(char *const *argv, struct args_job *ret_job,
                      char **ret_reason)
{
  struct args_job job      = { 0 };
  bool            compiles = false;

  if (response_file(argv)) {
    return why_reason(-EPERM, ret_reason, "response file %s is not allowed",
                      response_file(argv));
  }
  size_t end = strv_length(argv);
  job.mark   = client_mark(argv);
  if (strncmp(job.mark, ARGS_TREE_MARK, strlen(ARGS_TREE_MARK)) == 0) {
    job.tree = job.mark + strlen(ARGS_TREE_MARK);
    end--;
  }
  for (size_t i = 1; i < end; i++) {
    if (is_input(argv[i])) {
      if (job.input_index) {
        return why_reason(-EPERM, ret_reason, "%s",
                          "more than one source file");
      }
      job.input_index = i;
      continue;
    }
    struct arg_seen seen;
    int             r = check_server_option(argv, i, &job, &seen, ret_reason);
    if (r < 0) {
      return r;
    }
    compiles |=
      seen.rule->kind == ARG_MODE_COMPILE || seen.rule->kind == ARG_MODE_ASM;
    i += seen.count - 1;
  }
  if (!compiles) {
    return why_reason(-EPERM, ret_reason, "%s", "not a compile (no -c or -S)");
  }
  if (!job.input_index) {
    return why_reason(-EPERM, ret_reason, "%s", "no source file named");
  }
  if (!job.lang) {
    job.lang = args_lang_from_path(argv[job.input_index]);
  }
  if (!job.lang) {
    return why_reason(-EPERM, ret_reason, "%s is not a C-family source",
                      argv[job.input_index]);
  }
  job.lang            = marked_language(&job);
  job.gcc_text        = directives_only_text(argv, &job);
  job.directives_only = job.gcc_text;
  if (job.gcc_text && is_pedantic(argv)) {
    job.pedantic_twin   = records_switches(argv) || job.split_dwarf;
    job.directives_only = job.pedantic_twin;
  }
  job.macro_names = job.directives_only && macro_info(argv) &&
                    macro_placeable(argv[job.input_index]);
  job.own_name =
    job.macro_names ||
    (job.directives_only && (names_module(argv) || job.split_dwarf) &&
     args_relative_depth(argv[job.input_index]) >= 0);
  job.rewrite_includes = rewrite_includes_text(argv, &job);
  int r                = check_tree(argv, &job, ret_reason);
  if (r >= 0) {
    r = check_split(argv, &job, ret_reason);
  }
  if (r >= 0) {
    *ret_job = job;
  }
  return r;
}

/* Whether argv turns on -Wmisleading-indentation (format: the -Wformat
 * family instead): -Wall, or the warning by name, its -Werror= form
 * included, the last name winning over -Wall whatever the order; not
 * with -w. */
static bool turns_on(char *const *argv, bool format)
{
  bool on    = false;
  int  named = -1; /* the last -W[no-]misleading-indentation: 1 on, 0 off */

  for (size_t i = 1; argv[i]; i++) {
    const char *a = argv[i];
    if (strcmp(a, "-w") == 0) {
      return false;
    }
    if (!format && strcmp(a, "-Wno-misleading-indentation") == 0) {
      named = 0;
    }
    const char *name = strncmp(a, "-Werror=", 8) == 0 ? a + 8
                       : strncmp(a, "-W", 2) == 0     ? a + 2
                                                      : NULL;
    if (!format && name && strcmp(name, "misleading-indentation") == 0) {
      named = 1;
    }
    on |= name && (strcmp(name, "all") == 0 ||
                   (format && strncmp(name, "format", 6) == 0 &&
                    strcmp(name, "format=0") != 0));
  }
  return named >= 0 ? named == 1 : on; /* gcc: a name wins over -Wall */
}

bool args_misleading_indentation(char *const *argv)
{
  return turns_on(argv, false);
}

bool args_front_end_words(char *const *argv)
{
  return turns_on(argv, false) || turns_on(argv, true);
}

unsigned args_tab_width(char *const *argv)
{
  unsigned width = 8;

  for (size_t i = 1; argv[i]; i++) {
    const char *value =
      strncmp(argv[i], "-ftabstop=", 10) == 0 ? argv[i] + 10 : NULL;
    char         *end = NULL;
    unsigned long n   = value ? strtoul(value, &end, 10) : 0;
    if (value && (!*value || *end || !isdigit((unsigned char)*value))) {
      return 0;
    }
    if (value && n >= 1 && n <= 100) {
      width = (unsigned)n; /* gcc ignores the others */
    }
  }
  return width;
}

bool args_system_headers(char *const *argv)
{
  bool on = false;

  for (size_t i = 1; argv[i]; i++) {
    on = strcmp(argv[i], "-Wsystem-headers") == 0 ||
         (on && strcmp(argv[i], "-Wno-system-headers") != 0);
  }
  return on;
}

/* ---- prefix maps -------------------------------------------------------- */

static bool map_applies(const char *arg, enum args_map kind,
                        const char **ret_value)
{
  static const struct {
    const char   *prefix;
    enum args_map kind;
    bool          both;
  } maps[] = {
    { "-fdebug-prefix-map=", ARGS_MAP_DEBUG, false },
    { "-fmacro-prefix-map=", ARGS_MAP_MACRO, false },
    { "-ffile-prefix-map=",  ARGS_MAP_DEBUG, true  },
  };

  for (size_t i = 0; i < ARRAY_SIZE(maps); i++) {
    size_t len = strlen(maps[i].prefix);
    if (strncmp(arg, maps[i].prefix, len) == 0 &&
        (maps[i].kind == kind || maps[i].both)) {
      *ret_value = arg + len;
      return true;
    }
  }
  return false;
}

int args_remap(char *const *argv, enum args_map kind, const char *path,
               char **ret_path)
{
  for (size_t i = strv_length(argv); i-- > 1;) {
    const char *value;
    if (!map_applies(argv[i], kind, &value)) {
      continue;
    }
    const char *eq = strrchr(value, '='); /* as gcc reads it */
    if (!eq) {
      continue; /* gcc refuses it */
    }
    size_t old_len = (size_t)(eq - value);
    if (strncmp(path, value, old_len) == 0) {
      return asprintf(ret_path, "%s%s", eq + 1, path + old_len) < 0 ? -ENOMEM
                                                                    : 0;
    }
  }
  char *copy = strdup(path);
  if (!copy) {
    return -ENOMEM;
  }
  *ret_path = copy;
  return 0;
}

int args_working_dir(char **ret_dir)
{
  const char *pwd = getenv("PWD");
  struct stat pwd_st, dot_st;
  char       *dir;

  if (pwd && pwd[0] == '/' && stat(pwd, &pwd_st) == 0 &&
      stat(".", &dot_st) == 0 && pwd_st.st_dev == dot_st.st_dev &&
      pwd_st.st_ino == dot_st.st_ino) {
    dir = strdup(pwd);
  } else {
    dir = getcwd(NULL, 0);
    if (!dir && errno != ENOMEM) {
      return -errno;
    }
  }
  if (!dir) {
    return -ENOMEM;
  }
  *ret_dir = dir;
  return 0;
}
