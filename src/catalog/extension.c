/*-------------------------------------------------------------------------
 *
 * extension.c
 *	  Whether this database is ours: the multinode extension is installed.
 *
 * The library is preloaded into every database of the server, and a schema
 * named _timescaledb_catalog proves nothing: TimescaleDB (with a catalog of
 * the same name and other columns) may live in another database of the
 * same server, or in this one during a migration.  Every hook asks here
 * before it reads a catalog table, so a database without the extension is
 * plain PostgreSQL to it.
 *
 * The answer is cached for one command of one transaction (local xid and
 * command id), which costs one pg_extension index probe per command that
 * asks, and needs no invalidation: CREATE and DROP EXTENSION, in this
 * backend or committed by another, are seen by the next command.
 *
 * Copyright (c) 2026, multinode developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "commands/extension.h"
#include "storage/proc.h"

#include "catalog/catalog.h"
#include "multinode.h"

/*
 * Whether the multinode extension exists in the current database and is not
 * being created right now (its script builds the catalog the hooks read).
 * Needs a transaction; false outside one.
 */
bool
ExtensionIsInstalled(void)
{
	static LocalTransactionId cached_lxid = InvalidLocalTransactionId;
	static CommandId cached_cid = InvalidCommandId;
	static bool cached = false;
	CommandId	cid;

	if (!IsTransactionState())
		return false;
	if (creating_extension)
		return false;
	cid = GetCurrentCommandId(false);
	if (MyProc->lxid != cached_lxid || cid != cached_cid)
	{
		cached = OidIsValid(get_extension_oid(MN_EXTENSION_NAME, true));
		cached_lxid = MyProc->lxid;
		cached_cid = cid;
	}
	return cached;
}
