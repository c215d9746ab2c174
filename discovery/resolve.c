/* SPDX-License-Identifier: GPL-2.0-or-later */
/* herdcc-resolve: one DNS refresh for the client, with c-ares. The client
 * starts it in the background when a DNS cache in STATE/dns is missing or
 * expired, so that a compile never waits for DNS (but for a bounded first
 * look on a cold cache). Every lookup of one run goes out at once, and one
 * deadline (HERDCC_DNS_TIMEOUT ms, default DNS_DEFAULT_TIMEOUT_MS) ends
 * them all. The system's resolver configuration is used as it is.
 *
 *   herdcc-resolve STATE_DIR QUERY...
 *
 * QUERY is one of
 *   srv:DOMAIN  SRV _distcc._tcp.DOMAIN (RFC 2782) and unicast DNS-SD
 *               (RFC 6763: PTR _distcc._tcp.DOMAIN, then each instance's
 *               SRV and TXT), then the A/AAAA records of every target;
 *               into STATE/dns/srv@DOMAIN
 *   srv:        the same in the resolver's first search domain; into
 *               STATE/dns/srv
 *   host:NAME   the A/AAAA records of a plain host name; into
 *               STATE/dns/host@NAME (the port column is not used)
 *
 * Each file is in the discovery cache format (zcache.h) with an expiry:
 * the smallest TTL of the records used, within [DNS_TTL_MIN_S,
 * DNS_TTL_MAX_S]; a failed lookup is cached too, with its reason, for
 * DNS_NEGATIVE_TTL_S, so a dead DNS server costs one deadline per period,
 * not one per compile. One refresh runs per state directory at a time (an
 * flock on STATE/dns/lock); a second one leaves at once. */
#include <ares.h>
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "config.h"
#include "io.h"
#include "macro.h"
#include "service.h"
#include "zcache.h"

#define DNS_TTL_MIN_S      5
#define DNS_TTL_MAX_S      3600
#define DNS_NEGATIVE_TTL_S 10
#define DNS_MAX_TARGETS    64
#define DNS_MAX_ADDRS      16
#define DNS_MAX_JOBS       64

/* A server to be: an SRV target (from _distcc._tcp.DOMAIN directly, or
 * from a DNS-SD instance, whose TXT gives info) and its addresses. */
struct target {
  char                host[256];
  uint16_t            port;
  uint16_t            priority, weight;
  char                instance[128]; /* DNS-SD instance, or "" */
  struct service_info info;
  bool                has_info;
  char                addrs[DNS_MAX_ADDRS][INET6_ADDRSTRLEN];
  size_t              n_addrs;
};

enum job_kind {
  JOB_SRV,
  JOB_HOST,
};

/* One QUERY argument and what came back for it. */
struct job {
  enum job_kind  kind;
  char          *name; /* the domain (for SRV) or the host name */
  char          *path; /* the cache file */
  struct target *targets[DNS_MAX_TARGETS];
  size_t         n_targets;
  unsigned       ttl;    /* smallest TTL seen; UINT32_MAX: none */
  int            status; /* the first failure, ARES_SUCCESS if none */
  bool           found;  /* some record answered */
};

/* One query in flight, for its callback. */
struct pending {
  struct resolve *resolve;
  struct job     *job;
  struct target  *target; /* the target it fills, or NULL */
};

struct resolve {
  ares_channel channel;
  size_t       in_flight; /* queries whose callback has not run */
  bool         expired;   /* the deadline passed: start nothing more */
  struct job   jobs[DNS_MAX_JOBS];
  size_t       n_jobs;
};

static void job_note(struct job *job, int status, unsigned ttl)
{
  if (status == ARES_SUCCESS) {
    job->found = true;
    job->ttl   = ttl < job->ttl ? ttl : job->ttl;
  } else if (job->status == ARES_SUCCESS && status != ARES_ENODATA &&
             status != ARES_ENOTFOUND) {
    job->status = status; /* a real failure, not "no such record" */
  } else if (job->status == ARES_SUCCESS) {
    job->status = status;
  }
}

/* ---- the answer section, for TTLs and PTR names -------------------------- */

/* A bounds-checked walk over the answers of abuf: each record's type, TTL
 * and rdata. c-ares 1.18 parses SRV and TXT records but gives no TTL. */
struct rr {
  unsigned             type;
  unsigned             ttl;
  const unsigned char *rdata;
  size_t               rdlen;
};

static unsigned get16(const unsigned char *p)
{
  return (unsigned)p[0] << 8 | p[1];
}

static int skip_name(const unsigned char *abuf, int alen, size_t *pos)
{
  char *name = NULL;
  long  len;

  if (*pos >= (size_t)alen ||
      ares_expand_name(abuf + *pos, abuf, alen, &name, &len) != ARES_SUCCESS) {
    return -EBADMSG;
  }
  ares_free_string(name);
  *pos += (size_t)len;
  return 0;
}

/* Call fn on each answer; -EBADMSG on a malformed message. */
static int walk_answers(const unsigned char *abuf, int alen,
                        void (*fn)(const unsigned char *abuf, int alen,
                                   const struct rr *rr, void *userdata),
                        void *userdata)
{
  size_t size = (size_t)alen, pos = 12;

  if (alen < 12) {
    return -EBADMSG;
  }
  unsigned qd = get16(abuf + 4), an = get16(abuf + 6);
  for (unsigned i = 0; i < qd; i++) {
    if (skip_name(abuf, alen, &pos) < 0 || pos + 4 > size) {
      return -EBADMSG;
    }
    pos += 4;
  }
  for (unsigned i = 0; i < an; i++) {
    if (skip_name(abuf, alen, &pos) < 0 || pos + 10 > size) {
      return -EBADMSG;
    }
    struct rr rr = {
      .type  = get16(abuf + pos),
      .ttl   = (unsigned)(get16(abuf + pos + 4) << 16 | get16(abuf + pos + 6)),
      .rdlen = get16(abuf + pos + 8),
    };
    pos += 10;
    if (pos + rr.rdlen > size) {
      return -EBADMSG;
    }
    rr.rdata = abuf + pos;
    pos += rr.rdlen;
    fn(abuf, alen, &rr, userdata);
  }
  return 0;
}

static void min_ttl_fn(const unsigned char *abuf, int alen, const struct rr *rr,
                       void *userdata)
{
  unsigned *ttl = userdata;

  (void)abuf, (void)alen;
  *ttl = rr->ttl < *ttl ? rr->ttl : *ttl;
}

static unsigned answers_ttl(const unsigned char *abuf, int alen)
{
  unsigned ttl = UINT32_MAX;

  walk_answers(abuf, alen, min_ttl_fn, &ttl);
  return ttl;
}

/* ---- lookups ------------------------------------------------------------ */

static struct pending *pending_new(struct resolve *r, struct job *job,
                                   struct target *target)
{
  struct pending *p = calloc(1, sizeof(*p));

  if (p) {
    *p = (struct pending){ .resolve = r, .job = job, .target = target };
    r->in_flight++;
  }
  return p;
}

static void pending_done(struct pending *p)
{
  p->resolve->in_flight--;
  free(p);
}

static void on_addresses(void *arg, int status, int timeouts,
                         struct ares_addrinfo *result)
{
  struct pending *p   = arg;
  unsigned        ttl = UINT32_MAX;

  (void)timeouts;
  if (status == ARES_SUCCESS && result) {
    for (struct ares_addrinfo_node *n = result->nodes; n; n = n->ai_next) {
      struct target *t = p->target;
      const void    *a =
        n->ai_family == AF_INET
             ? (const void *)&((struct sockaddr_in *)(void *)n->ai_addr)->sin_addr
             : (const void *)&((struct sockaddr_in6 *)(void *)n->ai_addr)
              ->sin6_addr;
      if ((n->ai_family != AF_INET && n->ai_family != AF_INET6) ||
          t->n_addrs == DNS_MAX_ADDRS ||
          !inet_ntop(n->ai_family, a, t->addrs[t->n_addrs], INET6_ADDRSTRLEN)) {
        continue;
      }
      bool dup = false;
      for (size_t k = 0; k < t->n_addrs; k++) {
        dup = dup || strcmp(t->addrs[k], t->addrs[t->n_addrs]) == 0;
      }
      t->n_addrs += !dup;
      if (n->ai_ttl >= 0 && (unsigned)n->ai_ttl < ttl) {
        ttl = (unsigned)n->ai_ttl;
      }
    }
  }
  job_note(p->job, status, ttl);
  ares_freeaddrinfo(result);
  pending_done(p);
}

static void lookup_addresses(struct resolve *r, struct job *job,
                             struct target *t)
{
  struct ares_addrinfo_hints hints = { .ai_family   = AF_UNSPEC,
                                       .ai_socktype = SOCK_STREAM };
  struct pending            *p     = pending_new(r, job, t);

  if (p && r->expired) {
    pending_done(p);
    return;
  }
  if (!p) {
    return;
  }
  ares_getaddrinfo(r->channel, t->host, NULL, &hints, on_addresses, p);
}

static struct target *target_add(struct job *job)
{
  if (job->n_targets == DNS_MAX_TARGETS) {
    return NULL;
  }
  struct target *t = calloc(1, sizeof(*t));
  if (t) {
    job->targets[job->n_targets++] = t;
  }
  return t;
}

/* SRV of _distcc._tcp.DOMAIN (target NULL: a new target per record) or
 * of a DNS-SD instance (target given: fill it). */
static void on_srv(void *arg, int status, int timeouts, unsigned char *abuf,
                   int alen)
{
  struct pending        *p     = arg;
  struct ares_srv_reply *reply = NULL;

  (void)timeouts;
  if (status == ARES_SUCCESS) {
    status = ares_parse_srv_reply(abuf, alen, &reply);
  }
  job_note(p->job, status,
           status == ARES_SUCCESS ? answers_ttl(abuf, alen) : 0);
  for (struct ares_srv_reply *s = reply; s; s = s->next) {
    struct target *t = p->target ? p->target : target_add(p->job);
    if (!t) {
      break;
    }
    snprintf(t->host, sizeof(t->host), "%s", s->host);
    t->port     = s->port;
    t->priority = s->priority;
    t->weight   = s->weight;
    lookup_addresses(p->resolve, p->job, t);
    if (p->target) {
      break; /* an instance has one SRV record */
    }
  }
  ares_free_data(reply);
  pending_done(p);
}

static void on_txt(void *arg, int status, int timeouts, unsigned char *abuf,
                   int alen)
{
  struct pending      *p     = arg;
  struct ares_txt_ext *reply = NULL;
  const char          *items[64];
  size_t               lens[64], n = 0;

  (void)timeouts;
  if (status == ARES_SUCCESS) {
    status = ares_parse_txt_reply_ext(abuf, alen, &reply);
  }
  job_note(p->job, status,
           status == ARES_SUCCESS ? answers_ttl(abuf, alen) : 0);
  for (struct ares_txt_ext *t = reply; t && n < 64; t = t->next) {
    if (t->record_start && n > 0) {
      break; /* an instance has one TXT record */
    }
    items[n]  = (const char *)t->txt;
    lens[n++] = t->length;
  }
  if (n > 0 && service_txt_parse(items, lens, n, &p->target->info) >= 0) {
    p->target->has_info = true;
  }
  ares_free_data(reply);
  pending_done(p);
}

static void query(struct resolve *r, struct job *job, struct target *t,
                  const char *name, int type, ares_callback callback)
{
  struct pending *p = pending_new(r, job, t);

  if (p && r->expired) {
    pending_done(p);
    return;
  }
  if (!p) {
    return;
  }
  ares_query(r->channel, name, ns_c_in, type, callback, p);
}

struct ptr_walk {
  struct resolve *resolve;
  struct job     *job;
};

/* A DNS-SD instance: ask for its SRV and TXT records. */
static void ptr_fn(const unsigned char *abuf, int alen, const struct rr *rr,
                   void *userdata)
{
  struct ptr_walk *w        = userdata;
  char            *instance = NULL;
  long             len;

  if (rr->type != ns_t_ptr || ares_expand_name(rr->rdata, abuf, alen, &instance,
                                               &len) != ARES_SUCCESS) {
    return;
  }
  struct target *t = target_add(w->job);
  if (t) {
    const char *dot = strstr(instance, "." SERVICE_TYPE);
    snprintf(t->instance, sizeof(t->instance), "%.*s",
             (int)(dot ? (size_t)(dot - instance) : strlen(instance)),
             instance);
    query(w->resolve, w->job, t, instance, ns_t_srv, on_srv);
    query(w->resolve, w->job, t, instance, ns_t_txt, on_txt);
  }
  ares_free_string(instance);
}

static void on_ptr(void *arg, int status, int timeouts, unsigned char *abuf,
                   int alen)
{
  struct pending *p = arg;
  struct ptr_walk w = { .resolve = p->resolve, .job = p->job };

  (void)timeouts;
  if (status == ARES_SUCCESS && walk_answers(abuf, alen, ptr_fn, &w) < 0) {
    status = ARES_EBADRESP;
  }
  job_note(p->job, status,
           status == ARES_SUCCESS ? answers_ttl(abuf, alen) : 0);
  pending_done(p);
}

static void job_start(struct resolve *r, struct job *job)
{
  if (!job->name) {
    job->status = ARES_ENOTFOUND; /* +srv without a search domain */
    return;
  }
  if (job->kind == JOB_HOST) {
    struct target *t = target_add(job);
    if (t) {
      snprintf(t->host, sizeof(t->host), "%s", job->name);
      lookup_addresses(r, job, t);
    }
    return;
  }
  _cleanup_free_ char *service = NULL;
  if (asprintf(&service, SERVICE_TYPE ".%s", job->name) < 0) {
    return;
  }
  query(r, job, NULL, service, ns_t_srv, on_srv);
  query(r, job, NULL, service, ns_t_ptr, on_ptr);
}

/* ---- the loop ----------------------------------------------------------- */

/* Drive every lookup until all are done or the deadline passes. */
static void run_until(struct resolve *r, long long deadline)
{
  for (;;) {
    ares_socket_t socks[ARES_GETSOCK_MAXNUM];
    struct pollfd pfd[ARES_GETSOCK_MAXNUM];
    int           bits = ares_getsock(r->channel, socks, ARES_GETSOCK_MAXNUM);
    nfds_t        n    = 0;

    for (int i = 0; i < ARES_GETSOCK_MAXNUM; i++) {
      /* c-ares' own ARES_GETSOCK_WRITABLE shifts 1 into the sign bit for
         the last socket: read the bits unsigned. */
      unsigned mask     = (unsigned)bits;
      bool     readable = (mask >> i) & 1u;
      bool     writable = (mask >> (i + ARES_GETSOCK_MAXNUM)) & 1u;
      short    events =
        (short)((readable ? POLLIN : 0) | (writable ? POLLOUT : 0));
      if (events) {
        pfd[n++] = (struct pollfd){ .fd = socks[i], .events = events };
      }
    }
    long long left = deadline - clock_now_ms();
    if (left <= 0 || r->in_flight == 0) {
      break;
    }
    struct timeval max = { .tv_sec  = left / 1000,
                           .tv_usec = left % 1000 * 1000 };
    struct timeval tv, *next = ares_timeout(r->channel, &max, &tv);
    int wait = (int)(next->tv_sec * 1000 + (next->tv_usec + 999) / 1000);
    int k    = poll(pfd, n, wait);
    if (k < 0 && errno != EINTR) {
      break;
    }
    if (k <= 0) {
      ares_process_fd(r->channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
      continue;
    }
    for (nfds_t i = 0; i < n; i++) {
      ares_process_fd(r->channel,
                      pfd[i].revents & (POLLIN | POLLERR | POLLHUP)
                        ? pfd[i].fd
                        : ARES_SOCKET_BAD,
                      pfd[i].revents & POLLOUT ? pfd[i].fd : ARES_SOCKET_BAD);
    }
  }
  r->expired = true;
  ares_cancel(r->channel); /* the callbacks run now, with ARES_ECANCELLED */
}

/* ---- results ------------------------------------------------------------ */

/* RFC 2782: lower priority first; within one priority, a weighted random
 * order (weight 0 only after the others, unless all are 0). */
static void order_targets(struct job *job)
{
  struct target **t = job->targets;
  size_t          n = job->n_targets;

  for (size_t i = 1; i < n; i++) { /* stable sort by priority */
    for (size_t k = i; k > 0 && t[k - 1]->priority > t[k]->priority; k--) {
      struct target *x = t[k];
      t[k]             = t[k - 1];
      t[k - 1]         = x;
    }
  }
  srandom((unsigned)getpid() ^ (unsigned)time(NULL));
  for (size_t start = 0; start < n;) {
    size_t end = start;
    while (end < n && t[end]->priority == t[start]->priority) {
      end++;
    }
    for (size_t i = start; i < end; i++) { /* pick each place in turn */
      unsigned long sum = 0;
      for (size_t k = i; k < end; k++) {
        sum += t[k]->weight;
      }
      unsigned long pick = sum ? (unsigned long)random() % (sum + 1) : 0;
      size_t        k    = i;
      for (unsigned long run = t[i]->weight; k + 1 < end && run < pick;) {
        run += t[++k]->weight;
      }
      struct target *x = t[k];
      memmove(&t[i + 1], &t[i], (k - i) * sizeof(*t));
      t[i] = x;
    }
    start = end;
  }
}

/* An entry per target address; an address:port listed twice keeps the
 * entry that has TXT information. */
static size_t job_entries(struct job *job, struct zcache_entry *out, size_t cap)
{
  size_t n = 0;

  if (job->kind == JOB_SRV) {
    order_targets(job);
  }
  for (size_t i = 0; i < job->n_targets; i++) {
    struct target *t = job->targets[i];
    /* the addresses in the order the resolver gave them (as
       getaddrinfo() would): a refresh rewrites them, a compile never
       reorders them */
    for (size_t a = 0; a < t->n_addrs; a++) {
      uint16_t port = job->kind == JOB_HOST ? 3632 : t->port;
      size_t   k    = 0;
      while (k < n &&
             !(strcmp(out[k].addr, t->addrs[a]) == 0 && out[k].port == port)) {
        k++;
      }
      if (k == n && n == cap) {
        continue;
      }
      if (k < n && !t->has_info) {
        continue;
      }
      out[k] = (struct zcache_entry){ .port = port };
      memcpy(out[k].addr, t->addrs[a], sizeof(out[k].addr));
      out[k].info      = t->has_info ? t->info : (struct service_info){ 0 };
      const char *name = t->instance[0] ? t->instance : t->host;
      snprintf(out[k].name, sizeof(out[k].name), "%.*s",
               (int)sizeof(out[k].name) - 1, name);
      n += k == n;
    }
  }
  return n;
}

static const char *failure_text(int status, int timeout_ms, char *buf,
                                size_t size)
{
  switch (status) {
    case ARES_ECANCELLED:
    case ARES_ETIMEOUT:
      snprintf(buf, size, "no answer within %d ms", timeout_ms);
      return buf;
    case ARES_SUCCESS:
    case ARES_ENODATA:
      return "no such records";
    case ARES_ENOTFOUND:
      return "no such domain";
    default:
      return ares_strerror(status);
  }
}

static void job_save(struct job *job, int timeout_ms)
{
  struct zcache_entry entries[DNS_MAX_TARGETS];
  struct zcache_meta  meta = { 0 };
  size_t              n    = job_entries(job, entries, DNS_MAX_TARGETS);
  char                buf[64];
  unsigned            ttl = job->ttl;

  if (n == 0) {
    ttl = DNS_NEGATIVE_TTL_S;
    snprintf(meta.error, sizeof(meta.error), "%s",
             failure_text(job->status, timeout_ms, buf, sizeof(buf)));
  }
  ttl          = ttl < DNS_TTL_MIN_S ? DNS_TTL_MIN_S : ttl;
  ttl          = ttl > DNS_TTL_MAX_S ? DNS_TTL_MAX_S : ttl;
  meta.expires = (long long)time(NULL) + ttl;
  /* the first compile that reads a new failure warns about it (dns.c) */
  _cleanup_free_ char *warned = NULL;
  if (asprintf(&warned, "%s.warned", job->path) >= 0) {
    unlink(warned);
  }
  int r = zcache_write_meta(job->path, entries, n, &meta);
  if (r < 0) {
    fprintf(stderr, "herdcc-resolve: Failed to write %s: %s\n", job->path,
            strerror(-r));
  }
}

/* ---- set-up ------------------------------------------------------------- */

/* The resolver's first search domain, as c-ares read it. */
static char *search_domain(ares_channel channel)
{
  struct ares_options opts;
  int                 mask   = 0;
  char               *domain = NULL;

  if (ares_save_options(channel, &opts, &mask) != ARES_SUCCESS) {
    return NULL;
  }
  if (opts.ndomains > 0 && opts.domains[0] && opts.domains[0][0]) {
    domain = strdup(opts.domains[0]);
  }
  ares_destroy_options(&opts);
  return domain;
}

static bool name_ok(const char *name)
{
  return *name && *name != '.' && !strchr(name, '/') && strlen(name) < 254;
}

static int job_add(struct resolve *r, const char *dir, const char *arg)
{
  struct job *job = &r->jobs[r->n_jobs];
  const char *name;

  if (r->n_jobs == DNS_MAX_JOBS) {
    return -E2BIG;
  }
  *job = (struct job){ .ttl = UINT32_MAX };
  if (strncmp(arg, "srv:", 4) == 0) {
    job->kind = JOB_SRV;
    name      = arg + 4;
    if (!*name) {
      job->name = search_domain(r->channel);
      if (asprintf(&job->path, "%s/srv", dir) < 0) {
        job->path = NULL;
      }
      r->n_jobs += job->path != NULL; /* no search domain: no name */
      return job->path ? 0 : -ENOMEM;
    }
  } else if (strncmp(arg, "host:", 5) == 0) {
    job->kind = JOB_HOST;
    name      = arg + 5;
  } else {
    return -EINVAL;
  }
  if (!name_ok(name)) {
    return -EINVAL;
  }
  job->name = strdup(name);
  if (!job->name || asprintf(&job->path, "%s/%s@%s", dir,
                             job->kind == JOB_SRV ? "srv" : "host", name) < 0) {
    free(job->name);
    return -ENOMEM;
  }
  r->n_jobs++;
  return 0;
}

static int timeout_ms(void)
{
  const char *text = getenv("HERDCC_DNS_TIMEOUT");
  char       *end;
  long        ms = text ? strtol(text, &end, 10) : 0;

  if (!text || !*text || *end || ms < 1 || ms > 60000) {
    return DNS_DEFAULT_TIMEOUT_MS;
  }
  return (int)ms;
}

static int channel_new(int deadline_ms, ares_channel *ret)
{
  struct ares_options opts = {
    .timeout = deadline_ms / 2 > 50 ? deadline_ms / 2 : 50,
    .tries   = 2,
  };

  return ares_init_options(ret, &opts, ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES) ==
             ARES_SUCCESS
           ? 0
           : -EIO;
}

#define RESOLVE_USAGE "Usage: herdcc-resolve STATE_DIR QUERY...\n"

/* --help and --version answer without resolving anything; -1 otherwise. */
static int answer_option(const char *arg)
{
  if (strcmp(arg, "--help") == 0) {
    printf(RESOLVE_USAGE
           "Look up each QUERY once with c-ares (srv:DOMAIN for the\n"
           "_distcc._tcp SRV and DNS-SD records, or a host name for its\n"
           "addresses) and write the answers with their TTL under\n"
           "STATE_DIR/dns. Started by herdcc in the background; not meant to\n"
           "be run by hand.\n");
    return 0;
  }
  if (strcmp(arg, "--version") == 0) {
    printf("herdcc-resolve %s %s\n", HERDCC_VERSION, HERDCC_GNU_TRIPLE);
    return 0;
  }
  return -1;
}

int main(int argc, char **argv)
{
  int answered = argc == 2 ? answer_option(argv[1]) : -1;
  if (answered >= 0) {
    return answered;
  }
  _cleanup_free_ char *dir = NULL;
  struct resolve       r   = { 0 };
  int                  ms  = timeout_ms();

  if (argc < 3 || argv[1][0] == '-') {
    fprintf(stderr, RESOLVE_USAGE);
    return 101;
  }
  if (asprintf(&dir, "%s/dns", argv[1]) < 0 || io_mkdir_p(dir, 0755) < 0) {
    return 100;
  }
  if (zcache_take_refresher_lock(dir) < 0) {
    return 0; /* another refresh runs */
  }
  if (ares_library_init(ARES_LIB_INIT_ALL) != ARES_SUCCESS ||
      channel_new(ms, &r.channel) < 0) {
    fprintf(stderr, "herdcc-resolve: Failed to set up c-ares\n");
    return 100;
  }
  for (int i = 2; i < argc; i++) {
    if (job_add(&r, dir, argv[i]) < 0) {
      fprintf(stderr, "herdcc-resolve: Failed to use query %s\n", argv[i]);
    }
  }
  long long deadline = clock_now_ms() + ms;
  for (size_t i = 0; i < r.n_jobs; i++) {
    job_start(&r, &r.jobs[i]);
  }
  run_until(&r, deadline);
  for (size_t i = 0; i < r.n_jobs; i++) {
    job_save(&r.jobs[i], ms);
    for (size_t k = 0; k < r.jobs[i].n_targets; k++) {
      free(r.jobs[i].targets[k]);
    }
    free(r.jobs[i].name);
    free(r.jobs[i].path);
  }
  ares_destroy(r.channel);
  ares_library_cleanup();
  return 0;
}
