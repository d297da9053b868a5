/*-------------------------------------------------------------------------
 *
 * stats_internal.h
 *	  What stats_import.c (fetching from the data nodes) hands to
 *	  stats_merge.c (merging and storing on the access node).
 *
 * Copyright (c) 2026, multinode developers
 *
 *-------------------------------------------------------------------------
 */
#ifndef MULTINODE_DIST_STATS_INTERNAL_H
#define MULTINODE_DIST_STATS_INTERNAL_H

#include "nodes/pg_list.h"
#include "utils/relcache.h"

/*
 * One column's statistics on one data node, as its pg_stats row for the
 * member hypertable (inherited = true) prints them: arrays as text printed
 * under the fixed transmission settings, NULL when absent.
 */
typedef struct NodeColumnStats
{
	double		rows;			/* the node's rows, replicas included */
	float4		null_frac;
	int32		avg_width;
	float4		n_distinct;
	char	   *mcv;			/* most_common_vals */
	char	   *mcf;			/* most_common_freqs */
	char	   *histogram;		/* histogram_bounds */
	bool		has_correlation;
	float4		correlation;
} NodeColumnStats;

/*
 * Merge the nodes' statistics of column attnum of the access node's root
 * (NodeColumnStats *, one per node that has any) and store them in
 * pg_statistic (stainherit = false).  total_rows counts every chunk once;
 * node_rows sums the nodes' rows, replicas included; is_space: the column
 * is the space dimension's, whose values never recur on two nodes (but on
 * each replica).  Runs as the table's owner: the column type's functions
 * are called.
 */
extern void StatsMergeColumn(Relation root, AttrNumber attnum, List *node_stats,
							 double total_rows, double node_rows, bool is_space);

#endif							/* MULTINODE_DIST_STATS_INTERNAL_H */
