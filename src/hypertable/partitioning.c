/*-------------------------------------------------------------------------
 *
 * partitioning.c
 *	  get_partition_hash: the default space partitioning function, as SQL.
 *
 * Routing computes the same value in C (DimensionValue); this function is
 * what chunk CHECK constraints and users call, so both must agree: the
 * type's default hash opclass support function 1, masked to 31 bits.
 *
 * Copyright (c) 2026, multinode developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/typcache.h"

#include "hypertable/hypertable.h"

PG_FUNCTION_INFO_V1(multinode_get_partition_hash);

Datum
multinode_get_partition_hash(PG_FUNCTION_ARGS)
{
	Oid			type = get_fn_expr_argtype(fcinfo->flinfo, 0);
	TypeCacheEntry *tce;

	if (!OidIsValid(type))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("could not determine the argument type of get_partition_hash")));
	tce = lookup_type_cache(type, TYPECACHE_HASH_PROC_FINFO);
	if (!OidIsValid(tce->hash_proc))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_FUNCTION),
				 errmsg("could not identify a hash function for type %s", format_type_be(type))));
	PG_RETURN_INT32(DatumGetInt32(FunctionCall1Coll(&tce->hash_proc_finfo, PG_GET_COLLATION(),
													PG_GETARG_DATUM(0))) & 0x7fffffff);
}
