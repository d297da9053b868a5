/*-------------------------------------------------------------------------
 *
 * copy_from.c
 *	  COPY ... FROM into a hypertable, intercepted in the ProcessUtility hook
 *	  and fed through the same chunk dispatcher as INSERT.
 *
 * PostgreSQL's COPY would write every row into the root.  We keep its
 * parsing (BeginCopyFrom/NextCopyFrom: formats, options, defaults for
 * missing columns, encoding conversion, reading from the client, a file or a
 * program) and replace only where the rows go.  The privilege checks that
 * DoCopy makes before reading are repeated here, because we bypass it.
 *
 * Copyright (c) 2026, multinode developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/table.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_authid.h"
#include "commands/copy.h"
#include "commands/copyfrom_internal.h"
#include "commands/trigger.h"
#include "executor/executor.h"
#include "executor/nodeModifyTable.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "parser/parse_node.h"
#include "tcop/cmdtag.h"
#include "tcop/dest.h"
#include "utils/acl.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/rls.h"

#include "catalog/catalog.h"
#include "guc.h"
#include "planner/planner.h"

static void
check_copy_privileges(CopyStmt *stmt, Oid relid)
{
	if (stmt->filename != NULL || stmt->is_program)
	{
		if (stmt->is_program && !has_privs_of_role(GetUserId(), ROLE_PG_EXECUTE_SERVER_PROGRAM))
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("must be superuser or have privileges of the pg_execute_server_program role to COPY to or from an external program")));
		if (!stmt->is_program && !has_privs_of_role(GetUserId(), ROLE_PG_READ_SERVER_FILES))
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("must be superuser or have privileges of the pg_read_server_files role to COPY from a file")));
	}
	if (pg_class_aclcheck(relid, GetUserId(), ACL_INSERT) != ACLCHECK_OK)
		aclcheck_error(ACLCHECK_NO_PRIV, OBJECT_TABLE, get_rel_name(relid));
	/* as DoCopy: COPY FROM does not apply policies, so it is refused when they apply */
	if (check_enable_rls(relid, InvalidOid, false) == RLS_ENABLED)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("COPY FROM not supported with row-level security"),
				 errhint("Use INSERT statements instead.")));
	if (XactReadOnly)
		PreventCommandIfReadOnly("COPY FROM");
}

/* What the error context of a COPY into a hypertable needs. */
typedef struct CopyErrorArg
{
	CopyFromState cstate;
	struct ChunkDispatch *cd;
	bool		from_access_node;
} CopyErrorArg;

/*
 * The "COPY conditions, line 6" context line of an error, as PostgreSQL's
 * COPY gives, for the line the error is about: rows are checked where they
 * are stored, which may be after later lines were read (ERROR LINES in
 * chunk_dispatch.c).  A data node, loaded by the access node's COPY, names
 * the row by its place in that COPY, which the access node maps back to its
 * own input line.
 */
static void
copy_error_callback(void *arg)
{
	CopyErrorArg *ea = arg;
	uint64		line;
	int			which = ChunkDispatchErrorLine(ea->cd, &line);

	if (which == CHUNK_DISPATCH_LINE_UNKNOWN)
		return;
	if (which == CHUNK_DISPATCH_LINE_CURRENT)
	{
		if (!ea->from_access_node)
		{
			CopyFromErrorCallback(ea->cstate);
			return;
		}
		line = ea->cstate->cur_lineno;
	}
	if (ea->from_access_node)
		errcontext("COPY %s, row %llu " COPY_ROW_FROM_ACCESS_NODE,
				   ea->cstate->cur_relname, (unsigned long long) line);
	else
		errcontext("COPY %s, line %llu", ea->cstate->cur_relname, (unsigned long long) line);
}

/*
 * Run a COPY FROM whose target is a hypertable.  Returns false, doing
 * nothing, for any other statement.
 */
bool
HypertableCopyFrom(PlannedStmt *pstmt, const char *query_string, QueryCompletion *qc)
{
	CopyStmt   *stmt = (CopyStmt *) pstmt->utilityStmt;
	Oid			relid;
	Hypertable *ht;
	Relation	rel;
	ParseState *pstate;
	EState	   *estate;
	RangeTblEntry *rte;
	ResultRelInfo *rri;
	CopyFromState cstate;
	TupleTableSlot *slot;
	struct ChunkDispatch *cd;
	ExprContext *econtext;
	uint64		processed = 0;
	bool		has_generated;
	bool		from_access_node;
	CopyErrorArg error_arg;
	ErrorContextCallback errcallback;

	if (!IsA(stmt, CopyStmt) || !stmt->is_from || stmt->relation == NULL)
		return false;
	relid = RangeVarGetRelid(stmt->relation, NoLock, true);
	if (!OidIsValid(relid) || (ht = HypertableGetByRelid(relid)) == NULL)
		return false;
	if (stmt->whereClause)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("COPY FROM with WHERE is not supported on hypertables"),
				 errhint("Load into a staging table, then INSERT ... SELECT with the condition.")));
	check_copy_privileges(stmt, relid);

	rel = table_open(relid, RowExclusiveLock);
	/* the lock may have let a concurrent change through: look again */
	ht = HypertableGetByRelid(relid);
	if (ht == NULL)
		elog(ERROR, "table \"%s\" is no longer a hypertable", RelationGetRelationName(rel));

	pstate = make_parsestate(NULL);
	pstate->p_sourcetext = query_string;

	estate = CreateExecutorState();
	rte = makeNode(RangeTblEntry);
	rte->rtekind = RTE_RELATION;
	rte->relid = relid;
	rte->relkind = rel->rd_rel->relkind;
	rte->rellockmode = RowExclusiveLock;
	rte->requiredPerms = ACL_INSERT;
	ExecInitRangeTable(estate, list_make1(rte));
	rri = makeNode(ResultRelInfo);
	ExecInitResultRelation(estate, rri, 1);
	estate->es_output_cid = GetCurrentCommandId(true);
	econtext = GetPerTupleExprContext(estate);
	has_generated = rel->rd_att->constr && rel->rd_att->constr->has_generated_stored;

	cstate = BeginCopyFrom(pstate, rel, NULL, stmt->filename, stmt->is_program, NULL,
						   stmt->attlist, stmt->options);
	slot = ExecInitExtraTupleSlot(estate, RelationGetDescr(rel), &TTSOpsVirtual);
	cd = ChunkDispatchCreate(ht, rri, estate, NULL);
	ChunkDispatchBatchLocal(cd);

	/*
	 * Statement triggers of the root, row triggers of the chunks, as COPY
	 * into a table fires them.  A data node's member root gets the rows of
	 * an access node's statement, whose statement triggers fired there.
	 */
	from_access_node = HypertableIsDistMember(ht) && mn_access_node_session;
	AfterTriggerBeginQuery();
	if (!from_access_node)
		ExecBSInsertTriggers(estate, rri);

	error_arg.cstate = cstate;
	error_arg.cd = cd;
	error_arg.from_access_node = from_access_node;
	errcallback.callback = copy_error_callback;
	errcallback.arg = &error_arg;
	errcallback.previous = error_context_stack;
	error_context_stack = &errcallback;

	for (;;)
	{
		MemoryContext old;
		bool		more;

		CHECK_FOR_INTERRUPTS();
		ResetPerTupleExprContext(estate);
		ExecClearTuple(slot);
		old = MemoryContextSwitchTo(GetPerTupleMemoryContext(estate));
		more = NextCopyFrom(cstate, econtext, slot->tts_values, slot->tts_isnull);
		if (more)
		{
			ChunkDispatchSetLine(cd, cstate->cur_lineno);
			ExecStoreVirtualTuple(slot);
			if (has_generated)
				ExecComputeStoredGenerated(rri, estate, slot, CMD_INSERT);
			if (rel->rd_att->constr)
				ExecConstraints(rri, slot, estate);
			if (ChunkDispatchRow(cd, slot))
				processed++;
		}
		MemoryContextSwitchTo(old);
		if (!more)
			break;
	}
	ChunkDispatchFinish(cd);
	error_context_stack = errcallback.previous;
	if (!from_access_node)
		ExecASInsertTriggers(estate, rri, NULL);
	AfterTriggerEndQuery(estate);
	ChunkDispatchEnd(cd);
	EndCopyFrom(cstate);

	ExecResetTupleTable(estate->es_tupleTable, false);
	ExecCloseResultRelations(estate);
	ExecCloseRangeTableRelations(estate);
	FreeExecutorState(estate);
	table_close(rel, NoLock);
	free_parsestate(pstate);

	if (qc)
		SetQueryCompletion(qc, CMDTAG_COPY, processed);
	return true;
}
