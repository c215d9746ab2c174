/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "jobstate.h"

#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "io.h"
#include "macro.h"
#include "statedir.h"
#include "text.h"

/* The file, all integers in the writer's byte order:
 *
 *   offset size
 *        0    4  magic "HJOB"
 *        4    4  byte-order mark 0x01020304 (reads 0x04030201 swapped)
 *        8    4  version (2; 1 lacks the link and transfer fields)
 *       12    4  pid
 *       16    8  proc_start
 *       24    8  started_us
 *       32    8  phase_us
 *       40    4  phase
 *       44    4  slot (signed; -1: none)
 *       48    4  conn (enum job_conn)                      version 2 only:
 *       52    4  codec (enum job_codec)
 *       56    4  port (at most 65535)
 *       60    8  sent
 *       68    8  send_us
 *       76    8  received
 *       84    8  receive_us
 *   48, 92    2  host length, then the host's bytes
 *        …    2  file length, then the file's bytes
 *
 * and nothing after the file's bytes. */
#define JOBSTATE_MAGIC       "HJOB"
#define JOBSTATE_BOM         UINT32_C(0x01020304)
#define JOBSTATE_BOM_SWAPPED UINT32_C(0x04030201)
#define JOBSTATE_VERSION     UINT32_C(2)
#define JOBSTATE_FIXED_SIZE  92 /* version 2; version 1's is 48 */

/* A pid the kernel can hand out (PID_MAX_LIMIT). */
#define JOBSTATE_PID_MAX UINT32_C(4194304)

static_assert(JOBSTATE_FIXED_SIZE + 2 + JOBSTATE_HOST_MAX + 2 +
                  JOBSTATE_FILE_MAX <=
                JOBSTATE_FILE_SIZE_MAX,
              "a full state file must fit JOBSTATE_FILE_SIZE_MAX");

const char *job_conn_name(enum job_conn conn)
{
  static const char *const names[JOB_CONN_COUNT_] = {
    [JOB_CONN_NONE] = "-",
    [JOB_CONN_TCP]  = "tcp",
    [JOB_CONN_SSH]  = "ssh",
  };
  return (unsigned)conn < JOB_CONN_COUNT_ ? names[conn] : NULL;
}

const char *job_codec_name(enum job_codec codec)
{
  static const char *const names[JOB_CODEC_COUNT_] = {
    [JOB_CODEC_NONE] = "none",
    [JOB_CODEC_LZO]  = "lzo",
    [JOB_CODEC_ZLIB] = "zlib",
  };
  return (unsigned)codec < JOB_CODEC_COUNT_ ? names[codec] : NULL;
}

const char *job_phase_name(enum job_phase phase)
{
  static const char *const names[] = {
    [JOB_PHASE_STARTING]   = "starting",
    [JOB_PHASE_WAIT_SLOT]  = "wait-slot",
    [JOB_PHASE_PREPROCESS] = "preprocess",
    [JOB_PHASE_CONNECT]    = "connect",
    [JOB_PHASE_SEND]       = "send",
    [JOB_PHASE_COMPILE]    = "compile",
    [JOB_PHASE_RECEIVE]    = "receive",
    [JOB_PHASE_LOCAL]      = "local",
  };
  static_assert(ARRAY_SIZE(names) == JOB_PHASE_COUNT_, "a name per phase");

  return (unsigned)phase < ARRAY_SIZE(names) ? names[phase] : NULL;
}

/* ---- text --------------------------------------------------------------- */

/* Copy src into dst (cap bytes plus a terminator) as text the decoder
 * accepts, through the one cleaner (text.h). A longer text keeps its end
 * ("..." and the last characters), the part that names a file best. */
static void jobstate_clean(const char *src, char *dst, size_t cap)
{
  size_t len = strlen(src), out = 0;

  if (len > cap) {
    size_t skip = len - (cap - 3);
    while (skip < len && ((uint8_t)src[skip] & 0xc0) == 0x80) {
      skip++;
    }
    memcpy(dst, "...", 3);
    out = 3;
    src += skip;
  }
  /* Never longer than its source: the rest fits. */
  text_clean(dst + out, cap + 1 - out, src, 0);
}

/* ---- encoding ----------------------------------------------------------- */

static uint8_t *put(uint8_t *p, const void *v, size_t n)
{
  memcpy(p, v, n);
  return p + n;
}

int jobstate_encode(const struct job_state *state, uint8_t *buf, size_t cap)
{
  size_t   host_len = strnlen(state->host, sizeof(state->host));
  size_t   file_len = strnlen(state->file, sizeof(state->file));
  uint32_t bom = JOBSTATE_BOM, version = JOBSTATE_VERSION;
  uint32_t phase = (uint32_t)state->phase;
  uint32_t conn = (uint32_t)state->conn, codec = (uint32_t)state->codec;
  uint32_t port = state->port;

  if (host_len > JOBSTATE_HOST_MAX || file_len > JOBSTATE_FILE_MAX ||
      !text_is_clean(state->host, host_len) ||
      !text_is_clean(state->file, file_len) || phase >= JOB_PHASE_COUNT_ ||
      state->slot < -1 || state->pid == 0 || state->pid > JOBSTATE_PID_MAX ||
      state->started_us < 0 || state->phase_us < 0 || conn >= JOB_CONN_COUNT_ ||
      codec >= JOB_CODEC_COUNT_ || state->sent > INT64_MAX ||
      state->send_us > INT64_MAX || state->received > INT64_MAX ||
      state->receive_us > INT64_MAX) {
    return -EINVAL;
  }
  size_t need = JOBSTATE_FIXED_SIZE + 2 + host_len + 2 + file_len;
  if (cap < need) {
    return -EINVAL;
  }
  uint16_t hl = (uint16_t)host_len, fl = (uint16_t)file_len;
  uint8_t *p = put(buf, JOBSTATE_MAGIC, 4);
  p          = put(p, &bom, 4);
  p          = put(p, &version, 4);
  p          = put(p, &state->pid, 4);
  p          = put(p, &state->proc_start, 8);
  p          = put(p, &state->started_us, 8);
  p          = put(p, &state->phase_us, 8);
  p          = put(p, &phase, 4);
  p          = put(p, &state->slot, 4);
  p          = put(p, &conn, 4);
  p          = put(p, &codec, 4);
  p          = put(p, &port, 4);
  p          = put(p, &state->sent, 8);
  p          = put(p, &state->send_us, 8);
  p          = put(p, &state->received, 8);
  p          = put(p, &state->receive_us, 8);
  p          = put(p, &hl, 2);
  p          = put(p, state->host, host_len);
  p          = put(p, &fl, 2);
  p          = put(p, state->file, file_len);
  return (int)(p - buf);
}

/* ---- decoding ----------------------------------------------------------- */

/* The bytes of a file, read front to back; every read is checked against
 * what is left. */
struct reader {
  const uint8_t *p;
  size_t         left;
  bool           swap; /* written in the other byte order */
};

static bool take(struct reader *r, void *out, size_t n)
{
  if (r->left < n) {
    return false;
  }
  memcpy(out, r->p, n);
  r->p += n;
  r->left -= n;
  return true;
}

static bool take_u16(struct reader *r, uint16_t *v)
{
  if (!take(r, v, sizeof(*v))) {
    return false;
  }
  *v = r->swap ? __builtin_bswap16(*v) : *v;
  return true;
}

static bool take_u32(struct reader *r, uint32_t *v)
{
  if (!take(r, v, sizeof(*v))) {
    return false;
  }
  *v = r->swap ? __builtin_bswap32(*v) : *v;
  return true;
}

static bool take_u64(struct reader *r, uint64_t *v)
{
  if (!take(r, v, sizeof(*v))) {
    return false;
  }
  *v = r->swap ? __builtin_bswap64(*v) : *v;
  return true;
}

/* A length-prefixed string of at most cap bytes into dst (cap + 1). */
static const char *take_text(struct reader *r, char *dst, size_t cap)
{
  uint16_t len;

  if (!take_u16(r, &len)) {
    return "truncated";
  }
  if (len > cap) {
    return "string too long";
  }
  if (!take(r, dst, len)) {
    return "truncated";
  }
  dst[len] = '\0';
  return text_is_clean((const char *)dst, len) ? NULL : "string not text";
}

/* Version 2's connection and transfer fields. */
static const char *take_link(struct reader *r, struct job_state *state)
{
  uint32_t conn, codec, port;

  if (!take_u32(r, &conn) || !take_u32(r, &codec) || !take_u32(r, &port) ||
      !take_u64(r, &state->sent) || !take_u64(r, &state->send_us) ||
      !take_u64(r, &state->received) || !take_u64(r, &state->receive_us)) {
    return "truncated";
  }
  if (conn >= JOB_CONN_COUNT_ || codec >= JOB_CODEC_COUNT_ || port > 65535) {
    return "bad link";
  }
  if (state->sent > INT64_MAX || state->send_us > INT64_MAX ||
      state->received > INT64_MAX || state->receive_us > INT64_MAX) {
    return "bad transfer";
  }
  state->conn  = (enum job_conn)conn;
  state->codec = (enum job_codec)codec;
  state->port  = (uint16_t)port;
  return NULL;
}

static const char *decode(const uint8_t *buf, size_t len,
                          struct job_state *state)
{
  struct reader r = { .p = buf, .left = len };
  char          magic[4];
  uint32_t      bom, version, pid, phase, slot;
  uint64_t      started, phase_at;

  *state = (struct job_state){ 0 }; /* version 1 has no link fields */
  if (len > JOBSTATE_FILE_SIZE_MAX) {
    return "too large";
  }
  if (!take(&r, magic, 4) || !take_u32(&r, &bom)) {
    return "truncated";
  }
  if (memcmp(magic, JOBSTATE_MAGIC, 4) != 0) {
    return "bad magic";
  }
  if (bom != JOBSTATE_BOM && bom != JOBSTATE_BOM_SWAPPED) {
    return "bad byte-order mark";
  }
  r.swap = bom == JOBSTATE_BOM_SWAPPED;
  if (!take_u32(&r, &version)) {
    return "truncated";
  }
  if (version != 1 && version != JOBSTATE_VERSION) {
    return "unknown version";
  }
  if (!take_u32(&r, &pid) || !take_u64(&r, &state->proc_start) ||
      !take_u64(&r, &started) || !take_u64(&r, &phase_at) ||
      !take_u32(&r, &phase) || !take_u32(&r, &slot)) {
    return "truncated";
  }
  if (pid == 0 || pid > JOBSTATE_PID_MAX) {
    return "bad pid";
  }
  if (started > INT64_MAX || phase_at > INT64_MAX) {
    return "bad time";
  }
  if (phase >= JOB_PHASE_COUNT_) {
    return "bad phase";
  }
  if (slot > INT32_MAX && slot != UINT32_MAX) {
    return "bad slot";
  }
  state->pid        = pid;
  state->started_us = (int64_t)started;
  state->phase_us   = (int64_t)phase_at;
  state->phase      = (enum job_phase)phase;
  state->slot       = slot == UINT32_MAX ? -1 : (int32_t)slot;
  if (version >= 2) {
    const char *bad = take_link(&r, state);
    if (bad) {
      return bad;
    }
  }
  const char *why = take_text(&r, state->host, JOBSTATE_HOST_MAX);
  if (!why) {
    why = take_text(&r, state->file, JOBSTATE_FILE_MAX);
  }
  if (!why && r.left != 0) {
    why = "trailing bytes";
  }
  return why;
}

int jobstate_decode(const uint8_t *buf, size_t len, struct job_state *ret_state,
                    const char **ret_why)
{
  struct job_state state;
  const char      *why = decode(buf, len, &state);

  if (why) {
    if (ret_why) {
      *ret_why = why;
    }
    return -EBADMSG;
  }
  *ret_state = state;
  return 0;
}

/* ---- the directory and processes ---------------------------------------- */

int jobstate_dir(char **ret_dir)
{
  const char *env = getenv("HERDCC_JOBS_DIR");
  char       *dir = NULL;

  if (env && *env) {
    dir = strdup(env);
  } else {
    _cleanup_free_ char *state = NULL;
    int                  r     = statedir_get(&state);
    if (r < 0) {
      return r;
    }
    if (asprintf(&dir, "%s/jobs", state) < 0) {
      dir = NULL;
    }
  }
  if (!dir) {
    return -ENOMEM;
  }
  /* One mkdir() when the parent exists, the usual case. */
  if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
    int r = errno == ENOENT ? io_mkdir_p(dir, 0755) : -errno;
    if (r < 0) {
      free(dir);
      return r;
    }
  }
  *ret_dir = dir;
  return 0;
}

/* The start time of pid and the user it runs as (the owner of its /proc
 * entries). */
static int proc_info(pid_t pid, uint64_t *ret_start, uid_t *ret_uid)
{
  char        path[32], buf[1024];
  struct stat st;
  ssize_t     n;

  if (pid <= 0) {
    return -ESRCH;
  }
  snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
  _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    return errno == ENOENT ? -ESRCH : -errno;
  }
  if (ret_uid && fstat(fd, &st) < 0) {
    return -errno;
  }
  do {
    n = read(fd, buf, sizeof(buf) - 1);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    return errno == ESRCH ? -ESRCH : -errno;
  }
  if (n == 0) {
    return -ESRCH; /* gone between open and read */
  }
  buf[n] = '\0';
  /* "pid (comm) state ppid ...": comm may hold anything, ')' included;
   * the fields after its last ')' are plain numbers. starttime is field
   * 22, the 20th after comm. */
  char *p = strrchr(buf, ')');
  if (!p) {
    return -EIO;
  }
  p++;
  for (int field = 3; field <= 22; field++) {
    if (*p != ' ') {
      return -EIO;
    }
    p++;
    if (field < 22) {
      p = strchr(p, ' ');
      if (!p) {
        return -EIO;
      }
    }
  }
  if (*p < '0' || *p > '9') {
    return -EIO;
  }
  char *end;
  errno                  = 0;
  unsigned long long val = strtoull(p, &end, 10);
  if (errno || (*end != ' ' && *end != '\n' && *end != '\0')) {
    return -EIO;
  }
  *ret_start = val;
  if (ret_uid) {
    *ret_uid = st.st_uid;
  }
  return 0;
}

int jobstate_proc_start(pid_t pid, uint64_t *ret_start)
{
  return proc_info(pid, ret_start, NULL);
}

/* ---- scanning ----------------------------------------------------------- */

/* A decimal number without sign or leading zeros, up to max, from *s;
 * *s moves past it. */
static bool parse_number(const char **s, unsigned long max, unsigned long *ret)
{
  const char   *p   = *s;
  unsigned long val = 0;

  if (*p < '0' || *p > '9' || (p[0] == '0' && p[1] >= '0' && p[1] <= '9')) {
    return false;
  }
  for (; *p >= '0' && *p <= '9'; p++) {
    val = val * 10 + (unsigned long)(*p - '0');
    if (val > max) {
      return false;
    }
  }
  *s   = p;
  *ret = val;
  return true;
}

/* "job-UID-PID" (a state file) or ".job-UID-PID.tmp" (a writer's
 * temporary file). */
static bool parse_name(const char *name, uid_t *ret_uid, pid_t *ret_pid,
                       bool *ret_tmp)
{
  bool          tmp = name[0] == '.';
  const char   *p   = name + tmp;
  unsigned long uid, pid;

  if (strncmp(p, "job-", 4) != 0) {
    return false;
  }
  p += 4;
  if (!parse_number(&p, UINT32_MAX - 1, &uid) || *p++ != '-' ||
      !parse_number(&p, JOBSTATE_PID_MAX, &pid) || pid == 0 ||
      strcmp(p, tmp ? ".tmp" : "") != 0) {
    return false;
  }
  *ret_uid = (uid_t)uid;
  *ret_pid = (pid_t)pid;
  *ret_tmp = tmp;
  return true;
}

/* Remove name unless it was replaced since it was looked at (a writer that
 * reuses the pid renames a new file into place). Fails silently where
 * the caller may not remove it (another user's file in a sticky
 * directory). */
static void remove_if_same(int dfd, const char *name, const struct stat *seen)
{
  struct stat now;

  if (fstatat(dfd, name, &now, AT_SYMLINK_NOFOLLOW) == 0 &&
      now.st_dev == seen->st_dev && now.st_ino == seen->st_ino) {
    unlinkat(dfd, name, 0);
  }
}

/* A writer's temporary file outlives it only when the writer was killed
 * mid-write: remove it once its process is gone. */
static void clean_tmp(int dfd, const char *name, uid_t uid, pid_t pid)
{
  struct stat st;
  uint64_t    start;

  if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
      S_ISREG(st.st_mode) && st.st_uid == uid &&
      proc_info(pid, &start, NULL) == -ESRCH) {
    remove_if_same(dfd, name, &st);
  }
}

static int read_small(int fd, uint8_t *buf, size_t cap, size_t *ret_len)
{
  size_t done = 0;

  while (done < cap) {
    ssize_t n = read(fd, buf + done, cap - done);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      return -errno;
    }
    if (n == 0) {
      break;
    }
    done += (size_t)n;
  }
  *ret_len = done;
  return 0;
}

enum verdict {
  VERDICT_INVALID,
  VERDICT_STALE,
  VERDICT_LIVE
};

/* Read one state file. A name that is not a regular file, is too large,
 * or does not match its owner is never opened as a file to read from:
 * checked before the open, and again on the descriptor. -EAGAIN when the
 * name was given to another file while it was read (a phase change). */
static int read_job(int dfd, const char *name, uid_t uid, uint8_t *buf,
                    size_t cap, size_t *ret_len, struct stat *ret_st)
{
  struct stat st, fst, after;

  if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
      !S_ISREG(st.st_mode) || st.st_uid != uid ||
      st.st_size > JOBSTATE_FILE_SIZE_MAX) {
    return -EBADF;
  }
  _cleanup_close_ int fd = openat(
    dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0 || fstat(fd, &fst) < 0 || fst.st_dev != st.st_dev ||
      fst.st_ino != st.st_ino || !S_ISREG(fst.st_mode) ||
      read_small(fd, buf, cap, ret_len) < 0) {
    return -EBADF;
  }
  if (fstatat(dfd, name, &after, AT_SYMLINK_NOFOLLOW) < 0 ||
      after.st_ino != fst.st_ino || after.st_dev != fst.st_dev) {
    return -EAGAIN;
  }
  *ret_st = fst;
  return 0;
}

static enum verdict check_file(int dfd, const char *name, uid_t uid, pid_t pid,
                               struct job_seen *ret_job, struct stat *ret_st)
{
  uint8_t  buf[JOBSTATE_FILE_SIZE_MAX + 1];
  size_t   len = 0;
  uint64_t start;
  uid_t    proc_uid;
  int      r = -EAGAIN;

  for (int attempt = 0; r == -EAGAIN && attempt < 3; attempt++) {
    r = read_job(dfd, name, uid, buf, sizeof(buf), &len, ret_st);
  }
  if (r < 0 || jobstate_decode(buf, len, &ret_job->state, NULL) < 0 ||
      ret_job->state.pid != (uint32_t)pid) {
    return VERDICT_INVALID;
  }
  r = proc_info(pid, &start, &proc_uid);
  if (r == -ESRCH || (r == 0 && start != ret_job->state.proc_start)) {
    return VERDICT_STALE;
  }
  if (r < 0 || proc_uid != uid) {
    return VERDICT_INVALID; /* not ours to judge, or another user's */
  }
  ret_job->owner = uid;
  return VERDICT_LIVE;
}

int jobstate_scan(const char *dir, bool remove_stale, jobstate_seen_fn seen,
                  void *userdata)
{
  DIR           *d = opendir(dir);
  struct dirent *de;
  int            count = 0;

  if (!d) {
    return -errno;
  }
  int dfd = dirfd(d);
  while ((de = readdir(d))) {
    struct job_seen job;
    struct stat     st;
    uid_t           uid;
    pid_t           pid;
    bool            tmp;

    if (!parse_name(de->d_name, &uid, &pid, &tmp)) {
      continue;
    }
    if (tmp) {
      if (remove_stale) {
        clean_tmp(dfd, de->d_name, uid, pid);
      }
      continue;
    }
    switch (check_file(dfd, de->d_name, uid, pid, &job, &st)) {
      case VERDICT_LIVE:
        if (seen) {
          seen(&job, userdata);
        }
        count = count < INT_MAX ? count + 1 : count;
        break;
      case VERDICT_STALE:
        if (remove_stale) {
          remove_if_same(dfd, de->d_name, &st);
        }
        break;
      case VERDICT_INVALID:
        break;
    }
  }
  closedir(d);
  return count;
}

/* ---- the writer --------------------------------------------------------- */

struct jobstate_writer {
  struct job_state state;
  bool             chmod;          /* the umask takes bits of 0644 away */
  char            *path;           /* DIR/job-UID-PID */
  char            *tmp;            /* DIR/.job-UID-PID.tmp */
  int              fd;             /* the file at path */
  int              spare;          /* the file at tmp, -1 until made */
  size_t           len, spare_len; /* their lengths */
};

static int64_t now_us(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* A new file of ours at path: O_EXCL and O_NOFOLLOW keep it from being
 * anything else (a link, another user's file); one left by an earlier
 * process of ours with the same pid is replaced. */
static int create_file(const char *path, bool chmod)
{
  for (int attempt = 0;; attempt++) {
    int fd =
      open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd >= 0) {
      if (chmod && fchmod(fd, 0644) < 0) {
        int r = -errno;
        close(fd);
        unlink(path);
        return r;
      }
      return fd;
    }
    if (errno != EEXIST || attempt > 0 || unlink(path) < 0) {
      return -errno;
    }
  }
}

/* The whole state into fd, from offset 0; *len is the file's length. */
static int put_state(int fd, const uint8_t *buf, size_t n, size_t *len)
{
  for (size_t done = 0; done < n;) {
    ssize_t k = pwrite(fd, buf + done, n - done, (off_t)done);
    if (k < 0 && errno == EINTR) {
      continue;
    }
    if (k <= 0) {
      return k < 0 ? -errno : -EIO;
    }
    done += (size_t)k;
  }
  if (*len > n && ftruncate(fd, (off_t)n) < 0) {
    return -errno;
  }
  *len = n;
  return 0;
}

/* A phase change. Creating a file costs far more than writing one (on an
 * ext4 disk, a create and the rename over the old file take about a
 * millisecond; a write and a rename that exchanges two names, about ten
 * microseconds), so the writer keeps two files: the state goes into the
 * spare one, at the temporary name, which then trades names with the
 * published one (renameat2 RENAME_EXCHANGE). A reader that opens the name
 * gets a whole state; only one that stalls between its open and its read
 * across the next phase change can read the file while it is being
 * rewritten (the scanner rereads when the name moved meanwhile). Where
 * the file system cannot exchange names, a plain rename replaces the file
 * and the next phase change makes a new spare. */
static int write_state(struct jobstate_writer *w)
{
  uint8_t buf[JOBSTATE_FILE_SIZE_MAX];
  int     n = jobstate_encode(&w->state, buf, sizeof(buf));

  if (n < 0) {
    return n;
  }
  if (w->spare < 0) {
    w->spare = create_file(w->tmp, w->chmod);
    if (w->spare < 0) {
      /* Someone else holds the name (another user, in a shared
       * directory): the state is still shown, rewritten in place. */
      w->spare = -1;
      return put_state(w->fd, buf, (size_t)n, &w->len);
    }
    w->spare_len = 0;
  }
  int r = put_state(w->spare, buf, (size_t)n, &w->spare_len);
  if (r < 0) {
    return r;
  }
  if (renameat2(AT_FDCWD, w->tmp, AT_FDCWD, w->path, RENAME_EXCHANGE) == 0) {
    int    fd    = w->fd;
    size_t len   = w->len;
    w->fd        = w->spare;
    w->len       = w->spare_len;
    w->spare     = fd;
    w->spare_len = len;
    return 0;
  }
  if (rename(w->tmp, w->path) < 0) {
    return -errno;
  }
  close(w->fd);
  w->fd    = w->spare;
  w->len   = w->spare_len;
  w->spare = -1;
  return 0;
}

struct jobstate_writer *jobstate_writer_new(const char *file)
{
  _cleanup_free_ char    *dir = NULL;
  struct jobstate_writer *w   = NULL;
  pid_t                   pid = getpid();
  uid_t                   uid = geteuid();
  uint64_t                start;
  uint8_t                 buf[JOBSTATE_FILE_SIZE_MAX];

  if (jobstate_dir(&dir) < 0 || jobstate_proc_start(pid, &start) < 0) {
    return NULL;
  }
  w = calloc(1, sizeof(*w));
  if (!w) {
    return NULL;
  }
  mode_t mask = umask(0);
  umask(mask);
  w->fd             = -1;
  w->spare          = -1;
  w->chmod          = (mask & 0644) != 0;
  w->state          = (struct job_state){ .pid        = (uint32_t)pid,
                                          .proc_start = start,
                                          .started_us = now_us(),
                                          .phase      = JOB_PHASE_STARTING,
                                          .slot       = -1 };
  w->state.phase_us = w->state.started_us;
  jobstate_clean(file ? file : "", w->state.file, JOBSTATE_FILE_MAX);
  if (asprintf(&w->path, "%s/job-%u-%d", dir, (unsigned)uid, (int)pid) < 0) {
    w->path = NULL;
  }
  if (asprintf(&w->tmp, "%s/.job-%u-%d.tmp", dir, (unsigned)uid, (int)pid) <
      0) {
    w->tmp = NULL;
  }
  /* The first state is written in place: until it is, a reader finds a
   * short file, which it skips. */
  int n = jobstate_encode(&w->state, buf, sizeof(buf));
  if (w->path && w->tmp && n > 0) {
    w->fd = create_file(w->path, w->chmod);
    if (w->fd >= 0 && put_state(w->fd, buf, (size_t)n, &w->len) < 0) {
      close(w->fd);
      unlink(w->path);
      w->fd = -1;
    }
  }
  if (w->fd < 0) {
    free(w->path);
    free(w->tmp);
    free(w);
    return NULL;
  }
  return w;
}

void jobstate_writer_phase(struct jobstate_writer *w, enum job_phase phase,
                           const char *host, int slot)
{
  if (!w || (unsigned)phase >= JOB_PHASE_COUNT_) {
    return;
  }
  w->state.phase    = phase;
  w->state.phase_us = now_us();
  w->state.slot     = slot < -1 ? -1 : slot;
  if (host) {
    jobstate_clean(host, w->state.host, JOBSTATE_HOST_MAX);
  }
  (void)write_state(w);
}

void jobstate_writer_link(struct jobstate_writer *w, enum job_conn conn,
                          uint16_t port, enum job_codec codec)
{
  if (!w || (unsigned)conn >= JOB_CONN_COUNT_ ||
      (unsigned)codec >= JOB_CODEC_COUNT_) {
    return;
  }
  w->state.conn  = conn;
  w->state.port  = port;
  w->state.codec = codec;
}

void jobstate_writer_transfer(struct jobstate_writer *w, bool receiving,
                              uint64_t bytes, uint64_t us)
{
  if (!w || bytes > INT64_MAX || us > INT64_MAX) {
    return;
  }
  if (receiving) {
    w->state.received   = bytes;
    w->state.receive_us = us;
  } else {
    w->state.sent    = bytes;
    w->state.send_us = us;
  }
}

void jobstate_writer_update(struct jobstate_writer *w)
{
  if (w) {
    (void)write_state(w);
  }
}

struct jobstate_writer *jobstate_writer_free(struct jobstate_writer *w)
{
  if (!w) {
    return NULL;
  }
  unlink(w->path);
  if (w->spare >= 0) {
    unlink(w->tmp);
    close(w->spare);
  }
  close(w->fd);
  free(w->path);
  free(w->tmp);
  free(w);
  return NULL;
}

const char *jobstate_writer_path(const struct jobstate_writer *w)
{
  return w ? w->path : NULL;
}

const char *jobstate_writer_tmp_path(const struct jobstate_writer *w)
{
  return w ? w->tmp : NULL;
}
