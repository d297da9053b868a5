/*-------------------------------------------------------------------------
 *
 * txn_id.c
 *	  The GIDs of the prepared transactions multinode makes on data nodes.
 *
 * A GID says everything healing needs to decide its fate without asking the
 * data node anything else:
 *
 *		mn:<cluster>:<database>:<xid>:<server>:<role>
 *
 * cluster is the access node's dist_uuid; database the OID of the access
 * node's database (a database copied from another one carries the same uuid,
 * so the uuid alone is not enough); xid the access-node transaction as a full
 * 64-bit transaction id, so that it stays unambiguous across xid wraparound;
 * server the foreign server OID of the data node it was sent to; role the
 * local role whose connection it was (a transaction that switches roles has
 * one remote transaction per role on a node, and each needs its own GID).  The
 * "mn:<cluster>:<database>:" prefix is how healing recognises prepared
 * transactions that are ours: prepared transactions of other databases, other
 * clusters or users never match it and are never touched.
 *
 * Copyright (c) 2026, multinode developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "remote/txn_internal.h"

#define GID_MAGIC "mn"

/* Write the GID into buf (MN_GID_SIZE bytes). */
void
RemoteTxnIdFormat(char *buf, const char *cluster, Oid database, FullTransactionId fxid,
				  Oid server_id, Oid user_id)
{
	snprintf(buf, MN_GID_SIZE, GID_MAGIC ":%s:%u:" UINT64_FORMAT ":%u:%u",
			 cluster, database, U64FromFullTransactionId(fxid), server_id, user_id);
}

/* The prefix shared by every GID of one access-node database, palloc'd. */
char *
RemoteTxnIdPrefix(const char *cluster, Oid database)
{
	return psprintf(GID_MAGIC ":%s:%u:", cluster, database);
}

/* Parse an unsigned decimal number up to the next ':' or the end. */
static bool
parse_number(const char **p, uint64 *value, bool last)
{
	const char *s = *p;
	uint64		v = 0;

	if (*s < '0' || *s > '9')
		return false;
	while (*s >= '0' && *s <= '9')
	{
		if (v > (PG_UINT64_MAX - 9) / 10)
			return false;
		v = v * 10 + (*s - '0');
		s++;
	}
	if (last ? *s != '\0' : *s != ':')
		return false;
	*p = last ? s : s + 1;
	*value = v;
	return true;
}

/*
 * Split a GID into its parts.  Returns false for anything that is not one of
 * ours in shape (foreign GIDs are normal input: never an error).
 */
bool
RemoteTxnIdParse(const char *gid, RemoteTxnId *id)
{
	const char *p = gid;
	const char *colon;
	uint64		database;
	uint64		xid;
	uint64		server;
	uint64		user;

	if (strncmp(p, GID_MAGIC ":", strlen(GID_MAGIC) + 1) != 0)
		return false;
	p += strlen(GID_MAGIC) + 1;
	colon = strchr(p, ':');
	if (colon == NULL || colon == p || colon - p >= (ptrdiff_t) sizeof(id->cluster))
		return false;
	memcpy(id->cluster, p, colon - p);
	id->cluster[colon - p] = '\0';
	p = colon + 1;
	if (!parse_number(&p, &database, false) || database > PG_UINT32_MAX ||
		!parse_number(&p, &xid, false) ||
		!parse_number(&p, &server, false) || server > PG_UINT32_MAX ||
		!parse_number(&p, &user, true) || user > PG_UINT32_MAX)
		return false;
	id->database = (Oid) database;
	id->fxid = FullTransactionIdFromU64(xid);
	id->server_id = (Oid) server;
	id->user_id = (Oid) user;
	return FullTransactionIdIsValid(id->fxid);
}
