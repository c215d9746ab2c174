/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Per-process CPU time and peak memory of every process that exits, from
 * the kernel's taskstats interface (generic netlink, "TASKSTATS"). The
 * kernel sends one record per exiting task, taken before the task's memory
 * is released, so it describes that process alone: its children (the
 * preprocessor a compile client runs) send records of their own and are
 * not counted in it, unlike wait4()'s rusage.
 *
 *   taskstats [--under PID] COMM...
 *
 * (root, in the initial network namespace; the processes measured may live
 * in any namespace). Prints "ready" on stderr once registered, then one
 * line on stdout per exiting process whose command name is one of COMM
 * (all with no COMM) and, with --under, whose parent is PID or one of its
 * descendants (other people's processes on the machine are left out):
 *
 *   pid ppid comm cpu_ns utime_us stime_us hiwater_rss_kb
 *
 * cpu_ns is the scheduler's exact on-CPU time (sum_exec_runtime);
 * utime/stime are the tick-sampled user/system split. Stops on SIGTERM or
 * SIGINT, or when its parent dies. Used by bench/job-overhead.sh. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/taskstats.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#define BUF_SIZE 65536

static int nl_send(int fd, uint16_t type, uint8_t cmd, uint16_t attr,
                   const void *data, size_t len)
{
  struct {
    struct nlmsghdr   n;
    struct genlmsghdr g;
    char              buf[256];
  } msg;
  struct nlattr *na;

  memset(&msg, 0, sizeof(msg));
  msg.n.nlmsg_len   = NLMSG_LENGTH(GENL_HDRLEN);
  msg.n.nlmsg_type  = type;
  msg.n.nlmsg_flags = NLM_F_REQUEST;
  msg.n.nlmsg_pid   = (uint32_t)getpid();
  msg.g.cmd         = cmd;
  msg.g.version     = 1;
  na                = (struct nlattr *)((char *)&msg + msg.n.nlmsg_len);
  na->nla_type      = attr;
  na->nla_len       = (uint16_t)(NLA_HDRLEN + len);
  memcpy((char *)na + NLA_HDRLEN, data, len);
  msg.n.nlmsg_len += NLA_ALIGN(na->nla_len);
  return send(fd, &msg, msg.n.nlmsg_len, 0) < 0 ? -errno : 0;
}

/* The family id of "TASKSTATS". */
static int family_id(int fd)
{
  static char buf[BUF_SIZE];
  ssize_t     n;
  int         r;

  r = nl_send(fd, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, CTRL_ATTR_FAMILY_NAME,
              TASKSTATS_GENL_NAME, sizeof(TASKSTATS_GENL_NAME));
  if (r < 0) {
    return r;
  }
  n = recv(fd, buf, sizeof(buf), 0);
  if (n < 0) {
    return -errno;
  }
  struct nlmsghdr *h = (struct nlmsghdr *)buf;
  if (!NLMSG_OK(h, (unsigned)n) || h->nlmsg_type == NLMSG_ERROR) {
    return -ENOENT;
  }
  char  *p   = (char *)NLMSG_DATA(h) + GENL_HDRLEN;
  size_t rem = h->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN);
  while (rem >= NLA_HDRLEN) {
    struct nlattr *na = (struct nlattr *)p;
    if (na->nla_len < NLA_HDRLEN || na->nla_len > rem) {
      break;
    }
    if (na->nla_type == CTRL_ATTR_FAMILY_ID) {
      return *(uint16_t *)(p + NLA_HDRLEN);
    }
    size_t step = NLA_ALIGN((size_t)na->nla_len);
    if (step >= rem) {
      break;
    }
    rem -= step;
    p += step;
  }
  return -ENOENT;
}

static unsigned under; /* --under PID, 0 for none */

/* The parent of PID, from /proc (pids of the initial PID namespace). */
static unsigned parent_of(unsigned pid)
{
  char     path[64], buf[512];
  unsigned ppid = 0;
  snprintf(path, sizeof(path), "/proc/%u/stat", pid);
  FILE *f = fopen(path, "re");
  if (!f) {
    return 0;
  }
  size_t n = fread(buf, 1, sizeof(buf) - 1, f);
  fclose(f);
  buf[n]        = '\0';
  const char *p = strrchr(buf, ')'); /* the name may hold anything */
  if (!p || sscanf(p, ") %*c %u", &ppid) != 1) {
    return 0;
  }
  return ppid;
}

static int descends(unsigned ppid)
{
  for (int depth = 0; ppid > 1 && depth < 64; depth++) {
    if (ppid == under) {
      return 1;
    }
    ppid = parent_of(ppid);
  }
  return 0;
}

static int wanted(const struct taskstats *t, const char *comm, int argc,
                  char **argv)
{
  int match = argc < 1;
  for (int i = 0; i < argc; i++) {
    if (strcmp(comm, argv[i]) == 0) {
      match = 1;
    }
  }
  return match && (!under || descends(t->ac_ppid));
}

/* One TASKSTATS_TYPE_STATS payload. The kernel's struct may be newer
 * (longer) than this header's; its fields only grow at the end. */
static void print_stats(const struct taskstats *t, int argc, char **argv)
{
  char comm[TS_COMM_LEN + 1];
  memcpy(comm, t->ac_comm, TS_COMM_LEN);
  comm[TS_COMM_LEN] = '\0';
  if (!wanted(t, comm, argc, argv)) {
    return;
  }
  printf("%u %u %s %llu %llu %llu %llu\n", t->ac_pid, t->ac_ppid, comm,
         (unsigned long long)t->cpu_run_virtual_total,
         (unsigned long long)t->ac_utime, (unsigned long long)t->ac_stime,
         (unsigned long long)t->hiwater_rss);
  fflush(stdout);
}

/* Walks nested attributes looking for TASKSTATS_TYPE_STATS. */
static void walk(char *p, size_t rem, int argc, char **argv)
{
  while (rem >= NLA_HDRLEN) {
    struct nlattr *na = (struct nlattr *)p;
    if (na->nla_len < NLA_HDRLEN || na->nla_len > rem) {
      return;
    }
    size_t plen = na->nla_len - NLA_HDRLEN;
    switch (na->nla_type) {
      case TASKSTATS_TYPE_AGGR_PID:
        walk(p + NLA_HDRLEN, plen, argc, argv);
        break;
      case TASKSTATS_TYPE_STATS:
        if (plen >= sizeof(struct taskstats)) {
          struct taskstats t;
          memcpy(&t, p + NLA_HDRLEN, sizeof(t));
          print_stats(&t, argc, argv);
        }
        break;
      default: /* TYPE_AGGR_TGID: whole thread groups, not wanted */
        break;
    }
    size_t step = NLA_ALIGN((size_t)na->nla_len);
    if (step >= rem) {
      return;
    }
    rem -= step;
    p += step;
  }
}

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
  (void)sig;
  stop = 1;
}

int main(int argc, char **argv)
{
  static char        buf[BUF_SIZE];
  struct sockaddr_nl local = { .nl_family = AF_NETLINK };
  char               mask[32];
  int                fd, fam, bufsize = 8 << 20;
  long               ncpu = sysconf(_SC_NPROCESSORS_CONF);

  prctl(PR_SET_PDEATHSIG, SIGTERM);
  argc--, argv++;
  if (argc >= 2 && strcmp(argv[0], "--under") == 0) {
    under = (unsigned)strtoul(argv[1], NULL, 10);
    argc -= 2, argv += 2;
  }
  struct sigaction sa = { .sa_handler = on_signal };
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);

  fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
  if (fd < 0 || bind(fd, (struct sockaddr *)&local, sizeof(local)) < 0) {
    perror("taskstats: netlink socket");
    return 1;
  }
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bufsize, sizeof(bufsize));
  fam = family_id(fd);
  if (fam < 0) {
    fprintf(stderr, "taskstats: no TASKSTATS family: %s\n", strerror(-fam));
    return 1;
  }
  snprintf(mask, sizeof(mask), "0-%ld", ncpu > 0 ? ncpu - 1 : 0);
  int r = nl_send(fd, (uint16_t)fam, TASKSTATS_CMD_GET,
                  TASKSTATS_CMD_ATTR_REGISTER_CPUMASK, mask, strlen(mask) + 1);
  if (r < 0) {
    fprintf(stderr, "taskstats: register: %s\n", strerror(-r));
    return 1;
  }
  fprintf(stderr, "ready\n");
  while (!stop) {
    ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      if (errno == ENOBUFS) {
        fprintf(stderr, "taskstats: records lost (ENOBUFS)\n");
        continue;
      }
      perror("taskstats: recv");
      return 1;
    }
    for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (unsigned)n);
         h                  = NLMSG_NEXT(h, n)) {
      if (h->nlmsg_type == NLMSG_ERROR) {
        struct nlmsgerr *e = NLMSG_DATA(h);
        if (e->error != 0) {
          fprintf(stderr, "taskstats: %s\n", strerror(-e->error));
          return 1;
        }
        continue;
      }
      if (h->nlmsg_len < NLMSG_LENGTH(GENL_HDRLEN)) {
        continue;
      }
      walk((char *)NLMSG_DATA(h) + GENL_HDRLEN,
           h->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN), argc, argv);
    }
  }
  nl_send(fd, (uint16_t)fam, TASKSTATS_CMD_GET,
          TASKSTATS_CMD_ATTR_DEREGISTER_CPUMASK, mask, strlen(mask) + 1);
  return 0;
}
