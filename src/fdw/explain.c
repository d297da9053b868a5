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
 * Copyright (c) 2026, multinode developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "commands/explain.h"
#include "lib/stringinfo.h"

#include "fdw/fdw.h"
#include "remote/remote.h"

/*
 * A data node's activity for a scan under EXPLAIN ANALYZE, in the manner
 * of a plan node's: times and rows per run (loop), round trips (with
 * VERBOSE) over all runs, and runs that left the node out.
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
				appendStringInfo(es->str, " round trips=" INT64_FORMAT, ni.round_trips);
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
		ExplainPropertyInteger("Round Trips", NULL, ni.round_trips, es);
	ExplainPropertyInteger("Skipped Runs", NULL, ni.skipped, es);
}

/*
 * The data node's own plan of sql (its parameters bound to values), nested
 * under the node's entry: lines of text in the TEXT format, a list of them
 * ("Remote Plan") in the others.  Without values for its parameters (plain
 * EXPLAIN: they are known when the query runs) a note says so instead of a
 * plan the node could only guess.  Raises the node's error if it cannot.
 */
void
ExplainRemotePlan(Oid server_id, const char *sql, int nparams, const char *const *values,
				  ExplainState *es)
{
	DataNodeConn *conn;
	char	   *cmd;
	PGresult   *res;
	List	   *lines = NIL;
	ListCell   *lc;
	int			i;

	if (nparams > 0 && values == NULL)
	{
		ExplainPropertyText("Remote Plan",
							"not shown: the remote SQL has parameters, known when the query runs (EXPLAIN ANALYZE shows it)",
							es);
		return;
	}
	conn = GetDataNodeConnection(server_id, REMOTE_TXN_READ);
	cmd = psprintf("EXPLAIN (VERBOSE %s, COSTS %s) %s", es->verbose ? "on" : "off",
				   es->costs ? "on" : "off", sql);
	res = nparams > 0 ? RemoteExecParams(conn, cmd, nparams, values) : RemoteExec(conn, cmd);

	PG_TRY();
	{
		for (i = 0; i < PQntuples(res); i++)
			lines = lappend(lines, pstrdup(PQgetvalue(res, i, 0)));
	}
	PG_FINALLY();
	{
		PQclear(res);
	}
	PG_END_TRY();
	pfree(cmd);
	if (es->format != EXPLAIN_FORMAT_TEXT)
	{
		ExplainPropertyList("Remote Plan", lines, es);
		return;
	}
	appendStringInfoSpaces(es->str, es->indent * 2);
	appendStringInfoString(es->str, "Remote Plan:\n");
	foreach(lc, lines)
	{
		appendStringInfoSpaces(es->str, (es->indent + 1) * 2);
		appendStringInfo(es->str, "%s\n", (char *) lfirst(lc));
	}
}
