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

/*
 * TimescaleDB's own SQLSTATEs, kept where scripts written for it test them
 * (class TS); everything else uses PostgreSQL's standard codes.
 */
#define ERRCODE_MN_HYPERTABLE_EXISTS MAKE_SQLSTATE('T','S','1','1','0')
#define ERRCODE_MN_DIMENSION_EXISTS MAKE_SQLSTATE('T','S','1','3','0')

#endif							/* MULTINODE_H */
