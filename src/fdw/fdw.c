/*-------------------------------------------------------------------------
 *
 * fdw.c
 *	  The timescaledb_fdw handler.
 *
 * Foreign tables of this wrapper are the chunks of distributed hypertables on
 * the access node; they are created and scanned by multinode itself, never by
 * hand.  Until the scan machinery for chunks is in place, every entry point
 * refuses with a clear error instead of crashing.
 *
 * Copyright (c) 2026, multinode developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "foreign/fdwapi.h"

#include "fdw/fdw.h"

static void
refuse_rel_size(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid)
{
	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg("foreign tables of timescaledb_fdw cannot be queried directly"),
			 errhint("Query the distributed hypertable instead.")));
}

PG_FUNCTION_INFO_V1(multinode_fdw_handler);

Datum
multinode_fdw_handler(PG_FUNCTION_ARGS)
{
	FdwRoutine *routine = makeNode(FdwRoutine);

	routine->GetForeignRelSize = refuse_rel_size;
	PG_RETURN_POINTER(routine);
}
