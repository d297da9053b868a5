/*-------------------------------------------------------------------------
 *
 * catalog_write.c
 *	  Writing the hypertable catalog: SQL run as the extension's owner.
 *
 * Users own hypertables but not the catalog; multinode's functions check
 * the user's rights on the hypertable and then write the catalog (and make
 * chunks in _timescaledb_internal) as the extension's owner, the way a
 * SECURITY DEFINER function would.  The switch, with its pinned
 * search_path, is owner.c's.
 *
 * Copyright (c) 2026, multinode developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "executor/spi.h"

#include "catalog/catalog.h"
#include "multinode.h"

/*
 * Run one catalog statement as the extension's owner; returns the number of
 * rows processed.  nulls as for SPI_execute_with_args (NULL: none).
 */
int
CatalogExec(const char *sql, int nargs, Oid *argtypes, Datum *values, const char *nulls,
			bool read_only)
{
	CatalogOwnerScope scope;
	int			rc;
	uint64		n;

	CatalogAsOwnerBegin(&scope);
	SPI_connect();
	rc = SPI_execute_with_args(sql, nargs, argtypes, values, nulls, read_only, 0);
	if (rc < 0)
		elog(ERROR, "could not update the hypertable catalog: %s", SPI_result_code_string(rc));
	n = SPI_processed;
	SPI_finish();
	CatalogAsOwnerEnd(&scope);
	return (int) n;
}

/*
 * Run a catalog statement that returns one integer (e.g. INSERT ...
 * RETURNING id) as the extension's owner, and return that integer.
 */
int32
CatalogExecInt(const char *sql, int nargs, Oid *argtypes, Datum *values, const char *nulls)
{
	CatalogOwnerScope scope;
	int			rc;
	int32		result = 0;

	CatalogAsOwnerBegin(&scope);
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
	CatalogAsOwnerEnd(&scope);
	return result;
}
