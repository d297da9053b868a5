/*-------------------------------------------------------------------------
 *
 * modify_row.c
 *	  UPDATE and DELETE of chunks row by row, for statements the data nodes
 *	  cannot run whole.
 *
 * A join with local tables, a condition or a new value only the access node
 * can compute, RETURNING, row-level security checks of the new rows, a new
 * time or space value: modify.c leaves these to PostgreSQL's row-by-row
 * modification, as postgres_fdw does.  The chunk's scan (fdw.c) reads each
 * row from one replica together with its ctid; the executor computes the
 * new row here and we change that row on every replica.
 *
 * Row identity.  A ctid names a row on one replica only: the replicas of a
 * chunk hold the same rows, not at the same places.  So
 *
 *	- on the replica the scan read, the row is the ctid:
 *		UPDATE chunk SET c = $1, ... WHERE ctid = $n [RETURNING ...]
 *	- on every other replica it is the first row whose every column, printed
 *	  as text, is the text of the old row's value:
 *		UPDATE chunk SET c = $1, ... WHERE ctid = (SELECT ctid FROM chunk mn_old
 *		  WHERE mn_old.time = $k AND mn_old.c1::text IS NOT DISTINCT FROM
 *		  CAST($k AS type)::text AND ... LIMIT 1)
 *	  (the time equality lets the node use its time index).  Two rows alike
 *	  in every column are interchangeable: changing either leaves the same
 *	  rows, so picking the first is correct even with duplicates.  Text
 *	  rather than "=" because equality is not identity (numeric 1.0 = 1.00,
 *	  0 = -0 in float8) and some types have no "=" at all (json, point);
 *	  the value goes as text, is read back by the node as the column's type
 *	  and printed by it, so the node compares its own printing with its own.
 *	  A chunk's primary key would be faster, but hypertables need not have
 *	  one, and the full match is right whether or not they do.
 *
 * The replica the scan read goes first; the others only when it changed the
 * row, and each of them must then change exactly one row, else the replicas
 * differ and the statement fails.  The replicas are the fresh ones on
 * nodes that answer when the statement starts (fdw/replica.c,
 * ChunkWriteServers, after the scan chose its node the same way): replicas
 * on nodes that are down are recorded stale once a row changed, as inserts
 * do.  A second change of the same row in one statement (a join matching it
 * twice) finds its ctid already replaced and changes nothing anywhere, as
 * in PostgreSQL.  RETURNING comes from the read
 * replica: the row as stored there, once per logical row.
 *
 * Moving rows.  A new time or space value that falls outside the chunk
 * deletes the row from its chunk here and hands the new row to the insert
 * routing (planner/ registers it, ChunkSetRowRouter), which finds or creates
 * its chunk, maybe on another node, in the same distributed transaction.
 * The inserts wait until the end of the statement (EndForeignModify, called
 * once every scan is done): a chunk read later by the same statement must
 * not see the moved rows and move them again.  RETURNING shows the new row
 * as computed here.  Row-level security UPDATE checks apply to the new row
 * before anything is sent, moved or not, as PostgreSQL checks a row moving
 * between partitions.
 *
 * Copyright (c) 2026, multinode developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/sysattr.h"
#include "access/table.h"
#include "catalog/pg_type.h"
#include "commands/explain.h"
#include "executor/executor.h"
#include "foreign/fdwapi.h"
#include "foreign/foreign.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "optimizer/appendinfo.h"
#include "optimizer/inherit.h"
#include "optimizer/pathnode.h"
#include "parser/parsetree.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/tuplestore.h"

#include "catalog/catalog.h"
#include "fdw/fdw.h"
#include "remote/remote.h"

/* fdw_private of a row-by-row modification */
enum RowModifyPrivate
{
	ROW_MODIFY_UPDATE_READ,		/* String: UPDATE on the replica read, "" for DELETE */
	ROW_MODIFY_UPDATE_OTHERS,	/* String: UPDATE on the other replicas */
	ROW_MODIFY_DELETE_READ,		/* String: DELETE on the replica read */
	ROW_MODIFY_DELETE_OTHERS,	/* String: DELETE on the other replicas */
	ROW_MODIFY_SERVERS,			/* OidList: every replica, the one read first, as planned */
	ROW_MODIFY_SET_ATTRS,		/* IntList: columns the UPDATE sends */
	ROW_MODIFY_FLAGS,			/* Integer: ROW_MODIFY_RETURNING | ROW_MODIFY_MAY_MOVE */
};

#define ROW_MODIFY_RETURNING	0x01	/* the read replica returns the row */
#define ROW_MODIFY_MAY_MOVE		0x02	/* the UPDATE sets a time or space column */

/* A dimension of the chunk's hypertable, for "does the new row stay?" */
typedef struct ChunkRange
{
	Dimension	dim;
	AttrNumber	attno;			/* in the chunk */
	Oid			collation;
	int64		start;
	int64		end;
} ChunkRange;

typedef struct RowModifyState
{
	Relation	rel;
	CmdType		op;
	char	   *update_read;
	char	   *update_others;
	char	   *delete_read;
	char	   *delete_others;
	List	   *servers;		/* the replicas written, the one read first */
	List	   *missed;			/* names of the nodes down, whose replicas go stale */
	ReplicaWrites *replicas;
	int32		chunk_id;
	bool		changed;		/* some row changed: the missed replicas are stale */
	List	   *set_attrs;
	int			flags;
	AttrNumber	ctid_attno;		/* junk columns of the subplan */
	AttrNumber	wholerow_attno;
	FmgrInfo   *out_funcs;		/* per column */
	FmgrInfo   *in_funcs;
	Oid		   *in_ioparams;
	MemoryContext row_cxt;		/* one row's texts and returned values, reset per row */
	/* moving rows */
	Oid			root_relid;
	int			nranges;
	ChunkRange *ranges;
	Tuplestorestate *moved;
	TupleTableSlot *moved_slot;
	int64		rows_moved;
	bool		insert_checked; /* the role may insert the moved rows */
} RowModifyState;

static const ChunkRowRouter *row_router = NULL;

/* Called by planner/ at load: where rows moving to another chunk go. */
void
ChunkSetRowRouter(const ChunkRowRouter *router)
{
	row_router = router;
}

/* Is attno of chunk_relid a partitioning column of its hypertable? */
bool
ChunkColumnIsDimension(Oid chunk_relid, AttrNumber chunk_attno)
{
	Chunk	   *chunk = ChunkGetByRelid(chunk_relid);
	Hypertable *ht = chunk ? HypertableGetById(chunk->hypertable_id) : NULL;
	char	   *name = get_attname(chunk_relid, chunk_attno, false);
	int			i;

	if (ht == NULL)
		return false;
	for (i = 0; i < ht->num_dimensions; i++)
		if (strcmp(ht->dimensions[i].column_name, name) == 0)
			return true;
	return false;
}

/*
 * Ask the chunk's scan for the row identity: its ctid, and for UPDATE (the
 * core asks for it) or a chunk with replicas the whole old row.
 */
static void
chunk_add_update_targets(PlannerInfo *root, Index rtindex, RangeTblEntry *target_rte,
						 Relation target_relation)
{
	Var		   *var;

	var = makeVar(rtindex, SelfItemPointerAttributeNumber, TIDOID, -1, InvalidOid, 0);
	add_row_identity_var(root, var, rtindex, "ctid");
	/* shaped as the core's own, which UPDATE gets anyway */
	if (root->parse->commandType == CMD_DELETE &&
		list_length(ChunkAllServers(RelationGetRelid(target_relation))) > 1)
	{
		var = makeVar(rtindex, InvalidAttrNumber, RECORDOID, -1, InvalidOid, 0);
		add_row_identity_var(root, var, rtindex, "wholerow");
	}
}

/* The chunk's own scan anywhere under plan (below joins too), or NULL. */
static ForeignScan *
find_chunk_scan_deep(Plan *plan, Index rtindex)
{
	ForeignScan *found = NULL;
	ListCell   *lc;

	if (plan == NULL)
		return NULL;
	if (IsA(plan, ForeignScan) && ((ForeignScan *) plan)->scan.scanrelid == rtindex)
		return (ForeignScan *) plan;
	if (IsA(plan, Append))
		foreach(lc, ((Append *) plan)->appendplans)
			if ((found = find_chunk_scan_deep(lfirst(lc), rtindex)) != NULL)
				return found;
	if (IsA(plan, MergeAppend))
		foreach(lc, ((MergeAppend *) plan)->mergeplans)
			if ((found = find_chunk_scan_deep(lfirst(lc), rtindex)) != NULL)
				return found;
	if ((found = find_chunk_scan_deep(outerPlan(plan), rtindex)) != NULL)
		return found;
	return find_chunk_scan_deep(innerPlan(plan), rtindex);
}

static void
append_returning(StringInfo sql, TupleDesc desc)
{
	int			i;
	bool		first = true;

	appendStringInfoString(sql, " RETURNING ");
	for (i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (att->attisdropped)
			continue;
		appendStringInfo(sql, "%s%s", first ? "" : ", ", quote_identifier(NameStr(att->attname)));
		first = false;
	}
	if (first)
		appendStringInfoString(sql, "NULL");
}

/*
 * " WHERE ctid = (SELECT ctid FROM chunk mn_old WHERE <every column matches
 * $first...> LIMIT 1)": the row on a replica the scan did not read (see
 * the file header).
 */
static void
append_row_match(StringInfo sql, Relation rel, const char *chunk_name, int first)
{
	TupleDesc	desc = RelationGetDescr(rel);
	Chunk	   *chunk = ChunkGetByRelid(RelationGetRelid(rel));
	Hypertable *ht = chunk ? HypertableGetById(chunk->hypertable_id) : NULL;
	const char *time_column = ht && ht->num_dimensions > 0 ? ht->dimensions[0].column_name : NULL;
	int			param = first;
	int			i;

	appendStringInfo(sql, " WHERE ctid OPERATOR(pg_catalog.=) (SELECT mn_old.ctid FROM %s mn_old WHERE true",
					 chunk_name);
	for (i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);
		const char *col = quote_identifier(NameStr(att->attname));
		char	   *type = format_type_extended(att->atttypid, -1, FORMAT_TYPE_FORCE_QUALIFY);

		if (att->attisdropped)
			continue;
		if (time_column && strcmp(NameStr(att->attname), time_column) == 0)
			appendStringInfo(sql, " AND mn_old.%s OPERATOR(pg_catalog.=) CAST($%d AS %s)",
							 col, param, type);
		appendStringInfo(sql,
						 " AND mn_old.%s::pg_catalog.text IS NOT DISTINCT FROM CAST($%d AS %s)::pg_catalog.text",
						 col, param, type);
		param++;
	}
	appendStringInfoString(sql, " LIMIT 1)");
}

/*
 * Plan the statements of a row-by-row UPDATE or DELETE of one chunk.
 * INSERT into a chunk (its foreign table named directly) is refused: rows
 * go through the hypertable, which routes them.
 */
static List *
chunk_plan_foreign_modify(PlannerInfo *root, ModifyTable *plan, Index rtindex,
						  int subplan_index)
{
	CmdType		op = plan->operation;
	RangeTblEntry *rte = planner_rt_fetch(rtindex, root);
	Relation	rel;
	TupleDesc	desc;
	char	   *name = DeparseRelationName(rte->relid);
	ForeignScan *scan;
	Oid			read_server;
	List	   *servers;
	List	   *set_attrs = NIL;
	int			flags = plan->returningLists != NIL ? ROW_MODIFY_RETURNING : 0;
	StringInfoData update_read,
				update_others,
				delete_read,
				delete_others,
				set;
	ListCell   *lc;

	if (op == CMD_INSERT)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("cannot insert into chunk \"%s\" directly", get_rel_name(rte->relid)),
				 errhint("Insert into the distributed hypertable instead.")));

	/* the replica the scan reads goes first */
	scan = find_chunk_scan_deep(outerPlan(plan), rtindex);
	read_server = scan ? ChunkScanServer(scan) : ChunkReadServer(rte->relid);
	servers = list_make1_oid(read_server);
	foreach(lc, ChunkAllServers(rte->relid))
		if (lfirst_oid(lc) != read_server)
			servers = lappend_oid(servers, lfirst_oid(lc));

	rel = table_open(rte->relid, NoLock);	/* the planner holds a lock */
	desc = RelationGetDescr(rel);
	initStringInfo(&set);
	if (op == CMD_UPDATE)
	{
		Bitmapset  *updated = get_rel_all_updated_cols(root, find_base_rel(root, rtindex));
		int			col = -1;

		while ((col = bms_next_member(updated, col)) >= 0)
		{
			AttrNumber	attno = col + FirstLowInvalidHeapAttributeNumber;
			Form_pg_attribute att;

			if (attno <= InvalidAttrNumber)
				elog(ERROR, "system column update of a chunk is not supported");
			att = TupleDescAttr(desc, attno - 1);
			appendStringInfo(&set, "%s%s = ", set.len ? ", " : "",
							 quote_identifier(NameStr(att->attname)));
			if (att->attgenerated)
				appendStringInfoString(&set, "DEFAULT");
			else
			{
				set_attrs = lappend_int(set_attrs, attno);
				appendStringInfo(&set, "$%d", list_length(set_attrs));
			}
			/*
			 * Rows move when the statement names the hypertable; one that
			 * names the chunk itself meets the chunk's constraints instead,
			 * as an UPDATE of a partition does.
			 */
			if (rtindex != (Index) root->parse->resultRelation &&
				ChunkColumnIsDimension(rte->relid, attno))
				flags |= ROW_MODIFY_MAY_MOVE;
		}
	}

	initStringInfo(&update_read);
	initStringInfo(&update_others);
	if (op == CMD_UPDATE && set.len > 0)
	{
		appendStringInfo(&update_read, "UPDATE %s SET %s WHERE ctid OPERATOR(pg_catalog.=) $%d::pg_catalog.tid",
						 name, set.data, list_length(set_attrs) + 1);
		if (flags & ROW_MODIFY_RETURNING)
			append_returning(&update_read, desc);
		appendStringInfo(&update_others, "UPDATE %s SET %s", name, set.data);
		append_row_match(&update_others, rel, name, list_length(set_attrs) + 1);
	}
	initStringInfo(&delete_read);
	appendStringInfo(&delete_read, "DELETE FROM %s WHERE ctid OPERATOR(pg_catalog.=) $1::pg_catalog.tid", name);
	if (op == CMD_DELETE && (flags & ROW_MODIFY_RETURNING))
		append_returning(&delete_read, desc);
	initStringInfo(&delete_others);
	appendStringInfo(&delete_others, "DELETE FROM %s", name);
	append_row_match(&delete_others, rel, name, 1);
	table_close(rel, NoLock);

	return lappend(lappend(list_make5(makeString(update_read.data),
									  makeString(update_others.data),
									  makeString(delete_read.data),
									  makeString(delete_others.data), servers),
						   set_attrs),
				   makeInteger(flags));
}

/* Where the chunk's hypertable cuts the chunk, to tell rows that move. */
static void
init_ranges(RowModifyState *state)
{
	Oid			relid = RelationGetRelid(state->rel);
	Chunk	   *chunk = ChunkGetByRelid(relid);
	Hypertable *ht = chunk ? HypertableGetById(chunk->hypertable_id) : NULL;
	int			i;

	if (ht == NULL)
		elog(ERROR, "chunk \"%s\" has no hypertable", RelationGetRelationName(state->rel));
	state->root_relid = ht->relid;
	state->nranges = ht->num_dimensions;
	state->ranges = palloc0(sizeof(ChunkRange) * Max(1, ht->num_dimensions));
	for (i = 0; i < ht->num_dimensions; i++)
	{
		ChunkRange *r = &state->ranges[i];

		r->dim = ht->dimensions[i];
		r->attno = get_attnum(relid, r->dim.column_name);
		r->collation = TupleDescAttr(RelationGetDescr(state->rel), r->attno - 1)->attcollation;
		r->start = chunk->range_start[i];
		r->end = chunk->range_end[i];
	}
}

/*
 * The replicas to write, now: the one the chunk's scan started on first
 * (its ctids are that node's), then the other fresh ones on nodes that
 * answer.
 */
static void
choose_servers(RowModifyState *state, ModifyTableState *mtstate, ResultRelInfo *rinfo)
{
	Oid			relid = RelationGetRelid(state->rel);
	Chunk	   *chunk = ChunkGetByRelid(relid);
	Oid			read = ChunkScanStateServer(outerPlanState(mtstate), rinfo->ri_RangeTableIndex);

	if (!OidIsValid(read))
		read = linitial_oid(state->servers);
	if (chunk != NULL)
	{
		state->chunk_id = chunk->id;
		state->root_relid = HypertableGetById(chunk->hypertable_id)->relid;
	}
	state->replicas = ReplicaWritesCreate();
	state->servers = ChunkWriteServers(relid, read, state->replicas, &state->missed,
									   state->op == CMD_UPDATE ? "update" : "delete from");
	if (linitial_oid(state->servers) != read)
		ereport(ERROR,
				(errcode(ERRCODE_CONNECTION_FAILURE),
				 errmsg("could not modify chunk \"%s\": data node \"%s\" it was read from does not answer",
						RelationGetRelationName(state->rel), GetForeignServer(read)->servername),
				 errhint("Repeat the statement.")));
}

static void
chunk_begin_foreign_modify(ModifyTableState *mtstate, ResultRelInfo *rinfo, List *fdw_private,
						   int subplan_index, int eflags)
{
	RowModifyState *state = palloc0(sizeof(RowModifyState));
	TupleDesc	desc = RelationGetDescr(rinfo->ri_RelationDesc);
	List	   *subplan_tlist = outerPlanState(mtstate)->plan->targetlist;
	int			i;

	state->rel = rinfo->ri_RelationDesc;
	state->op = mtstate->operation;
	state->update_read = strVal(list_nth(fdw_private, ROW_MODIFY_UPDATE_READ));
	state->update_others = strVal(list_nth(fdw_private, ROW_MODIFY_UPDATE_OTHERS));
	state->delete_read = strVal(list_nth(fdw_private, ROW_MODIFY_DELETE_READ));
	state->delete_others = strVal(list_nth(fdw_private, ROW_MODIFY_DELETE_OTHERS));
	state->servers = list_nth(fdw_private, ROW_MODIFY_SERVERS);
	state->set_attrs = list_nth(fdw_private, ROW_MODIFY_SET_ATTRS);
	state->flags = intVal(list_nth(fdw_private, ROW_MODIFY_FLAGS));
	rinfo->ri_FdwState = state;
	if (eflags & EXEC_FLAG_EXPLAIN_ONLY)
		return;
	choose_servers(state, mtstate, rinfo);

	state->ctid_attno = ExecFindJunkAttributeInTlist(subplan_tlist, "ctid");
	if (!AttributeNumberIsValid(state->ctid_attno))
		elog(ERROR, "could not find junk ctid column");
	state->wholerow_attno = ExecFindJunkAttributeInTlist(subplan_tlist, "wholerow");
	if (list_length(state->servers) > 1 && !AttributeNumberIsValid(state->wholerow_attno))
		elog(ERROR, "could not find junk wholerow column");
	state->out_funcs = palloc0(sizeof(FmgrInfo) * Max(1, desc->natts));
	state->in_funcs = palloc0(sizeof(FmgrInfo) * Max(1, desc->natts));
	state->in_ioparams = palloc0(sizeof(Oid) * Max(1, desc->natts));
	for (i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);
		Oid			func;
		bool		isvarlena;

		if (att->attisdropped)
			continue;
		getTypeOutputInfo(att->atttypid, &func, &isvarlena);
		fmgr_info(func, &state->out_funcs[i]);
		getTypeInputInfo(att->atttypid, &func, &state->in_ioparams[i]);
		fmgr_info(func, &state->in_funcs[i]);
	}
	state->row_cxt = AllocSetContextCreate(CurrentMemoryContext, "multinode row modify",
										   ALLOCSET_SMALL_SIZES);
	if (state->flags & ROW_MODIFY_MAY_MOVE)
	{
		init_ranges(state);
		state->moved = tuplestore_begin_heap(false, false, work_mem);
		state->moved_slot = MakeSingleTupleTableSlot(desc, &TTSOpsMinimalTuple);
	}
}

/* Columns that are not dropped: the values of a row match. */
static int
live_columns(TupleDesc desc)
{
	int			i,
				n = 0;

	for (i = 0; i < desc->natts; i++)
		if (!TupleDescAttr(desc, i)->attisdropped)
			n++;
	return n;
}

/* The text of a column's value for a node, NULL for SQL NULL. */
static char *
value_text(RowModifyState *state, AttrNumber attno, Datum value, bool isnull)
{
	return isnull ? NULL : OutputFunctionCall(&state->out_funcs[attno - 1], value);
}

/* The old row's every column, $first... of the match on other replicas. */
static void
old_row_texts(RowModifyState *state, TupleTableSlot *planSlot, const char **values)
{
	TupleDesc	desc = RelationGetDescr(state->rel);
	HeapTupleData tuple;
	Datum	   *datums = palloc(sizeof(Datum) * desc->natts);
	bool	   *nulls = palloc(sizeof(bool) * desc->natts);
	bool		isnull;
	Datum		whole = ExecGetJunkAttribute(planSlot, state->wholerow_attno, &isnull);
	int			i,
				n = 0;

	if (isnull)
		elog(ERROR, "wholerow is NULL");
	tuple.t_data = DatumGetHeapTupleHeader(whole);
	tuple.t_len = HeapTupleHeaderGetDatumLength(tuple.t_data);
	ItemPointerSetInvalid(&tuple.t_self);
	tuple.t_tableOid = InvalidOid;
	heap_deform_tuple(&tuple, desc, datums, nulls);
	for (i = 0; i < desc->natts; i++)
		if (!TupleDescAttr(desc, i)->attisdropped)
			values[n++] = value_text(state, i + 1, datums[i], nulls[i]);
}

/* The row the read replica returned, into slot (the chunk's descriptor). */
static void
store_returned(RowModifyState *state, PGresult *res, TupleTableSlot *slot)
{
	TupleDesc	desc = RelationGetDescr(state->rel);
	int			i,
				col = 0;

	ExecClearTuple(slot);
	for (i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		slot->tts_isnull[i] = true;
		slot->tts_values[i] = (Datum) 0;
		if (att->attisdropped)
			continue;
		if (!PQgetisnull(res, 0, col))
		{
			slot->tts_values[i] = InputFunctionCall(&state->in_funcs[i], PQgetvalue(res, 0, col),
													state->in_ioparams[i], att->atttypmod);
			slot->tts_isnull[i] = false;
		}
		col++;
	}
	ExecStoreVirtualTuple(slot);
}

/*
 * Run one row's change: read_sql with read_values on the replica the scan
 * read, then, if it changed the row, others_sql with others_values on the
 * other replicas, in parallel, each of which must change one row too.
 * Returns whether the row was changed; with RETURNING (want_row) its stored
 * form goes into slot.
 */
static bool
modify_row(RowModifyState *state, const char *read_sql, int nread, const char **read_values,
		   const char *others_sql, int nothers, const char **others_values, bool want_row,
		   TupleTableSlot *slot)
{
	DataNodeConn *conn = GetDataNodeConnection(linitial_oid(state->servers), REMOTE_TXN_WRITE);
	PGresult   *res = RemoteExecParams(conn, read_sql, nread, read_values);
	RemoteFirstError fe = {0};
	const char *missing_on = NULL;
	List	   *conns = NIL;
	ListCell   *lc;
	bool		changed = strcmp(PQcmdTuples(res), "0") != 0;

	if (changed && want_row)
		store_returned(state, res, slot);
	PQclear(res);
	if (!changed)
		return false;
	/* the replicas on nodes that are down miss the change */
	if (!state->changed)
		foreach(lc, state->missed)
			ReplicaMarkStale(state->replicas, state->chunk_id, lfirst(lc));
	state->changed = true;
	for_each_from(lc, state->servers, 1)
	{
		conn = GetDataNodeConnection(lfirst_oid(lc), REMOTE_TXN_WRITE);
		RemoteSendParams(conn, others_sql, nothers, others_values);
		conns = lappend(conns, conn);
	}
	/* every answer is read before an error leaves */
	foreach(lc, conns)
	{
		conn = lfirst(lc);
		res = RemoteGetResult(conn, others_sql);
		if (!RemoteCollectResult(&fe, conn, res, others_sql))
			continue;
		if (missing_on == NULL && strcmp(PQcmdTuples(res), "1") != 0)
			missing_on = RemoteConnNodeName(conn);
		PQclear(res);
	}
	RemoteRaiseFirstError(&fe);
	if (missing_on != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("replicas of chunk \"%s\" differ", RelationGetRelationName(state->rel)),
				 errdetail("The row changed on data node \"%s\" was not found on data node \"%s\".",
						   GetForeignServer(linitial_oid(state->servers))->servername,
						   missing_on),
				 errhint("Repair the chunk's replicas, then repeat the statement.")));
	return true;
}

/* Does the new row in slot still belong to this chunk? */
static bool
row_stays(RowModifyState *state, TupleTableSlot *slot)
{
	int			i;

	for (i = 0; i < state->nranges; i++)
	{
		ChunkRange *r = &state->ranges[i];
		int64		v = DimensionValue(&r->dim, slot->tts_values[r->attno - 1],
									   slot->tts_isnull[r->attno - 1], r->collation);

		if (v < r->start || v >= r->end)
			return false;
	}
	return true;
}

/* The old row's delete on every replica; false if it was already gone. */
static bool
delete_row(RowModifyState *state, TupleTableSlot *planSlot, bool want_row, TupleTableSlot *slot)
{
	TupleDesc	desc = RelationGetDescr(state->rel);
	const char **others = palloc0(sizeof(char *) * Max(1, desc->natts));
	const char *ctid[1];
	bool		isnull;
	Datum		tid = ExecGetJunkAttribute(planSlot, state->ctid_attno, &isnull);
	int			nestlevel;

	if (isnull)
		elog(ERROR, "ctid is NULL");
	nestlevel = TransmissionModesBegin();
	ctid[0] = DatumGetCString(DirectFunctionCall1(tidout, tid));
	if (list_length(state->servers) > 1)
		old_row_texts(state, planSlot, others);
	TransmissionModesEnd(nestlevel);
	return modify_row(state, state->delete_read, 1, ctid, state->delete_others,
					  live_columns(desc), others,
					  want_row, slot);
}

/*
 * A moved row is inserted on its new node by the role itself (it reaches a
 * data node only as itself), so it needs INSERT there; PostgreSQL would not
 * ask for it when a row moves between partitions.  Say so here, before
 * anything changed, rather than let the node refuse halfway.
 */
static void
check_move_privilege(RowModifyState *state)
{
	if (state->insert_checked)
		return;
	if (pg_class_aclcheck(state->root_relid, GetUserId(), ACL_INSERT) != ACLCHECK_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied for table %s", get_rel_name(state->root_relid)),
				 errdetail("The new time or space value moves the row to another chunk, which inserts it there."),
				 errhint("Grant INSERT on the hypertable, or change the rows' chunk with DELETE and INSERT.")));
	state->insert_checked = true;
}

static TupleTableSlot *
chunk_exec_foreign_update(EState *estate, ResultRelInfo *rinfo, TupleTableSlot *slot,
						  TupleTableSlot *planSlot)
{
	RowModifyState *state = rinfo->ri_FdwState;
	TupleDesc	desc = RelationGetDescr(state->rel);
	int			nset = list_length(state->set_attrs);
	int			ncols = live_columns(desc);
	const char **read_values;
	const char **others_values;
	MemoryContext old;
	bool		isnull;
	Datum		tid;
	bool		changed;
	int			nestlevel;
	ListCell   *lc;

	CHECK_FOR_INTERRUPTS();
	slot_getallattrs(slot);
	/* PostgreSQL checks these for tables, not for foreign tables */
	if (rinfo->ri_WithCheckOptions != NIL)
		ExecWithCheckOptions(WCO_RLS_UPDATE_CHECK, rinfo, slot, estate);

	MemoryContextReset(state->row_cxt);
	old = MemoryContextSwitchTo(state->row_cxt);
	if ((state->flags & ROW_MODIFY_MAY_MOVE) && !row_stays(state, slot))
	{
		check_move_privilege(state);
		changed = delete_row(state, planSlot, false, NULL);
		MemoryContextSwitchTo(old);
		if (!changed)
			return NULL;
		tuplestore_puttupleslot(state->moved, slot);
		state->rows_moved++;
		return slot;
	}
	if (state->update_read[0] == '\0')
	{
		/* no column to set: PostgreSQL counts the row, as for a table */
		MemoryContextSwitchTo(old);
		return slot;
	}

	read_values = palloc0(sizeof(char *) * (nset + 1));
	others_values = palloc0(sizeof(char *) * (nset + ncols));
	tid = ExecGetJunkAttribute(planSlot, state->ctid_attno, &isnull);
	if (isnull)
		elog(ERROR, "ctid is NULL");
	nestlevel = TransmissionModesBegin();
	foreach(lc, state->set_attrs)
	{
		AttrNumber	attno = lfirst_int(lc);

		read_values[foreach_current_index(lc)] =
			value_text(state, attno, slot->tts_values[attno - 1], slot->tts_isnull[attno - 1]);
	}
	memcpy(others_values, read_values, sizeof(char *) * nset);
	read_values[nset] = DatumGetCString(DirectFunctionCall1(tidout, tid));
	if (list_length(state->servers) > 1)
		old_row_texts(state, planSlot, others_values + nset);
	TransmissionModesEnd(nestlevel);
	/* the returned row's values too live until the next row */
	changed = modify_row(state, state->update_read, nset + 1, read_values,
						 state->update_others, nset + ncols, others_values,
						 (state->flags & ROW_MODIFY_RETURNING) != 0, slot);
	MemoryContextSwitchTo(old);
	return changed ? slot : NULL;
}

static TupleTableSlot *
chunk_exec_foreign_delete(EState *estate, ResultRelInfo *rinfo, TupleTableSlot *slot,
						  TupleTableSlot *planSlot)
{
	RowModifyState *state = rinfo->ri_FdwState;
	MemoryContext old;
	bool		changed;

	CHECK_FOR_INTERRUPTS();
	MemoryContextReset(state->row_cxt);
	old = MemoryContextSwitchTo(state->row_cxt);
	changed = delete_row(state, planSlot, (state->flags & ROW_MODIFY_RETURNING) != 0, slot);
	MemoryContextSwitchTo(old);
	return changed ? slot : NULL;
}

/*
 * Every scan of the statement is done: insert the rows that left this
 * chunk through the hypertable's routing.
 */
static void
chunk_end_foreign_modify(EState *estate, ResultRelInfo *rinfo)
{
	RowModifyState *state = rinfo->ri_FdwState;
	void	   *route;

	if (state == NULL)
		return;
	if (state->replicas != NULL)
		ReplicaWritesEnd(state->replicas, state->root_relid);
	if (state->moved == NULL)
		return;
	if (state->rows_moved > 0)
	{
		if (row_router == NULL)
			elog(ERROR, "no insert routing for rows moving between chunks");
		route = row_router->begin(state->root_relid, RelationGetDescr(state->rel), estate);
		while (tuplestore_gettupleslot(state->moved, true, false, state->moved_slot))
		{
			CHECK_FOR_INTERRUPTS();
			row_router->route(route, state->moved_slot);
		}
		row_router->end(route);
	}
	tuplestore_end(state->moved);
	state->moved = NULL;
	ExecDropSingleTupleTableSlot(state->moved_slot);
}

/*
 * The replicas (the one read first) and, with VERBOSE, the statements: the
 * one for the replica read and the row match for the others.
 */
static void
chunk_explain_foreign_modify(ModifyTableState *mtstate, ResultRelInfo *rinfo, List *fdw_private,
							 int subplan_index, ExplainState *es)
{
	RowModifyState *state = rinfo->ri_FdwState;
	bool		update = state->op == CMD_UPDATE && state->update_read[0] != '\0';
	StringInfoData names;
	ListCell   *lc;

	initStringInfo(&names);
	foreach(lc, state->servers)
		appendStringInfo(&names, "%s%s", names.len ? ", " : "",
						 GetForeignServer(lfirst_oid(lc))->servername);
	ExplainPropertyText("Data nodes", names.data, es);
	if (!es->verbose)
		return;
	ExplainPropertyText("Remote SQL", update ? state->update_read : state->delete_read, es);
	if (list_length(state->servers) > 1)
		ExplainPropertyText("Remote SQL on other replicas",
							update ? state->update_others : state->delete_others, es);
	if (state->flags & ROW_MODIFY_MAY_MOVE)
		ExplainPropertyText("Remote SQL for rows leaving the chunk", state->delete_read, es);
	if (es->analyze && (state->flags & ROW_MODIFY_MAY_MOVE))
		ExplainPropertyInteger("Rows Moved", NULL, state->rows_moved, es);
}

void
ChunkFdwRowModifyRoutine(FdwRoutine *routine)
{
	routine->AddForeignUpdateTargets = chunk_add_update_targets;
	routine->PlanForeignModify = chunk_plan_foreign_modify;
	routine->BeginForeignModify = chunk_begin_foreign_modify;
	routine->ExecForeignUpdate = chunk_exec_foreign_update;
	routine->ExecForeignDelete = chunk_exec_foreign_delete;
	routine->EndForeignModify = chunk_end_foreign_modify;
	routine->ExplainForeignModify = chunk_explain_foreign_modify;
}
