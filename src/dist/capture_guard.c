/*-------------------------------------------------------------------------
 *
 * capture_guard.c
 *	  Refusing the DDL that would let a chunk's online copy miss writes:
 *	  TRUNCATE of a chunk (or of its hypertable) while it is being copied,
 *	  and disabling, dropping or renaming the copy's capture trigger.
 *
 * An online copy (chunk_copy.c) learns what the source's replica took
 * during the copy from a row trigger on the source's chunk table
 * (chunk_capture.c).  Row triggers do not fire for TRUNCATE, and a
 * disabled, dropped or renamed trigger records nothing (or is not found
 * when the capture stops): the destination would keep rows the source lost,
 * or lack rows it gained.  Such statements are refused while the capture
 * runs, with the operation's id; the user waits for the operation, or runs
 * cleanup_copy_chunk_operation, and then runs them.  Refusing is simpler and
 * surer than capturing them: a TRUNCATE captured would have to be ordered
 * among the row changes of other transactions, and a trigger disabled by
 * the user cannot be captured at all.
 *
 * Two places:
 *	- on the access node, TRUNCATE of a distributed hypertable (which drops
 *	  its chunks on every node holding them) is refused while the operation
 *	  log has an unfinished operation on one of its chunks: the chunk would go
 *	  from under the operation and leave the destination's table behind.
 *	  The chunks are locked first as the stages lock them (SHARE UPDATE
 *	  EXCLUSIVE), so a stage running now finishes before the log is read,
 *	  and one starting later finds the chunk gone;
 *	- on a data node, whatever path the statement took (sent by the access
 *	  node, distributed_exec, a client allowed to change the node): TRUNCATE
 *	  of a table that carries the capture trigger, or of a hypertable with
 *	  such a chunk; ALTER TABLE ... DISABLE TRIGGER ALL / USER on such a
 *	  table, and any ENABLE / DISABLE, DROP TRIGGER or ALTER TRIGGER ...
 *	  RENAME naming the capture trigger.  The table is locked as the
 *	  statement would lock it before the trigger is looked for, so a capture
 *	  starting concurrently (CREATE TRIGGER) is either seen or waits for the
 *	  statement to commit.  The capture itself drops the trigger without
 *	  going through ProcessUtility.
 *
 * Copyright (c) 2026, multinode developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/table.h"
#include "catalog/namespace.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/parsenodes.h"
#include "nodes/plannodes.h"
#include "storage/lmgr.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

#include "catalog/catalog.h"
#include "dist/chunk_copy_internal.h"
#include "dist/ddl_internal.h"
#include "multinode.h"

/*
 * The operation id of the capture trigger on relid, or NULL when relid has
 * none.  The caller holds a lock on relid that conflicts with CREATE
 * TRIGGER.
 */
static char *
capture_operation(Oid relid)
{
	Relation	rel = table_open(relid, NoLock);
	char	   *operation_id = NULL;
	int			i;

	for (i = 0; rel->trigdesc && i < rel->trigdesc->numtriggers; i++)
	{
		Trigger    *trig = &rel->trigdesc->triggers[i];

		if (strcmp(trig->tgname, CHUNK_CAPTURE_TRIGGER_NAME) == 0 && trig->tgnargs == 1)
			operation_id = pstrdup(trig->tgargs[0]);
	}
	table_close(rel, NoLock);
	return operation_id;
}

static void
refuse(const char *action, const char *relname, const char *operation_id)
{
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_IN_USE),
			 errmsg("cannot %s \"%s\" while chunk copy operation \"%s\" is running",
					action, relname, operation_id),
			 errdetail("Chunk copy operation \"%s\" records the writes to the chunk with a row trigger, to repeat them on the destination; this statement would bypass it.",
					   operation_id),
			 errhint("Wait for the operation to finish, or run CALL timescaledb_experimental.cleanup_copy_chunk_operation('%s') on the access node, then run the statement again.",
					 operation_id)));
}

/*
 * Access node: an unfinished copy or move of a chunk of ht; NULL if none.
 * The chunks are locked first (see the header comment).
 */
static char *
copy_operation_of_hypertable(const Hypertable *ht)
{
	Oid			types[1] = {INT4OID};
	Datum		values[1] = {Int32GetDatum(ht->id)};
	char	   *operation_id = NULL;
	ListCell   *lc;

	foreach(lc, HypertableGetChunks(ht))
	{
		const Chunk *chunk = lfirst(lc);

		if (OidIsValid(chunk->relid))
			LockRelationOid(chunk->relid, ShareUpdateExclusiveLock);
	}
	SPI_connect();
	/* not read only: a new snapshot, taken after the locks */
	if (SPI_execute_with_args("SELECT o.operation_id::pg_catalog.text "
							  "FROM " MN_CATALOG_SCHEMA ".chunk_copy_operation o "
							  "JOIN " MN_CATALOG_SCHEMA ".chunk c ON c.id OPERATOR(pg_catalog.=) o.chunk_id "
							  "WHERE c.hypertable_id OPERATOR(pg_catalog.=) $1 "
							  "AND o.completed_stage OPERATOR(pg_catalog.<>) 'complete' "
							  "ORDER BY o.operation_id LIMIT 1",
							  1, types, values, NULL, false, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read the chunk copy operation log");
	if (SPI_processed > 0)
		operation_id = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
	SPI_finish();
	return operation_id;
}

static void
guard_truncate(TruncateStmt *stmt)
{
	ListCell   *lc;

	foreach(lc, stmt->relations)
	{
		RangeVar   *rv = lfirst(lc);
		Oid			relid = RangeVarGetRelid(rv, NoLock, true);
		Hypertable *ht;
		List	   *rels;
		ListCell   *rlc;

		/* TRUNCATE itself reports what it may not do, before any lock */
		if (!OidIsValid(relid) ||
			(get_rel_relkind(relid) != RELKIND_RELATION &&
			 get_rel_relkind(relid) != RELKIND_PARTITIONED_TABLE) ||
			pg_class_aclcheck(relid, GetUserId(), ACL_TRUNCATE) != ACLCHECK_OK)
			continue;
		ht = HypertableGetByRelid(relid);
		if (ht != NULL && HypertableIsDistributed(ht))
		{
			char	   *operation_id = copy_operation_of_hypertable(ht);

			if (operation_id != NULL)
				refuse("truncate hypertable", ht->table_name, operation_id);
			continue;
		}

		/*
		 * A table here, with the lock TRUNCATE takes; a hypertable's chunks
		 * are truncated too (or dropped, for a member hypertable).
		 */
		if (rv->inh || ht != NULL)
			rels = find_all_inheritors(relid, AccessExclusiveLock, NULL);
		else
		{
			LockRelationOid(relid, AccessExclusiveLock);
			rels = list_make1_oid(relid);
		}
		foreach(rlc, rels)
		{
			char	   *operation_id = capture_operation(lfirst_oid(rlc));

			if (operation_id != NULL)
				refuse("truncate table", get_rel_name(lfirst_oid(rlc)), operation_id);
		}
	}
}

/*
 * Refuse a statement on the triggers of rv if the table carries the capture
 * trigger; locked first as ALTER TABLE ... TRIGGER and CREATE TRIGGER lock
 * it.  Tables the user does not own are left to the statement's own error.
 */
static void
guard_triggers_of(RangeVar *rv, const char *action)
{
	Oid			relid = RangeVarGetRelid(rv, NoLock, true);
	char	   *operation_id;

	if (!OidIsValid(relid) || get_rel_relkind(relid) != RELKIND_RELATION ||
		!pg_class_ownercheck(relid, GetUserId()))
		return;
	LockRelationOid(relid, ShareRowExclusiveLock);
	operation_id = capture_operation(relid);
	if (operation_id != NULL)
		refuse(action, get_rel_name(relid), operation_id);
}

/* ALTER TABLE ... DISABLE TRIGGER ALL / USER, or ENABLE / DISABLE of the capture trigger */
static void
guard_alter_table(AlterTableStmt *stmt)
{
	ListCell   *lc;
	bool		touches = false;

	if (stmt->objtype != OBJECT_TABLE)
		return;
	foreach(lc, stmt->cmds)
	{
		AlterTableCmd *cmd = lfirst(lc);

		switch (cmd->subtype)
		{
			case AT_DisableTrigAll:
			case AT_DisableTrigUser:
				touches = true;
				break;
			case AT_EnableTrig:
			case AT_EnableAlwaysTrig:
			case AT_EnableReplicaTrig:
			case AT_DisableTrig:
				touches |= strcmp(cmd->name, CHUNK_CAPTURE_TRIGGER_NAME) == 0;
				break;
			default:
				break;
		}
	}
	if (touches)
		guard_triggers_of(stmt->relation, "change the triggers of table");
}

/*
 * Refuse pstmt, from the ProcessUtility hook in the extension's databases,
 * if it would let an online chunk copy miss writes (see the header comment).
 */
void
DDLCheckCaptureGuard(PlannedStmt *pstmt)
{
	Node	   *parsetree = pstmt->utilityStmt;

	switch (nodeTag(parsetree))
	{
		case T_TruncateStmt:
			guard_truncate((TruncateStmt *) parsetree);
			break;
		case T_AlterTableStmt:
			guard_alter_table((AlterTableStmt *) parsetree);
			break;
		case T_DropStmt:
			{
				DropStmt   *stmt = (DropStmt *) parsetree;
				ListCell   *lc;

				if (stmt->removeType != OBJECT_TRIGGER)
					break;
				foreach(lc, stmt->objects)
				{
					List	   *names = lfirst(lc);

					if (strcmp(strVal(llast(names)), CHUNK_CAPTURE_TRIGGER_NAME) == 0)
						guard_triggers_of(makeRangeVarFromNameList(list_truncate(list_copy(names),
																				 list_length(names) - 1)),
										  "drop a trigger of table");
				}
				break;
			}
		case T_RenameStmt:
			{
				RenameStmt *stmt = (RenameStmt *) parsetree;

				if (stmt->renameType == OBJECT_TRIGGER &&
					strcmp(stmt->subname, CHUNK_CAPTURE_TRIGGER_NAME) == 0)
					guard_triggers_of(stmt->relation, "rename a trigger of table");
				break;
			}
		default:
			break;
	}
}
