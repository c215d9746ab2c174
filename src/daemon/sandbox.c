/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "exitcode.h"
#include "io.h"
#include "macro.h"

#define SANDBOX_NAMESPACES                                                    \
  (CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWPID | \
   CLONE_NEWUTS)

/* The tmpfs the view is built on holds directories, mount points and a few
 * symlinks: a small one is plenty. */
#define SANDBOX_ROOT_OPTIONS "mode=0755,size=256k,nr_inodes=1024"

enum view_kind {
  VIEW_RO,  /* bound read-only, nosuid, nodev */
  VIEW_DEV, /* a device node: bound as it is, nosuid, noexec */
  VIEW_RW,  /* the job directory: writable, nosuid, nodev, noexec */
};

/* What the compiler sees besides its job directory, its own directory and
 * /proc. Each path that exists is recreated: a symlink as the same symlink
 * (merged /usr: /bin -> usr/bin), anything else as a bind mount. What is
 * not listed is not there. */
static const struct view_entry {
  const char    *path;
  enum view_kind kind;
} sandbox_view[] = {
  { "/usr",              VIEW_RO  },
  { "/bin",              VIEW_RO  },
  { "/sbin",             VIEW_RO  },
  { "/lib",              VIEW_RO  },
  { "/lib32",            VIEW_RO  },
  { "/lib64",            VIEW_RO  },
  { "/libx32",           VIEW_RO  },
  { "/etc/ld.so.cache",  VIEW_RO  }, /* the dynamic loader */
  { "/etc/ld.so.conf",   VIEW_RO  },
  { "/etc/ld.so.conf.d", VIEW_RO  },
  { "/etc/alternatives", VIEW_RO  }, /* cc, c++ -> the real compilers */
  { "/dev/null",         VIEW_DEV },
  { "/dev/zero",         VIEW_DEV },
  { "/dev/full",         VIEW_DEV },
  { "/dev/random",       VIEW_DEV },
  { "/dev/urandom",      VIEW_DEV },
};

/* Symlinks that scripts expect in /dev, into the sandbox's own /proc. */
static const struct {
  const char *path;
  const char *target;
} sandbox_links[] = {
  { "/dev/fd",     "/proc/self/fd"   },
  { "/dev/stdin",  "/proc/self/fd/0" },
  { "/dev/stdout", "/proc/self/fd/1" },
  { "/dev/stderr", "/proc/self/fd/2" },
};

/* ---- in the init: building the view ------------------------------------- */

struct init_ctx {
  const struct sandbox_spec *spec;
  uid_t                      uid;
  gid_t                      gid;
  int                        status_fd; /* write end */
  sandbox_child_fn           fn;
  void                      *userdata;
};

static _noreturn_ void init_fail_why(const struct init_ctx *ctx,
                                     const char *step, const char *what,
                                     const char *reason)
{
  dprintf(ctx->spec->err_fd,
          "herdccd: failed to set up the job sandbox: %s%s%s: %s\n", step,
          what ? " " : "", what ? what : "", reason);
  _exit(EXIT_GENERAL);
}

static _noreturn_ void init_fail(const struct init_ctx *ctx, const char *step,
                                 const char *what, int error)
{
  init_fail_why(ctx, step, what, strerror(error));
}

static int write_text(const char *path, const char *text)
{
  _cleanup_close_ int fd  = open(path, O_WRONLY | O_CLOEXEC);
  size_t              len = strlen(text);

  if (fd < 0) {
    return -errno;
  }
  ssize_t n = write(fd, text, len);
  return n == (ssize_t)len ? 0 : n < 0 ? -errno : -EIO;
}

/* The job user, and only it, is itself inside: not root. */
static int map_user(uid_t uid, gid_t gid)
{
  char line[64];
  int  r = write_text("/proc/self/setgroups", "deny");

  if (r >= 0) {
    snprintf(line, sizeof(line), "%u %u 1", (unsigned)uid, (unsigned)uid);
    r = write_text("/proc/self/uid_map", line);
  }
  if (r >= 0) {
    snprintf(line, sizeof(line), "%u %u 1", (unsigned)gid, (unsigned)gid);
    r = write_text("/proc/self/gid_map", line);
  }
  return r;
}

static int staged(char *buf, const char *root, const char *path)
{
  int n = snprintf(buf, PATH_MAX, "%s%s", root, path);

  return n < 0 || n >= PATH_MAX ? -ENAMETOOLONG : 0;
}

static int make_parent(const char *target)
{
  char parent[PATH_MAX];

  snprintf(parent, sizeof(parent), "%s", target);
  return io_mkdir_p(dirname(parent), 0755);
}

/* An empty directory or file to mount st's kind of thing on. */
static int make_mount_point(const char *target, const struct stat *st)
{
  if (S_ISDIR(st->st_mode)) {
    return mkdir(target, 0755) < 0 && errno != EEXIST ? -errno : 0;
  }
  int fd = open(target, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0) {
    return -errno;
  }
  close(fd);
  return 0;
}

/* The flags a remount must keep: in a user namespace the kernel locks
 * those the mount had outside. */
static unsigned long locked_flags(const char *target)
{
  static const struct {
    unsigned long st;
    unsigned long ms;
  } map[] = {
    { ST_NOSUID,     MS_NOSUID     },
    { ST_NODEV,      MS_NODEV      },
    { ST_NOEXEC,     MS_NOEXEC     },
    { ST_NOATIME,    MS_NOATIME    },
    { ST_NODIRATIME, MS_NODIRATIME },
    { ST_RELATIME,   MS_RELATIME   },
  };
  struct statvfs sv;
  unsigned long  flags = 0;

  if (statvfs(target, &sv) == 0) {
    for (size_t i = 0; i < ARRAY_SIZE(map); i++) {
      flags |= sv.f_flag & map[i].st ? map[i].ms : 0;
    }
  }
  return flags;
}

/* Restrict a bind mount and everything under it. */
static int restrict_mount(const char *target, enum view_kind kind)
{
  unsigned int          recursive = kind == VIEW_RW ? 0 : AT_RECURSIVE;
  static const uint64_t attrs[]   = {
    [VIEW_RO]  = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV,
    [VIEW_DEV] = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC,
    [VIEW_RW]  = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC,
  };
  static const unsigned long flags[] = {
    [VIEW_RO]  = MS_RDONLY | MS_NOSUID | MS_NODEV,
    [VIEW_DEV] = MS_NOSUID | MS_NOEXEC,
    [VIEW_RW]  = MS_NOSUID | MS_NODEV | MS_NOEXEC,
  };
  struct mount_attr attr = { .attr_set = attrs[kind] };

  if (mount_setattr(AT_FDCWD, target, recursive, &attr, sizeof(attr)) == 0) {
    return 0;
  }
  if (errno != ENOSYS) {
    return -errno;
  }
  /* Before Linux 5.12: the top mount only. */
  return mount(NULL, target, NULL,
               MS_REMOUNT | MS_BIND | flags[kind] | locked_flags(target),
               NULL) < 0
           ? -errno
           : 0;
}

static int bind_into(const char *root, const char *source, const char *path,
                     enum view_kind kind)
{
  char        target[PATH_MAX];
  struct stat st;
  int         r = staged(target, root, path);

  if (r >= 0 && stat(source, &st) < 0) {
    r = -errno;
  }
  if (r >= 0) {
    r = make_parent(target);
  }
  if (r >= 0) {
    r = make_mount_point(target, &st);
  }
  /* Everything under a system directory comes along (the kernel insists:
     those mounts are locked together); the job directory comes alone,
     without the tmpfs this view is being built on. */
  unsigned long flags = MS_BIND | (kind == VIEW_RW ? 0 : MS_REC);
  if (r >= 0 && mount(source, target, NULL, flags, NULL) < 0) {
    r = -errno;
  }
  return r < 0 ? r : restrict_mount(target, kind);
}

static int add_view_entry(const char *root, const struct view_entry *entry)
{
  struct stat st;

  if (lstat(entry->path, &st) < 0) {
    return errno == ENOENT ? 0 : -errno;
  }
  if (!S_ISLNK(st.st_mode)) {
    return bind_into(root, entry->path, entry->path, entry->kind);
  }
  char    link[PATH_MAX], target[PATH_MAX];
  ssize_t n = readlink(entry->path, link, sizeof(link) - 1);
  int     r = n < 0 ? -errno : staged(target, root, entry->path);
  if (r < 0) {
    return r;
  }
  link[n] = '\0';
  r       = make_parent(target);
  return r < 0 ? r : symlink(link, target) < 0 ? -errno : 0;
}

/* Whether the view shows path already (path canonical). */
static bool in_view(const char *path)
{
  for (size_t i = 0; i < ARRAY_SIZE(sandbox_view); i++) {
    const char *dir = sandbox_view[i].path;
    size_t      len = strlen(dir);
    if (sandbox_view[i].kind == VIEW_RO && strncmp(path, dir, len) == 0 &&
        (path[len] == '/' || path[len] == '\0')) {
      return true;
    }
  }
  return false;
}

/* The directory the compiler needs beside the system's: where its file
 * really is, or that directory's parent when it is a "bin" (a prefix such
 * as /opt/toolchain with bin/, lib/ and libexec/). NULL when in view. */
static char *toolchain_dir(const char *compiler)
{
  char *real = realpath(compiler, NULL);

  if (!real) {
    return NULL;
  }
  char *slash = strrchr(real, '/');
  *slash      = '\0';
  slash       = strrchr(real, '/');
  if (slash && slash != real && strcmp(slash, "/bin") == 0) {
    *slash = '\0';
  }
  if (real[0] == '\0' || in_view(real)) {
    free(real);
    return NULL;
  }
  return real;
}

/* The directories add_compiler() showed, or NULL (owned). */
struct compiler_dirs {
  char *tool;
  char *dir;
};

static void compiler_dirs_done(struct compiler_dirs *dirs)
{
  free(dirs->tool);
  free(dirs->dir);
}

/* The compiler's directory as its path names it, when that is elsewhere
 * (a symlink into the toolchain, say), and the toolchain itself; in
 * *dirs what they are. */
static void add_compiler(const struct init_ctx *ctx, const char *root,
                         struct compiler_dirs *dirs)
{
  const char *compiler = ctx->spec->compiler;

  if (!compiler) {
    return;
  }
  char *tool = toolchain_dir(compiler);
  char  named[PATH_MAX];
  snprintf(named, sizeof(named), "%s", compiler);
  char *dir  = realpath(dirname(named), NULL);
  int   r    = 0;
  dirs->tool = tool;
  dirs->dir  = dir;

  if (tool) {
    r = bind_into(root, tool, tool, VIEW_RO);
    if (r < 0) {
      init_fail(ctx, "bind", tool, -r);
    }
  }
  if (dir && !in_view(dir) &&
      !(tool && strncmp(dir, tool, strlen(tool)) == 0 &&
        (dir[strlen(tool)] == '/' || dir[strlen(tool)] == '\0'))) {
    r = bind_into(root, dir, dir, VIEW_RO);
    if (r < 0) {
      init_fail(ctx, "bind", dir, -r);
    }
  }
}

/* ---- placeholders -------------------------------------------------------- */

/* Whether one of the paths a and b is at or below the other, compared by
 * components (repeated and trailing slashes are no component). */
static bool paths_overlap(const char *a, const char *b)
{
  for (;;) {
    a += strspn(a, "/");
    b += strspn(b, "/");
    if (*a == '\0' || *b == '\0') {
      return true;
    }
    size_t la = strcspn(a, "/"), lb = strcspn(b, "/");
    if (la != lb || memcmp(a, b, la) != 0) {
      return false;
    }
    a += la;
    b += lb;
  }
}

/* Why path cannot be a placeholder in a view that shows dirs and the job
 * directory, or NULL when it can. The text is static or in buf. */
static const char *placeholder_refusal(const struct init_ctx      *ctx,
                                       const struct compiler_dirs *dirs,
                                       const char *path, char *buf, size_t size)
{
  if (path[0] != '/') {
    return "not an absolute path";
  }
  if (strnlen(path, PATH_MAX) >= PATH_MAX) {
    return strerror(ENAMETOOLONG);
  }
  for (const char *p = path + 1;; p++) {
    size_t len = strcspn(p, "/");
    if (len == 0 || (len == 1 && p[0] == '.') ||
        (len == 2 && p[0] == '.' && p[1] == '.')) {
      return "an empty, \".\" or \"..\" component";
    }
    p += len;
    if (*p == '\0') {
      break;
    }
  }
  const char *shown[ARRAY_SIZE(sandbox_view) + 5];
  size_t      n = 0;
  for (size_t i = 0; i < ARRAY_SIZE(sandbox_view); i++) {
    shown[n++] = sandbox_view[i].path;
  }
  shown[n++] = "/dev";
  shown[n++] = "/proc";
  shown[n++] = ctx->spec->job_dir;
  if (dirs->tool) {
    shown[n++] = dirs->tool;
  }
  if (dirs->dir) {
    shown[n++] = dirs->dir;
  }
  for (size_t i = 0; i < n; i++) {
    if (paths_overlap(path, shown[i])) {
      snprintf(buf, size, "at, above or below %s, which the view shows",
               shown[i]);
      return buf;
    }
  }
  return NULL;
}

/* Make path (checked) an empty file on the tmpfs at root_fd, with its
 * missing directories, following no symlink. */
static int make_placeholder(int root_fd, const char *path)
{
  _cleanup_close_ int dir_fd =
    openat(root_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

  if (dir_fd < 0) {
    return -errno;
  }
  for (const char *p = path + 1;;) {
    char   name[NAME_MAX + 1];
    size_t len = strcspn(p, "/");
    if (len > NAME_MAX) {
      return -ENAMETOOLONG;
    }
    memcpy(name, p, len);
    name[len] = '\0';
    p += len;
    if (*p == '\0') {
      _cleanup_close_ int fd =
        openat(dir_fd, name,
               O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0444);
      return fd < 0 || fchmod(fd, 0444) < 0 ? -errno : 0;
    }
    p++;
    bool made = mkdirat(dir_fd, name, 0755) == 0;
    if (!made && errno != EEXIST) {
      return -errno;
    }
    int sub =
      openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (sub < 0) {
      return errno == ELOOP ? -ENOTDIR : -errno;
    }
    close(dir_fd);
    dir_fd = sub;
    if (made && fchmod(dir_fd, 0755) < 0) {
      return -errno;
    }
  }
}

/* The caller's placeholders on the tmpfs at root, before it is made
 * read-only. */
static void add_placeholders(const struct init_ctx *ctx, const char *root,
                             const struct compiler_dirs *dirs)
{
  const char *const *paths = ctx->spec->placeholders;

  if (!paths || !paths[0]) {
    return;
  }
  _cleanup_close_ int root_fd =
    open(root, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (root_fd < 0) {
    init_fail(ctx, "open", root, errno);
  }
  for (size_t i = 0; paths[i]; i++) {
    char        buf[PATH_MAX + 64];
    const char *why = buf;
    if (i >= SANDBOX_PLACEHOLDERS_MAX) {
      snprintf(buf, sizeof(buf), "more than %d placeholders",
               SANDBOX_PLACEHOLDERS_MAX);
    } else {
      why = placeholder_refusal(ctx, dirs, paths[i], buf, sizeof(buf));
    }
    if (why) {
      init_fail_why(ctx, "placeholder", paths[i], why);
    }
    int r = make_placeholder(root_fd, paths[i]);
    if (r < 0) {
      init_fail(ctx, "placeholder", paths[i], -r);
    }
  }
}

static const char sandbox_userns_limit[] = "/sys/user/max_user_namespaces";

/* Nothing in the sandbox may make a user namespace of its own: it would
 * hold capabilities there (to chroot, to mount). The limit written under
 * proc (a procfs mount) is this user namespace's: the machine's stays as
 * it is. */
static int forbid_nested_userns(const char *proc)
{
  char path[PATH_MAX];

  snprintf(path, sizeof(path), "%s%s", proc, sandbox_userns_limit);
  return write_text(path, "0");
}

/* A procfs of the sandbox's own PID namespace. A whole one first, whose
 * /proc/sys is writable even where the service manager made the
 * machine's read-only (ProtectKernelTunables=), to set the limit on
 * nested user namespaces; then one that shows only processes over it,
 * where the kernel knows how. Where the kernel refuses a procfs (a
 * container that masks parts of its /proc) the sandbox has no /proc.
 * Whether the limit is set. */
static bool add_proc(const char *root)
{
  char target[PATH_MAX];
  bool limited = false;

  if (staged(target, root, "/proc") < 0 || mkdir(target, 0555) < 0) {
    return false;
  }
  unsigned long flags = MS_NOSUID | MS_NODEV | MS_NOEXEC;
  if (mount("proc", target, "proc", flags, NULL) < 0) {
    return false;
  }
  limited = forbid_nested_userns(target) >= 0;
  (void)mount("proc", target, "proc", flags, "subset=pid");
  return limited;
}

static void add_links(const char *root)
{
  char target[PATH_MAX];

  for (size_t i = 0; i < ARRAY_SIZE(sandbox_links); i++) {
    if (staged(target, root, sandbox_links[i].path) >= 0) {
      (void)symlink(sandbox_links[i].target, target);
    }
  }
}

/* Enter the view (the current directory) where nothing inside can make a
 * user namespace: the new root moves over the old one, which stays
 * beneath it out of every path's reach, as systemd-nspawn does it. Much
 * cheaper than pivot_root, whose detach of the old tree waits for an RCU
 * grace period (0.1 to 6 ms measured). Escaping a chroot needs
 * CAP_SYS_CHROOT, which nothing in here has or can get. */
static void enter_by_chroot(const struct init_ctx *ctx)
{
  if (mount(".", "/", NULL, MS_MOVE, NULL) < 0) {
    init_fail(ctx, "move the new root over /", NULL, errno);
  }
  if (chroot(".") < 0 || chdir("/") < 0) {
    init_fail(ctx, "enter the new root", NULL, errno);
  }
}

/* Enter the view where the limit on nested user namespaces could not be
 * set (a read-only /proc/sys, and no procfs of our own): pivot_root, and
 * the old root detached, so that there is nothing to escape to. */
static void enter_by_pivot(const struct init_ctx *ctx)
{
  /* The old root ends up stacked on the new one, then goes. */
  if (syscall(SYS_pivot_root, ".", ".") < 0) {
    init_fail(ctx, "pivot_root", NULL, errno);
  }
  if (umount2(".", MNT_DETACH) < 0 || chdir("/") < 0) {
    init_fail(ctx, "detach the old root", NULL, errno);
  }
}

/* Build the view on a tmpfs over the job directory (in this mount
 * namespace only: the job directory itself is bound from a descriptor
 * opened before) and make it the root. */
static void build_view(const struct init_ctx *ctx)
{
  const char         *root = ctx->spec->job_dir;
  _cleanup_close_ int job_fd =
    open(root, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  char source[64];
  int  r;

  if (job_fd < 0) {
    init_fail(ctx, "open", root, errno);
  }
  if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
    init_fail(ctx, "make / private", NULL, errno);
  }
  if (mount("tmpfs", root, "tmpfs", MS_NOSUID | MS_NODEV,
            SANDBOX_ROOT_OPTIONS) < 0) {
    init_fail(ctx, "mount a tmpfs on", root, errno);
  }
  for (size_t i = 0; i < ARRAY_SIZE(sandbox_view); i++) {
    r = add_view_entry(root, &sandbox_view[i]);
    if (r < 0) {
      init_fail(ctx, "bind", sandbox_view[i].path, -r);
    }
  }
  _cleanup_(compiler_dirs_done) struct compiler_dirs dirs = { NULL, NULL };
  add_compiler(ctx, root, &dirs);
  snprintf(source, sizeof(source), "/proc/self/fd/%d", job_fd);
  r = bind_into(root, source, root, VIEW_RW);
  if (r < 0) {
    init_fail(ctx, "bind the job directory", root, -r);
  }
  add_placeholders(ctx, root, &dirs);
  bool limited = add_proc(root);
  add_links(root);
  limited = limited || forbid_nested_userns("/proc") >= 0;
  if (chdir(root) < 0) {
    init_fail(ctx, "enter", root, errno);
  }
  if (limited) {
    enter_by_chroot(ctx);
  } else {
    enter_by_pivot(ctx);
  }
  if (mount(NULL, "/", NULL,
            MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV,
            NULL) < 0) {
    init_fail(ctx, "make the root read-only", NULL, errno);
  }
}

/* Close every descriptor but keep. */
static void close_all_but(int keep)
{
  if (keep > 0) {
    close_range(0, (unsigned)keep - 1, 0);
  }
  close_range((unsigned)keep + 1, ~0u, 0);
}

/* The init: PID 1 of the sandbox. Never returns. */
static _noreturn_ void init_run(const struct init_ctx *ctx)
{
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  /* A process that switched users is not dumpable, which leaves its /proc
     files (uid_map...) to root; the compiler is dumpable anyway, after
     its exec. */
  prctl(PR_SET_DUMPABLE, 1);
  prctl(PR_SET_NAME, "herdccd-sandbox");
  setpgid(0, 0);
  int r = map_user(ctx->uid, ctx->gid);
  if (r < 0) {
    init_fail(ctx, "map the job user", NULL, -r);
  }
  build_view(ctx);
  pid_t child = fork();
  if (child < 0) {
    init_fail(ctx, "fork", NULL, errno);
  }
  if (child == 0) {
    ctx->fn(ctx->userdata);
    _exit(EXIT_GENERAL);
  }
  close_all_but(ctx->status_fd);
  for (;;) {
    int   status;
    pid_t pid = waitpid(-1, &status, 0);
    if (pid == child) {
      int32_t report = status;
      _exit(write(ctx->status_fd, &report, sizeof(report)) ==
                (ssize_t)sizeof(report)
              ? 0
              : EXIT_GENERAL);
    }
    if (pid < 0 && errno != EINTR) {
      _exit(EXIT_GENERAL);
    }
  }
}

/* fork() into new namespaces: the child is PID 1 of its own. */
static pid_t clone_namespaces(void)
{
  unsigned long flags = SANDBOX_NAMESPACES | SIGCHLD;

#if defined(__s390__) || defined(__CRIS__)
  return (pid_t)syscall(SYS_clone, NULL, flags, NULL, NULL, NULL);
#else
  return (pid_t)syscall(SYS_clone, flags, NULL, NULL, NULL, NULL);
#endif
}

int sandbox_spawn(const struct sandbox_spec *spec, sandbox_child_fn fn,
                  void *userdata, pid_t *ret_pid, int *ret_status_fd)
{
  int fds[2];

  if (pipe2(fds, O_CLOEXEC) < 0) {
    return -errno;
  }
  struct init_ctx ctx = {
    .spec      = spec,
    .uid       = geteuid(),
    .gid       = getegid(),
    .status_fd = fds[1],
    .fn        = fn,
    .userdata  = userdata,
  };
  pid_t pid = clone_namespaces();
  if (pid == 0) {
    close(fds[0]);
    init_run(&ctx);
  }
  int r = pid < 0 ? -errno : 0;
  close(fds[1]);
  if (r < 0 || fcntl(fds[0], F_SETFL, O_NONBLOCK) < 0) {
    r = r < 0 ? r : -errno;
    close(fds[0]);
    return r;
  }
  *ret_pid       = pid;
  *ret_status_fd = fds[0];
  return 0;
}

int sandbox_status(int status_fd, int init_status)
{
  int32_t report;
  ssize_t n = read(status_fd, &report, sizeof(report));

  return n == (ssize_t)sizeof(report) ? (int)report : init_status;
}

/* ---- the start-up probe ------------------------------------------------- */

static void probe_nothing(void *userdata)
{
  (void)userdata;
  _exit(0);
}

/* In a forked process as the job user: one empty sandbox. */
static int probe_child(const struct privs *privs, int report_fd)
{
  const char *tmp = getenv("TMPDIR");
  char        dir[PATH_MAX];
  int         r = privs_apply(privs);

  if (r < 0) {
    dprintf(report_fd, "cannot switch to the job user: %s\n", strerror(-r));
    return 1;
  }
  snprintf(dir, sizeof(dir), "%s/herdccd-probe-XXXXXX",
           tmp && tmp[0] == '/' ? tmp : "/tmp");
  if (!mkdtemp(dir)) {
    dprintf(report_fd, "cannot create %s: %s\n", dir, strerror(errno));
    return 1;
  }
  struct sandbox_spec spec = { .job_dir = dir, .err_fd = report_fd };
  pid_t               pid;
  int                 status_fd, status = 0;
  r = sandbox_spawn(&spec, probe_nothing, NULL, &pid, &status_fd);
  if (r < 0) {
    dprintf(report_fd, "cannot create namespaces: %s%s\n", strerror(-r),
            r == -ENOSPC  ? " (user.max_user_namespaces is 0 or reached)"
            : r == -EPERM ? " (user namespaces are disabled for this user: "
                            "kernel.unprivileged_userns_clone, or a "
                            "security policy)"
                          : "");
  } else {
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    status = sandbox_status(status_fd, status);
    close(status_fd);
  }
  rmdir(dir);
  return r >= 0 && status == 0 ? 0 : 1;
}

/* The reason the probe wrote, without its prefix and line end. */
static char *probe_reason(char *text)
{
  static const char prefix[] = "herdccd: failed to set up the job sandbox: ";

  if (!text) {
    return strdup("the probe failed");
  }
  if (strncmp(text, prefix, sizeof(prefix) - 1) == 0) {
    memmove(text, text + sizeof(prefix) - 1,
            strlen(text) - (sizeof(prefix) - 1) + 1);
  }
  text[strcspn(text, "\n")] = '\0';
  return text;
}

int sandbox_probe(const struct privs *privs, char **ret_reason)
{
  int fds[2];

  if (pipe2(fds, O_CLOEXEC) < 0) {
    return -errno;
  }
  pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    _exit(probe_child(privs, fds[1]));
  }
  close(fds[1]);
  if (pid < 0) {
    int r = -errno;
    close(fds[0]);
    return r;
  }
  char  *text = NULL;
  size_t len  = 0;
  int    status;
  if (io_read_fd(fds[0], 1024, &text, &len) < 0) {
    text = NULL;
  }
  close(fds[0]);
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
    free(text);
    return 0;
  }
  *ret_reason = probe_reason(text);
  return *ret_reason ? -EPERM : -ENOMEM;
}
