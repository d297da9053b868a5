/*-------------------------------------------------------------------------
 *
 * policy_api.c
 *	  add_retention_policy, remove_retention_policy, add_reorder_policy and
 *	  remove_reorder_policy: TimescaleDB 2.13's policies as ordinary jobs.
 *
 * A policy is a row of bgw_job with the hypertable's id in hypertable_id and
 * in its config, run by a procedure of sql/41_policies.sql.  At most one
 * policy of a kind per hypertable, found by (proc_name, hypertable_id).  The
 * retention procedure calls drop_chunks, so a distributed hypertable's
 * chunks go on its data nodes too; reorder policies are refused on
 * distributed hypertables, as in 2.13 (the access node has no chunk tables
 * to cluster).
 *
 * Copyright (c) 2026, multinode developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/index.h"
#include "catalog/namespace.h"
#include "catalog/pg_index.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "bgw/bgw_internal.h"
#include "catalog/catalog.h"
#include "multinode.h"

#define RETENTION_PROC "policy_retention"
#define REORDER_PROC "policy_reorder"

/* The hypertable rooted at relid, which the caller must own. */
static Hypertable *
policy_hypertable(FunctionCallInfo fcinfo)
{
	Hypertable *ht;
	Oid			relid;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("hypertable cannot be NULL")));
	relid = PG_GETARG_OID(0);
	ht = HypertableGetByRelid(relid);
	if (ht == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("table \"%s\" is not a hypertable", get_rel_name(relid))));
	if (!pg_class_ownercheck(relid, GetUserId()))
		aclcheck_error(ACLCHECK_NOT_OWNER, OBJECT_TABLE, get_rel_name(relid));
	/* the access node's policy drops (or would reorder) the member's chunks */
	if (HypertableIsDistMember(ht))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("cannot manage policies of a member of a distributed hypertable on a data node"),
				 errhint("Add or remove the policy on the access node.")));
	return ht;
}

/*
 * The id of ht's policy run by proc, 0 if none; its config as text in
 * *config when config is not NULL.
 */
static int32
existing_policy(const Hypertable *ht, const char *proc, char **config)
{
	Oid			types[2] = {INT4OID, TEXTOID};
	Datum		values[2] = {Int32GetDatum(ht->id), CStringGetTextDatum(proc)};
	int32		id = 0;
	MemoryContext caller = CurrentMemoryContext;

	SPI_connect();
	if (SPI_execute_with_args("SELECT id, config::text FROM " MN_CATALOG_SCHEMA ".bgw_job "
							  " WHERE hypertable_id OPERATOR(pg_catalog.=) $1 "
							  "   AND proc_schema OPERATOR(pg_catalog.=) '" MN_FUNCTIONS_SCHEMA "' "
							  "   AND proc_name OPERATOR(pg_catalog.=) $2::name ORDER BY id LIMIT 1",
							  2, types, values, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read the jobs catalog");
	if (SPI_processed == 1)
	{
		bool		isnull;

		id = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
		if (config != NULL)
		{
			char	   *c = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2);

			*config = c ? MemoryContextStrdup(caller, c) : NULL;
		}
	}
	SPI_finish();
	return id;
}

/*
 * With an existing policy: if_not_exists gives a NOTICE (same settings) or
 * a WARNING (different ones) and -1, as 2.13; otherwise an error.
 */
static int32
policy_exists(const char *kind, const Hypertable *ht, bool if_not_exists, bool same)
{
	if (!if_not_exists)
		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_OBJECT),
				 errmsg("%s policy already exists for hypertable \"%s\"", kind, ht->table_name),
				 errhint("Remove it with remove_%s_policy() first, or use if_not_exists => true.",
						 kind)));
	if (same)
		ereport(NOTICE,
				(errmsg("%s policy already exists for hypertable \"%s\", skipping", kind,
						ht->table_name)));
	else
		ereport(WARNING,
				(errmsg("%s policy already exists for hypertable \"%s\"", kind, ht->table_name),
				 errdetail("A policy already exists with different arguments."),
				 errhint("Remove the existing policy before adding a new one.")));
	return -1;
}

static Jsonb *
jsonb_from_text(const char *text)
{
	return DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(text)));
}

/* Two configs mean the same (jsonb equality ignores key order and spacing). */
static bool
same_config(const char *existing, Jsonb *config)
{
	return existing != NULL &&
		DatumGetBool(DirectFunctionCall2(jsonb_eq, JsonbPGetDatum(jsonb_from_text(existing)),
										 JsonbPGetDatum(config)));
}

static void
policy_job_init(BgwJob *job, const char *kind, const char *proc, const char *check,
				const Hypertable *ht, Jsonb *config)
{
	memset(job, 0, sizeof(*job));
	job->kind = kind;
	job->proc_schema = MN_FUNCTIONS_SCHEMA;
	job->proc_name = (char *) proc;
	job->check_schema = MN_FUNCTIONS_SCHEMA;
	job->check_name = (char *) check;
	job->hypertable_id = ht->id;
	job->config = config;
	job->scheduled = true;
	job->max_runtime.time = 5 * USECS_PER_MINUTE;
	job->max_retries = -1;
	job->retry_period.time = 5 * USECS_PER_MINUTE;
}

/*
 * The initial_start and timezone arguments.  As in 2.13, a policy given no
 * initial_start has a drifting schedule: the next run counts from the end of
 * the last one.
 */
static void
policy_job_start(FunctionCallInfo fcinfo, BgwJob *job, int initial_start_arg, int timezone_arg)
{
	job->has_initial_start = !PG_ARGISNULL(initial_start_arg);
	job->initial_start = job->has_initial_start ? PG_GETARG_TIMESTAMPTZ(initial_start_arg) : 0;
	job->fixed_schedule = job->has_initial_start;
	if (!PG_ARGISNULL(timezone_arg))
	{
		job->timezone = text_to_cstring(PG_GETARG_TEXT_PP(timezone_arg));
		ValidateJobTimezone(job->timezone);
	}
}

/* Has set_integer_now_func been given for this dimension? */
static bool
has_integer_now_func(const Dimension *dim)
{
	Oid			types[1] = {INT4OID};
	Datum		values[1] = {Int32GetDatum(dim->id)};
	bool		found;

	SPI_connect();
	if (SPI_execute_with_args("SELECT 1 FROM " MN_CATALOG_SCHEMA ".dimension "
							  " WHERE id OPERATOR(pg_catalog.=) $1 AND integer_now_func IS NOT NULL",
							  1, types, values, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read the dimension catalog");
	found = SPI_processed > 0;
	SPI_finish();
	return found;
}

/* A time value as JSON: a string for intervals, a number for integers. */
static void
append_json_time(StringInfo buf, Datum value, Oid type)
{
	Oid			out;
	bool		varlena;
	char	   *text;

	getTypeOutputInfo(type, &out, &varlena);
	text = OidOutputFunctionCall(out, value);
	if (type == INT2OID || type == INT4OID || type == INT8OID)
		appendStringInfoString(buf, text);
	else
		escape_json(buf, text);
}

PG_FUNCTION_INFO_V1(multinode_add_retention_policy);

/*
 * add_retention_policy(relation regclass, drop_after "any" = NULL,
 *		if_not_exists boolean = false, schedule_interval interval = NULL,
 *		initial_start timestamptz = NULL, timezone text = NULL,
 *		drop_created_before interval = NULL)
 */
Datum
multinode_add_retention_policy(PG_FUNCTION_ARGS)
{
	Hypertable *ht = policy_hypertable(fcinfo);
	const Dimension *dim = HypertableTimeDimension(ht);
	bool		if_not_exists = !PG_ARGISNULL(2) && PG_GETARG_BOOL(2);
	bool		by_creation = !PG_ARGISNULL(6);
	Oid			type;
	bool		integer_time = TimeTypeIsInteger(dim->column_type);
	StringInfoData config;
	Jsonb	   *jconfig;
	char	   *existing_config = NULL;
	BgwJob		job;

	PreventCommandIfReadOnly("add_retention_policy()");
	if (PG_ARGISNULL(1) == !by_creation)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("need to specify one of \"drop_after\" or \"drop_created_before\"")));
	initStringInfo(&config);
	appendStringInfo(&config, "{\"hypertable_id\": %d, ", ht->id);
	if (by_creation)
	{
		appendStringInfoString(&config, "\"drop_created_before\": ");
		append_json_time(&config, PG_GETARG_DATUM(6), INTERVALOID);
	}
	else
	{
		type = get_fn_expr_argtype(fcinfo->flinfo, 1);
		if (integer_time ? !(type == INT2OID || type == INT4OID || type == INT8OID) :
			type != INTERVALOID)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid value for parameter drop_after"),
					 errdetail("drop_after is of type %s; hypertable \"%s\" is partitioned by a %s column.",
							   format_type_be(type), ht->table_name,
							   format_type_be(dim->column_type)),
					 errhint(integer_time ?
							 "Use an integer drop_after for a hypertable with an integer time column." :
							 "Use an interval drop_after for a hypertable with a time column.")));
		if (integer_time && !has_integer_now_func(dim))
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("integer_now_func not set on hypertable \"%s\"", ht->table_name),
					 errhint("Set it with set_integer_now_func(): the policy counts drop_after back from it.")));
		appendStringInfoString(&config, "\"drop_after\": ");
		append_json_time(&config, PG_GETARG_DATUM(1), type);
	}
	appendStringInfoChar(&config, '}');
	jconfig = jsonb_from_text(config.data);

	if (existing_policy(ht, RETENTION_PROC, &existing_config) != 0)
		PG_RETURN_INT32(policy_exists("retention", ht, if_not_exists,
									  same_config(existing_config, jconfig)));

	policy_job_init(&job, "Retention Policy", RETENTION_PROC, "policy_retention_check", ht, jconfig);
	if (PG_ARGISNULL(3))
		job.schedule_interval.day = 1;
	else
		job.schedule_interval = *PG_GETARG_INTERVAL_P(3);
	policy_job_start(fcinfo, &job, 4, 5);
	PG_RETURN_INT32(JobAdd(&job));
}

/* remove_*_policy(relation regclass, if_exists boolean = false) */
static void
remove_policy(FunctionCallInfo fcinfo, const char *kind, const char *proc)
{
	Hypertable *ht = policy_hypertable(fcinfo);
	bool		if_exists = !PG_ARGISNULL(1) && PG_GETARG_BOOL(1);
	int32		id;

	PreventCommandIfReadOnly(psprintf("remove_%s_policy()", kind));
	id = existing_policy(ht, proc, NULL);
	if (id == 0)
	{
		if (!if_exists)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_OBJECT),
					 errmsg("%s policy not found for hypertable \"%s\"", kind, ht->table_name)));
		ereport(NOTICE,
				(errmsg("%s policy not found for hypertable \"%s\", skipping", kind,
						ht->table_name)));
		return;
	}
	JobDelete(id);
}

PG_FUNCTION_INFO_V1(multinode_remove_retention_policy);

Datum
multinode_remove_retention_policy(PG_FUNCTION_ARGS)
{
	remove_policy(fcinfo, "retention", RETENTION_PROC);
	PG_RETURN_VOID();
}

PG_FUNCTION_INFO_V1(multinode_add_reorder_policy);

/*
 * add_reorder_policy(hypertable regclass, index_name name,
 *		if_not_exists boolean = false, initial_start timestamptz = NULL,
 *		timezone text = NULL)
 */
Datum
multinode_add_reorder_policy(PG_FUNCTION_ARGS)
{
	Hypertable *ht = policy_hypertable(fcinfo);
	bool		if_not_exists = !PG_ARGISNULL(2) && PG_GETARG_BOOL(2);
	const char *index_name;
	Oid			index;
	StringInfoData config;
	Jsonb	   *jconfig;
	char	   *existing_config = NULL;
	BgwJob		job;

	PreventCommandIfReadOnly("add_reorder_policy()");
	if (HypertableIsDistributed(ht))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("reorder policies not supported on a distributed hypertables")));
	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("index_name cannot be NULL")));
	index_name = NameStr(*PG_GETARG_NAME(1));
	index = get_relname_relid(index_name, get_rel_namespace(ht->relid));
	if (!OidIsValid(index) || get_rel_relkind(index) != RELKIND_INDEX ||
		IndexGetRelation(index, false) != ht->relid)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid reorder index"),
				 errhint("The reorder index must be an index on hypertable \"%s\".",
						 ht->table_name)));

	initStringInfo(&config);
	appendStringInfo(&config, "{\"hypertable_id\": %d, \"index_name\": ", ht->id);
	escape_json(&config, index_name);
	appendStringInfoChar(&config, '}');
	jconfig = jsonb_from_text(config.data);
	if (existing_policy(ht, REORDER_PROC, &existing_config) != 0)
		PG_RETURN_INT32(policy_exists("reorder", ht, if_not_exists,
									  same_config(existing_config, jconfig)));

	policy_job_init(&job, "Reorder Policy", REORDER_PROC, "policy_reorder_check", ht, jconfig);
	job.schedule_interval.day = 4;
	job.max_runtime.time = 0;
	policy_job_start(fcinfo, &job, 3, 4);
	PG_RETURN_INT32(JobAdd(&job));
}

PG_FUNCTION_INFO_V1(multinode_remove_reorder_policy);

Datum
multinode_remove_reorder_policy(PG_FUNCTION_ARGS)
{
	remove_policy(fcinfo, "reorder", REORDER_PROC);
	PG_RETURN_VOID();
}
