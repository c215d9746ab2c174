/* SPDX-License-Identifier: GPL-2.0-or-later */
/* This herdcc's own job as the monitors see it: the state file of
 * jobstate.h, one per compile herdcc runs (remotely or here; not for a
 * command it only execs, such as a link or --version). Written at every
 * phase change, and removed however the process ends: at exit, on an
 * interrupt (the handler of run.h), and before a compiler is exec'd in
 * place of herdcc (from then on herdcc does not know what it does; the
 * rare case where a local compile is exec'd rather than run as a child).
 * Advisory: a state file that cannot be written never stops a compile.
 * The one job of the process is module state, like run.h's handler
 * state. */
#pragma once

#include "jobstate.h"

/* Start publishing the job of compiling file (borrowed; copied), in
 * phase "starting". Does nothing when a job is published already. */
void jobstatus_begin(const char *file);

/* A new phase on the same host and slot. */
void jobstatus_phase(enum job_phase phase);

/* A new phase on host (borrowed; copied) and slot (-1: none). */
void jobstatus_at(enum job_phase phase, const char *host, int slot);

/* The connection to the server the job now uses (port 0 for ssh),
 * published with the next phase. */
void jobstatus_link(enum job_conn conn, uint16_t port, enum job_codec codec);

/* The source sent: bytes and µs, published with the next phase. */
void jobstatus_sent(uint64_t bytes, uint64_t us);

/* The reply received: bytes and µs, published at once. */
void jobstatus_received(uint64_t bytes, uint64_t us);

/* Remove the file now; nothing is published afterwards. */
void jobstatus_end(void);
