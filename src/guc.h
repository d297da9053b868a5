/*-------------------------------------------------------------------------
 *
 * guc.h
 *	  The multinode.* configuration parameters.
 *
 * Copyright (c) 2026, multinode developers
 *
 *-------------------------------------------------------------------------
 */
#ifndef MULTINODE_GUC_H
#define MULTINODE_GUC_H

extern bool mn_access_node_session;
extern int	mn_connect_timeout;
extern char *mn_debug_chunk_copy_fault;
extern char *mn_debug_fault;
extern bool mn_enable_2pc;
extern bool mn_enable_aggregate_pushdown;
extern bool mn_enable_client_ddl_on_data_nodes;
extern bool mn_enable_distributed_ddl;
extern bool mn_enable_ordered_append;
extern bool mn_explain_data_node_plans;
extern int	mn_max_background_workers;
extern int	mn_max_insert_batch_size;
extern int	mn_max_open_chunks_per_insert;
extern char *mn_passfile;
extern int	mn_remote_statement_cache_size;
extern char *mn_ssl_dir;
extern char *mn_ssl_rootcert;

/* node-down handling (remote/suspect.c) */
extern int	mn_node_suspect_interval;

/* autocommit INSERTs sent with their commit (remote/held.c) */
extern bool mn_hold_autocommit_insert;

extern void MultinodeDefineGucs(void);

#endif							/* MULTINODE_GUC_H */
