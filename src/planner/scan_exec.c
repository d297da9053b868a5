/*-------------------------------------------------------------------------
 *
 * scan_exec.c
 *	  Executing a DataNodeScan: one remote query per data node, all nodes
 *	  at once, rows returned as tuples of the hypertable's root.
 *
 * The fetching itself (cursors, parallel rounds, bounded memory) is
 * fdw/scan.c's RemoteScan; this file is the CustomScan glue: it evaluates
 * the conditions the nodes could not (ExecScan applies the plan's qual and
 * projection), restarts the remote queries on rescan -- a new parameter
 * value from a nested loop or a correlated subquery gives new remote
 * queries -- and shows each node's SQL in EXPLAIN (VERBOSE).
 *
 * Copyright (c) 2026, multinode developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "commands/explain.h"
#include "executor/executor.h"
#include "foreign/foreign.h"
#include "nodes/extensible.h"
#include "utils/rel.h"

#include "fdw/fdw.h"
#include "planner/planner.h"

/* custom_private of the plan, see scan_plan.c */
enum DataNodeScanPrivate
{
	DNS_RETRIEVED_ATTRS,		/* IntList */
	DNS_SERVERS,				/* OidList, one per node */
	DNS_SQLS,					/* String per node */
	DNS_CHUNKS,					/* String per node: its chunks, for EXPLAIN */
};

typedef struct DataNodeScanState
{
	CustomScanState css;
	RemoteScan *scan;
} DataNodeScanState;

static Node *create_state(CustomScan *cscan);

CustomScanMethods DataNodeScanPlanMethods = {
	.CustomName = "DataNodeScan",
	.CreateCustomScanState = create_state,
};

static void
begin_scan(CustomScanState *node, EState *estate, int eflags)
{
	DataNodeScanState *state = (DataNodeScanState *) node;
	CustomScan *cscan = (CustomScan *) node->ss.ps.plan;
	List	   *sqls = NIL;
	ListCell   *lc;

	if (eflags & EXEC_FLAG_EXPLAIN_ONLY)
		return;
	foreach(lc, list_nth(cscan->custom_private, DNS_SQLS))
		sqls = lappend(sqls, strVal(lfirst(lc)));
	state->scan = RemoteScanCreate(list_nth(cscan->custom_private, DNS_SERVERS), sqls,
								   RelationGetDescr(node->ss.ss_currentRelation),
								   list_nth(cscan->custom_private, DNS_RETRIEVED_ATTRS),
								   cscan->custom_exprs, &node->ss.ps);
}

static TupleTableSlot *
next_row(ScanState *ss)
{
	DataNodeScanState *state = (DataNodeScanState *) ss;
	TupleTableSlot *slot = ss->ss_ScanTupleSlot;

	if (RemoteScanNext(state->scan, slot))
		slot->tts_tableOid = RelationGetRelid(ss->ss_currentRelation);
	return slot;
}

/* Rows come from the nodes; there is no local copy to re-check against. */
static bool
recheck_row(ScanState *ss, TupleTableSlot *slot)
{
	return true;
}

static TupleTableSlot *
exec_scan(CustomScanState *node)
{
	return ExecScan(&node->ss, next_row, recheck_row);
}

static void
end_scan(CustomScanState *node)
{
	DataNodeScanState *state = (DataNodeScanState *) node;

	if (state->scan)
		RemoteScanEnd(state->scan);
}

static void
rescan(CustomScanState *node)
{
	DataNodeScanState *state = (DataNodeScanState *) node;

	RemoteScanRestart(state->scan);
}

/*
 * Per data node: its name, the chunks it serves and, with VERBOSE, the SQL
 * it runs.
 */
static void
explain_scan(CustomScanState *node, List *ancestors, ExplainState *es)
{
	CustomScan *cscan = (CustomScan *) node->ss.ps.plan;
	List	   *servers = list_nth(cscan->custom_private, DNS_SERVERS);
	List	   *sqls = list_nth(cscan->custom_private, DNS_SQLS);
	List	   *chunks = list_nth(cscan->custom_private, DNS_CHUNKS);
	int			i;

	ExplainOpenGroup("Data Nodes", "Data Nodes", false, es);
	for (i = 0; i < list_length(servers); i++)
	{
		ExplainOpenGroup("Data Node", NULL, true, es);
		ExplainPropertyText("Data node", GetForeignServer(list_nth_oid(servers, i))->servername, es);
		if (es->format == EXPLAIN_FORMAT_TEXT)
			es->indent++;
		ExplainPropertyText("Chunks", strVal(list_nth(chunks, i)), es);
		if (es->verbose)
			ExplainPropertyText("Remote SQL", strVal(list_nth(sqls, i)), es);
		if (es->format == EXPLAIN_FORMAT_TEXT)
			es->indent--;
		ExplainCloseGroup("Data Node", NULL, true, es);
	}
	ExplainCloseGroup("Data Nodes", "Data Nodes", false, es);
}

static const CustomExecMethods data_node_scan_exec_methods = {
	.CustomName = "DataNodeScan",
	.BeginCustomScan = begin_scan,
	.ExecCustomScan = exec_scan,
	.EndCustomScan = end_scan,
	.ReScanCustomScan = rescan,
	.ExplainCustomScan = explain_scan,
};

static Node *
create_state(CustomScan *cscan)
{
	DataNodeScanState *state = (DataNodeScanState *) newNode(sizeof(DataNodeScanState),
															 T_CustomScanState);

	state->css.methods = &data_node_scan_exec_methods;
	return (Node *) state;
}
