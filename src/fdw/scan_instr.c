/*-------------------------------------------------------------------------
 *
 * scan_instr.c
 *	  Counting what each data node of a RemoteScan did, for EXPLAIN ANALYZE.
 *
 * scan.c reports three events per node: a run starts (the first command
 * is about to be sent), an answer arrived (a FETCH's batch, the query's
 * whole result, the DECLARE's or CLOSE's acknowledgement), a run ends (the
 * scan restarts or ends).  Rows are counted by scan.c as it hands them on.
 * Counting is always on, being a few increments per batch; reading the
 * clock only when the EXPLAIN asked for timing.
 *
 * The answers of a round are read node after node, so a node's times
 * include waiting for the answers read before its own: they say when the
 * access node had the node's rows, which is what the query waited for.
 *
 * Copyright (c) 2026, multinode developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fdw/fdw.h"

void
RemoteNodeInstrStart(RemoteNodeInstr *ni, bool timing)
{
	ni->loops++;
	ni->running = true;
	ni->first_seen = false;
	if (timing)
	{
		INSTR_TIME_SET_CURRENT(ni->run_start);
		ni->last_answer = ni->run_start;
	}
}

/* An answer from the node; rows_or_end: it carried rows, or said there are none left */
void
RemoteNodeInstrAnswer(RemoteNodeInstr *ni, bool rows_or_end, bool timing)
{
	instr_time elapsed;

	ni->round_trips++;
	if (!timing || !ni->running)
		return;
	INSTR_TIME_SET_CURRENT(ni->last_answer);
	if (rows_or_end && !ni->first_seen)
	{
		elapsed = ni->last_answer;
		INSTR_TIME_SUBTRACT(elapsed, ni->run_start);
		ni->startup += INSTR_TIME_GET_DOUBLE(elapsed);
		ni->first_seen = true;
	}
}

/* The run is over: add its total time (to the last answer) to the sums. */
void
RemoteNodeInstrStop(RemoteNodeInstr *ni, bool timing)
{
	instr_time elapsed;

	if (!ni->running)
		return;
	ni->running = false;
	if (!timing)
		return;
	elapsed = ni->last_answer;
	INSTR_TIME_SUBTRACT(elapsed, ni->run_start);
	ni->total += INSTR_TIME_GET_DOUBLE(elapsed);
	/* no rows ever came: the first row is the end, as for a plan node */
	if (!ni->first_seen)
		ni->startup += INSTR_TIME_GET_DOUBLE(elapsed);
}

/*
 * The sums so far, the run under way included: EXPLAIN ANALYZE prints the
 * plan before the executor ends the scan.
 */
void
RemoteNodeInstrTotals(const RemoteNodeInstr *ni, RemoteNodeInstr *out)
{
	*out = *ni;
	RemoteNodeInstrStop(out, true);
}
