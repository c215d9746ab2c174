/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tests of the argument table: the client's plan (args_plan) and the
 * daemon's check (args_check_server), each a table of command lines. A
 * command line is written as one string split on spaces. The dependency
 * cases were checked against gcc 12 and clang 14: the cpp run writes the .d
 * file a local compile writes, byte for byte. */
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

#include "args.h"
#include "macro.h"
#include "strv.h"

/* ---- helpers ------------------------------------------------------------ */

/* "gcc -c x.c" as a vector; NULL for NULL. */
static char **split(const char *line)
{
  char **strv = NULL;

  if (!line) {
    return NULL;
  }
  _cleanup_free_ char *copy = strdup(line);
  char                *save = NULL;

  assert_non_null(copy);
  char *word = strtok_r(copy, " ", &save);
  while (word) {
    assert_int_equal(strv_push(&strv, word), 0);
    word = strtok_r(NULL, " ", &save);
  }
  return strv;
}

static bool strv_equal(char *const *a, char *const *b)
{
  if (!a || !b) {
    return a == b;
  }
  size_t n = strv_length(a);
  if (n != strv_length(b)) {
    return false;
  }
  for (size_t i = 0; i < n; i++) {
    if (strcmp(a[i], b[i]) != 0) {
      return false;
    }
  }
  return true;
}

static bool str_equal(const char *a, const char *b)
{
  return a && b ? strcmp(a, b) == 0 : a == b;
}

static const char *or_null(const char *s)
{
  return s ? s : "(null)";
}

/* Fail, naming the case, unless got (a vector) is want (a line). */
static void check_vector(const char *line, const char *what, char *const *got,
                         const char *want)
{
  _cleanup_strv_free_ char **want_v   = split(want);
  _cleanup_free_ char       *got_text = got ? strv_join(got) : NULL;

  if (!strv_equal(got, want_v)) {
    fail_msg("\"%s\": %s is \"%s\", expected \"%s\"", line, what,
             or_null(got_text), or_null(want));
  }
}

static void check_string(const char *line, const char *what, const char *got,
                         const char *want)
{
  if (!str_equal(got, want)) {
    fail_msg("\"%s\": %s is \"%s\", expected \"%s\"", line, what, or_null(got),
             or_null(want));
  }
}

static void check_bool(const char *line, const char *what, bool got, bool want)
{
  if (got != want) {
    fail_msg("\"%s\": %s is %s, expected %s", line, what,
             got ? "true" : "false", want ? "true" : "false");
  }
}

/* ---- args_plan ---------------------------------------------------------- */

/* A command line that is distributed, and every field of its plan. */
struct remote_case {
  const char *argv;
  const char *input;  /* the source, borrowed from argv */
  const char *lang;   /* its language's -x name */
  const char *output; /* what the client writes */
  const char *deps;   /* the .d file, or NULL */
  const char *cpp;    /* the local cpp run, or NULL: preprocessed input */
  const char *server; /* the command line sent */
  bool        assemble_only;
  bool        directives_only;  /* gcc -g: cpp -fdirectives-only */
  bool        rewrite_includes; /* clang -g: cpp -frewrite-includes */
  bool        tree;             /* clang DWARF 5: the server rebuilds */
  const char *dwo;              /* a tree's -gsplit-dwarf .dwo, or NULL */
};

/* One field a line: the formatter would align it less readably. */
/* clang-format off */
static const struct remote_case remote_cases[] = {
  /* gcc -g3 of a relative name, one that climbs first included */
  {
    .argv   = "gcc -c ../x.c -g3",
    .input  = "../x.c",
    .lang   = "c",
    .output = "x.o",
    .cpp    = "gcc ../x.c -g3 -fdirectives-only -E",
    .server = "gcc -c ../x.c -g3 -fdirectives-only",
    .directives_only = true,
  },
  /* -c and -S of every C-family extension; output names implied or given */
  {
    .argv   = "gcc -c x.c -o x.o",
    .input  = "x.c",
    .lang   = "c",
    .output = "x.o",
    .cpp    = "gcc x.c -fdirectives-only -E",
    .server = "gcc -c x.c -o x.o -fdirectives-only",
    .directives_only = true,
  },
  {
    .argv   = "gcc -c x.c",
    .input  = "x.c",
    .lang   = "c",
    .output = "x.o",
    .cpp    = "gcc x.c -fdirectives-only -E",
    .server = "gcc -c x.c -fdirectives-only",
    .directives_only = true,
  },
  {
    .argv   = "gcc -c dir/x.c",
    .input  = "dir/x.c",
    .lang   = "c",
    .output = "x.o",
    .cpp    = "gcc dir/x.c -fdirectives-only -E",
    .server = "gcc -c dir/x.c -fdirectives-only",
    .directives_only = true,
  },
  {
    .argv   = "gcc -c x.c -ox.o",
    .input  = "x.c",
    .lang   = "c",
    .output = "x.o",
    .cpp    = "gcc x.c -fdirectives-only -E",
    .server = "gcc -c x.c -ox.o -fdirectives-only",
    .directives_only = true,
  },
  {
    .argv   = "gcc -c dir/x.c -o out/y.o",
    .input  = "dir/x.c",
    .lang   = "c",
    .output = "out/y.o",
    .cpp    = "gcc dir/x.c -fdirectives-only -E",
    .server = "gcc -c dir/x.c -o out/y.o -fdirectives-only",
    .directives_only = true,
  },
  {
    .argv          = "gcc -S x.c",
    .input         = "x.c",
    .lang          = "c",
    .output        = "x.s",
    .cpp           = "gcc x.c -fdirectives-only -E",
    .server        = "gcc -S x.c -fdirectives-only",
    .assemble_only = true,
    .directives_only = true,
  },
  {
    .argv          = "gcc -S dir/x.c",
    .input         = "dir/x.c",
    .lang          = "c",
    .output        = "x.s",
    .cpp           = "gcc dir/x.c -fdirectives-only -E",
    .server        = "gcc -S dir/x.c -fdirectives-only",
    .assemble_only = true,
    .directives_only = true,
  },
  {
    .argv          = "gcc -c -S x.c",
    .input         = "x.c",
    .lang          = "c",
    .output        = "x.s",
    .cpp           = "gcc x.c -fdirectives-only -E",
    .server        = "gcc -c -S x.c -fdirectives-only",
    .assemble_only = true,
    .directives_only = true,
  },
  {
    .argv          = "gcc -S -c x.c -o y.s",
    .input         = "x.c",
    .lang          = "c",
    .output        = "y.s",
    .cpp           = "gcc x.c -fdirectives-only -E",
    .server        = "gcc -S -c x.c -o y.s -fdirectives-only",
    .assemble_only = true,
    .directives_only = true,
  },
  {
    .argv   = "g++ -c x.cc",
    .input  = "x.cc",
    .lang   = "c++",
    .output = "x.o",
    .cpp    = "g++ x.cc -fdirectives-only -E",
    .server = "g++ -c x.cc -fdirectives-only",
    .directives_only = true,
  },
  {
    .argv   = "g++ -c x.cpp -o y.o",
    .input  = "x.cpp",
    .lang   = "c++",
    .output = "y.o",
    .cpp    = "g++ x.cpp -fdirectives-only -E",
    .server = "g++ -c x.cpp -o y.o -fdirectives-only",
    .directives_only = true,
  },
  {
    .argv   = "g++ -c x.cxx",
    .input  = "x.cxx",
    .lang   = "c++",
    .output = "x.o",
    .cpp    = "g++ x.cxx -fdirectives-only -E",
    .server = "g++ -c x.cxx -fdirectives-only",
    .directives_only = true,
  },
  {
    .argv   = "g++ -c x.C",
    .input  = "x.C",
    .lang   = "c++",
    .output = "x.o",
    .cpp    = "g++ x.C -fdirectives-only -E",
    .server = "g++ -c x.C -fdirectives-only",
    .directives_only = true,
  },
  {
    .argv   = "gcc -c x.m",
    .input  = "x.m",
    .lang   = "objective-c",
    .output = "x.o",
    .cpp    = "gcc x.m -fdirectives-only -E",
    .server = "gcc -c x.m -fdirectives-only",
    .directives_only = true,
  },
  {
    .argv   = "g++ -c x.mm",
    .input  = "x.mm",
    .lang   = "objective-c++",
    .output = "x.o",
    .cpp    = "g++ x.mm -fdirectives-only -E",
    .server = "g++ -c x.mm -fdirectives-only",
    .directives_only = true,
  },
  {
    .argv   = "gcc -c x.S",
    .input  = "x.S",
    .lang   = "assembler-with-cpp",
    .output = "x.o",
    .cpp    = "gcc x.S -E",
    .server = "gcc -c x.S",
  },
  {
    .argv   = "gcc -c x.s",
    .input  = "x.s",
    .lang   = "assembler",
    .output = "x.o",
    .server = "gcc -c x.s",
  },
  {
    .argv   = "gcc -c x.i",
    .input  = "x.i",
    .lang   = "cpp-output",
    .output = "x.o",
    .server = "gcc -c x.i",
  },
  {
    .argv   = "g++ -c x.ii",
    .input  = "x.ii",
    .lang   = "c++-cpp-output",
    .output = "x.o",
    .server = "g++ -c x.ii",
  },
  {
    .argv          = "gcc -S x.i",
    .input         = "x.i",
    .lang          = "cpp-output",
    .output        = "x.s",
    .server        = "gcc -S x.i",
    .assemble_only = true,
  },
  {
    .argv          = "g++ -S x.cc -o out/y.s",
    .input         = "x.cc",
    .lang          = "c++",
    .output        = "out/y.s",
    .cpp           = "g++ x.cc -fdirectives-only -E",
    .server        = "g++ -S x.cc -o out/y.s -fdirectives-only",
    .assemble_only = true,
    .directives_only = true,
  },
  /* -x: the server gets the preprocessed form; a trailing -x does nothing */
  {
    .argv   = "gcc -x c++ -c x.c",
    .input  = "x.c",
    .lang   = "c++",
    .output = "x.o",
    .cpp    = "gcc -x c++ x.c -fdirectives-only -E",
    .server = "gcc -x c++-cpp-output -c x.c -fdirectives-only",
    .directives_only = true,
  },
  {
    .argv   = "gcc -xc++ -c x.c",
    .input  = "x.c",
    .lang   = "c++",
    .output = "x.o",
    .cpp    = "gcc -xc++ x.c -fdirectives-only -E",
    .server = "gcc -xc++-cpp-output -c x.c -fdirectives-only",
    .directives_only = true,
  },
  {
    .argv   = "gcc -xobjective-c++ -c x.c",
    .input  = "x.c",
    .lang   = "objective-c++",
    .output = "x.o",
    .cpp    = "gcc -xobjective-c++ x.c -fdirectives-only -E",
    .server = "gcc -xobjective-c++-cpp-output -c x.c -fdirectives-only",
    .directives_only = true,
  },
  {
    .argv   = "gcc -x none -c x.c",
    .input  = "x.c",
    .lang   = "c",
    .output = "x.o",
    .cpp    = "gcc -x none x.c -fdirectives-only -E",
    .server = "gcc -x none -c x.c -fdirectives-only",
    .directives_only = true,
  },
  {
    .argv   = "gcc -x c++ -x none -c x.c",
    .input  = "x.c",
    .lang   = "c",
    .output = "x.o",
    .cpp    = "gcc -x c++ -x none x.c -fdirectives-only -E",
    .server = "gcc -x c++-cpp-output -x none -c x.c -fdirectives-only",
    .directives_only = true,
  },
  {
    .argv   = "gcc -c x.c -x c++",
    .input  = "x.c",
    .lang   = "c",
    .output = "x.o",
    .cpp    = "gcc x.c -x c++ -fdirectives-only -E",
    .server = "gcc -c x.c -x c++-cpp-output -fdirectives-only",
    .directives_only = true,
  },
  {
    .argv   = "gcc -x assembler-with-cpp -c x.asm",
    .input  = "x.asm",
    .lang   = "assembler-with-cpp",
    .output = "x.o",
    .cpp    = "gcc -x assembler-with-cpp x.asm -E",
    .server = "gcc -x assembler -c x.asm",
  },
  {
    .argv   = "gcc -x c -c x.i",
    .input  = "x.i",
    .lang   = "c",
    .output = "x.o",
    .cpp    = "gcc -x c x.i -fdirectives-only -E",
    .server = "gcc -x cpp-output -c x.i -fdirectives-only",
    .directives_only = true,
  },
  {
    .argv   = "gcc -x cpp-output -c x.c",
    .input  = "x.c",
    .lang   = "cpp-output",
    .output = "x.o",
    .server = "gcc -x cpp-output -c x.c",
  },
  /* preprocessor and linker options stay on this side */
  {
    .argv   = "gcc -c x.c -o x.o -D X -DY -I inc -Iinc2 -U Z -UW",
    .input  = "x.c",
    .lang   = "c",
    .output = "x.o",
    .cpp    = "gcc x.c -D X -DY -I inc -Iinc2 -U Z -UW -fdirectives-only -E",
    .server = "gcc -c x.c -o x.o -fdirectives-only",
    .directives_only = true,
  },
  {
    .argv   = "gcc -c x.c -include f.h -isystem d -idirafter e",
    .input  = "x.c",
    .lang   = "c",
    .output = "x.o",
    .cpp    = "gcc x.c -include f.h -isystem d -idirafter e -fdirectives-only -E",
    .server = "gcc -c x.c -fdirectives-only",
    .directives_only = true,
  },
  {
    .argv   = "gcc -c x.c -iquote q -imacros m.h",
    .input  = "x.c",
    .lang   = "c",
    .output = "x.o",
    .cpp    = "gcc x.c -iquote q -imacros m.h -fdirectives-only -E",
    .server = "gcc -c x.c -fdirectives-only",
    .directives_only = true,
  },
  {
    .argv   = "gcc -c x.c -o x.o -nostdinc -undef",
    .input  = "x.c",
    .lang   = "c",
    .output = "x.o",
    .cpp    = "gcc x.c -nostdinc -undef -fdirectives-only -E",
    .server = "gcc -c x.c -o x.o -undef -fdirectives-only",
    .directives_only = true,
  },
  {
    .argv   = "gcc -c x.c -o x.o --sysroot=/x -Xpreprocessor -DX",
    .input  = "x.c",
    .lang   = "c",
    .output = "x.o",
    .cpp    = "gcc x.c --sysroot=/x -Xpreprocessor -DX -fdirectives-only -E",
    .server = "gcc -c x.c -o x.o -fdirectives-only",
    .directives_only = true,
  },
  {
    .argv   = "gcc -c x.c -o x.o -Wp,-DX,-Iinc",
    .input  = "x.c",
    .lang   = "c",
    .output = "x.o",
    .cpp    = "gcc x.c -Wp,-DX,-Iinc -fdirectives-only -E",
    .server = "gcc -c x.c -o x.o -fdirectives-only",
    .directives_only = true,
  },
  {
    .argv   = "gcc -c x.c -o x.o -L lib -Llib2 -lm -l z -Wl,-x -Xlinker -y",
    .input  = "x.c",
    .lang   = "c",
    .output = "x.o",
    .cpp    = "gcc x.c -L lib -Llib2 -lm -l z -Wl,-x -Xlinker -y -fdirectives-only -E",
    .server = "gcc -c x.c -o x.o -fdirectives-only",
    .directives_only = true,
  },
  /* options of the compile proper travel */
  {
    .argv   = "gcc -c x.c -O2 -g -Wall -fPIC -std=c11 -m64",
    .input  = "x.c",
    .lang   = "c",
    .output = "x.o",
    .cpp    = "gcc x.c -O2 -g -Wall -fPIC -std=c11 -m64 -fdirectives-only -E",
    .server = "gcc -c x.c -O2 -g -Wall -fPIC -std=c11 -m64 -fdirectives-only",
    .directives_only = true,
  },
  {
    .argv   = "gcc -c x.c --param x=y -pthread -w -pedantic",
    .input  = "x.c",
    .lang   = "c",
    .output = "x.o",
    .cpp    = "gcc x.c --param x=y -pthread -w -pedantic -fdirectives-only -E",
    .server = "gcc -c x.c --param x=y -pthread -w -pedantic -fdirectives-only",
    .directives_only = true,
  },
  {
    .argv   = "gcc -c x.c -o x.o -frobnicate",
    .input  = "x.c",
    .lang   = "c",
    .output = "x.o",
    .cpp    = "gcc x.c -frobnicate -fdirectives-only -E",
    .server = "gcc -c x.c -o x.o -frobnicate -fdirectives-only",
    .directives_only = true,
  },
  {
    .argv   = "gcc -c x.c -o x.o -Wa,--noexecstack",
    .input  = "x.c",
    .lang   = "c",
    .output = "x.o",
    .cpp    = "gcc x.c -Wa,--noexecstack -fdirectives-only -E",
    .server = "gcc -c x.c -o x.o -Wa,--noexecstack -fdirectives-only",
    .directives_only = true,
  },
  {
    .argv   = "gcc -c x.c -o x.o -fdebug-prefix-map=/a=/b",
    .input  = "x.c",
    .lang   = "c",
    .output = "x.o",
    .cpp    = "gcc x.c -fdebug-prefix-map=/a=/b -fdirectives-only -E",
    .server = "gcc -c x.c -o x.o -fdebug-prefix-map=/a=/b -fdirectives-only",
    .directives_only = true,
  },
  {
    .argv   = "/usr/bin/gcc -c x.c -o x.o -O2",
    .input  = "x.c",
    .lang   = "c",
    .output = "x.o",
    .cpp    = "/usr/bin/gcc x.c -O2 -fdirectives-only -E",
    .server = "/usr/bin/gcc -c x.c -o x.o -O2 -fdirectives-only",
    .directives_only = true,
  },
  /* LTO: clang's object names no directory; gcc's cancelled LTO goes */
  {
    .argv   = "clang -c x.c -o x.o -O2 -flto=thin",
    .input  = "x.c",
    .lang   = "c",
    .output = "x.o",
    .cpp    = "clang x.c -O2 -flto=thin -frewrite-includes -E",
    .server = "clang -c x.c -o x.o -O2 -flto=thin -frewrite-includes",
    .rewrite_includes = true,
  },
  {
    .argv   = "gcc -c x.c -flto -fno-lto -flto-partition=none",
    .input  = "x.c",
    .lang   = "c",
    .output = "x.o",
    .cpp    = "gcc x.c -flto -fno-lto -flto-partition=none -fdirectives-only -E",
    .server = "gcc -c x.c -flto -fno-lto -flto-partition=none -fdirectives-only",
    .directives_only = true,
  },
  /* gcc's words wrap only with -fmessage-length=N, N > 0; clang's
     names are the client's on the server too */
  {
    .argv   = "gcc -c x.c -fmessage-length=40 -fmessage-length=0",
    .input  = "x.c",
    .lang   = "c",
    .output = "x.o",
    .cpp    = "gcc x.c -fmessage-length=40 -fmessage-length=0 -fdirectives-only -E",
    .server = "gcc -c x.c -fmessage-length=40 -fmessage-length=0 -fdirectives-only",
    .directives_only = true,
  },
  {
    .argv   = "clang -c x.c -o x.o -fmessage-length=40",
    .input  = "x.c",
    .lang   = "c",
    .output = "x.o",
    .cpp    = "clang x.c -fmessage-length=40 -frewrite-includes -E",
    .server = "clang -c x.c -o x.o -fmessage-length=40 -frewrite-includes",
    .rewrite_includes = true,
  },
  {
    .argv   = "clang -c x.c -o x.o -O2",
    .input  = "x.c",
    .lang   = "c",
    .output = "x.o",
    .cpp    = "clang x.c -O2 -frewrite-includes -E",
    .server = "clang -c x.c -o x.o -O2 -frewrite-includes",
    .rewrite_includes = true,
  },
  {
    .argv   = "clang++ -c x.cc -o x.o -target x86_64-linux-gnu",
    .input  = "x.cc",
    .lang   = "c++",
    .output = "x.o",
    .cpp    = "clang++ x.cc -target x86_64-linux-gnu -frewrite-includes -E",
    .server = "clang++ -c x.cc -o x.o -target x86_64-linux-gnu -frewrite-includes",
    .rewrite_includes = true,
  },
  /* clang DWARF 5 (its default): the server rebuilds the files, so it
     gets the whole command line (the include search and the macros, in
     order, but not the dependency options) and the working directory in
     the mark */
  {
    .argv   = "clang -c x.c -o x.o -g",
    .input  = "x.c",
    .lang   = "c",
    .output = "x.o",
    .cpp    = "clang x.c -g -frewrite-includes -E",
    .server = "clang -c x.c -o x.o -g -fdebug-compilation-dir=@CWD@ "
              "--herdcc-tree=@CWD@",
    .rewrite_includes = true,
    .tree   = true,
  },
  {
    .argv   = "clang -c src/x.c -o x.o -O2 -g -I inc -DA=1 -include c.h "
              "-Wp,-DC,-Id -U B -iquote q -MD -MF x.d -Wall",
    .input  = "src/x.c",
    .lang   = "c",
    .output = "x.o",
    .deps   = "x.d",
    .cpp    = "clang src/x.c -O2 -g -I inc -DA=1 -include c.h -Wp,-DC,-Id "
              "-U B -iquote q -Wall -MD -MF x.d -MQ x.o -frewrite-includes -E",
    .server = "clang -c src/x.c -o x.o -O2 -g -I inc -DA=1 -include c.h "
              "-Wp,-DC,-Id -U B -iquote q -Wall "
              "-fdebug-compilation-dir=@CWD@ --herdcc-tree=@CWD@",
    .rewrite_includes = true,
    .tree   = true,
  },
  {
    .argv   = "clang++ -c /src/x.cc -gdwarf-5 -isystem /opt/inc --sysroot=/sr "
              "-nostdinc++ -ffile-compilation-dir=.",
    .input  = "/src/x.cc",
    .lang   = "c++",
    .output = "x.o",
    .cpp    = "clang++ /src/x.cc -gdwarf-5 -isystem /opt/inc --sysroot=/sr "
              "-nostdinc++ -ffile-compilation-dir=. -frewrite-includes -E",
    .server = "clang++ -c /src/x.cc -gdwarf-5 -isystem /opt/inc --sysroot=/sr "
              "-nostdinc++ -ffile-compilation-dir=. --herdcc-tree=@CWD@",
    .rewrite_includes = true,
    .tree   = true,
  },
  /* clang -gsplit-dwarf: a tree (DWARF 4 too), compiled under the
     client's output name, the .dwo beside the object */
  {
    .argv   = "clang -c x.c -o obj/x.o -g -gsplit-dwarf",
    .input  = "x.c",
    .lang   = "c",
    .output = "obj/x.o",
    .cpp    = "clang x.c -g -gsplit-dwarf -frewrite-includes -E",
    .server = "clang -c x.c -o obj/x.o -g -gsplit-dwarf "
              "-fdebug-compilation-dir=@CWD@ --herdcc-tree=@CWD@",
    .rewrite_includes = true,
    .tree   = true,
    .dwo    = "obj/x.dwo",
  },
  {
    .argv   = "clang++ -c ../s/y.cc -gdwarf-4 -gsplit-dwarf",
    .input  = "../s/y.cc",
    .lang   = "c++",
    .output = "y.o",
    .cpp    = "clang++ ../s/y.cc -gdwarf-4 -gsplit-dwarf -frewrite-includes -E",
    .server = "clang++ -c ../s/y.cc -gdwarf-4 -gsplit-dwarf "
              "-fdebug-compilation-dir=@CWD@ --herdcc-tree=@CWD@",
    .rewrite_includes = true,
    .tree   = true,
    .dwo    = "y.dwo",
  },
  /* gcc -gsplit-dwarf: its text, compiled under the client's names; the
     .dwo comes back even without -g (gcc writes one) */
  {
    .argv   = "gcc -c ../s/x.c -o obj/x.o -g -O2 -gsplit-dwarf",
    .input  = "../s/x.c",
    .lang   = "c",
    .output = "obj/x.o",
    .cpp    = "gcc ../s/x.c -g -O2 -gsplit-dwarf -fdirectives-only -E",
    .server = "gcc -c ../s/x.c -o obj/x.o -g -O2 -gsplit-dwarf "
              "-fdirectives-only",
    .directives_only = true,
    .dwo    = "obj/x.dwo",
  },
  {
    .argv   = "g++ -c y.cc -gsplit-dwarf -O2",
    .input  = "y.cc",
    .lang   = "c++",
    .output = "y.o",
    .cpp    = "g++ y.cc -gsplit-dwarf -O2 -fdirectives-only -E",
    .server = "g++ -c y.cc -gsplit-dwarf -O2 -fdirectives-only",
    .directives_only = true,
    .dwo    = "y.dwo",
  },
  /* clang -g with DWARF 4 or older: -frewrite-includes keeps the columns;
     the server is told the directory and the mark */
  {
    .argv   = "clang -c x.c -o x.o -g -gdwarf-4",
    .input  = "x.c",
    .lang   = "c",
    .output = "x.o",
    .cpp    = "clang x.c -g -gdwarf-4 -frewrite-includes -E",
    .server = "clang -c x.c -o x.o -g -gdwarf-4 "
              "-fdebug-compilation-dir=@CWD@ -frewrite-includes",
    .rewrite_includes = true,
  },
  {
    .argv   = "clang-14 -c x.c -gdwarf-4 -O1 -gno-record-command-line",
    .input  = "x.c",
    .lang   = "c",
    .output = "x.o",
    .cpp    = "clang-14 x.c -gdwarf-4 -O1 -gno-record-command-line "
              "-frewrite-includes -E",
    .server = "clang-14 -c x.c -gdwarf-4 -O1 -gno-record-command-line "
              "-fdebug-compilation-dir=@CWD@ -frewrite-includes",
    .rewrite_includes = true,
  },
  {
    .argv   = "clang++ -c x.cc -gdwarf-4 -ffile-compilation-dir=.",
    .input  = "x.cc",
    .lang   = "c++",
    .output = "x.o",
    .cpp    = "clang++ x.cc -gdwarf-4 -ffile-compilation-dir=. "
              "-frewrite-includes -E",
    .server = "clang++ -c x.cc -gdwarf-4 -ffile-compilation-dir=. "
              "-frewrite-includes",
    .rewrite_includes = true,
  },
  /* clang's text leaves the command line's macros to the compile: -D and
     -U (of -Wp, lists too) go to the server, in order, -I does not */
  {
    .argv   = "clang -c x.c -o x.o -g -gdwarf-4 -DA=1 -U B -Wp,-DC,-Id,-UE "
              "-I inc -undef",
    .input  = "x.c",
    .lang   = "c",
    .output = "x.o",
    .cpp    = "clang x.c -g -gdwarf-4 -DA=1 -U B -Wp,-DC,-Id,-UE -I inc "
              "-undef -frewrite-includes -E",
    .server = "clang -c x.c -o x.o -g -gdwarf-4 -undef -DA=1 -U B -DC -UE "
              "-fdebug-compilation-dir=@CWD@ -frewrite-includes",
    .rewrite_includes = true,
  },
  /* -C, -CC and -P shape -E output only: a compile ignores them (gcc
     records them in DW_AT_producer) */
  {
    .argv   = "gcc -c x.c -o x.o -g -C -P -CC -fno-working-directory",
    .input  = "x.c",
    .lang   = "c",
    .output = "x.o",
    .cpp    = "gcc x.c -g -fdirectives-only -E",
    .server = "gcc -c x.c -o x.o -g -C -P -CC -fno-working-directory "
              "-fdirectives-only",
    .directives_only = true,
  },
  {
    .argv   = "clang -c x.c -o x.o -gdwarf-4 -P",
    .input  = "x.c",
    .lang   = "c",
    .output = "x.o",
    .cpp    = "clang x.c -gdwarf-4 -frewrite-includes -E",
    .server = "clang -c x.c -o x.o -gdwarf-4 -P "
              "-fdebug-compilation-dir=@CWD@ -frewrite-includes",
    .rewrite_includes = true,
  },
  /* gcc's text defines them itself */
  {
    .argv   = "gcc -c x.c -o x.o -g -DA=1 -U B",
    .input  = "x.c",
    .lang   = "c",
    .output = "x.o",
    .cpp    = "gcc x.c -g -DA=1 -U B -fdirectives-only -E",
    .server = "gcc -c x.c -o x.o -g -fdirectives-only",
    .directives_only = true,
  },
  /* -g0 undoes -g */
  {
    .argv   = "clang -c x.c -o x.o -g -gdwarf-4 -g0",
    .input  = "x.c",
    .lang   = "c",
    .output = "x.o",
    .cpp    = "clang x.c -g -gdwarf-4 -g0 -frewrite-includes -E",
    .server = "clang -c x.c -o x.o -g -gdwarf-4 -g0 -frewrite-includes",
    .rewrite_includes = true,
  },
  /* -MD/-MMD: the .d file and target a compile writes (gcc 12, clang 14) */
  {
    .argv   = "gcc -c x.c -o x.o -MD",
    .input  = "x.c",
    .lang   = "c",
    .output = "x.o",
    .deps   = "x.d",
    .cpp    = "gcc x.c -MD -MF x.d -MQ x.o -fdirectives-only -E",
    .server = "gcc -c x.c -o x.o -fdirectives-only",
    .directives_only = true,
  },
  {
    .argv   = "gcc -c x.c -MD",
    .input  = "x.c",
    .lang   = "c",
    .output = "x.o",
    .deps   = "x.d",
    .cpp    = "gcc x.c -MD -MF x.d -MQ x.o -fdirectives-only -E",
    .server = "gcc -c x.c -fdirectives-only",
    .directives_only = true,
  },
  {
    .argv   = "gcc -c dir/x.c -MD",
    .input  = "dir/x.c",
    .lang   = "c",
    .output = "x.o",
    .deps   = "x.d",
    .cpp    = "gcc dir/x.c -MD -MF x.d -MQ x.o -fdirectives-only -E",
    .server = "gcc -c dir/x.c -fdirectives-only",
    .directives_only = true,
  },
  {
    .argv   = "gcc -c x.c -o out/y.o -MD",
    .input  = "x.c",
    .lang   = "c",
    .output = "out/y.o",
    .deps   = "out/y.d",
    .cpp    = "gcc x.c -MD -MF out/y.d -MQ out/y.o -fdirectives-only -E",
    .server = "gcc -c x.c -o out/y.o -fdirectives-only",
    .directives_only = true,
  },
  {
    .argv   = "gcc -c x.c -o noext -MD",
    .input  = "x.c",
    .lang   = "c",
    .output = "noext",
    .deps   = "noext.d",
    .cpp    = "gcc x.c -MD -MF noext.d -MQ noext -fdirectives-only -E",
    .server = "gcc -c x.c -o noext -fdirectives-only",
    .directives_only = true,
  },
  {
    .argv   = "gcc -c x.c -o .hidden -MD",
    .input  = "x.c",
    .lang   = "c",
    .output = ".hidden",
    .deps   = ".d",
    .cpp    = "gcc x.c -MD -MF .d -MQ .hidden -fdirectives-only -E",
    .server = "gcc -c x.c -o .hidden -fdirectives-only",
    .directives_only = true,
  },
  {
    .argv          = "gcc -S x.c -MD",
    .input         = "x.c",
    .lang          = "c",
    .output        = "x.s",
    .deps          = "x.d",
    .cpp           = "gcc x.c -MD -MF x.d -MQ x.o -fdirectives-only -E",
    .server        = "gcc -S x.c -fdirectives-only",
    .assemble_only = true,
    .directives_only = true,
  },
  {
    .argv          = "gcc -S x.c -o y.s -MD",
    .input         = "x.c",
    .lang          = "c",
    .output        = "y.s",
    .deps          = "y.d",
    .cpp           = "gcc x.c -MD -MF y.d -MQ y.s -fdirectives-only -E",
    .server        = "gcc -S x.c -o y.s -fdirectives-only",
    .assemble_only = true,
    .directives_only = true,
  },
  {
    .argv   = "gcc -c x.S -o y.o -MD",
    .input  = "x.S",
    .lang   = "assembler-with-cpp",
    .output = "y.o",
    .deps   = "y.d",
    .cpp    = "gcc x.S -MD -MF y.d -MQ y.o -E",
    .server = "gcc -c x.S -o y.o",
  },
  {
    .argv   = "gcc -c x.c -o y.o -MMD",
    .input  = "x.c",
    .lang   = "c",
    .output = "y.o",
    .deps   = "y.d",
    .cpp    = "gcc x.c -MMD -MF y.d -MQ y.o -fdirectives-only -E",
    .server = "gcc -c x.c -o y.o -fdirectives-only",
    .directives_only = true,
  },
  {
    .argv   = "gcc -c x.c -o y.o -MMD -MD",
    .input  = "x.c",
    .lang   = "c",
    .output = "y.o",
    .deps   = "y.d",
    .cpp    = "gcc x.c -MMD -MF y.d -MQ y.o -fdirectives-only -E",
    .server = "gcc -c x.c -o y.o -fdirectives-only",
    .directives_only = true,
  },
  {
    .argv   = "gcc -c x.c -o y.o -MD -MF dep.d",
    .input  = "x.c",
    .lang   = "c",
    .output = "y.o",
    .deps   = "dep.d",
    .cpp    = "gcc x.c -MD -MF dep.d -MQ y.o -fdirectives-only -E",
    .server = "gcc -c x.c -o y.o -fdirectives-only",
    .directives_only = true,
  },
  {
    .argv   = "gcc -c x.c -o y.o -MD -MFdep.d",
    .input  = "x.c",
    .lang   = "c",
    .output = "y.o",
    .deps   = "dep.d",
    .cpp    = "gcc x.c -MD -MF dep.d -MQ y.o -fdirectives-only -E",
    .server = "gcc -c x.c -o y.o -fdirectives-only",
    .directives_only = true,
  },
  {
    .argv   = "gcc -c x.c -o y.o -MMD -MP",
    .input  = "x.c",
    .lang   = "c",
    .output = "y.o",
    .deps   = "y.d",
    .cpp    = "gcc x.c -MMD -MF y.d -MQ y.o -MP -fdirectives-only -E",
    .server = "gcc -c x.c -o y.o -fdirectives-only",
    .directives_only = true,
  },
  {
    .argv   = "gcc -c x.c -o y.o -MD -MT tgt",
    .input  = "x.c",
    .lang   = "c",
    .output = "y.o",
    .deps   = "y.d",
    .cpp    = "gcc x.c -MD -MF y.d -MT tgt -fdirectives-only -E",
    .server = "gcc -c x.c -o y.o -fdirectives-only",
    .directives_only = true,
  },
  {
    .argv   = "gcc -c x.c -o y.o -MD -MQ tgt",
    .input  = "x.c",
    .lang   = "c",
    .output = "y.o",
    .deps   = "y.d",
    .cpp    = "gcc x.c -MD -MF y.d -MQ tgt -fdirectives-only -E",
    .server = "gcc -c x.c -o y.o -fdirectives-only",
    .directives_only = true,
  },
  {
    .argv   = "gcc -c x.c -o y.o -MD -MTa -MQ b -MP",
    .input  = "x.c",
    .lang   = "c",
    .output = "y.o",
    .deps   = "y.d",
    .cpp    = "gcc x.c -MD -MF y.d -MT a -MQ b -MP -fdirectives-only -E",
    .server = "gcc -c x.c -o y.o -fdirectives-only",
    .directives_only = true,
  },
  /* prefix maps are strings to the compiler, sent as they are */
  {
    .argv   = "gcc -c x.c -fdebug-prefix-map=/a=/b -fmacro-prefix-map=/c=. "
              "-ffile-prefix-map=/d=e -fprofile-prefix-map=/f=g",
    .input  = "x.c",
    .lang   = "c",
    .output = "x.o",
    .cpp    = "gcc x.c -fdebug-prefix-map=/a=/b -fmacro-prefix-map=/c=. "
              "-ffile-prefix-map=/d=e -fprofile-prefix-map=/f=g "
              "-fdirectives-only -E",
    .server = "gcc -c x.c -fdebug-prefix-map=/a=/b -fmacro-prefix-map=/c=. "
              "-ffile-prefix-map=/d=e -fprofile-prefix-map=/f=g "
              "-fdirectives-only",
    .directives_only = true,
  },
  /* gcc reads -Wp, dependency lists as cc1 does, item by item: the last
     file wins, targets replace the default (checked against gcc 12) */
  {
    .argv   = "gcc -c x.c -o y.o -Wp,-MMD,f.d,-MT,tgt",
    .input  = "x.c",
    .lang   = "c",
    .output = "y.o",
    .deps   = "f.d",
    .cpp    = "gcc x.c -MMD -MF f.d -MT tgt -fdirectives-only -E",
    .server = "gcc -c x.c -o y.o -fdirectives-only",
    .directives_only = true,
  },
  {
    .argv   = "gcc -c x.c -o y.o -Wp,-MD,f.d,-MQ,$q,-MP",
    .input  = "x.c",
    .lang   = "c",
    .output = "y.o",
    .deps   = "f.d",
    .cpp    = "gcc x.c -MD -MF f.d -MQ $q -MP -fdirectives-only -E",
    .server = "gcc -c x.c -o y.o -fdirectives-only",
    .directives_only = true,
  },
  {
    .argv   = "gcc -c x.c -o y.o -Wp,-MD,f.d -Wp,-MF,g.d",
    .input  = "x.c",
    .lang   = "c",
    .output = "y.o",
    .deps   = "g.d",
    .cpp    = "gcc x.c -MD -MF g.d -MQ x.o -fdirectives-only -E",
    .server = "gcc -c x.c -o y.o -fdirectives-only",
    .directives_only = true,
  },
  {
    .argv   = "gcc -c x.c -o y.o -Wp,-MMD,f.d -Wp,-MT,t2",
    .input  = "x.c",
    .lang   = "c",
    .output = "y.o",
    .deps   = "f.d",
    .cpp    = "gcc x.c -MMD -MF f.d -MT t2 -fdirectives-only -E",
    .server = "gcc -c x.c -o y.o -fdirectives-only",
    .directives_only = true,
  },
  {
    .argv   = "gcc -c x.c -Wp,-MF,f.d,-MD,g.d",
    .input  = "x.c",
    .lang   = "c",
    .output = "x.o",
    .deps   = "g.d",
    .cpp    = "gcc x.c -MD -MF g.d -MQ x.o -fdirectives-only -E",
    .server = "gcc -c x.c -fdirectives-only",
    .directives_only = true,
  },
  /* -Wp,-MD,FILE: gcc names the target after the source, clang after -o */
  {
    .argv   = "gcc -c x.c -o y.o -Wp,-MD,f",
    .input  = "x.c",
    .lang   = "c",
    .output = "y.o",
    .deps   = "f",
    .cpp    = "gcc x.c -MD -MF f -MQ x.o -fdirectives-only -E",
    .server = "gcc -c x.c -o y.o -fdirectives-only",
    .directives_only = true,
  },
  {
    .argv   = "gcc -c x.c -o y.o -Wp,-MMD,f",
    .input  = "x.c",
    .lang   = "c",
    .output = "y.o",
    .deps   = "f",
    .cpp    = "gcc x.c -MMD -MF f -MQ x.o -fdirectives-only -E",
    .server = "gcc -c x.c -o y.o -fdirectives-only",
    .directives_only = true,
  },
  {
    .argv   = "gcc -c dir/x.c -Wp,-MD,dep.d",
    .input  = "dir/x.c",
    .lang   = "c",
    .output = "x.o",
    .deps   = "dep.d",
    .cpp    = "gcc dir/x.c -MD -MF dep.d -MQ x.o -fdirectives-only -E",
    .server = "gcc -c dir/x.c -fdirectives-only",
    .directives_only = true,
  },
  {
    .argv   = "x86_64-linux-gnu-gcc -c x.c -o y.o -Wp,-MD,f",
    .input  = "x.c",
    .lang   = "c",
    .output = "y.o",
    .deps   = "f",
    .cpp    = "x86_64-linux-gnu-gcc x.c -MD -MF f -MQ x.o -fdirectives-only -E",
    .server = "x86_64-linux-gnu-gcc -c x.c -o y.o -fdirectives-only",
    .directives_only = true,
  },
  {
    .argv   = "clang -c x.c -o y.o -Wp,-MD,f",
    .input  = "x.c",
    .lang   = "c",
    .output = "y.o",
    .deps   = "f",
    .cpp    = "clang x.c -MD -MF f -MQ y.o -frewrite-includes -E",
    .server = "clang -c x.c -o y.o -frewrite-includes",
    .rewrite_includes = true,
  },
  {
    .argv   = "clang-14 -c x.c -o y.o -Wp,-MMD,dep.d",
    .input  = "x.c",
    .lang   = "c",
    .output = "y.o",
    .deps   = "dep.d",
    .cpp    = "clang-14 x.c -MMD -MF dep.d -MQ y.o -frewrite-includes -E",
    .server = "clang-14 -c x.c -o y.o -frewrite-includes",
    .rewrite_includes = true,
  },
  {
    .argv   = "clang -c dir/x.c -Wp,-MD,f",
    .input  = "dir/x.c",
    .lang   = "c",
    .output = "x.o",
    .deps   = "f",
    .cpp    = "clang dir/x.c -MD -MF f -MQ x.o -frewrite-includes -E",
    .server = "clang -c dir/x.c -frewrite-includes",
    .rewrite_includes = true,
  },
};
/* clang-format on */

/* A command line that runs locally, and a word of the reason it gives. */
struct local_case {
  const char *argv;
  const char *reason;
};

static const struct local_case local_cases[] = {
  /* clang's text would have neither the file's macros nor their uses */
  { "clang -c x.c -imacros m.h",                        "clang with -imacros"           },
  { "clang -c x.c -Xpreprocessor -DA",                  "clang with -Xpreprocessor"     },
  { "gcc -c x.c -Wp,-D,A",                              "-Wp,-D,A is not distributable" },
  /* clang refuses -C without -E, and says so itself */
  { "clang -c x.c -C",                                  "clang with -C"                 },
  { "clang++ -c x.cc -CC -g",                           "clang with -CC"                },
  /* not a compile of one file */
  { "gcc -E x.c",                                       "-E"                            },
  { "gcc -c x.c -E",                                    "-E"                            },
  { "gcc -M x.c",                                       "-M"                            },
  { "gcc -MM x.c",                                      "-MM"                           },
  { "gcc x.c -o x",                                     "not a compile"                 },
  { "gcc x.c",                                          "not a compile"                 },
  { "gcc -c x.c y.c",                                   "several sources"               },
  { "gcc -c",                                           "no source file"                },
  { "gcc -c -",                                         "standard input"                },
  { "gcc -c x.c -o -",                                  "standard output"               },
  /* an option without its value */
  { "gcc -c x.c -o",                                    "-o lacks its argument"         },
  { "gcc -c x.c -x",                                    "-x lacks its argument"         },
  { "gcc -c x.c -D",                                    "-D lacks its argument"         },
  { "gcc -c x.c -MD -MF",                               "-MF lacks its argument"        },
  /* languages outside the family */
  { "gcc -x fortran -c x.f",                            "-x fortran"                    },
  { "gcc -x ada -c x.adb",                              "-x ada"                        },
  { "gcc -x c-header -c x.h",                           "-x c-header"                   },
  { "gcc -c x.c -x cx+",                                "-x cx+"                        },
  { "gcc -c x.f90",                                     "x.f90"                         },
  { "gcc -c x.h",                                       "x.h"                           },
  /* -S of assembler: gcc writes no .s (x.s), or cpp output to stdout (x.S) */
  { "gcc -S x.s",                                       "-S of assembler"               },
  { "gcc -S x.S",                                       "-S of assembler"               },
  { "gcc -x assembler -S x.asm -o y.s",                 "-S of assembler"               },
  /* this machine, profiles and coverage, files of the compiler's own */
  { "gcc -c x.c -march=native",                         "-march=native"                 },
  { "clang -c x.c -fuse-ld=/usr/bin/ld.bfd",            "-fuse-ld="                     },
  { "gcc -c x.c --param=x=/tmp/y",                      "--param=x=/tmp/y"              },
  { "gcc -c x.c -mtune=native",                         "-mtune=native"                 },
  { "gcc -c x.c -pg",                                   "-pg"                           },
  { "gcc -c x.c --coverage",                            "--coverage"                    },
  { "gcc -c x.c -fprofile-generate",                    "-fprofile-generate"            },
  { "gcc -c x.c -fprofile-use=x",                       "-fprofile-use=x"               },
  { "gcc -c x.c -fprofile-use -fprofile-use",           "more than one profile"         },
  { "gcc -c x.c -fprofile-use -fprofile-dir=d",         "-fprofile-dir=d"               },
  { "gcc -c x.c -o none/x.o -fprofile-use",             "none/x.gcda"                   },
  { "clang -c x.c -fprofile-use=none.profdata",         "none.profdata"                 },
  { "clang -c x.c -fprofile-sample-use=",               "the profile"                   },
  { "clang -c x.c -fprofile-instr-generate",            "-fprofile-instr-generate"      },
  { "gcc -c x.c -ftest-coverage",                       "-ftest-coverage"               },
  { "gcc -c x.c -save-temps",                           "-save-temps"                   },
  { "gcc -c /s/x.c -gsplit-dwarf",                      "gcc -gsplit-dwarf of /s/x.c"   },
  { "gcc -c x.c -gsplit-dwarf -o /o/x.o",               "gcc -gsplit-dwarf /o/x.o"      },
  { "gcc -S x.c -g -gsplit-dwarf",                      "gcc -gsplit-dwarf with -S"     },
  { "gcc -c x.i -g -gsplit-dwarf",                      "-gsplit-dwarf of x.i"          },
  { "gcc -c x.c -g -fopenmp -gsplit-dwarf",             "dwarf with -fopenmp"           },
  { "clang -c x.c -g -gsplit-dwarf -o /o/x.o",          "clang -gsplit-dwarf /o/x.o"    },
  { "clang -S x.c -g -gsplit-dwarf",                    "clang -gsplit-dwarf with -S"   },
  { "clang -c x.c -gsplit-dwarf=single",                "-gsplit-dwarf=single"          },
  { "gcc -c x.c -o a.o -o b.o",                         "more than one -o"              },
  { "gcc -c x.c -fdump-tree-all",                       "-fdump-tree-all"               },
  { "gcc -c x.c -dumpdir d",                            "-dumpdir"                      },
  { "gcc -c x.c -Wa,-adhln=x.lst",                      "-Wa,-adhln=x.lst"              },
  { "gcc -c x.c -include-pch x.pch",                    "-include-pch"                  },
  { "gcc -c /src/x\"y.c -g3",                           "gcc -g3 of /src/x\"y.c"        },
  { "gcc -c a/../../x.c -ggdb3",                        "gcc -g3 of a/../../x.c"        },
  /* gcc's LTO records the compile's directory; clang's does not */
  { "gcc -c x.c -O2 -flto",                             "gcc -flto"                     },
  { "gcc -c x.c -flto=auto -g",                         "gcc -flto"                     },
  { "g++ -c x.cc -fno-lto -flto=4",                     "gcc -flto"                     },
  /* gcc ASan names the module as the compiler is given the source */
  { "gcc -c /x.c -fsanitize=address",                   "address of /x.c"               },
  { "gcc -c /x.c -g -fsanitize=undefined,address",      "address of /x.c"               },
  { "gcc -c a/../../x.c -g -fsanitize=address",         "address of a/../../x.c"        },
  { "clang -c x.c -g3 -gdwarf-4 -grecord-command-line",
   "-grecord-command-line"                                                              },
  /* gcc wraps its words at the file names it gives */
  { "gcc -c x.c -fmessage-length=40",                   "-fmessage-length=N"            },
  { "gcc -c x.c -fmessage-length=0 -fmessage-length=7", "-fmessage-length=N"            },
  /* what would run code or read files on the server */
  { "gcc -c @file",                                     "@file"                         },
  { "gcc -c x.c @opts",                                 "@opts"                         },
  { "gcc -c x.c --param @opts",                         "@opts"                         },
  { "gcc -c x.c -o @x.o",                               "@x.o"                          },
  { "clang -c x.c -Xclang -load -Xclang p.so",          "-Xclang"                       },
  { "gcc -c x.c -fplugin=x.so",                         "-fplugin=x.so"                 },
  { "gcc -c x.c -specs=x",                              "-specs=x"                      },
  { "gcc -c x.c -B/x",                                  "-B/x"                          },
  { "gcc -c x.c -wrapper sh",                           "-wrapper"                      },
  /* options the table does not know (-frobnicate is an -f: it travels) */
  { "gcc -c x.c -Zfoo",                                 "-Zfoo"                         },
  { "gcc -c x.c --frob",                                "--frob"                        },
  { "clang -c x.c -Qunused-arguments",                  "-Qunused-arguments"            },
  /* configure tests */
  { "gcc -c conftest.c",                                "configure test"                },
  { "gcc -c dir/conftest.c -o conftest.o",              "dir/conftest.c"                },
  /* dependency output that cpp cannot write as the compile would */
  { "gcc -c x.i -MD",                                   "preprocessed"                  },
  { "gcc -c x.c -MF dep.d",                             "without -MD"                   },
  { "gcc -c x.c -MT tgt",                               "without -MD"                   },
  { "gcc -c x.c -MD -MG",                               "-MG"                           },
  { "gcc -c x.c -Wp,-MF,f.d",                           "without -MD"                   },
  { "gcc -c x.c -Wp,-MT,t,-MP",                         "without -MD"                   },
  { "gcc -c x.c -MD -Wp,-MF,f.d",                       "both in -Wp,"                  },
  { "gcc -c x.c -Wp,-MD,f.d -MT t",                     "both in -Wp,"                  },
  { "gcc -c x.c -Wp,-MD",                               "-Wp,-MD is not"                },
  { "gcc -c x.c -Wp,-MD,",                              "-Wp,-MD, is not"               },
  { "gcc -c x.c -Wp,-MX,f",                             "-Wp,-MX,f is not"              },
  { "clang -c x.c -Wp,-MMD,f.d,-MT,t",                  "clang with"                    },
  { "clang -c x.c -Wp,-MT,t",                           "clang with"                    },
  { "gcc -c x.c -Wp,-MD,f,-DX",                         "-Wp,-MD,f,-DX"                 },
  { "gcc -c x.c -Wp,-C",                                "-Wp,-C"                        },
};

/* argv[i] itself, not a copy (the plan borrows the source from argv). */
static bool borrowed_from(char *const *argv, const char *p)
{
  for (size_t i = 0; argv[i]; i++) {
    if (argv[i] == p) {
      return true;
    }
  }
  return false;
}

/* line with "@CWD@" replaced by the working directory. */
static char *with_cwd(const char *line)
{
  _cleanup_free_ char *dir = NULL;
  const char          *at  = strstr(line, "@CWD@");
  char                *out;

  if (!at) {
    return strdup(line);
  }
  assert_int_equal(args_working_dir(&dir), 0);
  assert_true(asprintf(&out, "%.*s%s%s", (int)(at - line), line, dir, at + 5) >
              0);
  if (strstr(out, "@CWD@")) { /* every one */
    char *again = with_cwd(out);
    free(out);
    out = again;
  }
  return out;
}

/* line without its source text mark (-fdirectives-only or
 * -frewrite-includes as a word): the expanded text's command line. Owned. */
static char *without_mark(const char *line)
{
  static const char *const marks[] = { " -fdirectives-only",
                                       " -frewrite-includes" };
  char                    *out     = strdup(line);

  assert_non_null(out);
  for (size_t i = 0; i < ARRAY_SIZE(marks); i++) {
    size_t len = strlen(marks[i]);
    for (char *at = strstr(out, marks[i]); at; at = strstr(at, marks[i])) {
      if (at[len] == ' ' || at[len] == '\0') {
        memmove(at, at + len, strlen(at + len) + 1);
      } else {
        at += len;
      }
    }
  }
  return out;
}

/* A plan without debug info starts with the expanded text: the row's
 * command lines without the mark (gcc's cpp keeping comments, -C, before
 * its last word, -E), until args_plan_use_text() makes them the row's. */
static void check_expanded_first(const struct remote_case *c,
                                 struct args_plan         *plan)
{
  if (!plan->expanded_first) {
    return;
  }
  if (!c->directives_only && !c->rewrite_includes) {
    fail_msg("\"%s\": expanded first, but the row sends no source text",
             c->argv);
  }
  _cleanup_free_ char *bare = without_mark(c->cpp);
  _cleanup_free_ char *cpp  = NULL;
  _cleanup_free_ char *text = with_cwd(c->server);
  size_t               len  = strlen(bare);
  assert_true(len > 3 && strcmp(bare + len - 3, " -E") == 0);
  assert_true(asprintf(&cpp, "%.*s%s -E", (int)(len - 3), bare,
                       plan->comments_kept ? " -C" : "") > 0);
  if (plan->comments_kept && !c->directives_only) {
    fail_msg("\"%s\": comments kept for clang", c->argv);
  }
  _cleanup_free_ char *server = without_mark(text);
  check_vector(c->argv, "expanded cpp_argv", plan->cpp_argv, cpp);
  check_vector(c->argv, "expanded server_argv", plan->server_argv, server);
  check_bool(c->argv, "expanded directives_only", plan->directives_only, false);
  check_bool(c->argv, "expanded rewrite_includes", plan->rewrite_includes,
             false);
  assert_int_equal(args_plan_use_text(plan), 0);
  check_bool(c->argv, "expanded_first after use_text", plan->expanded_first,
             false);
  check_bool(c->argv, "comments_kept after use_text", plan->comments_kept,
             false);
}

static void check_remote(const struct remote_case *c)
{
  _cleanup_strv_free_ char **argv = split(c->argv);
  struct args_plan           plan;

  if (args_plan(argv, &plan) < 0) {
    fail_msg("\"%s\": args_plan failed", c->argv);
  }
  check_expanded_first(c, &plan);
  if (!plan.remote) {
    fail_msg("\"%s\": local: %s", c->argv, or_null(plan.why_local));
  }
  check_string(c->argv, "why_local", plan.why_local, NULL);
  check_string(c->argv, "input", plan.input, c->input);
  if (!borrowed_from(argv, plan.input)) {
    fail_msg("\"%s\": input is not borrowed from argv", c->argv);
  }
  check_string(c->argv, "lang", plan.lang ? plan.lang->name : NULL, c->lang);
  check_string(c->argv, "output", plan.output, c->output);
  check_string(c->argv, "deps_file", plan.deps_file, c->deps);
  check_vector(c->argv, "cpp_argv", plan.cpp_argv, c->cpp);
  _cleanup_free_ char *server = with_cwd(c->server);
  check_vector(c->argv, "server_argv", plan.server_argv, server);
  if (c->deps && !str_equal(plan.cpp_argv[plan.deps_file_index], c->deps)) {
    fail_msg("\"%s\": cpp_argv[deps_file_index] is \"%s\", not the .d file",
             c->argv, plan.cpp_argv[plan.deps_file_index]);
  }
  check_bool(c->argv, "assemble_only", plan.assemble_only, c->assemble_only);
  check_bool(c->argv, "directives_only", plan.directives_only,
             c->directives_only);
  check_bool(c->argv, "rewrite_includes", plan.rewrite_includes,
             c->rewrite_includes);
  check_bool(c->argv, "tree", plan.tree, c->tree);
  check_string(c->argv, "dwo", plan.dwo, c->dwo);
  args_plan_clear(&plan);
  if (plan.output || plan.deps_file || plan.cpp_argv || plan.server_argv) {
    fail_msg("\"%s\": args_plan_clear left pointers behind", c->argv);
  }
}

static void check_local(const struct local_case *c)
{
  _cleanup_strv_free_ char **argv = split(c->argv);
  struct args_plan           plan;

  if (args_plan(argv, &plan) < 0) {
    fail_msg("\"%s\": args_plan failed", c->argv);
  }
  if (plan.remote) {
    fail_msg("\"%s\": distributed, expected local for \"%s\"", c->argv,
             c->reason);
  }
  if (!plan.why_local || !strstr(plan.why_local, c->reason)) {
    fail_msg("\"%s\": local because \"%s\", expected a reason naming \"%s\"",
             c->argv, or_null(plan.why_local), c->reason);
  }
  if (plan.output || plan.deps_file || plan.cpp_argv || plan.server_argv) {
    fail_msg("\"%s\": a local plan with outputs or command lines", c->argv);
  }
  args_plan_clear(&plan);
}

static void test_plan_remote(void **state)
{
  (void)state;
  for (size_t i = 0; i < ARRAY_SIZE(remote_cases); i++) {
    check_remote(&remote_cases[i]);
  }
}

/* Debug info needs the source text from the start; without it the
 * expanded text goes first, for gcc and clang alike. */
/* Which command lines turn on the words gcc says only of source without
 * line markers (-Wmisleading-indentation; the -Wformat family). */
static void test_front_end_words(void **state)
{
  static const struct {
    const char *argv;
    bool        any, misleading;
  } cases[] = {
    { "gcc -c x.c",                                                      false, false },
    { "gcc -c x.c -Wall",                                                true,  true  },
    { "gcc -c x.c -Wextra",                                              false, false },
    { "gcc -c x.c -Wmisleading-indentation",                             true,  true  },
    { "gcc -c x.c -Werror=misleading-indentation",                       true,  true  },
    { "gcc -c x.c -Wformat",                                             true,  false },
    { "gcc -c x.c -Wformat=2 -Wformat-security",                         true,  false },
    { "gcc -c x.c -Werror=format-security",                              true,  false },
    { "gcc -c x.c -Wformat=0",                                           false, false },
    { "gcc -c x.c -Wall -w",                                             false, false },
    { "gcc -c x.c -Wall -Wno-misleading-indentation",                    true,  false },
    { "gcc -c x.c -Wno-misleading-indentation -Wmisleading-indentation", true,
     true                                                                             },
    { "gcc -c x.c -Dformat -Wmisleading",                                false, false },
  };

  (void)state;
  for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
    _cleanup_strv_free_ char **argv = split(cases[i].argv);
    check_bool(cases[i].argv, "front_end_words", args_front_end_words(argv),
               cases[i].any);
    check_bool(cases[i].argv, "misleading_indentation",
               args_misleading_indentation(argv), cases[i].misleading);
  }
}

/* The tab width and -Wsystem-headers the server's scan of guards reads
 * as gcc does: the last -ftabstop of 1 to 100 counts, others are ignored,
 * a value gcc refuses gives 0. */
static void test_indentation_options(void **state)
{
  static const struct {
    const char *argv;
    unsigned    tab_width;
    bool        system_headers;
  } cases[] = {
    { "gcc -c x.c",                                      8, false },
    { "gcc -c x.c -ftabstop=4",                          4, false },
    { "gcc -c x.c -ftabstop=4 -ftabstop=2",              2, false },
    { "gcc -c x.c -ftabstop=4 -ftabstop=0",              4, false },
    { "gcc -c x.c -ftabstop=101",                        8, false },
    { "gcc -c x.c -ftabstop=x",                          0, false },
    { "gcc -c x.c -ftabstop=",                           0, false },
    { "gcc -c x.c -Wsystem-headers",                     8, true  },
    { "gcc -c x.c -Wsystem-headers -Wno-system-headers", 8, false },
    { "gcc -c x.c -Wno-system-headers -Wsystem-headers", 8, true  },
  };

  (void)state;
  for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
    _cleanup_strv_free_ char **argv = split(cases[i].argv);
    assert_int_equal(args_tab_width(argv), cases[i].tab_width);
    check_bool(cases[i].argv, "system_headers", args_system_headers(argv),
               cases[i].system_headers);
  }
}

static void test_plan_expanded_first(void **state)
{
  static const struct {
    const char *argv;
    bool        expanded_first;
    bool        comments_kept; /* gcc warns of implicit fall through */
    bool        scan_indent;   /* gcc warns of misleading indentation */
  } cases[] = {
    { "gcc -c x.c -O2",                               true,  false, false },
    { "clang -c x.c -Wall",                           true,  false, false },
    { "g++ -c x.cc -g0",                              true,  false, false },
    { "gcc -c x.c -g",                                false, false, false },
    { "gcc -c x.c -O2 -ggdb3",                        false, false, false },
    { "clang -c x.c -gdwarf-4",                       false, false, false },
    { "gcc -c x.c -g -g0",                            true,  false, false },
    { "gcc -c x.i",                                   false, false, false }, /* preprocessed already */
    { "gcc -c x.c -fopenmp",                          false, false, false }, /* expanded anyway */
    /* -Wimplicit-fallthrough reads comments: gcc's cpp keeps them */
    { "gcc -c x.c -Wextra",                           true,  true,  false },
    { "gcc -c x.c -W",                                true,  true,  false },
    { "gcc -c x.c -Wimplicit-fallthrough=2",          true,  true,  false },
    { "gcc -c x.c -Werror=implicit-fallthrough",      true,  true,  false },
    { "gcc -c x.c -Wextra -Wno-implicit-fallthrough", true,  false, false },
    { "gcc -c x.c -Wno-implicit-fallthrough -Wextra", true,  false, false },
    { "gcc -c x.c -Wextra -Wimplicit-fallthrough=0",  true,  false, false },
    { "clang -c x.c -Wextra",                         true,  false, false }, /* clang reads none */
    /* gcc's -Wmisleading-indentation on: the source text first, read */
    { "gcc -c x.c -Wall",                             true,  false, true  },
    { "gcc -c x.c -Wall -Wextra",                     true,  true,  true  },
    { "gcc -c x.c -Wmisleading-indentation",          true,  false, true  },
    { "gcc -c x.c -Wall -Werror",                     true,  false, true  },
    { "gcc -c x.c -Werror=misleading-indentation",    true,  false, true  },
    { "gcc -c x.c -Wall -Werror -w",                  true,  false, false },
    { "gcc -c x.c -Wall -Wno-misleading-indentation", true,  false, false },
    { "gcc -c x.c -Wno-misleading-indentation -Wall", true,  false, false },
    { "gcc -c x.c -Werror",                           true,  false, false },
    { "clang -c x.c -Wall -Werror",                   true,  false, false },
  };

  (void)state;
  for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
    _cleanup_strv_free_ char **argv = split(cases[i].argv);
    struct args_plan           plan;
    assert_int_equal(args_plan(argv, &plan), 0);
    assert_true(plan.remote);
    check_bool(cases[i].argv, "expanded_first", plan.expanded_first,
               cases[i].expanded_first);
    check_bool(cases[i].argv, "comments_kept", plan.comments_kept,
               cases[i].comments_kept);
    check_bool(cases[i].argv, "scan_indent", plan.scan_indent,
               cases[i].scan_indent);
    if (plan.scan_indent) { /* what cpp first runs is the text's */
      _cleanup_strv_free_ char **text = strv_copy(plan.cpp_argv);
      assert_non_null(text);
      assert_int_equal(args_cpp_text_argv(&plan, &text), 0);
      assert_int_equal(args_plan_use_text(&plan), 0);
      assert_false(plan.scan_indent || plan.expanded_first);
      assert_true(plan.directives_only);
      assert_true(strv_equal(text, plan.cpp_argv));
    }
    args_plan_clear(&plan);
  }
}

static void test_plan_local(void **state)
{
  (void)state;
  for (size_t i = 0; i < ARRAY_SIZE(local_cases); i++) {
    check_local(&local_cases[i]);
  }
}

/* ---- args_check_server -------------------------------------------------- */

/* A request the daemon accepts, and the job it makes of it. */
struct accepted_case {
  const char *argv;
  size_t      input_index;
  size_t      output_index;
  bool        output_joined;
  size_t      lang_index;
  bool        lang_joined;
  const char *lang;
  bool        assemble_only;
  bool        directives_only;
  bool        rewrite_includes;
  bool        pedantic_twin;
  bool        macro_names;
  bool        own_name;
  size_t      profile_index;
  const char *tree;
  bool        split_dwarf;
};

/* clang-format off */
static const struct accepted_case accepted_cases[] = {
  /* a tree: the include search and the macros, the directory in the mark */
  { .argv = "clang -c x.c -o x.o -g -I inc -isystem /usr/x -DA=1 -U B "
            "-include c.h -iquote q -Wp,-DC=2,-Id --sysroot=/s -nostdinc "
            "--herdcc-tree=/home/u/build",
    .input_index = 2, .output_index = 4, .lang = "c",
    .tree = "/home/u/build" },
  { .argv = "clang++ -c /src/x.cc -gdwarf-5 -idirafter d -cxx-isystem i "
            "-nostdinc++ --herdcc-tree=/w",
    .input_index = 2, .lang = "c++", .tree = "/w" },
  { .argv = "clang -c x.c -o obj/x.o -g -gsplit-dwarf --herdcc-tree=/w",
    .input_index = 2, .output_index = 4, .lang = "c", .tree = "/w",
    .split_dwarf = true },
  { .argv = "clang -c x.c -g -gsplit-dwarf -gno-split-dwarf --herdcc-tree=/w",
    .input_index = 2, .lang = "c", .tree = "/w" },
  { .argv = "clang -c -x cpp-output x.c -g --herdcc-tree=/w",
    .input_index = 4, .lang_index = 3, .lang = "c", .tree = "/w" },
  /* gcc -gsplit-dwarf: its text under the client's names */
  { .argv = "gcc -c ../x.c -o obj/x.o -g -gsplit-dwarf -fdirectives-only",
    .input_index = 2, .output_index = 4, .lang = "c",
    .directives_only = true, .own_name = true, .split_dwarf = true },
  { .argv = "gcc -c x.c -pedantic -gno-record-gcc-switches -gsplit-dwarf "
            "-fdirectives-only",
    .input_index = 2, .lang = "c", .directives_only = true,
    .pedantic_twin = true, .own_name = true, .split_dwarf = true },
  /* a last word that is an option's value marks nothing */
  { .argv = "gcc -c x.c -o --herdcc-tree=y.o",
    .input_index = 2, .output_index = 4, .lang = "c" },
  { .argv = "gcc -c x.c -o -fdirectives-only",
    .input_index = 2, .output_index = 4, .lang = "c" },
  { .argv = "clang -c x.c -o -frewrite-includes",
    .input_index = 2, .output_index = 4, .lang = "c" },
  { .argv = "clang -c x.c -o --herdcc-tree=y.o --herdcc-tree=/w",
    .input_index = 2, .output_index = 4, .lang = "c", .tree = "/w" },
  /* profiles: the job brings the file */
  { .argv = "gcc -c x.c -o x.o -O2 -fprofile-use",
    .input_index = 2, .output_index = 4, .lang = "c", .profile_index = 6 },
  { .argv = "clang -c x.c -fprofile-instr-use=herdcc-profile -o x.o",
    .input_index = 2, .output_index = 5, .lang = "c", .profile_index = 3 },
  { .argv = "clang -c x.c -o x.o -fprofile-sample-use=herdcc-profile",
    .input_index = 2, .output_index = 4, .lang = "c", .profile_index = 5 },
  /* gcc -g3: compiled under the client's name when it is relative */
  { .argv = "gcc -c x.c -o x.o -g3 -fdirectives-only",
    .input_index = 2, .output_index = 4, .lang = "c",
    .directives_only = true, .macro_names = true, .own_name = true },
  { .argv = "gcc -c ../../s/./x.c -o x.o -ggdb3 -O2 -fdirectives-only",
    .input_index = 2, .output_index = 4, .lang = "c",
    .directives_only = true, .macro_names = true, .own_name = true },
  { .argv = "gcc -c x.c -o x.o -g3 -g2 -fdirectives-only",
    .input_index = 2, .output_index = 4, .lang = "c",
    .directives_only = true },
  { .argv = "gcc -c x.c -o x.o -g3 -gdwarf-4 -fdirectives-only",
    .input_index = 2, .output_index = 4, .lang = "c",
    .directives_only = true, .macro_names = true, .own_name = true },
  { .argv = "gcc -c /s/x.c -o x.o -g3 -fdirectives-only",
    .input_index = 2, .output_index = 4, .lang = "c",
    .directives_only = true, .macro_names = true, .own_name = true },
  { .argv = "gcc -c /s/x\\y.c -o x.o -g3 -fdirectives-only",
    .input_index = 2, .output_index = 4, .lang = "c",
    .directives_only = true },
  { .argv = "gcc -c s/../../x.c -o x.o -g3 -fdirectives-only",
    .input_index = 2, .output_index = 4, .lang = "c",
    .directives_only = true },
  /* gcc ASan: a relative name is the client's own */
  { .argv = "gcc -c x.c -o x.o -g -fsanitize=address -fdirectives-only",
    .input_index = 2, .output_index = 4, .lang = "c",
    .directives_only = true, .own_name = true },
  { .argv = "gcc -c x.c -o x.o -fsanitize=leak,address -fdirectives-only",
    .input_index = 2, .output_index = 4, .lang = "c",
    .directives_only = true, .own_name = true },
  { .argv = "gcc -c x.c -o x.o -fsanitize=address -fno-sanitize=all -fdirectives-only",
    .input_index = 2, .output_index = 4, .lang = "c", .directives_only = true },
  { .argv = "gcc -c x.c -o x.o -fsanitize=kernel-address -fdirectives-only",
    .input_index = 2, .output_index = 4, .lang = "c", .directives_only = true },
  { .argv = "gcc -c x.c -o x.o -fsanitize=address",
    .input_index = 2, .output_index = 4, .lang = "c" },
  /* -x LANG arrives as LANG's preprocessed form: marked, the text is LANG's */
  { .argv = "gcc -x c++-cpp-output -c x.c -o x.o -g -fdirectives-only",
    .input_index = 4, .output_index = 6, .lang_index = 2, .lang = "c++",
    .directives_only = true },
  { .argv = "gcc -xcpp-output -c x.c -o x.o -g -fdirectives-only",
    .input_index = 3, .output_index = 5, .lang_index = 1, .lang_joined = true,
    .lang = "c", .directives_only = true },
  { .argv = "clang -x c++-cpp-output -c x.c -o x.o -frewrite-includes",
    .input_index = 4, .output_index = 6, .lang_index = 2, .lang = "c++",
    .rewrite_includes = true },
  { .argv = "gcc -x c++-cpp-output -c x.c -o x.o",
    .input_index = 4, .output_index = 6, .lang_index = 2,
    .lang = "c++-cpp-output" },
  { .argv = "gcc -x assembler -c x.s -o x.o -fdirectives-only",
    .input_index = 4, .output_index = 6, .lang_index = 2, .lang = "assembler" },
  /* a herdcc client's gcc -g job: -fdirectives-only text, marked last */
  { .argv = "gcc -c x.c -o x.o -g -O2 -fdirectives-only",
    .input_index = 2, .output_index = 4, .lang = "c", .directives_only = true },
  { .argv = "g++ -c x.cc -o x.o -g -fdirectives-only",
    .input_index = 2, .output_index = 4, .lang = "c++",
    .directives_only = true },
  { .argv = "gcc -c x.c -o x.o -fdirectives-only -g",
    .input_index = 2, .output_index = 4, .lang = "c" },
  /* -pedantic: twice with recorded switches, as preprocessed input without */
  { .argv = "gcc -c x.c -o x.o -Wpedantic -g -fdirectives-only",
    .input_index = 2, .output_index = 4, .lang = "c",
    .directives_only = true, .pedantic_twin = true },
  { .argv = "gcc -c x.c -o x.o -pedantic-errors -g -fdirectives-only",
    .input_index = 2, .output_index = 4, .lang = "c",
    .directives_only = true, .pedantic_twin = true },
  { .argv = "gcc -c x.c -o x.o -pedantic -fdirectives-only",
    .input_index = 2, .output_index = 4, .lang = "c" },
  { .argv = "gcc -c x.c -o x.o -pedantic -g -gno-record-gcc-switches "
            "-fdirectives-only",
    .input_index = 2, .output_index = 4, .lang = "c" },
  { .argv = "gcc -c x.c -o x.o -pedantic -g -g0 -fdirectives-only",
    .input_index = 2, .output_index = 4, .lang = "c" },
  { .argv = "clang -c x.c -o x.o -g -fdirectives-only",
    .input_index = 2, .output_index = 4, .lang = "c" },
  { .argv = "gcc -c x.i -o x.o -g -fdirectives-only",
    .input_index = 2, .output_index = 4, .lang = "cpp-output" },
  { .argv = "gcc -c x.S -o x.o -g -fdirectives-only",
    .input_index = 2, .output_index = 4, .lang = "assembler-with-cpp" },
  /* and a clang -g job: -frewrite-includes text */
  { .argv = "clang -c x.c -o x.o -gdwarf-4 -fdebug-compilation-dir=/w "
            "-frewrite-includes",
    .input_index = 2, .output_index = 4, .lang = "c",
    .rewrite_includes = true },
  { .argv = "clang -c x.c -o x.o -gdwarf-4 -DA=1 -U B -UC -frewrite-includes",
    .input_index = 2, .output_index = 4, .lang = "c",
    .rewrite_includes = true },
  { .argv = "clang++-14 -c x.cc -gdwarf-4 -frewrite-includes",
    .input_index = 2, .lang = "c++", .rewrite_includes = true },
  { .argv = "gcc -c x.c -o x.o -g -frewrite-includes",
    .input_index = 2, .output_index = 4, .lang = "c" },
  { .argv = "clang -c x.ii -o x.o -g -frewrite-includes",
    .input_index = 2, .output_index = 4, .lang = "c++-cpp-output" },
  /* what herdcc and distcc clients send */
  { .argv = "gcc -c x.c -o x.o",
    .input_index = 2, .output_index = 4, .lang = "c" },
  { .argv = "gcc -c x.c -o x.o -O2 -g -Wall",
    .input_index = 2, .output_index = 4, .lang = "c" },
  { .argv = "g++ -c x.cc -o x.o -std=c++17 -fPIC -m64 --param x=y -pthread",
    .input_index = 2, .output_index = 4, .lang = "c++" },
  { .argv = "gcc -c x.c -o x.o -w -pedantic -fdebug-prefix-map=/a=/b",
    .input_index = 2, .output_index = 4, .lang = "c" },
  { .argv = "gcc -c x.c -o x.o -fmacro-prefix-map=/a=. -ffile-prefix-map=/b=/c "
            "-fprofile-prefix-map=/d=e",
    .input_index = 2, .output_index = 4, .lang = "c" },
  { .argv = "clang -c x.c -o x.o -fcoverage-prefix-map=/a=b --target=aarch64-linux-gnu",
    .input_index = 2, .output_index = 4, .lang = "c" },
  { .argv = "gcc -c x.c -o x.o -Wa,--noexecstack",
    .input_index = 2, .output_index = 4, .lang = "c" },
  { .argv = "gcc -x c++-cpp-output -c x.cc -o x.o",
    .input_index = 4, .output_index = 6,
    .lang_index = 2, .lang = "c++-cpp-output" },
  { .argv = "gcc -xc++-cpp-output -c x.cc -ox.o",
    .input_index = 3, .output_index = 4, .output_joined = true,
    .lang_index = 1, .lang_joined = true, .lang = "c++-cpp-output" },
  { .argv = "gcc -S x.c -o x.s",
    .input_index = 2, .output_index = 4, .lang = "c", .assemble_only = true },
  { .argv = "gcc -c -S x.i",
    .input_index = 3, .lang = "cpp-output", .assemble_only = true },
  { .argv = "gcc -c x.s -o x.o",
    .input_index = 2, .output_index = 4, .lang = "assembler" },
  /* -x none: the extension decides; -x after the source does nothing */
  { .argv = "gcc -x none -c x.c",
    .input_index = 4, .lang = "c" },
  { .argv = "gcc -x c++ -x none -c x.c",
    .input_index = 6, .lang = "c" },
  { .argv = "gcc -c x.c -x c++-cpp-output",
    .input_index = 2, .lang = "c" },
};
/* clang-format on */

/* A request the daemon refuses, and a word of the reason it gives. */
struct refused_case {
  const char *argv;
  const char *reason;
};

static const struct refused_case refused_cases[] = {
  /* trees: clang's sources only, an absolute directory, and only the
     include search and macros besides the usual */
  { "gcc -c x.c -g -I inc --herdcc-tree=/w",                                         "only for clang"               },
  { "clang -c x.i -g --herdcc-tree=/w",                                              "only for clang"               },
  { "clang -c x.c -g -I inc --herdcc-tree=w",                                        "not absolute"                 },
  { "clang -c x.c -g -I inc --herdcc-tree=",                                         "not absolute"                 },
  { "clang -c x.c -g -I inc",                                                        "option -I"                    },
  { "clang -c x.c -g -include c.h -frewrite-includes",                               "option -include"              },
  { "clang -c x.c -g -Xpreprocessor -DX --herdcc-tree=/w",
   "option -Xpreprocessor"                                                                                          },
  { "clang -c x.c -g -H --herdcc-tree=/w",                                           "option -H"                    },
  { "clang -c x.c -g -imacros m.h --herdcc-tree=/w",                                 "option -imacros"              },
  { "clang -c x.c -g -Wp,-MD,x.d --herdcc-tree=/w",                                  "option -Wp,-MD,x.d"           },
  { "clang -c x.c -g -Wp,-DX,-P --herdcc-tree=/w",                                   "option -Wp,-DX,-P"            },
  { "clang -c x.c -g --herdcc-tree=/w -I inc",                                       "option --herdcc-tree=/w"      },
  { "clang -c x.c -g -gsplit-dwarf",                                                 "option -gsplit-dwarf"         },
  { "clang -c x.c -g -gsplit-dwarf -o /x.o --herdcc-tree=/w",
   "-gsplit-dwarf needs"                                                                                            },
  { "clang -S x.c -g -gsplit-dwarf --herdcc-tree=/w",                                "-gsplit-dwarf needs"          },
  { "gcc -c x.c -g -gsplit-dwarf",                                                   "option -gsplit-dwarf"         },
  { "clang -c x.c -g -gsplit-dwarf -fdirectives-only",                               "option -gsplit-dwarf"         },
  { "gcc -c /s/x.c -g -gsplit-dwarf -fdirectives-only",
   "gcc -gsplit-dwarf of /s/x.c"                                                                                    },
  { "gcc -c x.c -g -gsplit-dwarf -o o/../../x.o -fdirectives-only",
   "-gsplit-dwarf needs"                                                                                            },
  { "gcc -S x.c -g -gsplit-dwarf -fdirectives-only",                                 "-gsplit-dwarf needs"          },
  { "clang -c x.c -g -gsplit-dwarf -o a/../../x.o --herdcc-tree=/w",
   "-gsplit-dwarf needs"                                                                                            },
  /* profiles: only the forms whose file the job brings */
  { "gcc -c x.c -fprofile-use=/etc/x",                                               "-fprofile-use=/etc/x"         },
  { "gcc -c x.c -fprofile-use=herdcc-profile",                                       "-fprofile-use=herdcc-profile" },
  { "clang -c x.c -fprofile-use",                                                    "-fprofile-use"                },
  { "clang -c x.c -fprofile-use=/p.profdata",                                        "-fprofile-use=/p.profdata"    },
  { "clang -c x.c -fprofile-sample-use=x",                                           "-fprofile-sample-use=x"       },
  { "clang -c x.c -fprofile-use=herdcc-profile -fprofile-sample-use=herdcc-profile",
   "more than one profile"                                                                                          },
  /* macros only with clang's -frewrite-includes text */
  { "gcc -c x.c -DA=1",                                                              "-DA=1"                        },
  { "gcc -c x.c -DA -g -fdirectives-only",                                           "-DA"                          },
  { "clang -c x.c -U A -frewrite-includes -g",                                       "-U"                           },
  /* code, files or paths of the server's own */
  { "gcc -c @/etc/passwd",                                                           "@/etc/passwd"                 },
  { "gcc -c x.c -fplugin=/x.so",                                                     "-fplugin=/x.so"               },
  { "gcc -c x.c -fpass-plugin=/x.so",                                                "-fpass-plugin=/x.so"          },
  { "gcc -c x.c -specs=x",                                                           "-specs=x"                     },
  { "gcc -c x.c -B/tmp",                                                             "-B/tmp"                       },
  { "gcc -c x.c -wrapper sh,-c",                                                     "-wrapper"                     },
  { "gcc -c x.c -Xclang -load",                                                      "-Xclang"                      },
  { "gcc -c x.c -iplugindir=/x",                                                     "-iplugindir=/x"               },
  { "gcc -c x.c -fprofile-generate=/tmp/x",                                          "-fprofile-generate=/tmp/x"    },
  { "gcc -c x.c -dumpdir /tmp",                                                      "-dumpdir"                     },
  { "gcc -c x.c -save-temps=obj",                                                    "-save-temps=obj"              },
  { "gcc -c x.c -fdump-tree-all",                                                    "-fdump-tree-all"              },
  { "gcc -c x.c -fstack-usage",                                                      "-fstack-usage"                },
  { "gcc -c x.c -fstack-usage=x",                                                    "-fstack-usage=x"              },
  { "gcc -c x.c -frecord-gcc-switches-x",                                            "-frecord-gcc-switches-x"      },
  { "gcc -c x.c -x cx+",                                                             "language cx+"                 },
  { "gcc -c x.c -I/etc",                                                             "-I/etc"                       },
  { "gcc -c x.c -include /etc/passwd",                                               "-include"                     },
  { "gcc -c x.c -Wa,-adhln=x.lst",                                                   "-Wa,-adhln=x.lst"             },
  { "gcc -c x.c -Wa,@/etc/passwd",                                                   "-Wa,@/etc/passwd"             },
  /* gcc and clang expand @FILE anywhere, an option's value included: the
     job directory holds the client's source as input.i */
  { "gcc -c x.c --param @input.i",                                                   "response file @input.i"       },
  { "clang -c x.c -target @input.i",                                                 "response file @input.i"       },
  { "gcc -c x.c -o @input.i",                                                        "response file @input.i"       },
  { "gcc -c x.c --param x=/y",                                                       "--param"                      },
  /* options a client strips or keeps local */
  { "gcc -c x.c -D X",                                                               "-D"                           },
  { "gcc -c x.c -MD",                                                                "-MD"                          },
  { "gcc -c x.c -Wl,-x",                                                             "-Wl,-x"                       },
  { "gcc -c x.c -E",                                                                 "-E"                           },
  { "gcc -c x.c -march=native",                                                      "-march=native"                },
  { "gcc -c x.c -Zfoo",                                                              "-Zfoo"                        },
  /* not one compile of one C-family source */
  { "gcc -c x.c -o",                                                                 "-o lacks its argument"        },
  { "gcc -c x.c -o /tmp/x.o -o x.o",                                                 "more than one -o"             },
  { "gcc -c x.c -ox.o -o x.o",                                                       "more than one -o"             },
  { "gcc -c x.c -gsplit-dwarf=single",                                               "-gsplit-dwarf=single"         },
  { "gcc -c x.c -x",                                                                 "-x lacks its argument"        },
  { "gcc -c x.c y.c",                                                                "more than one source"         },
  { "gcc x.c -o x",                                                                  "not a compile"                },
  { "gcc -c",                                                                        "no source file"               },
  { "gcc -x fortran -c x.f",                                                         "language fortran"             },
  { "gcc -c x.f",                                                                    "x.f is not a C-family source" },
  { "gcc -c -",                                                                      "- is not a C-family source"   },
};

static void check_accepted(const struct accepted_case *c)
{
  _cleanup_strv_free_ char **argv   = split(c->argv);
  _cleanup_free_ char       *reason = NULL;
  struct args_job            job;
  int                        r = args_check_server(argv, &job, &reason);

  if (r != 0) {
    fail_msg("\"%s\": refused (%d): %s", c->argv, r, or_null(reason));
  }
  check_string(c->argv, "reason", reason, NULL);
  if (job.input_index != c->input_index ||
      job.output_index != c->output_index || job.lang_index != c->lang_index) {
    fail_msg("\"%s\": input/output/lang index %zu/%zu/%zu, expected "
             "%zu/%zu/%zu",
             c->argv, job.input_index, job.output_index, job.lang_index,
             c->input_index, c->output_index, c->lang_index);
  }
  check_bool(c->argv, "output_joined", job.output_joined, c->output_joined);
  check_bool(c->argv, "lang_joined", job.lang_joined, c->lang_joined);
  check_string(c->argv, "lang", job.lang ? job.lang->name : NULL, c->lang);
  check_bool(c->argv, "assemble_only", job.assemble_only, c->assemble_only);
  check_bool(c->argv, "directives_only", job.directives_only,
             c->directives_only);
  check_bool(c->argv, "rewrite_includes", job.rewrite_includes,
             c->rewrite_includes);
  check_bool(c->argv, "pedantic_twin", job.pedantic_twin, c->pedantic_twin);
  check_bool(c->argv, "macro_names", job.macro_names, c->macro_names);
  check_bool(c->argv, "own_name", job.own_name, c->own_name);
  check_string(c->argv, "tree", job.tree, c->tree);
  check_bool(c->argv, "split_dwarf", job.split_dwarf, c->split_dwarf);
  if (job.profile_index != c->profile_index) {
    fail_msg("\"%s\": profile_index %zu, expected %zu", c->argv,
             job.profile_index, c->profile_index);
  }
}

static void check_refused(const struct refused_case *c)
{
  _cleanup_strv_free_ char **argv   = split(c->argv);
  _cleanup_free_ char       *reason = NULL;
  /* Written only on success: a refusal leaves the marker in place. */
  struct args_job job = { .input_index = 999 };
  int             r   = args_check_server(argv, &job, &reason);

  if (r != -EPERM) {
    fail_msg("\"%s\": returned %d, expected -EPERM", c->argv, r);
  }
  if (!reason || !strstr(reason, c->reason)) {
    fail_msg("\"%s\": refused because \"%s\", expected a reason naming "
             "\"%s\"",
             c->argv, or_null(reason), c->reason);
  }
  if (job.input_index != 999) {
    fail_msg("\"%s\": refused, but the job was written", c->argv);
  }
}

static void test_server_accepts(void **state)
{
  (void)state;
  for (size_t i = 0; i < ARRAY_SIZE(accepted_cases); i++) {
    check_accepted(&accepted_cases[i]);
  }
}

static void test_server_refuses(void **state)
{
  (void)state;
  for (size_t i = 0; i < ARRAY_SIZE(refused_cases); i++) {
    check_refused(&refused_cases[i]);
  }
}

/* What the client sends for a remote plan, the daemon accepts, and it
 * compiles the source in the language the client preprocessed it as. */
/* A clang compile that spoke goes again as text, with its macros. */
static void test_use_text_macros(void **state)
{
  static const struct {
    const char *argv, *expanded, *text;
  } cases[] = {
    { "clang -c x.c -O2 -DA=1 -Wp,-UB", "clang -c x.c -O2",
     "clang -c x.c -O2 -DA=1 -UB -frewrite-includes" },
    { "gcc -c x.c -O2 -DA=1",           "gcc -c x.c -O2",
     "gcc -c x.c -O2 -fdirectives-only"              },
  };

  (void)state;
  for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
    _cleanup_strv_free_ char **argv = split(cases[i].argv);
    struct args_plan           plan;

    assert_int_equal(args_plan(argv, &plan), 0);
    check_vector(cases[i].argv, "expanded", plan.server_argv,
                 cases[i].expanded);
    assert_int_equal(args_plan_use_text(&plan), 0);
    check_vector(cases[i].argv, "text", plan.server_argv, cases[i].text);
    args_plan_clear(&plan);
  }
}

static void test_plan_passes_server_check(void **state)
{
  (void)state;
  for (size_t i = 0; i < ARRAY_SIZE(remote_cases); i++) {
    const struct remote_case  *c      = &remote_cases[i];
    _cleanup_free_ char       *server = with_cwd(c->server);
    _cleanup_strv_free_ char **argv   = split(server);
    _cleanup_free_ char       *why    = NULL;
    struct args_job            job;

    if (args_check_server(argv, &job, &why) < 0) {
      fail_msg("\"%s\": the server refuses \"%s\": %s", c->argv, c->server,
               or_null(why));
    }
    const struct args_lang *sent = args_lang_from_name(c->lang);
    if (!sent || strcmp(job.lang->cpp_output, sent->cpp_output) != 0) {
      fail_msg("\"%s\": sent as %s, the server compiles it as %s", c->argv,
               c->lang, job.lang->name);
    }
  }
}

/* ---- languages ---------------------------------------------------------- */

struct lang_case {
  const char *path;
  const char *lang; /* NULL: outside the family */
};

static const struct lang_case lang_cases[] = {
  { "x.c",       "c"                        },
  { "x.cc",      "c++"                      },
  { "x.cp",      "c++"                      },
  { "x.cxx",     "c++"                      },
  { "x.cpp",     "c++"                      },
  { "x.CPP",     "c++"                      },
  { "x.c++",     "c++"                      },
  { "x.C",       "c++"                      },
  { "x.m",       "objective-c"              },
  { "x.mm",      "objective-c++"            },
  { "x.M",       "objective-c++"            },
  { "x.S",       "assembler-with-cpp"       },
  { "x.sx",      "assembler-with-cpp"       },
  { "x.i",       "cpp-output"               },
  { "x.ii",      "c++-cpp-output"           },
  { "x.mi",      "objective-c-cpp-output"   },
  { "x.mii",     "objective-c++-cpp-output" },
  { "x.s",       "assembler"                },
  { "dir.c/x.c", "c"                        },
  { "dir.c/x",   NULL                       },
  { "x.h",       NULL                       },
  { "x.o",       NULL                       },
  { "x",         NULL                       },
  { ".c",        NULL                       },
  { "dir/.c",    NULL                       },
  { "x.f90",     NULL                       },
};

static void test_lang_from_path(void **state)
{
  (void)state;
  for (size_t i = 0; i < ARRAY_SIZE(lang_cases); i++) {
    const struct lang_case *c    = &lang_cases[i];
    const struct args_lang *lang = args_lang_from_path(c->path);
    check_string(c->path, "language", lang ? lang->name : NULL, c->lang);
  }
}

/* Whether a command line is a compile, distributable or not: a local
 * compile's diagnostics are collected, anything else runs in place. */
static const struct {
  const char *argv;
  bool        compiles;
} compiles_cases[] = {
  { "gcc -c x.c",                    true  },
  { "gcc -S x.c",                    true  },
  { "gcc -c x.c -march=native",      true  },
  { "gcc -c x.c -fprofile-generate", true  },
  { "clang -c x.c -g",               true  },
  { "gcc -c conftest.c",             true  },
  { "gcc -E x.c",                    false },
  { "gcc -c -E x.c",                 false },
  { "gcc -M x.c",                    false },
  { "gcc -MM -c x.c",                false },
  { "gcc x.c -o prog",               false },
  { "gcc x.o y.o -o prog",           false },
  { "gcc --version",                 false },
  { "gcc -c",                        false },
};

static void test_plan_compiles(void **state)
{
  (void)state;
  for (size_t i = 0; i < ARRAY_SIZE(compiles_cases); i++) {
    _cleanup_strv_free_ char **argv = split(compiles_cases[i].argv);
    struct args_plan           plan;
    if (args_plan(argv, &plan) < 0) {
      fail_msg("\"%s\": args_plan failed", compiles_cases[i].argv);
    }
    if (plan.compiles != compiles_cases[i].compiles) {
      fail_msg("\"%s\": compiles is %d, expected %d", compiles_cases[i].argv,
               plan.compiles, compiles_cases[i].compiles);
    }
    args_plan_clear(&plan);
  }
}

/* A path through a command line's prefix maps, as gcc maps it. */
/* clang-format off */
static const struct {
  const char   *argv;
  enum args_map kind;
  const char   *path;
  const char   *want;
} remap_cases[] = {
  { "gcc -c x.c",                                   ARGS_MAP_DEBUG, "/a/b", "/a/b"   },
  { "gcc -fdebug-prefix-map=/a=/x -c x.c",          ARGS_MAP_DEBUG, "/a/b", "/x/b"   },
  { "gcc -fdebug-prefix-map=/a=/x -c x.c",          ARGS_MAP_MACRO, "/a/b", "/a/b"   },
  { "gcc -fmacro-prefix-map=/a=/x -c x.c",          ARGS_MAP_MACRO, "/a/b", "/x/b"   },
  { "gcc -ffile-prefix-map=/a=. -c x.c",            ARGS_MAP_DEBUG, "/a/b", "./b"    },
  { "gcc -ffile-prefix-map=/a=. -c x.c",            ARGS_MAP_MACRO, "/a/b", "./b"    },
  /* the last map given that matches wins; no separator needed */
  { "gcc -fdebug-prefix-map=/a=/x -fdebug-prefix-map=/a/b=/y -c x.c",
                                                    ARGS_MAP_DEBUG, "/a/bc", "/yc"   },
  { "gcc -fdebug-prefix-map=/a/b=/y -ffile-prefix-map=/a=/x -c x.c",
                                                    ARGS_MAP_DEBUG, "/a/b", "/x/b"   },
  /* gcc splits at the last '=' */
  { "gcc -fdebug-prefix-map=/a=b=/c -c x.c",        ARGS_MAP_DEBUG, "/a=b/d", "/c/d" },
  { "gcc -fdebug-prefix-map=nothing -c x.c",        ARGS_MAP_DEBUG, "nothing", "nothing" },
  { "gcc -fdebug-prefix-map==/r -c x.c",            ARGS_MAP_DEBUG, "rel", "/rrel"   },
};

/* clang-format on */

static void test_remap(void **state)
{
  (void)state;
  for (size_t i = 0; i < ARRAY_SIZE(remap_cases); i++) {
    _cleanup_strv_free_ char **argv = split(remap_cases[i].argv);
    _cleanup_free_ char       *got  = NULL;
    if (args_remap(argv, remap_cases[i].kind, remap_cases[i].path, &got) < 0) {
      fail_msg("\"%s\": args_remap failed", remap_cases[i].argv);
    }
    check_string(remap_cases[i].argv, remap_cases[i].path, got,
                 remap_cases[i].want);
  }
}

/* Profiles: the plan names the file to send (it must be readable here),
 * the server argv the form the daemon admits, which it does. */
static const struct {
  const char *argv;
  const char *profile;
  const char *server;
} profile_cases[] = {
  { "gcc -c x.c -O2 -fprofile-use",                 "x.gcda",
   "gcc -c x.c -O2 -fprofile-use -fdirectives-only"                          },
  { "gcc -c x.c -o out/y.o -fprofile-use",          "out/y.gcda",
   "gcc -c x.c -o out/y.o -fprofile-use -fdirectives-only"                   },
  { "clang -c x.c -fprofile-use=d",                 "d/default.profdata",
   "clang -c x.c -fprofile-use=herdcc-profile -frewrite-includes"            },
  { "clang -c x.c -fprofile-use",                   "default.profdata",
   "clang -c x.c -fprofile-use=herdcc-profile -frewrite-includes"            },
  { "clang -c x.c -fprofile-instr-use=p.profdata",  "p.profdata",
   "clang -c x.c -fprofile-instr-use=herdcc-profile -frewrite-includes"      },
  { "clang -c x.c -fprofile-sample-use=p.prof -O2", "p.prof",
   "clang -c x.c -fprofile-sample-use=herdcc-profile -O2 -frewrite-includes" },
};

static void touch(const char *path)
{
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fclose(f);
}

static void test_profiles(void **state)
{
  (void)state;
  char  dir[] = "/tmp/test-args-XXXXXX";
  char *old   = getcwd(NULL, 0);

  assert_non_null(mkdtemp(dir));
  assert_int_equal(chdir(dir), 0);
  assert_int_equal(mkdir("d", 0700), 0);
  assert_int_equal(mkdir("out", 0700), 0);
  touch("x.gcda");
  touch("out/y.gcda");
  touch("d/default.profdata");
  touch("default.profdata");
  touch("p.profdata");
  touch("p.prof");
  for (size_t i = 0; i < ARRAY_SIZE(profile_cases); i++) {
    _cleanup_strv_free_ char **argv = split(profile_cases[i].argv);
    struct args_plan           plan;
    assert_int_equal(args_plan(argv, &plan), 0);
    if (!plan.remote) {
      fail_msg("\"%s\": local: %s", profile_cases[i].argv,
               or_null(plan.why_local));
    }
    check_string(profile_cases[i].argv, "profile", plan.profile,
                 profile_cases[i].profile);
    check_vector(profile_cases[i].argv, "server argv", plan.server_argv,
                 profile_cases[i].server);
    for (size_t k = 0; plan.cpp_argv[k]; k++) {
      if (strstr(plan.cpp_argv[k], "profile")) {
        fail_msg("\"%s\": cpp runs with %s", profile_cases[i].argv,
                 plan.cpp_argv[k]);
      }
    }
    struct args_job      job;
    _cleanup_free_ char *reason = NULL;
    if (args_check_server(plan.server_argv, &job, &reason) != 0 ||
        !job.profile_index) {
      fail_msg("\"%s\": the server refuses it: %s", profile_cases[i].argv,
               or_null(reason));
    }
    args_plan_clear(&plan);
  }
  const char *files[] = { "x.gcda",
                          "out/y.gcda",
                          "d/default.profdata",
                          "default.profdata",
                          "p.profdata",
                          "p.prof",
                          "d",
                          "out" };
  for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
    assert_int_equal(remove(files[i]), 0);
  }
  assert_int_equal(chdir(old), 0);
  assert_int_equal(rmdir(dir), 0);
  free(old);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_plan_remote),
    cmocka_unit_test(test_plan_local),
    cmocka_unit_test(test_server_accepts),
    cmocka_unit_test(test_server_refuses),
    cmocka_unit_test(test_plan_passes_server_check),
    cmocka_unit_test(test_use_text_macros),
    cmocka_unit_test(test_plan_expanded_first),
    cmocka_unit_test(test_indentation_options),
    cmocka_unit_test(test_front_end_words),
    cmocka_unit_test(test_lang_from_path),
    cmocka_unit_test(test_plan_compiles),
    cmocka_unit_test(test_remap),
    cmocka_unit_test(test_profiles),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
