/*-------------------------------------------------------------------------
 *
 * planner.h
 *	  Public face of planner/: planner and executor hooks for hypertables.
 *
 * Copyright (c) 2026, multinode developers
 *
 *-------------------------------------------------------------------------
 */
#ifndef MULTINODE_PLANNER_H
#define MULTINODE_PLANNER_H

#include "nodes/pathnodes.h"
#include "nodes/pg_list.h"

/* ---------------------------------------------------------------------------
 * Read path (scan_plan.c, scan_exec.c, exclusion.c): SELECT on a distributed
 * hypertable becomes one DataNodeScan, one remote query per data node.
 * ---------------------------------------------------------------------------
 */
struct Hypertable;

/* Install the read path's planner hook; called once from _PG_init. */
extern void DataNodeScanInit(void);

/* exclusion.c: the chunks (Chunk *) that conditions on rel cannot rule out */
extern List *ChunksAfterExclusion(const struct Hypertable *ht, List *chunks, List *conds,
								  Index varno);

/* scan_exec.c: the executor side of the DataNodeScan */
extern struct CustomScanMethods DataNodeScanPlanMethods;

#endif							/* MULTINODE_PLANNER_H */
