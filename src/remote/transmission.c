/*-------------------------------------------------------------------------
 *
 * transmission.c
 *	  Fixed output settings for values shipped to data nodes as text.
 *
 * A value printed by its type's output function for a data node to read
 * back must not depend on the printing session's display settings:
 * DateStyle 'SQL, DMY' writes 05/01/2024 for a node (ISO, MDY) to read as
 * May 1st, IntervalStyle sql_standard writes negative intervals that the
 * node's postgres style reads with other signs, extra_float_digits below 1
 * rounds, and a time zone whose abbreviation means something else on the
 * node (IST: India, Israel or Ireland) shifts a timestamp.  Between
 * TransmissionModesBegin and TransmissionModesEnd the settings are those of
 * the data nodes' own sessions (connection.c sets the same), at a new GUC
 * nest level, so that an error in between unwinds them with the
 * (sub)transaction.  Everything that prints a value for a node goes
 * through here: deparsed constants, parameters, text COPY rows, ON CONFLICT
 * clauses, deparsed DDL.
 *
 * The other direction: a user's own statement text forwarded to the nodes
 * (DDL on a distributed hypertable) holds literals that this session parsed
 * under its settings, so the node must parse it under the same ones.
 * RemoteUseCallerSettings gives the node's session the caller's
 * search_path, DateStyle, IntervalStyle and TimeZone for that statement, and
 * RemoteRestoreSettings goes back to the fixed ones.  Both are session
 * settings inside the remote transaction: if it aborts, they revert with it.
 *
 * Copyright (c) 2026, multinode developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "libpq-fe.h"
#include "miscadmin.h"
#include "pgtime.h"
#include "utils/float.h"
#include "utils/guc.h"

#include "remote/remote.h"

/* Set name to value at the transmission nest level, opened on first use. */
static void
set_fixed(int *nestlevel, const char *name, const char *value)
{
	if (*nestlevel < 0)
		*nestlevel = NewGUCNestLevel();
	(void) set_config_option(name, value, PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0,
							 false);
}

/*
 * Enter the fixed settings.  Returns the nest level to hand to
 * TransmissionModesEnd, or -1 when the session already has them (the usual
 * case, and then nothing is set: rows are encoded under this, one call per
 * row).  Pairs must nest properly.  A caller inside its own GUC nest level
 * (e.g. one pinning search_path) may instead let its AtEOXact_GUC end both,
 * as that restores every level at or above its own.
 */
int
TransmissionModesBegin(void)
{
	int			nestlevel = -1;

	if (DateStyle != USE_ISO_DATES)
		set_fixed(&nestlevel, "datestyle", "ISO");
	if (IntervalStyle != INTSTYLE_POSTGRES)
		set_fixed(&nestlevel, "intervalstyle", "postgres");
	/* any positive value prints floats in their shortest exact form */
	if (extra_float_digits < 1)
		set_fixed(&nestlevel, "extra_float_digits", "3");
	if (strcmp(pg_get_timezone_name(session_timezone), "UTC") != 0)
		set_fixed(&nestlevel, "timezone", "UTC");
	return nestlevel;
}

/* Back to the session's settings. */
void
TransmissionModesEnd(int nestlevel)
{
	if (nestlevel >= 0)
		AtEOXact_GUC(true, nestlevel);
}

/* The caller's settings on conn's session, to run the caller's SQL text. */
void
RemoteUseCallerSettings(DataNodeConn *conn)
{
	const char *params[4];

	params[0] = GetConfigOption("search_path", false, false);
	params[1] = GetConfigOption("datestyle", false, false);
	params[2] = GetConfigOption("intervalstyle", false, false);
	params[3] = GetConfigOption("timezone", false, false);
	PQclear(RemoteExecParams(conn,
							 "SELECT pg_catalog.set_config('search_path', $1, false), "
							 "pg_catalog.set_config('datestyle', $2, false), "
							 "pg_catalog.set_config('intervalstyle', $3, false), "
							 "pg_catalog.set_config('timezone', $4, false)",
							 4, params));
}

/* Back to the settings every node session runs with (connection.c). */
void
RemoteRestoreSettings(DataNodeConn *conn)
{
	RemoteExecCommand(conn, RemoteSessionSetupSQL());
}
