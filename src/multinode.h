/*-------------------------------------------------------------------------
 *
 * multinode.h
 *	  Names shared by every component: schemas, the FDW, the version.
 *
 * Copyright (c) 2026, multinode developers
 *
 *-------------------------------------------------------------------------
 */
#ifndef MULTINODE_H
#define MULTINODE_H

#define MN_EXTENSION_NAME "multinode"
#define MN_FDW_NAME "timescaledb_fdw"
#define MN_CATALOG_SCHEMA "_timescaledb_catalog"
#define MN_INTERNAL_SCHEMA "_timescaledb_internal"
#define MN_FUNCTIONS_SCHEMA "_timescaledb_functions"
#define MN_INFORMATION_SCHEMA "timescaledb_information"

#endif							/* MULTINODE_H */
