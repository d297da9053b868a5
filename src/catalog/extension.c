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
 * A "no" is cached for one command of one transaction (local xid and
 * command id): one pg_extension index probe per command that asks, and
 * CREATE EXTENSION, in this backend or committed by another, is seen by the
 * next command.  A "yes" is kept until any relation changes: DROP EXTENSION
 * drops the catalog tables, whose invalidations reach this backend before
 * its next command (another backend's, at the next lock it takes), so a
 * small statement on an installed database probes pg_extension no more.
 *
 * Copyright (c) 2026, multinode developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "commands/extension.h"
#include "storage/proc.h"
#include "utils/inval.h"

#include "catalog/catalog.h"
#include "multinode.h"

/* the extension was found installed, and no relation changed since */
static bool known_installed = false;

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
	if (known_installed)
		return true;
	cid = GetCurrentCommandId(false);
	if (MyProc->lxid != cached_lxid || cid != cached_cid)
	{
		cached = OidIsValid(get_extension_oid(MN_EXTENSION_NAME, true));
		cached_lxid = MyProc->lxid;
		cached_cid = cid;
		known_installed = cached;
	}
	return cached;
}

static void
relation_changed(Datum arg, Oid relid)
{
	known_installed = false;
}

void
ExtensionCacheInit(void)
{
	CacheRegisterRelcacheCallback(relation_changed, (Datum) 0);
}
