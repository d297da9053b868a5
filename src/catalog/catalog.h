/*-------------------------------------------------------------------------
 *
 * catalog.h
 *	  Public face of catalog/: the _timescaledb_catalog tables.
 *
 * Copyright (c) 2026, multinode developers
 *
 *-------------------------------------------------------------------------
 */
#ifndef MULTINODE_CATALOG_H
#define MULTINODE_CATALOG_H

/* metadata.c: the database's identity in a distributed database */
extern char *MetadataGet(const char *key);
extern void MetadataSet(const char *key, const char *value);
extern void MetadataDelete(const char *key);
extern char *ExtensionVersion(void);
extern const char *MetadataClusterId(void);

typedef enum DistRole
{
	DIST_ROLE_NONE,				/* not part of a distributed database */
	DIST_ROLE_ACCESS_NODE,
	DIST_ROLE_DATA_NODE,
} DistRole;

extern DistRole GetDistRole(void);

/* remote_txn.c: the commit decisions of distributed transactions */
extern void RemoteTxnLogWrite(int n, const char *const *node_names, const char *const *gids);
extern void RemoteTxnLogLookup(int n, char **gids, bool *has_row);
extern char *RemoteTxnLogHorizon(void);
extern uint64 RemoteTxnLogCollect(const char *node_name, const char *prefix, int xid_field,
								  const char *horizon, int nkeep, char **keep);

#endif							/* MULTINODE_CATALOG_H */
