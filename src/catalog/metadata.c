/*-------------------------------------------------------------------------
 *
 * metadata.c
 *	  _timescaledb_catalog.metadata: the database's uuid and, once it is part
 *	  of a distributed database, the dist_uuid that names that database.
 *
 * An access node's dist_uuid is its own uuid; a data node's is its access
 * node's.  That is how a node knows its role and how a data node refuses a
 * second access node.  Read rarely (commands, not rows), so SPI is fine.
 *
 * Copyright (c) 2026, multinode developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/snapmgr.h"

#include "catalog/catalog.h"
#include "multinode.h"

/* The first column of the first row of a query, or NULL; in the caller's context. */
static char *
spi_single_value(const char *sql, int nargs, Oid *argtypes, Datum *args)
{
	char	   *result = NULL;
	int			nestlevel = CatalogPinSearchPath();

	SPI_connect();
	if (SPI_execute_with_args(sql, nargs, argtypes, args, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read the multinode catalog");
	CatalogUnpinSearchPath(nestlevel);
	if (SPI_processed > 0)
	{
		char	   *value = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);

		if (value)
			result = SPI_palloc(strlen(value) + 1), strcpy(result, value);
	}
	SPI_finish();
	return result;
}

char *
MetadataGet(const char *key)
{
	Oid			argtypes[1] = {NAMEOID};
	Datum		args[1];

	args[0] = DirectFunctionCall1(namein, CStringGetDatum(key));
	return spi_single_value("SELECT value FROM _timescaledb_catalog.metadata WHERE key OPERATOR(pg_catalog.=) $1",
							1, argtypes, args);
}

void
MetadataSet(const char *key, const char *value)
{
	Oid			argtypes[2] = {NAMEOID, TEXTOID};
	Datum		args[2];

	args[0] = DirectFunctionCall1(namein, CStringGetDatum(key));
	args[1] = CStringGetTextDatum(value);
	/* as the owner: a non-superuser adding the first data node has no rights here */
	(void) CatalogExec("INSERT INTO _timescaledb_catalog.metadata (key, value) VALUES ($1, $2) "
					   "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
					   2, argtypes, args, NULL, false);
}

void
MetadataDelete(const char *key)
{
	Oid			argtypes[1] = {NAMEOID};
	Datum		args[1];

	args[0] = DirectFunctionCall1(namein, CStringGetDatum(key));
	(void) CatalogExec("DELETE FROM _timescaledb_catalog.metadata WHERE key OPERATOR(pg_catalog.=) $1",
					   1, argtypes, args, NULL, false);
}

DistRole
GetDistRole(void)
{
	char	   *dist_uuid = MetadataGet("dist_uuid");
	char	   *uuid;

	if (dist_uuid == NULL)
		return DIST_ROLE_NONE;
	uuid = MetadataGet("uuid");
	return (uuid && strcmp(uuid, dist_uuid) == 0) ? DIST_ROLE_ACCESS_NODE : DIST_ROLE_DATA_NODE;
}

/* The installed version of multinode in this database. */
char *
ExtensionVersion(void)
{
	return spi_single_value("SELECT extversion FROM pg_catalog.pg_extension WHERE extname = 'multinode'",
							0, NULL, NULL);
}

/*
 * The id of this access node's cluster, as GIDs carry it: the database's
 * uuid, which is its dist_uuid once it has data nodes and never changes
 * while the extension exists.  Cached per backend, keyed by the metadata
 * table's OID so that a re-created extension is noticed.  NULL if missing.
 */
const char *
MetadataClusterId(void)
{
	static Oid	cached_relid = InvalidOid;
	static char cached[64];
	Oid			relid = get_relname_relid("metadata", get_namespace_oid(MN_CATALOG_SCHEMA, true));
	char	   *uuid;

	bool		pushed = false;

	if (OidIsValid(relid) && relid == cached_relid)
		return cached;
	/* at pre-commit of a procedure's transaction there is no snapshot */
	if (!ActiveSnapshotSet())
	{
		PushActiveSnapshot(GetTransactionSnapshot());
		pushed = true;
	}
	uuid = MetadataGet("uuid");
	if (pushed)
		PopActiveSnapshot();
	if (uuid == NULL || strlen(uuid) >= sizeof(cached))
		return NULL;
	strlcpy(cached, uuid, sizeof(cached));
	cached_relid = relid;
	return cached;
}
