/*-------------------------------------------------------------------------
 *
 * row_move.c
 *	  Rows an UPDATE moves out of their chunk, inserted through the
 *	  hypertable's routing.
 *
 * An UPDATE of a distributed hypertable's time or space column can put a
 * row into another chunk, maybe on another data node, maybe one that does
 * not exist yet.  fdw/modify_row.c deletes such a row from its chunk and
 * hands the new row here; the chunk dispatcher of INSERT finds or creates
 * its chunk and sends it, in the same distributed transaction.  Privileges
 * and row-level security are the UPDATE's, checked before the hand-over:
 * the root's result relation built here carries no INSERT checks, as a row
 * moving between partitions in PostgreSQL meets none.
 *
 * Copyright (c) 2026, multinode developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/table.h"
#include "access/tupconvert.h"
#include "executor/executor.h"
#include "utils/rel.h"

#include "catalog/catalog.h"
#include "fdw/fdw.h"
#include "planner/planner.h"

typedef struct RowMove
{
	Relation	root;
	ResultRelInfo *rri;
	struct ChunkDispatch *cd;
	TupleConversionMap *map;	/* chunk's columns to the root's, NULL if alike */
	TupleTableSlot *root_slot;
} RowMove;

static void *
row_move_begin(Oid root_relid, TupleDesc desc, EState *estate)
{
	RowMove    *m = palloc0(sizeof(RowMove));
	Hypertable *ht;

	/* the UPDATE holds this lock already */
	m->root = table_open(root_relid, RowExclusiveLock);
	ht = HypertableGetByRelid(root_relid);
	if (ht == NULL)
		elog(ERROR, "table \"%s\" is no longer a hypertable", RelationGetRelationName(m->root));
	m->rri = makeNode(ResultRelInfo);
	InitResultRelInfo(m->rri, m->root, 0, NULL, 0);
	m->map = convert_tuples_by_name(desc, RelationGetDescr(m->root));
	m->root_slot = MakeSingleTupleTableSlot(RelationGetDescr(m->root), &TTSOpsVirtual);
	m->cd = ChunkDispatchCreate(ht, m->rri, estate, NULL);
	return m;
}

static void
row_move_route(void *state, TupleTableSlot *slot)
{
	RowMove    *m = state;

	if (m->map)
		slot = execute_attr_map_slot(m->map->attrMap, slot, m->root_slot);
	ChunkDispatchRow(m->cd, slot);
}

static void
row_move_end(void *state)
{
	RowMove    *m = state;

	ChunkDispatchFinish(m->cd);
	ChunkDispatchEnd(m->cd);
	ExecDropSingleTupleTableSlot(m->root_slot);
	table_close(m->root, NoLock);
}

static const ChunkRowRouter row_move_router = {
	.begin = row_move_begin,
	.route = row_move_route,
	.end = row_move_end,
};

void
RowMoveInit(void)
{
	ChunkSetRowRouter(&row_move_router);
}
