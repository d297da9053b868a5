/*-------------------------------------------------------------------------
 *
 * init.c
 *	  One call from _PG_init for the write path's hooks (the insert
 *	  planner hook and its custom scan, the routing of rows an UPDATE moves, IN subqueries
 *	  of UPDATE/DELETE sent as arrays).
 *
 * Copyright (c) 2026, multinode developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/catalog.h"
#include "hypertable/hypertable.h"
#include "planner/planner.h"

void
HypertableInit(void)
{
	HypertableInsertInit();
	RowMoveInit();
	ModifyInListInit();
}
