/*-------------------------------------------------------------------------
 *
 * catalog_write.c
 *	  Writing the hypertable catalog: SQL run as the extension's owner.
 *
 * Users own hypertables but not the catalog; multinode's functions check
 * the user's rights on the hypertable and then write the catalog (and make
 * chunks in _timescaledb_internal) as the extension's owner, the way a
 * SECURITY DEFINER function would.  The switch is local (SECURITY_LOCAL_
 * USERID_CHANGE), so it is undone by error recovery too.
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
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/fmgroids.h"

#include "catalog/catalog.h"
#include "multinode.h"

static Oid
extension_owner(void)
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
		elog(ERROR, "extension \"%s\" is not installed", MN_EXTENSION_NAME);
	return owner;
}

void
CatalogAsOwnerBegin(Oid *saved_userid, int *saved_sec_context)
{
	GetUserIdAndSecContext(saved_userid, saved_sec_context);
	SetUserIdAndSecContext(extension_owner(),
						   *saved_sec_context | SECURITY_LOCAL_USERID_CHANGE);
}

void
CatalogAsOwnerEnd(Oid saved_userid, int saved_sec_context)
{
	SetUserIdAndSecContext(saved_userid, saved_sec_context);
}

/*
 * Run one catalog statement as the extension's owner; returns the number of
 * rows processed.  nulls as for SPI_execute_with_args (NULL: none).
 */
int
CatalogExec(const char *sql, int nargs, Oid *argtypes, Datum *values, const char *nulls,
			bool read_only)
{
	Oid			userid;
	int			sec;
	int			rc;
	uint64		n;

	CatalogAsOwnerBegin(&userid, &sec);
	SPI_connect();
	rc = SPI_execute_with_args(sql, nargs, argtypes, values, nulls, read_only, 0);
	if (rc < 0)
		elog(ERROR, "could not update the hypertable catalog: %s", SPI_result_code_string(rc));
	n = SPI_processed;
	SPI_finish();
	CatalogAsOwnerEnd(userid, sec);
	return (int) n;
}

/*
 * Run a catalog statement that returns one integer (e.g. INSERT ...
 * RETURNING id) as the extension's owner, and return that integer.
 */
int32
CatalogExecInt(const char *sql, int nargs, Oid *argtypes, Datum *values, const char *nulls)
{
	Oid			userid;
	int			sec;
	int			rc;
	int32		result = 0;

	CatalogAsOwnerBegin(&userid, &sec);
	SPI_connect();
	rc = SPI_execute_with_args(sql, nargs, argtypes, values, nulls, false, 0);
	if (rc < 0)
		elog(ERROR, "could not update the hypertable catalog: %s", SPI_result_code_string(rc));
	if (SPI_processed >= 1 && SPI_tuptable != NULL)
	{
		bool		isnull;
		Datum		d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);

		if (!isnull)
			result = DatumGetInt32(d);
	}
	SPI_finish();
	CatalogAsOwnerEnd(userid, sec);
	return result;
}
