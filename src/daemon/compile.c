/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Why this file is long (about 1,300 lines): the job directory, the
 * command line the server runs, the feeding of the source in each of its
 * forms (plain, gcc's -fdirectives-only text with the files rebuilt from
 * it, clang's -frewrite-includes text, gcc -g3 and ASan under the client's
 * names, a clang tree and its check) and the second compiles some of those
 * forms need (the pedantic twin, the words of own_name text or of text
 * naming files absolutely) all read and write the one struct compile, and each
 * form's feeding decides what its finishing does. Split apart, every part would
 * carry that state across a header. What stands alone is elsewhere: the
 * compiler's run (compilerun.c), the text filter (cpptext.c), the rebuilt files
 * (srcfiles.c, tree.c). */
#include "compile.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "compilerun.h"
#include "cpptext.h"
#include "exitcode.h"
#include "indentscan.h"
#include "io.h"
#include "log.h"
#include "macro.h"
#include "sandbox.h"
#include "srcfiles.h"
#include "strv.h"
#include "tree.h"
#include "why.h"
#include "wordtree.h"

/* ---- the job directory -------------------------------------------------- */

static int workdir_create(char **ret_path)
{
  const char          *tmp  = getenv("TMPDIR");
  _cleanup_free_ char *path = NULL;

  if (!tmp || tmp[0] != '/') {
    tmp = "/tmp";
  }
  if (asprintf(&path, "%s/herdccd-XXXXXX", tmp) < 0) {
    return -ENOMEM;
  }
  if (!mkdtemp(path)) {
    return -errno;
  }
  *ret_path = TAKE_PTR(path);
  return 0;
}

static int remove_entry(const char *path, const struct stat *st, int type,
                        struct FTW *ftw)
{
  (void)st;
  (void)type;
  (void)ftw;
  if (remove(path) < 0) {
    log_warning("Failed to remove %s: %m", path);
  }
  return 0;
}

/* Remove the directory with everything in it, then free its name. */
static void workdir_removep(char **path)
{
  if (*path) {
    nftw(*path, remove_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
    free(*path);
  }
}

static char *path_in(const char *dir, const char *name)
{
  char *path;

  return asprintf(&path, "%s/%s", dir, name) < 0 ? NULL : path;
}

/* Where the compiler writes its object (or assembler text). */
static int output_name(const struct compile_request *req, const char *dir,
                       char **ret_output)
{
  return asprintf(ret_output, "%s/output.%s", dir,
                  req->job->assemble_only ? "s" : "o") < 0
           ? -ENOMEM
           : 0;
}

/* ---- the command line --------------------------------------------------- */

/* Where the job's profile goes, beside the output (output.o): gcc's
 * plain -fprofile-use reads output.gcda, clang's option is given
 * output.profile. */
static int profile_name(const char *output, char **ret_path)
{
  const char *dot = strrchr(output, '.');
  size_t      len = dot ? (size_t)(dot - output) : strlen(output);

  return asprintf(ret_path, "%.*s.%s", (int)len, output, "profile") < 0
           ? -ENOMEM
           : 0;
}

/* The job's profile as a file in dir, named as its compiler reads it. */
static int write_profile(const struct compile_request *req, const char *output)
{
  const char          *arg  = req->argv[req->job->profile_index];
  _cleanup_free_ char *path = NULL;
  const char          *dot  = strrchr(output, '.');
  int                  r    = 0;

  if (strchr(arg, '=')) {
    r = profile_name(output, &path);
  } else if (asprintf(&path, "%.*s.gcda", (int)(dot - output), output) < 0) {
    r = -ENOMEM;
  }
  if (r < 0) {
    return r;
  }
  return io_write_new_file(path, req->profile, req->profile_len);
}

static int set_arg(char **argv, size_t index, const char *prefix,
                   const char *value)
{
  char *arg;

  if (asprintf(&arg, "%s%s", prefix, value) < 0) {
    return -ENOMEM;
  }
  free(argv[index]);
  argv[index] = arg;
  return 0;
}

/* Options that compile -fdirectives-only text as source with the command
 * line a local compile has (cpptext.h): the names gcc records for the
 * input file in the job directory (named with the source's base name,
 * which gcc also gives C++ static initialisers) are the client's source,
 * through the client's own prefix maps. */
static int push_source_maps(const struct compile_request *req,
                            const char *input, char ***argv)
{
  const char          *name       = req->argv[req->job->input_index];
  _cleanup_free_ char *debug_name = NULL, *macro_name = NULL;
  _cleanup_free_ char *debug_map = NULL, *macro_map = NULL;
  int r = args_remap(req->argv, ARGS_MAP_DEBUG, name, &debug_name);

  if (r >= 0) {
    r = args_remap(req->argv, ARGS_MAP_MACRO, name, &macro_name);
  }
  if (r >= 0 && (asprintf(&debug_map, "-fdebug-prefix-map=%s=%s", input,
                          debug_name) < 0 ||
                 asprintf(&macro_map, "-fmacro-prefix-map=%s=%s", input,
                          macro_name) < 0)) {
    r = -ENOMEM;
  }
  /* gcc splits a map at its last '=': a name with one cannot be mapped */
  if (r >= 0 && !strchr(debug_name, '=')) {
    r = strv_push(argv, debug_map);
  }
  if (r >= 0 && !strchr(macro_name, '=')) {
    r = strv_push(argv, macro_map);
  }
  return r;
}

/* clang -frewrite-includes text: the name a local compile gives the main
 * file (its directory and base name, a leading "./" dropped), which "-"
 * would otherwise be. */
static int push_main_file_name(const struct compile_request *req, char ***argv)
{
  const char *name = req->argv[req->job->input_index];
  int         r    = strv_push(argv, "-Xclang");

  while (name[0] == '.' && name[1] == '/') {
    name += 2;
    while (name[0] == '/') {
      name++;
    }
  }
  r = r < 0 ? r : strv_push(argv, "-main-file-name");
  r = r < 0 ? r : strv_push(argv, "-Xclang");
  return r < 0 ? r : strv_push(argv, name);
}

/* The request's argv with our executable, output and language, and the
 * source read from standard input: "-x LANG -" where the input was; LANG
 * the preprocessed form of the language, or the language itself for text
 * a client marked to be compiled as source. */
static int build_argv(const struct compile_request *req, const char *output,
                      bool as_source, const char *input, char ***ret_argv)
{
  const struct args_job     *job  = req->job;
  _cleanup_strv_free_ char **argv = NULL;
  size_t                     end  = strv_length(req->argv);
  int                        r    = 0;

  if (as_source) {
    end--; /* the client's mark */
  }
  for (size_t i = 0; i < end && r >= 0; i++) {
    if (i == job->input_index) {
      r = strv_push(&argv, "-x");
      r = r < 0 ? r
                : strv_push(&argv, as_source ? job->lang->name
                                             : job->lang->cpp_output);
      r = r < 0 ? r : strv_push(&argv, input ? input : "-");
    } else {
      r = strv_push(&argv, req->argv[i]);
    }
  }
  /* The indices below come before the input, so they still hold. */
  if (r >= 0) {
    r = set_arg(argv, 0, "", req->compiler_path);
  }
  if (r >= 0 && job->output_index) {
    size_t index =
      job->output_index + (job->output_index > job->input_index ? 2 : 0);
    r = set_arg(argv, index, job->output_joined ? "-o" : "", output);
  } else if (r >= 0) {
    r = strv_push(&argv, "-o");
    r = r < 0 ? r : strv_push(&argv, output);
  }
  if (r >= 0 && job->profile_index &&
      strchr(req->argv[job->profile_index], '=')) {
    /* clang: its option names the job's file (gcc's .gcda is output's) */
    _cleanup_free_ char *name =
      strndup(req->argv[job->profile_index],
              (size_t)(strchr(req->argv[job->profile_index], '=') -
                       req->argv[job->profile_index] + 1));
    _cleanup_free_ char *file = NULL;
    r                         = name ? profile_name(output, &file) : -ENOMEM;
    if (r >= 0) {
      r = set_arg(argv,
                  job->profile_index +
                    (job->profile_index > job->input_index ? 2 : 0),
                  name, file);
    }
  }
  if (r >= 0 && job->lang_index && !job->lang->preprocessed) {
    r = set_arg(argv, job->lang_index, job->lang_joined ? "-x" : "",
                as_source ? job->lang->name : job->lang->cpp_output);
  }
  if (r >= 0 && as_source && job->directives_only) {
    r = strv_push(&argv, "-nostdinc"); /* the text holds stdc-predef.h */
  }
  if (r >= 0 && as_source && job->pedantic_twin) {
    r = strv_push(&argv, "-Wno-pedantic"); /* the twin says the rest */
  }
  if (r >= 0 && as_source && job->rewrite_includes) {
    r = push_main_file_name(req, &argv);
  }
  if (r < 0) {
    return r;
  }
  *ret_argv = TAKE_PTR(argv);
  return 0;
}

/* Where the source text is read from for a compile in dir: dir/input/
 * and the client's base name, for gcc text compiled as source; else NULL
 * (standard input). */
static int input_path(const struct compile_request *req, const char *dir,
                      char **ret_path)
{
  if (!req->job->directives_only) {
    *ret_path = NULL;
    return 0;
  }
  const char *name = req->argv[req->job->input_index];
  const char *base = strrchr(name, '/');
  base             = base ? base + 1 : name;
  if (!base[0] || strcmp(base, ".") == 0 || strcmp(base, "..") == 0) {
    base = "input";
  }
  return asprintf(ret_path, "%s/input/%s", dir, base) < 0 ? -ENOMEM : 0;
}

/* A tree's compile (tree.h): the client's command line with the source
 * under its own name, reading the tree; with -fcoverage-compilation-dir
 * first (the driver would give it its own directory; the client's own
 * word, after it, wins). */
static int tree_argv(const struct compile_request *req, const char *dir,
                     const char *output, char ***ret_argv)
{
  _cleanup_strv_free_ char **argv = NULL, **words = NULL;
  _cleanup_free_ char       *cov  = NULL;
  const char                *name = req->argv[req->job->input_index];
  int                        r    = build_argv(req, output, true, name, &argv);

  if (r >= 0 &&
      asprintf(&cov, "-fcoverage-compilation-dir=%s", req->job->tree) < 0) {
    r = -ENOMEM;
  }
  r = r < 0 ? r : strv_push(&words, argv[0]);
  r = r < 0 ? r : strv_push(&words, cov);
  r = r < 0 ? r : strv_extend(&words, argv + 1);
  r = r < 0 ? r : tree_push_words(dir, &words);
  if (r >= 0) {
    *ret_argv = TAKE_PTR(words);
  }
  return r;
}

int compile_command_line(const struct compile_request *req, const char *dir,
                         char ***ret_argv)
{
  _cleanup_free_ char *output = NULL, *input = NULL;
  int                  r = output_name(req, dir, &output);

  if (r >= 0) {
    r = input_path(req, dir, &input);
  }
  if (r < 0) {
    return r;
  }
  if (req->job->tree) {
    return tree_argv(req, dir, output, ret_argv);
  }
  return build_argv(req, output,
                    req->job->directives_only || req->job->rewrite_includes,
                    input, ret_argv);
}

/* ---- the results -------------------------------------------------------- */

static int read_in(const char *dir, const char *name, size_t cap,
                   char **ret_buf, size_t *ret_len)
{
  _cleanup_free_ char *path = path_in(dir, name);

  return path ? io_read_file(path, cap, ret_buf, ret_len) : -ENOMEM;
}

int compile_probe(const struct compile_request *req, char *const *argv,
                  size_t cap, char **ret_stdout)
{
  _cleanup_(workdir_removep) char *dir = NULL;
  _cleanup_close_ int in_fd     = open("/dev/null", O_RDONLY | O_CLOEXEC);
  long long           end       = clock_now_ms() + COMPILE_PROBE_MS;
  _cleanup_close_ int status_fd = -1; /* unread: the init's end is waited */
  pid_t               pid       = 0;
  size_t              len       = 0;
  int                 r         = in_fd < 0 ? -errno : 0;

  if (r >= 0) {
    r = workdir_create(&dir);
  }
  if (r >= 0) {
    r = compilerun_spawn(req, dir, dir, "", (char **)argv, in_fd, &pid,
                         &status_fd);
  }
  if (r < 0) {
    return r;
  }
  for (;;) {
    siginfo_t info = { 0 };
    if (waitid(P_PID, (id_t)pid, &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
        info.si_pid == pid) {
      compilerun_kill(pid); /* and whatever it left behind */
      break;
    }
    if (clock_now_ms() >= end) {
      compilerun_kill(pid);
      return -ETIMEDOUT;
    }
    poll(NULL, 0, 2);
  }
  return read_in(dir, "stdout", cap, ret_stdout, &len);
}

static int serr_append(struct proto_reply *reply, const char *text)
{
  size_t len    = strlen(text);
  char  *joined = realloc(reply->serr, reply->serr_len + len + 1);

  if (!joined) {
    return -ENOMEM;
  }
  memcpy(joined + reply->serr_len, text, len + 1);
  reply->serr = joined;
  reply->serr_len += len;
  return 0;
}

static int collect(const struct compile_request *req, const char *dir,
                   const char *tag, const char *output,
                   struct proto_reply *reply)
{
  char err_name[16], out_name[16];

  snprintf(err_name, sizeof(err_name), "stderr%s", tag);
  snprintf(out_name, sizeof(out_name), "stdout%s", tag);
  int r =
    read_in(dir, err_name, req->max_output, &reply->serr, &reply->serr_len);

  if (r >= 0) {
    r = read_in(dir, out_name, req->max_output, &reply->sout, &reply->sout_len);
  }
  if (r < 0 || reply->status != 0 || !output) {
    return r; /* NULL: only the words are wanted */
  }
  r = io_read_file(output, req->max_output, &reply->object, &reply->object_len);
  if (r == -ENOENT) {
    reply->status = proto_status_exit(EXIT_GENERAL);
    return serr_append(reply,
                       "herdccd: the compiler succeeded but wrote no output\n");
  }
  return r;
}

static int note_timeout(const struct compile_request *req,
                        struct proto_reply           *reply)
{
  char text[128];

  snprintf(text, sizeof(text),
           "herdccd: compile killed after %u s (the server's --job-lifetime)\n",
           req->lifetime_s);
  return serr_append(reply, text);
}

struct compile {
  const struct compile_request *req;
  struct compilerun_signals     signals;
  char                         *dir;
  char                         *output;
  pid_t                         pid;
  int                           status_fd; /* the sandbox's report */
  int                           source_fd; /* the compiler's stdin */
  int             read_fd; /* its other end, until the compiler starts */
  char          **argv;    /* the compiler's command line */
  struct cpptext *text;    /* the source is -fdirectives-only text: the
                              compiler starts once it has all been read */
  struct srcfiles *files;  /* the client's files rebuilt from it */
  char            *held;   /* the filtered text, until then */
  size_t           held_len;
  char            *raw; /* the text as it came, for a pedantic twin */
  size_t           raw_len;
  char            *cwd;       /* the compiler's, below dir when files */
  char            *input;     /* the text as a file, compiled as source */
  char            *own_cwd;   /* own_name: where the object's compile runs */
  char            *own_input; /* and the text there, at the client's own name */
  struct tree     *tree;      /* a tree job's files (tree.h), once built */
  pid_t            check_pid; /* its check, while it runs */
  char            *split_object; /* -gsplit-dwarf: the client's names for */
  char            *split_dwo;    /* the outputs, relative */
  char            *dwo_path;     /* and where the .dwo is, once placed */
  int              check_status_fd;
  pid_t            words_check_pid; /* the check without markers, running */
  int              words_check_status_fd;
  char            *why;         /* why the tree was refused (-EILSEQ) */
  bool             source_gone; /* it stopped reading */
  bool             timed_out;   /* killed at the lifetime */
  uint64_t         received;    /* source bytes */
};

uint64_t compile_source_bytes(const struct compile *compile)
{
  return compile->received;
}

const char *compile_dir(const struct compile *compile)
{
  return compile->dir;
}

const char *compile_refusal(const struct compile *compile)
{
  return compile->why;
}

const char *compile_dwo(const struct compile *compile)
{
  return compile->dwo_path;
}

bool compile_timed_out(const struct compile *compile)
{
  return compile->timed_out;
}

struct compile *compile_free(struct compile *compile)
{
  if (!compile) {
    return NULL;
  }
  if (compile->pid > 0) {
    compilerun_kill(compile->pid);
  }
  if (compile->check_pid > 0) {
    compilerun_kill(compile->check_pid);
  }
  if (compile->words_check_pid > 0) {
    compilerun_kill(compile->words_check_pid);
  }
  closep(&compile->check_status_fd);
  closep(&compile->words_check_status_fd);
  closep(&compile->source_fd);
  closep(&compile->status_fd);
  closep(&compile->read_fd);
  strv_free(compile->argv);
  cpptext_free(compile->text);
  srcfiles_free(compile->files);
  tree_free(compile->tree);
  free(compile->split_object);
  free(compile->split_dwo);
  free(compile->dwo_path);
  free(compile->why);
  free(compile->held);
  free(compile->raw);
  free(compile->input);
  free(compile->own_input);
  free(compile->own_cwd);
  free(compile->cwd);
  workdir_removep(&compile->dir);
  compilerun_signals_restorep(&compile->signals);
  free(compile->output);
  free(compile);
  return NULL;
}

/* The pipe to the compiler's stdin; our end does not block. */
static int open_source_pipe(int *ret_read_fd, int *ret_write_fd)
{
  int fds[2];

  if (pipe2(fds, O_CLOEXEC) < 0) {
    return -errno;
  }
  if (fcntl(fds[1], F_SETFL, O_NONBLOCK) < 0) {
    int r = -errno;
    close(fds[0]);
    close(fds[1]);
    return r;
  }
  *ret_read_fd  = fds[0];
  *ret_write_fd = fds[1];
  return 0;
}

/* For -fdirectives-only text, the compiler's working directory run_in
 * stands for the client's in the debug info. */
static int push_cwd_map(const struct compile *compile, const char *run_in,
                        char ***argv)
{
  const char          *cwd = compile->text && compile->req->job->directives_only
                               ? cpptext_cwd(compile->text)
                               : NULL;
  _cleanup_free_ char *mapped = NULL, *map = NULL;
  int                  r = 0;

  if (cwd) {
    r = args_remap(compile->req->argv, ARGS_MAP_DEBUG, cwd, &mapped);
    if (r >= 0 && !strchr(mapped, '=') &&
        asprintf(&map, "-fdebug-prefix-map=%s=%s", run_in, mapped) < 0) {
      r = -ENOMEM;
    }
    if (r >= 0 && map) {
      r = strv_push(argv, map);
    }
  }
  return r;
}

/* gcc -g3: the command line's macros, lifted from the text (cpptext.h). */
static int push_command_line(const struct compile *compile, char ***argv)
{
  char *const *opts = compile->req->job->macro_names && compile->text
                        ? cpptext_command_line(compile->text)
                        : NULL;

  return strv_extend(argv, opts);
}

/* Start the compiler on the pipe. */
static int launch(struct compile *compile)
{
  const char *run_in = compile->tree      ? tree_run_in(compile->tree)
                       : compile->own_cwd ? compile->own_cwd
                       : compile->cwd     ? compile->cwd
                                          : compile->dir;
  int         r      = push_cwd_map(compile, run_in, &compile->argv);

  if (r >= 0 && compile->input) {
    /* own_name's relative name is the client's own: no map */
    const char *name  = compile->req->argv[compile->req->job->input_index];
    const char *input = !compile->own_input ? compile->input
                        : name[0] == '/'    ? compile->own_input
                                            : NULL;
    r = input ? push_source_maps(compile->req, input, &compile->argv) : 0;
  }
  if (r >= 0) {
    r = push_command_line(compile, &compile->argv);
  }
  if (r < 0) {
    return r;
  }
  _cleanup_free_ char *line = strv_join(compile->argv);
  log_debug("Running %s", line ? line : compile->argv[0]);
  r = compilerun_spawn_with(
    compile->req, compile->dir, run_in, "", compile->argv, compile->read_fd,
    compile->tree ? tree_placeholders(compile->tree) : NULL, &compile->pid,
    &compile->status_fd);
  closep(&compile->read_fd);
  compile->read_fd = -1;
  return r;
}

/* own_name (gcc -g3, gcc -fsanitize=address): where the object's compile
 * runs and reads the text, so that the macro table, the module name and
 * the line markers name the main file alike. A relative name is the client's
 * own, from a working directory DIR/m/d/... deep enough for its leading "..";
 * an absolute one is DIR/m/NAME, from DIR/m, with the markers renamed to it and
 * the name mapped back (push_source_maps). */
static int own_paths(struct compile *compile, const char *name)
{
  int depth = args_relative_depth(name);

  if (name[0] == '/') {
    compile->own_cwd = path_in(compile->dir, "m");
    if (compile->own_cwd &&
        asprintf(&compile->own_input, "%s%s", compile->own_cwd, name) < 0) {
      compile->own_input = NULL;
    }
    return compile->own_input ? 0 : -ENOMEM;
  }
  if (depth < 0) {
    return -EINVAL; /* the check admits none such */
  }
  /* gcc -gsplit-dwarf: the outputs under the client's names, from there */
  int object_depth =
    compile->split_object ? args_relative_depth(compile->split_object) : 0;
  depth      = object_depth > depth ? object_depth : depth;
  size_t len = strlen(compile->dir) + 2 + 2 * (size_t)depth;
  if (!(compile->own_cwd = malloc(len + 1))) {
    return -ENOMEM;
  }
  strcpy(compile->own_cwd, compile->dir);
  strcat(compile->own_cwd, "/m");
  for (int k = 0; k < depth; k++) {
    strcat(compile->own_cwd, "/d");
  }
  compile->own_input = path_in(compile->own_cwd, name);
  return compile->own_input ? 0 : -ENOMEM;
}

static int own_place(struct compile *compile)
{
  const char *name = compile->req->argv[compile->req->job->input_index];
  int         r    = own_paths(compile, name);

  if (r < 0) {
    return r;
  }
  _cleanup_free_ char *parent = strdup(compile->own_input);
  if (!parent) {
    return -ENOMEM;
  }
  *strrchr(parent, '/') = '\0';
  r                     = io_mkdir_p(compile->own_cwd, 0700);
  return r < 0 ? r : io_mkdir_p(parent, 0700);
}

/* gcc -fdirectives-only text compiled as source is read from a file named
 * as the client's source (its base name), in a directory of its own. */
static int input_name(struct compile *compile)
{
  const struct compile_request *req = compile->req;
  _cleanup_free_ char          *dir = NULL;
  int                           r;

  if (!req->job->directives_only) {
    return 0;
  }
  dir = path_in(compile->dir, "input");
  if (!dir) {
    return -ENOMEM;
  }
  if (mkdir(dir, 0700) < 0) {
    return -errno;
  }
  r = input_path(req, compile->dir, &compile->input);
  return r < 0 || !req->job->own_name ? r : own_place(compile);
}

/* -gsplit-dwarf: the compile writes the object and the .dwo under the
 * client's relative names, from run_in (a tree's, or the directory gcc's
 * text is placed in under its own name); where they are read back. */
static int place_split(struct compile *compile, const char *run_in)
{
  _cleanup_free_ char *object = path_in(run_in, compile->split_object);
  _cleanup_free_ char *dwo    = path_in(run_in, compile->split_dwo);
  _cleanup_free_ char *parent = object ? strdup(object) : NULL;

  if (!dwo || !parent) {
    return -ENOMEM;
  }
  *strrchr(parent, '/') = '\0';
  int r                 = io_mkdir_p(parent, 0700);
  if (r < 0) {
    return r;
  }
  free(compile->output);
  compile->output   = TAKE_PTR(object);
  compile->dwo_path = TAKE_PTR(dwo);
  return 0;
}

static int start(struct compile *compile)
{
  int r = compilerun_signals_block(&compile->signals);

  if (r >= 0) {
    r = workdir_create(&compile->dir);
  }
  if (r >= 0) {
    r = output_name(compile->req, compile->dir, &compile->output);
  }
  if (r >= 0 && compile->req->job->profile_index) {
    /* and for a second compile's output (run_second), which reads it too */
    _cleanup_free_ char *twin = path_in(compile->dir, "twin.o");
    r = twin ? write_profile(compile->req, compile->output) : -ENOMEM;
    r = r < 0 ? r : write_profile(compile->req, twin);
  }
  if (r >= 0 && compile->req->job->split_dwarf) {
    r = args_split_names(compile->req->argv, compile->req->job,
                         &compile->split_object, &compile->split_dwo);
  }
  if (r >= 0) {
    r = input_name(compile);
  }
  if (r >= 0 && compile->split_object && !compile->req->job->tree) {
    r = compile->own_cwd ? place_split(compile, compile->own_cwd)
                         : -EINVAL; /* the check admits none such */
  }
  if (r >= 0 && compile->req->job->tree) {
    /* -gsplit-dwarf: the outputs under the client's names, from run_in */
    r =
      tree_argv(compile->req, compile->dir,
                compile->split_object ? compile->split_object : compile->output,
                &compile->argv);
  } else if (r >= 0) {
    const struct args_job *job   = compile->req->job;
    const char            *name  = compile->req->argv[job->input_index];
    const char            *input = !compile->own_input ? compile->input
                                   : name[0] == '/'    ? compile->own_input
                                                       : name;

    r = build_argv(
      compile->req,
      compile->split_object ? compile->split_object : compile->output,
      job->directives_only || job->rewrite_includes, input, &compile->argv);
  }
  if (r >= 0) {
    r = open_source_pipe(&compile->read_fd, &compile->source_fd);
  }
  if (r >= 0 && compile->req->job->tree) {
    return 0; /* it starts once the tree is built (tree_start) */
  }
  if (r >= 0 && compile->req->job->gcc_text) {
    compile->text  = cpptext_new();
    compile->files = srcfiles_new();
    if (compile->text && compile->req->job->macro_names) {
      cpptext_lift_command_line(compile->text);
    }
    return compile->text && compile->files ? 0 : -ENOMEM;
  }
  return r < 0 ? r : launch(compile);
}

int compile_start(const struct compile_request *req,
                  struct compile              **ret_compile)
{
  struct compile *compile = calloc(1, sizeof(*compile));

  if (!compile) {
    return -ENOMEM;
  }
  compile->req                   = req;
  compile->signals.fd            = -1;
  compile->source_fd             = -1;
  compile->status_fd             = -1;
  compile->read_fd               = -1;
  compile->check_status_fd       = -1;
  compile->words_check_status_fd = -1;
  int r                          = start(compile);
  if (r < 0) {
    compile_free(compile);
    return r;
  }
  *ret_compile = compile;
  return 0;
}

/* Hand bytes to the compiler. One that stopped reading (it failed on its
 * arguments, say) gets no more, but the wire is still read to the end so
 * that the reply can be sent. */
static int write_source(struct compile *compile, const void *buf, size_t len)
{
  if (compile->source_gone || len == 0) {
    return 0;
  }
  int r =
    io_write_all(compile->source_fd, buf, len, compile->req->io_timeout_ms);
  if (r == -EPIPE) {
    compile->source_gone = true;
    return 0;
  }
  return r;
}

static int append(char **buf, size_t *len, const void *more, size_t n)
{
  char *grown = realloc(*buf, *len + n);

  if (!grown) {
    return -ENOMEM;
  }
  memcpy(grown + *len, more, n);
  *buf = grown;
  *len += n;
  return 0;
}

/* own_name: the text where the object's compile reads it (own_place):
 * the same file under the client's relative name, or, for an absolute
 * one, with the markers naming the main file renamed to its path. */
static int place_own_text(const struct compile *compile)
{
  const char *name = compile->req->argv[compile->req->job->input_index];
  _cleanup_free_ char *text = NULL;
  size_t               len  = 0;

  if (!compile->own_input) {
    return 0;
  }
  if (name[0] != '/') {
    return link(compile->input, compile->own_input) < 0 ? -errno : 0;
  }
  int r = cpptext_rename_file(compile->held, compile->held_len, name,
                              compile->own_input, &text, &len);
  return r < 0 ? r : io_write_new_file(compile->own_input, text, len);
}

static int words_check_start(struct compile *compile);

/* -fdirectives-only text goes through its filter and is held, and the
 * client's files are rebuilt from it; at its end they are written and the
 * compiler starts, so that its diagnostics find every line. */
static int pass_text(struct compile *compile, const void *buf, size_t len,
                     bool at_end)
{
  bool        as_source = compile->req->job->directives_only;
  const char *out;
  size_t      out_len;
  int         r = cpptext_feed(compile->text, buf, len, at_end, &out, &out_len);

  if (!as_source) { /* compiled as preprocessed input, as it came */
    out     = buf;
    out_len = len;
  }
  if (r >= 0 && out_len) {
    r = srcfiles_feed(compile->files, out, out_len);
  }
  if (r >= 0 && out_len) {
    r = append(&compile->held, &compile->held_len, out, out_len);
  }
  if (r >= 0 && len && compile->req->job->pedantic_twin) {
    r = append(&compile->raw, &compile->raw_len, buf, len);
  }
  if (r < 0 || !at_end) {
    return r;
  }
  /* Text the client preprocessed fully (it does when -fdirectives-only
     would lose a pragma) has lines that are not the source's. */
  if (cpptext_saw_builtins(compile->text)) {
    r = srcfiles_write(compile->files, compile->dir, &compile->cwd);
  }
  size_t down_pipe = compile->held_len; /* the text stays held */
  if (r >= 0 && compile->input) {
    r = io_write_new_file(compile->input, compile->held, compile->held_len);
    r = r < 0 ? r : place_own_text(compile);
    down_pipe = 0;
  }
  if (r >= 0) {
    r = launch(compile);
  }
  r = r < 0 ? r : words_check_start(compile);
  return r < 0 ? r : write_source(compile, compile->held, down_pipe);
}

static int pass_source(struct compile *compile, const void *buf, size_t len)
{
  compile->received += len;
  if (compile->req->source_tap) {
    compile->req->source_tap(compile->req->source_tap_data, buf, len);
  }
  if (compile->req->source_bytes) {
    __atomic_store_n(compile->req->source_bytes, compile->received,
                     __ATOMIC_RELAXED);
  }
  if (compile->req->job->tree) {
    return append(&compile->held, &compile->held_len, buf, len);
  }
  return compile->text ? pass_text(compile, buf, len, false)
                       : write_source(compile, buf, len);
}

static int pass_piece(void *userdata, const void *buf, size_t len)
{
  return pass_source(userdata, buf, len);
}

/* ---- a rebuilt tree (tree.h) ------------------------------------------ */

/* The check failed: what it said first is the reason. */
static int tree_failed(struct compile *compile)
{
  _cleanup_free_ char *said = NULL;
  size_t               len  = 0;

  if (read_in(compile->dir, "stderr-check", 4096, &said, &len) < 0 || !len) {
    free(said);
    said = NULL;
  }
  if (said) {
    said[strcspn(said, "\n")] = '\0';
  }
  return why_reason(-EILSEQ, &compile->why,
                    "the server's clang could not preprocess the rebuilt "
                    "files (%s)",
                    said ? said : "it said nothing");
}

/* The tree's check: the compile's command line as -E -frewrite-includes
 * into DIR/check.i, which must be the text the client sent. It runs
 * beside the compile (tree_check_end waits for it before the compile's
 * result is taken). */
static int tree_check_start(struct compile *compile)
{
  const struct compile_request *req   = compile->req;
  _cleanup_free_ char          *out   = path_in(compile->dir, "check.i");
  _cleanup_strv_free_ char    **argv  = NULL;
  _cleanup_close_ int           in_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  int                           r     = !out ? -ENOMEM : in_fd < 0 ? -errno : 0;

  r = r < 0 ? r : tree_argv(req, compile->dir, out, &argv);
  r = r < 0 ? r : strv_push(&argv, "-E");
  r = r < 0 ? r : strv_push(&argv, "-frewrite-includes");
  return r < 0 ? r
               : compilerun_spawn_with(
                   req, compile->dir, tree_run_in(compile->tree), "-check",
                   argv, in_fd, tree_placeholders(compile->tree),
                   &compile->check_pid, &compile->check_status_fd);
}

/* Wait for a compile beside the object's (pid, its sandbox's report on
 * status_fd, or -1) to its end, the sandbox's init collected too: enum
 * wait_end or -errno, its wait status in *ret_status. */
static int wait_beside(struct compile *compile, pid_t pid, int status_fd,
                       int *ret_status)
{
  int end = compilerun_wait(compile->req, pid, compile->signals.fd, status_fd,
                            ret_status);

  if (end == WAIT_REPORTED) {
    compilerun_kill(pid); /* the sandbox's init, its report read */
  } else if (end >= 0 && status_fd >= 0) {
    *ret_status = sandbox_status(status_fd, *ret_status);
  }
  return end;
}

/* The check's end: 0 when it gave the client's text, -EILSEQ with the
 * reason when not. */
static int tree_check_end(struct compile *compile)
{
  _cleanup_free_ char *out    = path_in(compile->dir, "check.i");
  _cleanup_free_ char *text   = NULL;
  int                  status = 0;
  size_t               len    = 0;
  int                  end =
    wait_beside(compile, compile->check_pid, compile->check_status_fd, &status);

  compile->check_pid = 0;
  closep(&compile->check_status_fd);
  if (end < 0 || !out) {
    return end < 0 ? end : -ENOMEM;
  }
  size_t want = tree_text_len(compile->tree);
  int    r = status != 0 ? -ENOEXEC : io_read_file(out, want + 1, &text, &len);
  if (r >= 0 && (len != want || memcmp(text, compile->held, len) != 0)) {
    r = -EILSEQ;
  }
  if (r == -ENOEXEC) {
    return tree_failed(compile);
  }
  if (r == -EFBIG || r == -EILSEQ) {
    compile->why = strdup("the rebuilt files preprocess to another text on "
                          "this server (a file the client tested with "
                          "__has_include but did not include, another clang, "
                          "or a file of the server's found first)");
    return compile->why ? -EILSEQ : -ENOMEM;
  }
  return r;
}

/* All of a tree job's source is here: rebuild the files, and start their
 * check and the compiler on them. */
static int tree_start(struct compile *compile)
{
  const struct compile_request *req  = compile->req;
  const char                   *name = req->argv[req->job->input_index];
  int                           r =
    tree_build(compile->dir, req->job->tree, name, compile->split_object,
               compile->held, compile->held_len, &compile->tree, &compile->why);

  if (r >= 0 && compile->split_object) {
    r = place_split(compile, tree_run_in(compile->tree));
  }
  if (r >= 0 && tree_placeholders(compile->tree)[0] && !req->sandbox) {
    compile->why = strdup("the driver's file at an absolutely named source "
                          "needs the job sandbox (this server runs "
                          "--no-sandbox)");
    return compile->why ? -EILSEQ : -ENOMEM;
  }
  r = r < 0 ? r : tree_check_start(compile);
  return r < 0 ? r : launch(compile);
}

/* Protocol 1: the bytes go on as they come, through the codec's streaming
 * reader (bounded in length and, for a client that trickles, in time). */
static int feed_plain(struct compile *compile)
{
  const struct compile_request *req = compile->req;

  return proto_recv_body_stream(req->client_fd, "DOTI", req->max_source,
                                req->io_timeout_ms, pass_piece, compile, NULL);
}

/* Protocol 2: LZO needs the whole body before it can be unpacked. */
static int feed_compressed(struct compile *compile)
{
  const struct compile_request *req    = compile->req;
  _cleanup_free_ char          *source = NULL;
  size_t                        len;
  int r = proto_recv_body(req->client_fd, "DOTI", req->max_source, req->lzo,
                          req->io_timeout_ms, &source, &len);

  return r < 0 ? (r == -EFBIG ? -EMSGSIZE : r)
               : pass_source(compile, source, len);
}

/* After the last byte: the end of the text, end of file for the
 * compiler. */
static int feed_end(struct compile *compile, int r)
{
  if (r >= 0 && compile->text) {
    r = pass_text(compile, NULL, 0, true);
  }
  if (r >= 0 && compile->req->job->tree) {
    r = tree_start(compile);
  }
  closep(&compile->source_fd);
  return r;
}

int compile_feed(struct compile *compile)
{
  return feed_end(compile, compile->req->lzo ? feed_compressed(compile)
                                             : feed_plain(compile));
}

int compile_feed_from(struct compile *compile, const void *source, size_t len)
{
  return feed_end(compile, pass_source(compile, source, len));
}

/* A second compile after the first (whose status is reply's), from the
 * directory run_in, with in (in_len bytes) on its standard input, its
 * words in the job directory's files named with tag (one tag a compile).
 * What it says and its status are the reply's; the object is the first
 * compile's when that one succeeded, whose debug info is a local
 * compile's. */
static int run_second(struct compile *compile, const char *tag, char **argv,
                      const char *run_in, const char *in, size_t in_len,
                      const char *output, struct proto_reply *reply,
                      int *ret_end)
{
  const struct compile_request *req      = compile->req;
  bool                          first_ok = reply->status == 0;
  _cleanup_close_ int           read_fd = -1, write_fd = -1;
  _cleanup_close_ int           status_fd = -1; /* the sandbox's report */
  pid_t                         pid;
  int                           status = 0;
  int                           r      = open_source_pipe(&read_fd, &write_fd);

  if (r >= 0) {
    r = compilerun_spawn(req, compile->dir, run_in, tag, argv, read_fd, &pid,
                         &status_fd);
  }
  if (r < 0) {
    return r;
  }
  closep(&read_fd);
  read_fd = -1;
  r       = in_len ? io_write_all(write_fd, in, in_len, req->io_timeout_ms) : 0;
  closep(&write_fd);
  write_fd = -1;
  int end  = wait_beside(compile, pid, status_fd, &status);
  if (end < 0) {
    return end;
  }
  *ret_end      = end;
  reply->status = proto_status_from_wait(status);
  if (r < 0 && r != -EPIPE) {
    return r;
  }
  return collect(req, compile->dir, tag, first_ok ? compile->output : output,
                 reply);
}

/* Whether a second compile of the text with its absolute names rooted
 * (srcfiles.h) says what the first one could not quote. */
static bool rooted_words(const struct compile *compile)
{
  return compile->cwd && srcfiles_saw_absolute(compile->files);
}

/* text rooted, in *ret_text, and the files it names absolutely rebuilt;
 * *ret_text NULL when a second compile would not say it better. */
static int root_text(const struct compile *compile, const char *text,
                     size_t len, char **ret_text, size_t *ret_len)
{
  *ret_text = NULL;
  *ret_len  = 0;
  if (!rooted_words(compile)) {
    return 0;
  }
  int r =
    srcfiles_write_absolute(compile->dir, compile->held, compile->held_len);
  r =
    r < 0 ? r : srcfiles_root_text(compile->dir, text, len, ret_text, ret_len);
  return r == -EINVAL ? 0 : r;
}

/* What a compile of rooted text said, with the client's names. */
static int unroot_reply(const struct compile *compile,
                        struct proto_reply   *reply)
{
  int r = reply->serr
            ? srcfiles_unroot(compile->dir, reply->serr, &reply->serr_len)
            : 0;

  return r < 0 || !reply->sout
           ? r
           : srcfiles_unroot(compile->dir, reply->sout, &reply->sout_len);
}

/* The pedantic twin: the text as it came compiled as preprocessed input,
 * as a distccd would, after the compile as source; rooted when that quotes
 * more. */
static int run_twin(struct compile *compile, struct proto_reply *reply,
                    int *ret_end)
{
  _cleanup_strv_free_ char **argv   = NULL;
  _cleanup_free_ char       *output = path_in(compile->dir, "twin.o");
  _cleanup_free_ char       *rooted = NULL;
  size_t                     rooted_len;
  int                        r =
    output ? build_argv(compile->req, output, false, NULL, &argv) : -ENOMEM;

  r = r < 0 ? r
            : root_text(compile, compile->raw, compile->raw_len, &rooted,
                        &rooted_len);
  if (r >= 0) {
    r = run_second(
      compile, "-twin", argv, compile->cwd ? compile->cwd : compile->dir,
      rooted ? rooted : compile->raw, rooted ? rooted_len : compile->raw_len,
      output, reply, ret_end);
  }
  return r < 0 || !rooted ? r : unroot_reply(compile, reply);
}

/* The words compile's input: the text as source at its plain place, or
 * rooted beside it (DIR/w/, the same base name); rooted text compiled as
 * preprocessed input goes down the pipe instead (*ret_pipe; NULL: the
 * text as it is held). */
static int words_input(struct compile *compile, char **ret_input,
                       char **ret_pipe, size_t *ret_pipe_len)
{
  _cleanup_free_ char *rooted = NULL, *dir = NULL;
  size_t               len;
  int r = root_text(compile, compile->held, compile->held_len, &rooted, &len);

  *ret_input = NULL;
  if (r < 0 || !compile->input) {
    *ret_pipe     = TAKE_PTR(rooted);
    *ret_pipe_len = len;
    return r;
  }
  *ret_pipe = NULL;
  if (!rooted) {
    *ret_input = strdup(compile->input);
    return *ret_input ? 0 : -ENOMEM;
  }
  if (!(dir = path_in(compile->dir, "w")) || mkdir(dir, 0700) < 0 ||
      !(*ret_input = path_in(dir, strrchr(compile->input, '/') + 1))) {
    return dir ? -errno : -ENOMEM;
  }
  return io_write_new_file(*ret_input, rooted, len);
}

/* When the object's compile said anything, or failed, and that was not
 * all a local compile says (own_name, whose object's compile reads the
 * text at the client's own name; a file named absolutely, which it cannot
 * quote), the text compiled again from the client's files rebuilt
 * (srcfiles.h), for the words a local compile prints. */
static int run_words(struct compile *compile, struct proto_reply *reply,
                     int *ret_end)
{
  _cleanup_strv_free_ char **argv   = NULL;
  _cleanup_free_ char       *output = path_in(compile->dir, "twin.o");
  _cleanup_free_ char       *input = NULL, *piped = NULL;
  size_t                     piped_len = 0;
  const char *run_in = compile->cwd ? compile->cwd : compile->dir;
  int r = output ? words_input(compile, &input, &piped, &piped_len) : -ENOMEM;

  if (r >= 0) {
    r = build_argv(compile->req, output, input != NULL, input, &argv);
  }
  if (r >= 0) {
    r = push_cwd_map(compile, run_in, &argv);
  }
  if (r >= 0 && input) {
    r = push_source_maps(compile->req, input, &argv);
  }
  if (r >= 0) {
    r = push_command_line(compile, &argv);
  }
  if (r >= 0 && !input && !piped) { /* compiled as preprocessed input */
    r = run_second(compile, "-twin", argv, run_in, compile->held,
                   compile->held_len, output, reply, ret_end);
  } else if (r >= 0) {
    r = run_second(compile, "-twin", argv, run_in, piped, piped_len, output,
                   reply, ret_end);
  }
  return r < 0 || !rooted_words(compile) ? r : unroot_reply(compile, reply);
}

/* gcc's text (its files rebuilt, its lines the source's) with a command
 * line that turns on the words a compile says only of files without line
 * markers (args_front_end_words). */
static bool wants_word_tree(const struct compile *compile)
{
  const struct args_job *job = compile->req->job;

  return job->gcc_text && !job->profile_index && compile->text &&
         cpptext_saw_builtins(compile->text) &&
         args_front_end_words(compile->req->argv);
}

/* A compile for words without line markers (wordtree.h) of input: the
 * command line as the text's compile has it, but for the pedantic twin's
 * silence; the word tree's main file, or with tree NULL the flattened
 * text, only checked. */
static int word_argv(const struct compile *compile, const struct wordtree *tree,
                     const char *input, const char *output, char ***ret_argv)
{
  _cleanup_strv_free_ char **argv = NULL;
  int    r = build_argv(compile->req, output, true, input, &argv);
  size_t n = strv_length(argv);

  if (r >= 0 && compile->req->job->pedantic_twin) {
    free(argv[--n]); /* build_argv's last word: -Wno-pedantic */
    argv[n] = NULL;
  }
  if (r >= 0 && !compile->req->job->directives_only) {
    r = strv_push(&argv, "-nostdinc");
  }
  if (r >= 0) {
    r = push_command_line(compile, &argv);
  }
  if (r >= 0) {
    r = tree ? wordtree_push_options(tree, &argv)
             : strv_push(&argv, "-fsyntax-only");
  }
  if (r >= 0) {
    *ret_argv = TAKE_PTR(argv);
  }
  return r;
}

/* Whether a compile said one of the words only files without markers give
 * right (misleading: -Wmisleading-indentation alone): the option gcc names
 * after a warning, in colour too ("[\e[01;35m\e[K-Wformat=\e[m\e[K]"). A
 * message that only names such an option costs a words compile for
 * nothing, never other words. */
static bool says_words(const struct proto_reply *reply, bool misleading)
{
  static const char *const names[] = {
    "-Wmisleading-indentation",
    "-Werror=misleading-indentation",
    "-Wformat",
    "-Werror=format",
  };

  for (size_t i = 0; reply->serr && i < (misleading ? 2 : ARRAY_SIZE(names));
       i++) {
    if (memmem(reply->serr, reply->serr_len, names[i], strlen(names[i]))) {
      return true;
    }
  }
  return false;
}

/* The flattened text in dir/flat.c, its path in *ret_path: gcc measures
 * indentation and reads format strings from a file, not from a pipe. */
static int write_flat(const struct compile *compile, char **ret_path)
{
  _cleanup_free_ char *flat = NULL, *path = path_in(compile->dir, "flat.c");
  size_t               len = 0;
  int r = path ? wordtree_flatten(compile->held, compile->held_len, &flat, &len)
               : -ENOMEM;

  r = r < 0 ? r : io_write_new_file(path, flat, len);
  if (r >= 0) {
    *ret_path = TAKE_PTR(path);
  }
  return r;
}

/* The compile of the tree's files for words into *words, what it said
 * with the client's names. */
static int run_word_compile(struct compile        *compile,
                            const struct wordtree *tree,
                            struct proto_reply    *words)
{
  _cleanup_strv_free_ char **argv   = NULL;
  _cleanup_free_ char       *output = path_in(compile->dir, "words.o");
  int                        end    = 0;
  int r = output ? word_argv(compile, tree, wordtree_main(tree), output, &argv)
                 : -ENOMEM;

  words->status = proto_status_exit(EXIT_GENERAL); /* so no object is read */
  if (r >= 0) {
    r = run_second(compile, "-words", argv, compile->dir, NULL, 0, NULL, words,
                   &end);
  }
  if (r >= 0 && end == WAIT_TIMED_OUT) {
    r = -ETIMEDOUT;
  }
  if (r >= 0 && words->serr) {
    r = wordtree_unname(tree, &words->serr, &words->serr_len);
  }
  if (r >= 0 && words->sout) {
    r = wordtree_unname(tree, &words->sout, &words->sout_len);
  }
  return r;
}

/* Whether gcc could say -Wmisleading-indentation of the job's text, as
 * the scan of its guards finds (indentscan.h): a check is run only then. */
static bool indentation_may_warn(const struct compile *compile)
{
  char *const           *argv = compile->req->argv;
  struct indentscan_opts opts = {
    .tab_width      = args_tab_width(argv),
    .system_headers = args_system_headers(argv),
  };
  size_t line = 0;
  int    r    = indentscan_text(compile->held, compile->held_len, &opts, &line);

  if (r > 0) {
    log_debug("A guard at the text's line %zu may be misleadingly indented "
              "(or the scan cannot tell there): the check runs",
              line);
  } else if (r == 0) {
    log_debug("No guard of the text can be misleadingly indented: no check");
  }
  return r != 0;
}

/* The check of the flattened text, started beside the text's compile once
 * the text is all in, when the job asks for -Wmisleading-indentation and a
 * guard may call for it (run_word_tree): what the check costs the job's
 * wait is then the longer of the two compiles, not their sum. */
static int words_check_start(struct compile *compile)
{
  _cleanup_strv_free_ char **argv   = NULL;
  _cleanup_free_ char       *output = path_in(compile->dir, "words.o");
  _cleanup_free_ char       *flat   = NULL;
  _cleanup_close_ int        in_fd  = -1;

  if (!wants_word_tree(compile) ||
      !args_misleading_indentation(compile->req->argv) ||
      !indentation_may_warn(compile)) {
    return 0;
  }
  int r = output ? write_flat(compile, &flat) : -ENOMEM;
  r     = r < 0 ? r : word_argv(compile, NULL, flat, output, &argv);
  if (r >= 0) {
    in_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    r     = in_fd < 0 ? -errno : 0;
  }
  return r < 0
           ? r
           : compilerun_spawn(compile->req, compile->dir, compile->dir,
                              "-check", argv, in_fd, &compile->words_check_pid,
                              &compile->words_check_status_fd);
}

/* The check's end (wanted: its words are still wanted, else it is
 * killed): what it said in *check. */
static int words_check_end(struct compile *compile, bool wanted,
                           struct proto_reply *check)
{
  int status = 0, end = 0;

  if (wanted) {
    end = wait_beside(compile, compile->words_check_pid,
                      compile->words_check_status_fd, &status);
  } else {
    compilerun_kill(compile->words_check_pid);
  }
  compile->words_check_pid = 0;
  closep(&compile->words_check_status_fd);
  if (end < 0 || !wanted) {
    return end;
  }
  if (end == WAIT_TIMED_OUT) {
    return -ETIMEDOUT;
  }
  check->status = proto_status_from_wait(status);
  return collect(compile->req, compile->dir, "-check", NULL, check);
}

/* words replace what the text's compile said in reply when they end alike,
 * or when -Werror made one of the words only they say right an error. */
static void take_words(struct proto_reply *reply, struct proto_reply *words)
{
  bool fails_alike = (words->status != 0) == (reply->status != 0);
  bool werror      = words->status != 0 && says_words(words, false) &&
                memmem(words->serr, words->serr_len, "-Werror=", 8);

  if (!fails_alike && !werror) {
    log_warning("The compile without line markers ended otherwise than the "
                "text's: the text's words stand");
    return;
  }
  struct proto_reply text = *reply;
  reply->serr             = words->serr;
  reply->serr_len         = words->serr_len;
  reply->sout             = words->sout;
  reply->sout_len         = words->sout_len;
  words->serr             = text.serr;
  words->sout             = text.sout;
  if (!fails_alike) {
    reply->status = words->status;
    free(reply->object);
    reply->object     = NULL;
    reply->object_len = 0;
  }
}

/* The reply's words from files without line markers when those say what
 * the text's compile could not: a -Wformat warning the text's compile said
 * (its caret and fix-it; the middle end's -Wformat-overflow too), or a
 * -Wmisleading-indentation the check of the flattened text says (one
 * -fsyntax-only compile of one file). Only then are the files
 * written and compiled for the words. The object is the text's. */
static int run_word_tree(struct compile *compile, struct proto_reply *reply)
{
  _cleanup_(wordtree_freep) struct wordtree *tree  = NULL;
  struct proto_reply                         check = { 0 }, words = { 0 };
  bool                                       wanted = says_words(reply, false);
  bool checking = compile->words_check_pid > 0;
  bool checked  = !wanted && checking;
  int  r        = 0;

  if (checking) {
    r = words_check_end(compile, checked, &check);
  }
  if (checked) {
    wanted = r >= 0 && says_words(&check, true);
    log_debug("The check without line markers: %s, %zu bytes said, "
              "-Wmisleading-indentation %s",
              r < 0 ? strerror(-r) : "ran", check.serr_len,
              wanted ? "among them" : "not");
  }
  size_t line = 0;
  r           = r < 0 || !wanted ? r
                                 : wordtree_parse(compile->dir, compile->held,
                                                  compile->held_len, &tree, &line);
  if (r == -EILSEQ) {
    log_debug("The text's files cannot be rebuilt without line markers "
              "(its line %zu): the words of the text's compile stand",
              line);
    r = 0;
  } else if (r >= 0 && tree) {
    r = wordtree_write(tree);
    r = r < 0 ? r : run_word_compile(compile, tree, &words);
    if (r >= 0 && (words.serr || words.sout)) {
      take_words(reply, &words);
    }
  }
  proto_reply_clear(&check);
  proto_reply_clear(&words);
  return r;
}

/* Whether the first compile wrote to its standard error or output. */
static bool said_anything(const struct compile *compile)
{
  static const char *const names[] = { "stderr", "stdout" };
  struct stat              st;

  for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
    _cleanup_free_ char *path = path_in(compile->dir, names[i]);
    if (!path || stat(path, &st) < 0 || st.st_size > 0) {
      return true;
    }
  }
  return false;
}

int compile_finish(struct compile *compile, struct proto_reply *ret_reply)
{
  const struct compile_request *req    = compile->req;
  struct proto_reply            reply  = { 0 };
  int                           status = 0;

  if (compile->check_pid > 0) {
    int r = tree_check_end(compile);
    if (r < 0) {
      return r; /* the compile is killed with compile_free */
    }
  }

  int end = compilerun_wait(req, compile->pid, compile->signals.fd,
                            compile->status_fd, &status);
  if (end != WAIT_REPORTED) {
    compile->pid = 0; /* reaped, whatever the end */
  }
  if (end < 0) {
    return end;
  }
  if (end != WAIT_REPORTED && compile->status_fd >= 0) {
    status = sandbox_status(compile->status_fd, status);
  }
  reply.status = proto_status_from_wait(status);
  int  r       = 0;
  bool ended   = end == WAIT_EXITED || end == WAIT_REPORTED;
  if (req->job->pedantic_twin && ended) {
    r = run_twin(compile, &reply, &end);
  } else if ((compile->own_input || rooted_words(compile)) && ended &&
             (reply.status != 0 || said_anything(compile))) {
    r = run_words(compile, &reply, &end);
  } else {
    r = collect(req, compile->dir, "", compile->output, &reply);
  }
  if (r >= 0 && end == WAIT_TIMED_OUT) {
    compile->timed_out = true;
    r                  = note_timeout(req, &reply);
  } else if (r >= 0 && ended && wants_word_tree(compile)) {
    r = run_word_tree(compile, &reply);
  }
  if (r < 0) {
    proto_reply_clear(&reply);
    return r;
  }
  *ret_reply = reply;
  return 0;
}
