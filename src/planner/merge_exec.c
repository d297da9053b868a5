/*-------------------------------------------------------------------------
 *
 * merge_exec.c
 *	  Merging the sorted row streams of the data nodes inside a DataNodeScan.
 *
 * When the planner pushed an ORDER BY down (upper_order.c), every node
 * returns its rows sorted, and the scan returns the smallest of the nodes'
 * current rows each time: a binary heap over the nodes, as MergeAppend
 * keeps over its children, with the sort keys evaluated on the access node
 * by the same operators, collations and NULLS order the nodes used.  A
 * node's next batch is fetched only when the merge has used up its current
 * one, so memory stays one batch per node.
 *
 * Each node's current row is copied into a slot of its own (the remote scan
 * reuses one row context for all nodes), with its sort keys evaluated in a
 * memory context of its own, reset when the node moves on.
 *
 * Copyright (c) 2026, multinode developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "executor/executor.h"
#include "lib/binaryheap.h"
#include "utils/memutils.h"
#include "utils/sortsupport.h"

#include "fdw/fdw.h"
#include "planner/planner.h"

typedef struct MergeStream
{
	TupleTableSlot *slot;		/* the node's current row */
	Datum	   *keys;			/* its sort keys */
	bool	   *nulls;
	MemoryContext cxt;			/* holds the keys */
} MergeStream;

struct DataNodeMerge
{
	RemoteScan *scan;
	int			nnodes;
	int			nkeys;
	ExprState **key_exprs;
	SortSupport ssup;
	ExprContext *econtext;
	TupleTableSlot *fetched;	/* a row as the remote scan stores it */
	MergeStream *streams;
	binaryheap *heap;			/* node indexes, smallest current row first */
	bool		started;
	int			last;			/* node whose row was returned last, or -1 */
};

/* binaryheap keeps the largest on top: invert, smallest row first */
static int
compare_streams(Datum a, Datum b, void *arg)
{
	DataNodeMerge *m = arg;
	MergeStream *sa = &m->streams[DatumGetInt32(a)];
	MergeStream *sb = &m->streams[DatumGetInt32(b)];
	int			k;

	for (k = 0; k < m->nkeys; k++)
	{
		int			c = ApplySortComparator(sa->keys[k], sa->nulls[k],
											sb->keys[k], sb->nulls[k], &m->ssup[k]);

		if (c != 0)
			return -c;
	}
	return 0;
}

/*
 * Prepare the merge of scan's nodes by the key expressions (evaluated on a
 * row of tupdesc in ps), each sorted by its ordering operator, collation
 * and NULLS order.
 */
DataNodeMerge *
DataNodeMergeCreate(RemoteScan *scan, TupleDesc tupdesc, List *key_exprs, List *sortops,
					List *collations, List *nulls_first, PlanState *ps)
{
	DataNodeMerge *m = palloc0(sizeof(DataNodeMerge));
	int			i;

	m->scan = scan;
	m->nnodes = RemoteScanNumNodes(scan);
	m->nkeys = list_length(key_exprs);
	m->key_exprs = palloc(sizeof(ExprState *) * m->nkeys);
	m->ssup = palloc0(sizeof(SortSupportData) * m->nkeys);
	for (i = 0; i < m->nkeys; i++)
	{
		m->key_exprs[i] = ExecInitExpr(list_nth(key_exprs, i), ps);
		m->ssup[i].ssup_cxt = CurrentMemoryContext;
		m->ssup[i].ssup_collation = list_nth_oid(collations, i);
		m->ssup[i].ssup_nulls_first = list_nth_int(nulls_first, i) != 0;
		PrepareSortSupportFromOrderingOp(list_nth_oid(sortops, i), &m->ssup[i]);
	}
	m->econtext = CreateExprContext(ps->state);
	m->fetched = MakeSingleTupleTableSlot(tupdesc, &TTSOpsVirtual);
	m->streams = palloc0(sizeof(MergeStream) * Max(m->nnodes, 1));
	for (i = 0; i < m->nnodes; i++)
	{
		MergeStream *s = &m->streams[i];

		s->slot = MakeSingleTupleTableSlot(tupdesc, &TTSOpsMinimalTuple);
		s->keys = palloc0(sizeof(Datum) * Max(m->nkeys, 1));
		s->nulls = palloc0(sizeof(bool) * Max(m->nkeys, 1));
		s->cxt = AllocSetContextCreate(CurrentMemoryContext, "multinode merge keys",
									   ALLOCSET_SMALL_SIZES);
	}
	m->heap = binaryheap_allocate(Max(m->nnodes, 1), compare_streams, m);
	m->last = -1;
	return m;
}

/* Move node i to its next row and compute its keys; false when it is done. */
static bool
advance(DataNodeMerge *m, int i)
{
	MergeStream *s = &m->streams[i];
	MemoryContext old;
	int			k;

	MemoryContextReset(s->cxt);
	if (!RemoteScanNextFromNode(m->scan, i, m->fetched))
	{
		ExecClearTuple(s->slot);
		return false;
	}
	ExecCopySlot(s->slot, m->fetched);
	/* the keys were compiled for the scan's virtual slot: no deforming step */
	slot_getallattrs(s->slot);
	m->econtext->ecxt_scantuple = s->slot;
	old = MemoryContextSwitchTo(s->cxt);
	for (k = 0; k < m->nkeys; k++)
		s->keys[k] = ExecEvalExpr(m->key_exprs[k], m->econtext, &s->nulls[k]);
	MemoryContextSwitchTo(old);
	return true;
}

/* Fill slot with the next row in sort order; false when every node is done. */
bool
DataNodeMergeNext(DataNodeMerge *m, TupleTableSlot *slot)
{
	int			i;

	if (!m->started)
	{
		for (i = 0; i < m->nnodes; i++)
			if (advance(m, i))
				binaryheap_add_unordered(m->heap, Int32GetDatum(i));
		binaryheap_build(m->heap);
		m->started = true;
	}
	else if (m->last >= 0)
	{
		if (advance(m, m->last))
			binaryheap_replace_first(m->heap, Int32GetDatum(m->last));
		else
			(void) binaryheap_remove_first(m->heap);
	}
	if (binaryheap_empty(m->heap))
	{
		m->last = -1;
		ExecClearTuple(slot);
		return false;
	}
	m->last = DatumGetInt32(binaryheap_first(m->heap));
	ExecCopySlot(slot, m->streams[m->last].slot);
	return true;
}

/* Start over (the remote scan is restarted by the caller). */
void
DataNodeMergeReset(DataNodeMerge *m)
{
	int			i;

	binaryheap_reset(m->heap);
	for (i = 0; i < m->nnodes; i++)
	{
		ExecClearTuple(m->streams[i].slot);
		MemoryContextReset(m->streams[i].cxt);
	}
	m->started = false;
	m->last = -1;
}

void
DataNodeMergeEnd(DataNodeMerge *m)
{
	int			i;

	for (i = 0; i < m->nnodes; i++)
		ExecDropSingleTupleTableSlot(m->streams[i].slot);
	ExecDropSingleTupleTableSlot(m->fetched);
}
