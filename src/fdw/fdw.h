/*-------------------------------------------------------------------------
 *
 * fdw.h
 *	  The timescaledb_fdw foreign-data wrapper: handler, option validation.
 *
 * Copyright (c) 2026, multinode developers
 *
 *-------------------------------------------------------------------------
 */
#ifndef MULTINODE_FDW_H
#define MULTINODE_FDW_H

#include "nodes/pg_list.h"

/* Is this a libpq connection option we pass through from the server entry? */
extern bool IsDataNodeLibpqOption(const char *name);

/* The server option "available", false when an operator took the node out. */
extern bool DataNodeOptionAvailable(List *options);

#endif							/* MULTINODE_FDW_H */
