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
#define ERRCODE_MN_HYPERTABLE_NOT_EXIST MAKE_SQLSTATE('T','S','0','0','1')
#define ERRCODE_MN_HYPERTABLE_EXISTS MAKE_SQLSTATE('T','S','1','1','0')
#define ERRCODE_MN_OPERATION_NOT_SUPPORTED MAKE_SQLSTATE('T','S','1','0','1')
#define ERRCODE_MN_TABLESPACE_ALREADY_ATTACHED MAKE_SQLSTATE('T','S','1','4','0')
#define ERRCODE_MN_TABLESPACE_NOT_ATTACHED MAKE_SQLSTATE('T','S','1','5','0')
#define ERRCODE_MN_DIMENSION_EXISTS MAKE_SQLSTATE('T','S','1','6','0')
#define ERRCODE_MN_DATA_NODE_ASSIGNMENT_ALREADY_EXISTS MAKE_SQLSTATE('T','S','1','7','1')
#define ERRCODE_MN_DATA_NODE_ALREADY_ATTACHED MAKE_SQLSTATE('T','S','1','7','2')
#define ERRCODE_MN_DATA_NODE_NOT_ATTACHED MAKE_SQLSTATE('T','S','1','7','3')
#define ERRCODE_MN_DATA_NODE_IN_USE MAKE_SQLSTATE('T','S','5','0','4')
#define ERRCODE_MN_INSUFFICIENT_NUM_DATA_NODES MAKE_SQLSTATE('T','S','1','7','0')
#define ERRCODE_MN_DATA_NODE_INVALID_CONFIG MAKE_SQLSTATE('T','S','1','7','4')

#endif							/* MULTINODE_H */
