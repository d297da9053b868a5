/*-------------------------------------------------------------------------
 *
 * explain.c
 *	  EXPLAIN pieces of remote work: what a data node did under EXPLAIN
 *	  ANALYZE, and the data node's own plan of the SQL it was sent.
 *
 * PostgreSQL 15 gives extensions no EXPLAIN options of their own, so the
 * data nodes' plans are asked for by multinode.explain_data_node_plans.
 * The node explains the same SQL with the same parameter values, in the
 * statement's remote transaction, with the local EXPLAIN's VERBOSE and
 * COSTS settings, but never with ANALYZE: under EXPLAIN ANALYZE the query
 * has already run once on the node, and running it a second time to time
 * it would double its cost and could see other rows.  So the node's plan
 * is its estimate; the access node's own numbers (rows, times, round trips
 * per node) say what actually happened.
 *
 * In the TEXT format the node's plan is its text, indented under the node's
 * entry.  The structured formats ask the node for JSON and replay it through
 * ExplainOpenGroup and the ExplainProperty functions, so the node's plan is
 * as much a part of the document, in JSON, YAML or XML, as the local plan.
 *
 * Copyright (c) 2026, multinode developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "commands/explain.h"
#include "common/jsonapi.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"

#include "fdw/fdw.h"
#include "remote/remote.h"

/*
 * A data node's activity for a scan under EXPLAIN ANALYZE, in the manner
 * of a plan node's: times and rows per run (loop); with VERBOSE the rows it
 * sent (a LIMIT or a merge may leave some unread) and the round trips, over
 * all runs; and runs that left the node out.
 */
void
ExplainRemoteNodeInstr(const RemoteNodeInstr *instr, ExplainState *es)
{
	RemoteNodeInstr ni;
	double		loops;
	bool		timing = es->timing;

	RemoteNodeInstrTotals(instr, &ni);
	loops = ni.loops > 0 ? (double) ni.loops : 1.0;
	if (es->format == EXPLAIN_FORMAT_TEXT)
	{
		appendStringInfoSpaces(es->str, es->indent * 2);
		if (ni.loops == 0)
			appendStringInfoString(es->str, ni.skipped > 0 ? "Actual: skipped at run time"
														   : "Actual: never executed");
		else
		{
			appendStringInfoString(es->str, "Actual:");
			if (timing)
				appendStringInfo(es->str, " time=%.3f..%.3f", 1000.0 * ni.startup / loops,
								 1000.0 * ni.total / loops);
			appendStringInfo(es->str, " rows=%.0f loops=" INT64_FORMAT, ni.rows / loops, ni.loops);
			if (es->verbose)
				appendStringInfo(es->str, " received=" INT64_FORMAT " round trips=" INT64_FORMAT,
								 ni.received, ni.round_trips);
			if (ni.skipped > 0)
				appendStringInfo(es->str, " skipped=" INT64_FORMAT, ni.skipped);
		}
		appendStringInfoChar(es->str, '\n');
		return;
	}
	if (timing)
	{
		ExplainPropertyFloat("Actual Startup Time", "ms", 1000.0 * ni.startup / loops, 3, es);
		ExplainPropertyFloat("Actual Total Time", "ms", 1000.0 * ni.total / loops, 3, es);
	}
	ExplainPropertyFloat("Actual Rows", NULL, ni.rows / loops, 0, es);
	ExplainPropertyInteger("Actual Loops", NULL, ni.loops, es);
	if (es->verbose)
	{
		ExplainPropertyInteger("Rows Received", NULL, ni.received, es);
		ExplainPropertyInteger("Round Trips", NULL, ni.round_trips, es);
	}
	ExplainPropertyInteger("Skipped Runs", NULL, ni.skipped, es);
}

/* ---- a node's JSON plan re-emitted through the local EXPLAIN -------------- */

typedef struct PlanFrame
{
	bool		is_array;
	bool		emitted;		/* has a group of its own in the output */
	bool		in_array;		/* an element of an array (unlabeled group) */
	char	   *label;
	List	   *items;			/* an array's scalars */
	bool		opened;			/* an array of objects: its group is open */
} PlanFrame;

typedef struct PlanWalk
{
	ExplainState *es;
	List	   *stack;			/* PlanFrame *, innermost last */
	char	   *field;			/* the member whose value comes next */
} PlanWalk;

static PlanFrame *
push_frame(PlanWalk *w, bool is_array)
{
	PlanFrame  *f = palloc0(sizeof(PlanFrame));

	f->is_array = is_array;
	w->stack = lappend(w->stack, f);
	return f;
}

static void
plan_object_start(void *state)
{
	PlanWalk   *w = state;
	PlanFrame  *parent = w->stack ? llast(w->stack) : NULL;
	PlanFrame  *f;

	/* the outer [ { ... } ]: its members go straight into "Remote Plan" */
	if (parent == NULL || (parent->is_array && !parent->emitted && list_length(w->stack) == 1))
	{
		push_frame(w, false);
		return;
	}
	if (parent->is_array)
	{
		if (!parent->opened)
			ExplainOpenGroup(parent->label, parent->label, false, w->es);
		parent->opened = true;
		f = push_frame(w, false);
		f->label = strcmp(parent->label, "Plans") == 0 ? "Plan" : "Item";
		f->in_array = true;
		ExplainOpenGroup(f->label, NULL, true, w->es);
	}
	else
	{
		f = push_frame(w, false);
		f->label = w->field;
		ExplainOpenGroup(f->label, f->label, true, w->es);
	}
	f->emitted = true;
}

static void
plan_object_end(void *state)
{
	PlanWalk   *w = state;
	PlanFrame  *f = llast(w->stack);

	w->stack = list_delete_last(w->stack);
	if (f->emitted)
		ExplainCloseGroup(f->label, f->in_array ? NULL : f->label, true, w->es);
}

static void
plan_array_start(void *state)
{
	PlanWalk   *w = state;
	PlanFrame  *f = push_frame(w, true);

	/* arrays of arrays do not occur in EXPLAIN output */
	f->label = list_length(w->stack) > 1 ? w->field : NULL;
	f->emitted = f->label != NULL;
}

static void
plan_array_end(void *state)
{
	PlanWalk   *w = state;
	PlanFrame  *f = llast(w->stack);

	w->stack = list_delete_last(w->stack);
	if (!f->emitted)
		return;
	if (f->opened)
		ExplainCloseGroup(f->label, f->label, false, w->es);
	else
		ExplainPropertyList(f->label, f->items, w->es);
}

static void
plan_field_start(void *state, char *fname, bool isnull)
{
	((PlanWalk *) state)->field = pstrdup(fname);
}

/* A member's scalar value, as the local EXPLAIN would print its own */
static void
plan_scalar(void *state, char *token, JsonTokenType type)
{
	PlanWalk   *w = state;
	PlanFrame  *f = w->stack ? llast(w->stack) : NULL;
	const char *dot;

	if (f == NULL || (f->is_array && !f->emitted))
		return;
	if (f->is_array)
		f->items = lappend(f->items, pstrdup(token));
	else if (type == JSON_TOKEN_TRUE || type == JSON_TOKEN_FALSE)
		ExplainPropertyBool(w->field, type == JSON_TOKEN_TRUE, w->es);
	else if (type == JSON_TOKEN_NUMBER && strpbrk(token, "eE") == NULL)
	{
		dot = strchr(token, '.');
		if (dot)
			ExplainPropertyFloat(w->field, NULL, strtod(token, NULL), strlen(dot + 1), w->es);
		else
			ExplainPropertyInteger(w->field, NULL, strtoi64(token, NULL, 10), w->es);
	}
	else
		ExplainPropertyText(w->field, type == JSON_TOKEN_NULL ? "" : token, w->es);
}

/*
 * The node's plan in JSON, re-emitted member by member into the local
 * EXPLAIN (JSON, YAML or XML), in the node's order, under "Remote Plan".
 */
static void
emit_json_plan(const char *node_name, char *json, ExplainState *es)
{
	JsonLexContext *lex = makeJsonLexContextCstringLen(json, strlen(json),
													   GetDatabaseEncoding(), true);
	JsonSemAction sem = {0};
	PlanWalk	w = {0};
	JsonParseErrorType err;

	w.es = es;
	sem.semstate = &w;
	sem.object_start = plan_object_start;
	sem.object_end = plan_object_end;
	sem.array_start = plan_array_start;
	sem.array_end = plan_array_end;
	sem.object_field_start = plan_field_start;
	sem.scalar = plan_scalar;
	ExplainOpenGroup("Remote Plan", "Remote Plan", true, es);
	err = pg_parse_json(lex, &sem);
	if (err != JSON_SUCCESS)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_DATA_TYPE),
				 errmsg("could not read the plan of data node \"%s\"", node_name),
				 errdetail_internal("%s", json_errdetail(err, lex))));
	ExplainCloseGroup("Remote Plan", "Remote Plan", true, es);
}

/*
 * The data node's own plan of sql (its parameters bound to values), nested
 * under the node's entry: its text lines in the TEXT format; in the others
 * the node's JSON plan re-emitted as groups and properties ("Remote Plan",
 * holding "Plan" as a local query does).  Without values for its parameters
 * (plain EXPLAIN: they are known when the query runs) a note says so
 * instead of a plan the node could only guess.  Raises the node's error if
 * it cannot.
 */
void
ExplainRemotePlan(Oid server_id, const char *sql, int nparams, const char *const *values,
				  ExplainState *es)
{
	bool		text = es->format == EXPLAIN_FORMAT_TEXT;
	DataNodeConn *conn;
	char	   *cmd;
	PGresult   *res;
	StringInfoData out;
	int			i;

	if (nparams > 0 && values == NULL)
	{
		ExplainPropertyText("Remote Plan",
							"not shown: the remote SQL has parameters, known when the query runs (EXPLAIN ANALYZE shows it)",
							es);
		return;
	}
	conn = GetDataNodeConnection(server_id, REMOTE_TXN_READ);
	cmd = psprintf("EXPLAIN (VERBOSE %s, COSTS %s%s) %s", es->verbose ? "on" : "off",
				   es->costs ? "on" : "off", text ? "" : ", FORMAT JSON", sql);
	res = nparams > 0 ? RemoteExecParams(conn, cmd, nparams, values) : RemoteExec(conn, cmd);
	initStringInfo(&out);
	PG_TRY();
	{
		for (i = 0; i < PQntuples(res); i++)
		{
			if (text)
				appendStringInfoSpaces(&out, (es->indent + 1) * 2);
			appendStringInfo(&out, "%s\n", PQgetvalue(res, i, 0));
		}
	}
	PG_FINALLY();
	{
		PQclear(res);
	}
	PG_END_TRY();
	pfree(cmd);
	if (!text)
	{
		emit_json_plan(RemoteConnNodeName(conn), out.data, es);
		return;
	}
	appendStringInfoSpaces(es->str, es->indent * 2);
	appendStringInfo(es->str, "Remote Plan:\n%s", out.data);
}
