/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A discrete-event simulation of a farm under herdcc's invitation
 * protocol, driven by the client's own host choice (src/client/select.c,
 * compiled from the same file). Servers have job slots of a speed and one
 * waiting room each (FIFO); every compile asks at most INVITE_MAX_ASK
 * servers (all when there are no more, else drawn by capacity, as
 * src/client/invite.c draws them), is invited where a slot is free or
 * queued, takes the best invitation by select_best(), declines the
 * others (the slot goes to the next in that queue), and declines an
 * invitation while a better waiting room is ahead. Messages take no time.
 * A baseline policy ("first free") takes any free slot at once, the
 * fastest first among those free, and otherwise the first that frees.
 *
 *   farm-sim SCENARIO [SEED]     SCENARIO: bench | bench-uniform | large
 *
 * What-ifs, in the environment: FARM_SIM_SIZES=1 gives select.c every
 * job's size (as the client's history does for a job built before);
 * FARM_SIM_CONC=N runs N compiles at a time per client (make -j N;
 * default 10 for bench, 50 for large); FARM_SIM_LARGEST_FIRST=1 makes
 * every waiting room invite the biggest job first, as herdccd does with
 * the sizes clients say (HSIZ, extension version 3): ranked by size, a
 * typical job of size worth ROOM_AGING_MS of waiting (src/daemon/room.h),
 * rather than by arrival alone; FARM_SIM_AHEAD=1 makes every waiting room
 * say the work ahead (HWRK, extension version 6): the jobs queued ahead
 * by their sizes and what the running ones have left, as herdccd knows
 * them from the durations clients expect (HEXP); only with
 * FARM_SIM_SIZES=1, since a job whose size is not known says no HEXP, and
 * herdccd then says no HWRK; FARM_SIM_HEDGE=1 (only with FARM_SIM_SIZES=1)
 * asks whether the end of a build is what is lost: whenever a slot is
 * free and no job waits for it, it takes a copy of the running job it
 * would finish soonest before that job's own end (by a tenth of what is
 * left), and the first of the two to end frees both slots; herdcc does
 * not do this. FARM_SIM_FIXED_MS=N gives every job N ms in its slot that
 * no speed shortens (a compiler's start, as hetero-farm.sh measures it);
 * the lower bound leaves it out.
 *
 * Prints the makespan over the lower bound (max(total work / total
 * capacity, largest job on the fastest slot)) for both policies, and the
 * host choice's cost per job (the draw and the valuations); and three
 * yardsticks: an offline schedule that knows and reorders every job;
 * (one client) every job placed at once, in the build's order, where it
 * would end first with every size and slot end known; and (one client) a
 * plan searched before the build that knows every job and keeps make's
 * order (foresight). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "select.h"

#define MAX_ASK  8
#define BATCHES  1
#define MAX_PEER (MAX_ASK * BATCHES)

struct server {
  double    speed; /* of one slot */
  unsigned  slots;
  unsigned  used; /* running + reserved */
  unsigned *queue;
  unsigned  n_queue, cap_queue;
};

enum cstate {
  C_IDLE,
  C_ASKING,
  C_RUNNING,
  C_DONE
};

struct compile {
  double      work;
  unsigned    client;
  enum cstate state;
  unsigned    asked[MAX_PEER];
  unsigned    n_asked, batches;
  int         invited[MAX_PEER]; /* 1: a slot reserved for it there */
  int         gone[MAX_PEER];    /* declined or left */
  double      end;
  unsigned    server;
  double      arrived; /* when it started asking */
  int         copy;    /* FARM_SIM_HEDGE: the server of its copy, or -1 */
};

struct client {
  unsigned next; /* next job index in its list */
  unsigned first, count;
};

static struct server  *servers;
static unsigned        n_servers;
static struct compile *jobs;
static unsigned        n_jobs;
static struct client  *clients;
static unsigned        n_clients;
static double          now;
static int             baseline;
static int             known_sizes;   /* FARM_SIM_SIZES=1 */
static int             largest_first; /* FARM_SIM_LARGEST_FIRST=1 */
static int             work_ahead;    /* FARM_SIM_AHEAD=1 */
static int             hedging;       /* FARM_SIM_HEDGE=1 */
static unsigned        copies;
static double          mean_work;
static double          fixed_s; /* FARM_SIM_FIXED_MS: a job's cost in a slot
                                    that no speed shortens */
static double        choice_ns;
static unsigned long choices;
static unsigned     *running; /* the compiles running, unordered */
static unsigned      n_running;

/* How long WORK holds a slot of SPEED. */
static double slot_time(double work, double speed)
{
  return work / speed + fixed_s;
}

/* pending invitations to resolve: (server, compile) */
static unsigned *work_s, *work_c, n_work, cap_work;

static void push_work(unsigned s, unsigned c)
{
  if (n_work == cap_work) {
    cap_work = cap_work ? 2 * cap_work : 64;
    work_s   = realloc(work_s, cap_work * sizeof(*work_s));
    work_c   = realloc(work_c, cap_work * sizeof(*work_c));
  }
  work_s[n_work]   = s;
  work_c[n_work++] = c;
}

static long long ns(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void queue_remove(struct server *s, unsigned c)
{
  for (unsigned i = 0; i < s->n_queue; i++) {
    if (s->queue[i] == c) {
      memmove(&s->queue[i], &s->queue[i + 1],
              (s->n_queue - i - 1) * sizeof(unsigned));
      s->n_queue--;
      return;
    }
  }
}

/* herdccd's rank of a waiting job (room.c): its size in typical jobs, each
 * worth ROOM_AGING_MS of waiting, less its arrival. */
#define ROOM_AGING_S 2.0

static double rank(unsigned c)
{
  return jobs[c].work / mean_work * ROOM_AGING_S - jobs[c].arrived;
}

static void queue_push(struct server *s, unsigned c)
{
  if (s->n_queue == s->cap_queue) {
    s->cap_queue = s->cap_queue ? 2 * s->cap_queue : 16;
    s->queue     = realloc(s->queue, s->cap_queue * sizeof(unsigned));
  }
  unsigned at = s->n_queue;
  while (largest_first && at > 0 && rank(s->queue[at - 1]) < rank(c)) {
    at--;
  }
  memmove(&s->queue[at + 1], &s->queue[at],
          (s->n_queue - at) * sizeof(unsigned));
  s->queue[at] = c;
  s->n_queue++;
}

static unsigned queue_pos(const struct server *s, unsigned c)
{
  for (unsigned i = 0; i < s->n_queue; i++) {
    if (s->queue[i] == c) {
      return i;
    }
  }
  return s->n_queue;
}

/* What server si says is to run before the compile at queue position
 * pos can start (herdccd's HWRK, extension version 6), in typical jobs:
 * the sizes of those queued ahead, and what its running jobs still have
 * to do, by the sizes it was told less the work done since they
 * started. */
static double ahead_work(unsigned si, unsigned pos)
{
  const struct server *s    = &servers[si];
  double               work = 0;

  for (unsigned i = 0; i < pos; i++) {
    work += jobs[s->queue[i]].work / mean_work;
  }
  for (unsigned r = 0; r < n_running; r++) {
    const struct compile *j = &jobs[running[r]];
    if (j->server != si) {
      continue;
    }
    double done = (now - (j->end - slot_time(j->work, s->speed))) * s->speed;
    work += (j->work > done ? j->work - done : 0) / mean_work;
  }
  return work;
}

/* A slot of server s is free (or was released): invite the queue. */
static void server_free(unsigned si)
{
  struct server *s = &servers[si];
  while (s->used < s->slots && s->n_queue > 0) {
    unsigned c = s->queue[0];
    memmove(&s->queue[0], &s->queue[1], (s->n_queue - 1) * sizeof(unsigned));
    s->n_queue--;
    s->used++;
    for (unsigned k = 0; k < jobs[c].n_asked; k++) {
      if (jobs[c].asked[k] == si) {
        jobs[c].invited[k] = 1;
      }
    }
    push_work(si, c);
  }
}

static void commit(unsigned c, unsigned k)
{
  struct compile *j = &jobs[c];
  for (unsigned i = 0; i < j->n_asked; i++) {
    if (i == k || j->gone[i]) {
      continue;
    }
    struct server *s = &servers[j->asked[i]];
    if (j->invited[i]) {
      s->used--;
      j->invited[i] = 0;
      server_free(j->asked[i]);
    } else {
      queue_remove(s, c);
    }
    j->gone[i] = 1;
  }
  j->state             = C_RUNNING;
  running[n_running++] = c;
  j->server            = j->asked[k];
  j->end               = now + slot_time(j->work, servers[j->server].speed);
}

static void ask_batch(unsigned c);

/* The compile values its offers (select.h) and acts. */
static void decide(unsigned c)
{
  struct compile     *j = &jobs[c];
  struct select_offer offers[MAX_PEER];
  long long           t0 = ns();

  if (j->state != C_ASKING) {
    return;
  }
  for (unsigned i = 0; i < j->n_asked; i++) {
    struct server *s = &servers[j->asked[i]];
    offers[i] =
      (struct select_offer){ .slot_speed = s->speed,
                             .slots      = s->slots,
                             .size = known_sizes ? j->work / mean_work : 0 };
    if (j->gone[i]) {
      offers[i].kind = SELECT_GONE;
    } else if (j->invited[i]) {
      offers[i].kind = SELECT_FREE;
      offers[i].free = s->slots - s->used;
    } else {
      offers[i].kind  = SELECT_WAITING;
      offers[i].ahead = queue_pos(s, c);
      if (work_ahead && known_sizes) { /* the server's work, not timed */
        long long t1         = ns();
        offers[i].said_work  = true;
        offers[i].work_ahead = ahead_work(j->asked[i], offers[i].ahead);
        t0 += ns() - t1;
      }
    }
  }
  int best = -1;
  if (baseline) {
    for (unsigned i = 0; i < j->n_asked; i++) {
      if (offers[i].kind == SELECT_FREE &&
          (best < 0 || offers[i].slot_speed > offers[best].slot_speed)) {
        best = (int)i;
      }
    }
  } else {
    best = select_best(offers, j->n_asked);
  }
  choice_ns += (double)(ns() - t0);
  choices++;
  if (best >= 0 && offers[best].kind == SELECT_FREE) {
    commit(c, (unsigned)best);
    return;
  }
  if (!baseline && best >= 0 && j->batches < BATCHES &&
      j->n_asked < n_servers) {
    ask_batch(c); /* every answer is a waiting room: look further */
    return;
  }
  for (unsigned i = 0; i < j->n_asked; i++) { /* decline the others */
    if (offers[i].kind == SELECT_FREE) {
      servers[j->asked[i]].used--;
      j->invited[i] = 0;
      j->gone[i]    = 1;
      server_free(j->asked[i]);
    }
  }
}

static void drain(void)
{
  while (n_work > 0) {
    unsigned c = work_c[--n_work];
    decide(c);
  }
}

/* Ask another batch: draw the servers, as invite.c does. */
static void ask_batch(unsigned c)
{
  struct compile *j  = &jobs[c];
  long long       t0 = ns();
  static char    *drawn;
  static double   total_cap = -1;

  if (!drawn) {
    drawn = calloc(n_servers, 1);
  }
  if (total_cap < 0) {
    total_cap = 0;
    for (unsigned i = 0; i < n_servers; i++) {
      total_cap += servers[i].speed * servers[i].slots;
    }
  }
  unsigned first = j->n_asked;
  double   total = total_cap;
  j->batches++;
  for (unsigned k = 0; k < j->n_asked; k++) {
    drawn[j->asked[k]] = 1;
    total -= servers[j->asked[k]].speed * servers[j->asked[k]].slots;
  }
  for (unsigned k = 0; k < MAX_ASK && j->n_asked < n_servers; k++) {
    double   at     = n_servers - first <= MAX_ASK ? -1 : total * drand48();
    unsigned picked = n_servers;
    for (unsigned i = 0; i < n_servers && picked == n_servers; i++) {
      if (drawn[i]) {
        continue;
      }
      at -= servers[i].speed * servers[i].slots;
      picked = at < 0 ? i : picked;
    }
    for (unsigned i = n_servers; picked == n_servers && i-- > 0;) {
      picked = !drawn[i] ? i : picked;
    }
    drawn[picked] = 1;
    total -= servers[picked].speed * servers[picked].slots;
    j->asked[j->n_asked]   = picked;
    j->invited[j->n_asked] = 0;
    j->gone[j->n_asked++]  = 0;
  }
  for (unsigned k = 0; k < j->n_asked; k++) {
    drawn[j->asked[k]] = 0;
  }
  choice_ns += (double)(ns() - t0);
  for (unsigned k = first; k < j->n_asked; k++) {
    struct server *s = &servers[j->asked[k]];
    if (s->used < s->slots && s->n_queue == 0) {
      s->used++;
      j->invited[k] = 1;
    } else {
      queue_push(s, c);
    }
  }
  decide(c);
}

static void start(unsigned c)
{
  jobs[c].state   = C_ASKING;
  jobs[c].arrived = now;
  jobs[c].n_asked = 0;
  jobs[c].batches = 0;
  ask_batch(c);
  drain();
}

static void client_next(unsigned ci)
{
  struct client *cl = &clients[ci];
  if (cl->next < cl->count) {
    start(cl->first + cl->next++);
  }
}

/* FARM_SIM_HEDGE=1 (with sizes known): the fastest slot free with no job
 * waiting there takes a copy of the running job it would finish soonest
 * before that job's own end, when the copy saves a tenth of what is left;
 * the first of the two to end frees both slots. */
static void hedge(void)
{
  for (;;) {
    int best = -1;
    for (unsigned i = 0; i < n_servers; i++) {
      const struct server *s = &servers[i];
      if (s->used < s->slots && s->n_queue == 0 &&
          (best < 0 || s->speed > servers[best].speed)) {
        best = (int)i;
      }
    }
    if (best < 0) {
      return;
    }
    int    pick = -1;
    double gain = 0;
    for (unsigned r = 0; r < n_running; r++) {
      const struct compile *j = &jobs[running[r]];
      double copy_end         = now + slot_time(j->work, servers[best].speed);
      double left             = j->end - now;
      if (j->copy < 0 && j->end - copy_end > 0.1 * left &&
          j->end - copy_end > gain) {
        pick = (int)running[r];
        gain = j->end - copy_end;
      }
    }
    if (pick < 0) {
      return;
    }
    struct compile *j = &jobs[pick];
    j->copy           = best;
    j->end            = now + slot_time(j->work, servers[best].speed);
    servers[best].used++;
    copies++;
  }
}

static double run(unsigned conc)
{
  now = 0;
  for (unsigned ci = 0; ci < n_clients; ci++) {
    for (unsigned k = 0; k < conc; k++) {
      client_next(ci);
    }
  }
  for (;;) {
    /* the next job to end */
    int      next = -1;
    unsigned at   = 0;
    double   t    = 0;
    for (unsigned r = 0; r < n_running; r++) {
      unsigned c = running[r];
      if (next < 0 || jobs[c].end < t) {
        next = (int)c;
        t    = jobs[c].end;
        at   = r;
      }
    }
    if (next < 0) {
      break;
    }
    running[at]      = running[--n_running];
    now              = t;
    jobs[next].state = C_DONE;
    servers[jobs[next].server].used--;
    server_free(jobs[next].server);
    if (jobs[next].copy >= 0) {
      servers[jobs[next].copy].used--;
      server_free((unsigned)jobs[next].copy);
    }
    drain();
    client_next(jobs[next].client);
    if (hedging && !baseline) {
      hedge();
    }
  }
  return now;
}

/* The bench's sizes: a fixed LCG, skewed (100 ms to ~3 s at speed 1). */
static double bench_size(unsigned long *x, int uniform)
{
  *x       = (*x * 1103515245 + 12345) % 2147483648UL;
  double u = (double)*x / 2147483648.0;
  return uniform ? 0.1 + 2.9 * u : 0.1 + 2.9 * u * u * u;
}

static void reset(void)
{
  for (unsigned i = 0; i < n_servers; i++) {
    servers[i].used    = 0;
    servers[i].n_queue = 0;
  }
  for (unsigned c = 0; c < n_jobs; c++) {
    jobs[c].state = C_IDLE;
    jobs[c].copy  = -1;
  }
  copies = 0;
  for (unsigned ci = 0; ci < n_clients; ci++) {
    clients[ci].next = 0;
  }
  n_running = 0;
}

static int by_size_desc(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? 1 : x > y ? -1 : 0;
}

/* Every slot of the farm, one entry each: its speed; *N the count. */
static double *slot_speeds(unsigned *n)
{
  *n = 0;
  for (unsigned i = 0; i < n_servers; i++) {
    *n += servers[i].slots;
  }
  double  *speed = calloc(*n, sizeof(*speed));
  unsigned k     = 0;
  for (unsigned i = 0; i < n_servers; i++) {
    for (unsigned s = 0; s < servers[i].slots; s++) {
      speed[k++] = servers[i].speed;
    }
  }
  return speed;
}

/* What an offline scheduler that knew every size and could reorder the
 * build would reach: largest job first, each on the slot where it ends
 * first (LPT on machines of different speeds). A yardstick for how near
 * the lower bound a farm can come at all. */
static double offline_lpt(void)
{
  double  *sizes = calloc(n_jobs, sizeof(*sizes));
  unsigned total_slots;
  double  *speed   = slot_speeds(&total_slots);
  double  *free_at = calloc(total_slots, sizeof(*free_at));
  for (unsigned c = 0; c < n_jobs; c++) {
    sizes[c] = jobs[c].work;
  }
  qsort(sizes, n_jobs, sizeof(*sizes), by_size_desc);
  double makespan = 0;
  for (unsigned c = 0; c < n_jobs; c++) {
    unsigned best = 0;
    for (unsigned s = 1; s < total_slots; s++) {
      if (free_at[s] + slot_time(sizes[c], speed[s]) <
          free_at[best] + slot_time(sizes[c], speed[best])) {
        best = s;
      }
    }
    free_at[best] += slot_time(sizes[c], speed[best]);
    makespan = free_at[best] > makespan ? free_at[best] : makespan;
  }
  free(sizes);
  free(free_at);
  free(speed);
  return makespan;
}

/* What the invitation's rule would reach with perfect knowledge but no
 * foresight, on one client: the jobs in the build's order, CONC at a time
 * (a job starts asking when one of the client's compiles ends), each
 * placed at once on the slot where it would end first, knowing every
 * size asked so far and when every slot frees. No later job is known and
 * no job is moved. A yardstick for how near the bound any host choice
 * that takes the jobs as make gives them can come. */
static double clairvoyant_in_order(unsigned conc)
{
  unsigned total_slots;
  double  *speed    = slot_speeds(&total_slots);
  double  *free_at  = calloc(total_slots, sizeof(*free_at));
  double  *ends     = calloc(conc, sizeof(*ends)); /* the client's compiles */
  double   makespan = 0;
  for (unsigned c = 0; c < n_jobs; c++) {
    unsigned next = 0; /* the compile of the client's that ends first */
    for (unsigned j = 1; j < conc; j++) {
      next = ends[j] < ends[next] ? j : next;
    }
    double   t        = ends[next];
    unsigned best     = 0;
    double   end_best = 0;
    for (unsigned s = 0; s < total_slots; s++) {
      double end =
        (free_at[s] > t ? free_at[s] : t) + slot_time(jobs[c].work, speed[s]);
      if (s == 0 || end < end_best) {
        best     = s;
        end_best = end;
      }
    }
    free_at[best] = end_best;
    ends[next]    = end_best;
    makespan      = end_best > makespan ? end_best : makespan;
  }
  free(free_at);
  free(speed);
  free(ends);
  return makespan;
}

/* The makespan of a plan: job c runs on slot ASSIGN[c], each slot taking
 * its jobs in the build's order, CONC at a time (job c is handed out when
 * c - CONC + 1 of the jobs before it have ended). FREE_AT and ENDS are
 * scratch of N_SLOTS and n_jobs entries. */
static double plan_makespan(const unsigned *assign, const double *speed,
                            unsigned n_slots, unsigned conc, double *free_at,
                            double *ends)
{
  double makespan = 0;
  memset(free_at, 0, n_slots * sizeof(*free_at));
  for (unsigned c = 0; c < n_jobs; c++) {
    double   handed = c >= conc ? ends[c - conc] : 0;
    unsigned s      = assign[c];
    double   end    = (free_at[s] > handed ? free_at[s] : handed) +
                 slot_time(jobs[c].work, speed[s]);
    unsigned k = c; /* ends[0..c) sorted: insert end */
    for (; k > 0 && ends[k - 1] > end; k--) {
      ends[k] = ends[k - 1];
    }
    ends[k]    = end;
    free_at[s] = end;
    makespan   = end > makespan ? end : makespan;
  }
  return makespan;
}

static unsigned long plan_rng = 88172645463325252UL;

static unsigned plan_draw(unsigned n)
{
  plan_rng ^= plan_rng << 13;
  plan_rng ^= plan_rng >> 7;
  plan_rng ^= plan_rng << 17;
  return (unsigned)(plan_rng % n);
}

/* What foresight would give one client (its own random numbers, so that
 * the simulation's draws after it are those of the seed): a plan made before
 * the build that knows every job's size and the order make hands them out in
 * (as a build seen before would tell), searched by simulated annealing over
 * which slot runs each job (moves: one job to another slot, or two jobs
 * swapped), from every job where it ends first. The plan is then kept
 * exactly, each slot running its jobs in order. */
static double foresight_plan(unsigned conc, unsigned long steps, double lb)
{
  unsigned  n_slots;
  double   *speed   = slot_speeds(&n_slots);
  double   *free_at = calloc(n_slots, sizeof(*free_at));
  double   *ends    = calloc(n_jobs, sizeof(*ends));
  unsigned *plan    = calloc(n_jobs, sizeof(*plan));
  for (unsigned c = 0; c < n_jobs; c++) { /* the fastest slot to start */
    plan[c] = 0;
    for (unsigned s = 1; s < n_slots; s++) {
      plan[c] = speed[s] > speed[plan[c]] ? s : plan[c];
    }
  }
  double current = plan_makespan(plan, speed, n_slots, conc, free_at, ends);
  double best    = current;
  for (unsigned long i = 0; i < steps; i++) {
    double   heat = 0.05 * lb * (1.0 - (double)i / (double)steps) + 1e-6;
    unsigned a = plan_draw(n_jobs), b = plan_draw(n_jobs);
    unsigned was_a = plan[a], was_b = plan[b];
    if (i % 3 == 0) {
      plan[a] = was_b;
      plan[b] = was_a;
    } else {
      plan[a] = plan_draw(n_slots);
    }
    double m = plan_makespan(plan, speed, n_slots, conc, free_at, ends);
    if (m <= current ||
        plan_draw(1u << 30) < exp((current - m) / heat) * (1u << 30)) {
      current = m;
      best    = m < best ? m : best;
    } else {
      plan[a] = was_a;
      plan[b] = was_b;
    }
  }
  free(speed);
  free(free_at);
  free(ends);
  free(plan);
  return best;
}

int main(int argc, char **argv)
{
  const char   *scenario = argc > 1 ? argv[1] : "bench";
  unsigned long seed     = argc > 2 ? strtoul(argv[2], NULL, 10) : 12345;
  unsigned      conc;
  unsigned long x = seed;

  srand48((long)seed);
  if (strncmp(scenario, "bench", 5) == 0) {
    static const double   speeds[] = { 4, 2, 1, 0.5 };
    static const unsigned slots[]  = { 2, 2, 3, 3 };
    n_servers                      = 4;
    servers                        = calloc(n_servers, sizeof(*servers));
    for (unsigned i = 0; i < n_servers; i++) {
      servers[i].speed = speeds[i];
      servers[i].slots = slots[i];
    }
    n_clients = 1;
    n_jobs    = 48;
    conc      = 10;
  } else {
    n_servers = 1000;
    servers   = calloc(n_servers, sizeof(*servers));
    for (unsigned i = 0; i < n_servers; i++) {
      static const double speeds[] = { 0.5, 1, 2, 4 };
      servers[i].speed             = speeds[lrand48() % 4];
      servers[i].slots             = 2 + (unsigned)(lrand48() % 7);
    }
    n_clients = 100;
    n_jobs    = 100 * 400;
    conc      = 50;
  }
  clients      = calloc(n_clients, sizeof(*clients));
  jobs         = calloc(n_jobs, sizeof(*jobs));
  running      = calloc(n_jobs, sizeof(*running));
  double total = 0, big = 0, cap = 0, fast = 0;
  for (unsigned c = 0; c < n_jobs; c++) {
    jobs[c].work   = bench_size(&x, strstr(scenario, "uniform") != NULL);
    jobs[c].client = c / (n_jobs / n_clients);
    total += jobs[c].work;
    big = jobs[c].work > big ? jobs[c].work : big;
  }
  for (unsigned ci = 0; ci < n_clients; ci++) {
    clients[ci].first = ci * (n_jobs / n_clients);
    clients[ci].count = n_jobs / n_clients;
  }
  for (unsigned i = 0; i < n_servers; i++) {
    cap += servers[i].speed * servers[i].slots;
    fast = servers[i].speed > fast ? servers[i].speed : fast;
  }
  double lb   = total / cap > big / fast ? total / cap : big / fast;
  mean_work   = total / n_jobs;
  known_sizes = getenv("FARM_SIM_SIZES") && atoi(getenv("FARM_SIM_SIZES"));
  largest_first =
    getenv("FARM_SIM_LARGEST_FIRST") && atoi(getenv("FARM_SIM_LARGEST_FIRST"));
  work_ahead = getenv("FARM_SIM_AHEAD") && atoi(getenv("FARM_SIM_AHEAD"));
  hedging =
    known_sizes && getenv("FARM_SIM_HEDGE") && atoi(getenv("FARM_SIM_HEDGE"));
  if (getenv("FARM_SIM_FIXED_MS")) {
    fixed_s = atof(getenv("FARM_SIM_FIXED_MS")) / 1000.0;
  }
  if (getenv("FARM_SIM_CONC") && atoi(getenv("FARM_SIM_CONC")) > 0) {
    conc = (unsigned)atoi(getenv("FARM_SIM_CONC"));
  }
  printf("%s: %u servers, %u clients x %u at a time, %u jobs, lower bound "
         "%.2f s\n",
         scenario, n_servers, n_clients, conc, n_jobs, lb);
  if (n_jobs <= 100000) {
    double m = offline_lpt();
    printf("  %-22s makespan %8.2f s  /bound %5.2f  (sizes known, reordered)\n",
           "offline LPT", m, m / lb);
  }
  if (n_clients == 1) {
    double m = clairvoyant_in_order(conc);
    printf("  %-22s makespan %8.2f s  /bound %5.2f  (sizes known, in order)\n",
           "clairvoyant in order", m, m / lb);
    if (n_jobs <= 1000) {
      m = foresight_plan(conc, 400000, lb);
      printf(
        "  %-22s makespan %8.2f s  /bound %5.2f  (the build known ahead)\n",
        "foresight plan", m, m / lb);
    }
  }
  for (baseline = 0; baseline <= 1; baseline++) {
    reset();
    choice_ns       = 0;
    choices         = 0;
    double makespan = run(conc);
    printf("  %-22s makespan %8.2f s  /bound %5.2f  host choice %.1f us a "
           "job\n",
           baseline ? "first free slot" : "invitation (select.c)", makespan,
           makespan / lb, choice_ns / 1000.0 / n_jobs);
    if (hedging && !baseline) {
      printf("  %-22s %u\n", "copies", copies);
    }
  }
  return 0;
}
