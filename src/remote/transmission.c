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
 * clauses.
 *
 * Copyright (c) 2026, multinode developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/guc.h"

#include "remote/remote.h"

static void
set_fixed(const char *name, const char *value)
{
	(void) set_config_option(name, value, PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0,
							 false);
}

/*
 * Enter the fixed settings.  Returns the nest level to hand to
 * TransmissionModesEnd; pairs must nest properly.
 */
int
TransmissionModesBegin(void)
{
	int			nestlevel = NewGUCNestLevel();

	set_fixed("datestyle", "ISO");
	set_fixed("intervalstyle", "postgres");
	set_fixed("extra_float_digits", "3");
	set_fixed("timezone", "UTC");
	return nestlevel;
}

/* Back to the session's settings. */
void
TransmissionModesEnd(int nestlevel)
{
	AtEOXact_GUC(true, nestlevel);
}
