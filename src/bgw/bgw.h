/*-------------------------------------------------------------------------
 *
 * bgw.h
 *	  Public face of bgw/: the job launcher, the per-database schedulers,
 *	  the job workers and the add_job family.
 *
 * The only thing the rest of multinode needs is BgwInit(), called once from
 * _PG_init.  The worker entry points are exported because the postmaster
 * finds them by name in this library.
 *
 * Copyright (c) 2026, multinode developers
 *
 *-------------------------------------------------------------------------
 */
#ifndef MULTINODE_BGW_H
#define MULTINODE_BGW_H

#include "postgres.h"

/* Shared memory, hooks and the launcher registration; postmaster only. */
extern void BgwInit(void);

/* Background worker entry points (bgw_function_name). */
extern PGDLLEXPORT void BgwLauncherMain(Datum main_arg);
extern PGDLLEXPORT void BgwSchedulerMain(Datum main_arg);
extern PGDLLEXPORT void BgwJobWorkerMain(Datum main_arg);

#endif							/* MULTINODE_BGW_H */
