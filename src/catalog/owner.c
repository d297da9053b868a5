/*-------------------------------------------------------------------------
 *
 * owner.c
 *	  The one way to run code as another role: the extension's owner for
 *	  catalog work, a table's owner for maintenance of its chunks.
 *
 * Users own hypertables but not the catalog, so multinode checks the
 * caller's rights and then writes the catalog as the extension's owner,
 * the way a SECURITY DEFINER function would.  Whatever runs in such a scope
 * must not be steerable by the caller, which is what a SECURITY DEFINER
 * function gets from its SET search_path clause and what PostgreSQL's own
 * maintenance (REINDEX, VACUUM, CREATE INDEX) gets from switching to the
 * table owner in a security-restricted operation.  So every switch here:
 *
 *	- pins search_path to "pg_catalog, pg_temp" in a GUC nest level of its
 *	  own, so no operator, function or type of a schema the caller can
 *	  write is found by the SQL run inside (pg_temp last: a temporary object
 *	  never shadows a catalog one, and operators and functions are never
 *	  looked up there at all);
 *	- sets SECURITY_RESTRICTED_OPERATION, so code that does run there cannot
 *	  change the session's role or leave objects behind that outlive the
 *	  operation (temporary tables, held cursors);
 *	- sets SECURITY_LOCAL_USERID_CHANGE, so error recovery undoes the switch
 *	  (transaction and subtransaction abort restore the user id and pop the
 *	  GUC nest level).
 *
 * Scopes nest; each end restores exactly what its begin saved.
 *
 * Copyright (c) 2026, multinode developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/indexing.h"
#include "catalog/pg_extension.h"
#include "miscadmin.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"

#include "catalog/catalog.h"
#include "multinode.h"

/* The search_path of every scope: only what a superuser controls. */
#define PINNED_SEARCH_PATH "pg_catalog, pg_temp"

/*
 * The role that owns the extension, and so its catalog tables and schemas.
 * Errors if the extension is not installed in this database.
 */
Oid
CatalogExtensionOwner(void)
{
	Relation	rel;
	SysScanDesc scan;
	ScanKeyData key[1];
	HeapTuple	tup;
	Oid			owner = InvalidOid;

	rel = table_open(ExtensionRelationId, AccessShareLock);
	ScanKeyInit(&key[0], Anum_pg_extension_extname, BTEqualStrategyNumber, F_NAMEEQ,
				CStringGetDatum(MN_EXTENSION_NAME));
	scan = systable_beginscan(rel, ExtensionNameIndexId, true, NULL, 1, key);
	if (HeapTupleIsValid(tup = systable_getnext(scan)))
		owner = ((Form_pg_extension) GETSTRUCT(tup))->extowner;
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	if (!OidIsValid(owner))
		ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
						errmsg("extension \"%s\" is not installed", MN_EXTENSION_NAME)));
	return owner;
}

/*
 * Pin search_path until CatalogUnpinSearchPath(the returned level), without
 * changing role: for SQL of ours run as the caller (catalog reads), and for
 * deparsing (pg_get_constraintdef and friends then qualify every name that
 * is not in pg_catalog, so the text means the same objects wherever it runs).
 */
int
CatalogPinSearchPath(void)
{
	int nestlevel = NewGUCNestLevel();

	(void) set_config_option("search_path", PINNED_SEARCH_PATH, PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	return nestlevel;
}

void
CatalogUnpinSearchPath(int nestlevel)
{
	AtEOXact_GUC(false, nestlevel);
}

/*
 * Run as role from here to the matching CatalogAsOwnerEnd, with the pinned
 * search_path and in a security-restricted operation.  Used directly only
 * to act as a table's owner (building a chunk's index evaluates the owner's
 * index expressions, so it must run as that owner, never as ours).
 */
void
CatalogAsRoleBegin(CatalogOwnerScope *scope, Oid role)
{
	GetUserIdAndSecContext(&scope->save_userid, &scope->save_sec_context);
	SetUserIdAndSecContext(role, scope->save_sec_context | SECURITY_LOCAL_USERID_CHANGE |
									 SECURITY_RESTRICTED_OPERATION);
	scope->save_nestlevel = CatalogPinSearchPath();
}

/* Run as the extension's owner: catalog writes, healing's log, the jobs tables. */
void
CatalogAsOwnerBegin(CatalogOwnerScope *scope)
{
	CatalogAsRoleBegin(scope, CatalogExtensionOwner());
}

void
CatalogAsOwnerEnd(CatalogOwnerScope *scope)
{
	CatalogUnpinSearchPath(scope->save_nestlevel);
	SetUserIdAndSecContext(scope->save_userid, scope->save_sec_context);
}
