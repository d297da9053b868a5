/*-------------------------------------------------------------------------
 *
 * credentials.c
 *	  Who a connection to a data node logs in as, with what secret, over
 *	  which TLS settings.
 *
 * A role reaches a data node as itself.  Its password comes from its user
 * mapping, else from the access node's password file (multinode.passfile):
 * read here, never by libpq, and only the line naming the remote user is
 * used.  A line whose user field is "*" matches no role: such a line would
 * hand one password to every role, and to every host a node's owner may
 * name.  (A role literally called "*" is written "\*".)  Its client
 * certificate and key come from multinode.ssl_dir, under file names made
 * from the md5 of the user name (TimescaleDB's layout), so that no name can
 * reach outside the directory.
 *
 * The password file and the certificate directory are the access node's
 * own credentials: callers pass node_credentials = false for a data node a
 * non-superuser owns, since that owner chose where the node points.
 *
 * libpq has fallbacks of its own that would lend the server process's
 * identity to any role: ~/.pgpass, ~/.postgresql/postgresql.crt and the
 * postmaster's PG* environment (PGPASSWORD, PGSERVICE, PGSSLCERT...).  Every
 * connection gets an explicit passfile and client certificate (a path that
 * cannot exist when there is none), and the environment is hidden from
 * libpq while it reads its defaults.
 *
 * TLS: with ssl = on on the access node, sslmode defaults to require; with
 * multinode.ssl_rootcert set, the node's certificate is verified against it
 * (verify-full).  A node's own sslmode and sslrootcert options win.
 *
 * Copyright (c) 2026, multinode developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <sys/stat.h>

#include "common/md5.h"
#include "common/string.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "postmaster/postmaster.h"
#include "storage/fd.h"

#include "guc.h"
#include "remote/connection_internal.h"

/*
 * A path that no one can create (a regular file's child): libpq treats it
 * as a missing file, silently, where /dev/null would draw a warning.
 */
#define NO_FILE "/dev/null/multinode-none"

/* Environment variables libpq reads for connection defaults. */
static const char *const libpq_environment[] = {
	"PGHOST", "PGHOSTADDR", "PGPORT", "PGDATABASE", "PGUSER", "PGPASSWORD",
	"PGPASSFILE", "PGSERVICE", "PGSERVICEFILE", "PGSYSCONFDIR", "PGOPTIONS",
	"PGAPPNAME", "PGSSLMODE", "PGREQUIRESSL", "PGSSLCOMPRESSION", "PGSSLCERT",
	"PGSSLKEY", "PGSSLCERTMODE", "PGSSLROOTCERT", "PGSSLCRL", "PGSSLCRLDIR",
	"PGSSLSNI", "PGREQUIREPEER", "PGSSLMINPROTOCOLVERSION",
	"PGSSLMAXPROTOCOLVERSION", "PGGSSENCMODE", "PGKRBSRVNAME", "PGGSSLIB",
	"PGGSSDELEGATION", "PGCHANNELBINDING", "PGREQUIREAUTH", "PGCONNECT_TIMEOUT",
	"PGCLIENTENCODING", "PGTARGETSESSIONATTRS", "PGLOADBALANCEHOSTS",
	"PGDATESTYLE", "PGTZ"
};

static const char *
absolute_path(const char *path)
{
	return is_absolute_path(path) ? path : psprintf("%s/%s", DataDir, path);
}

const char *
RemoteConnParamsGet(RemoteConnParams *params, const char *keyword)
{
	ListCell   *k,
			   *v;

	forboth(k, params->keywords, v, params->values)
		if (strcmp(lfirst(k), keyword) == 0)
			return lfirst(v);
	return NULL;
}

/* The paths of the client certificate and key of remote user "user". */
static void
client_cert_paths(const char *user, char **cert, char **key)
{
	char		hexsum[33];
	const char *errstr = NULL;
	const char *dir = absolute_path(mn_ssl_dir);

	if (!pg_md5_hash(user, strlen(user), hexsum, &errstr))
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not compute the certificate file name of role \"%s\": %s",
						user, errstr)));
	*cert = psprintf("%s/%s.crt", dir, hexsum);
	*key = psprintf("%s/%s.key", dir, hexsum);
}

/*
 * Refuse a private key others can read, as libpq would, but before libpq
 * and with the role and file named.
 */
static void
check_key_file(const char *key, const char *user)
{
	struct stat st;

	if (stat(key, &st) != 0)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not access private key file \"%s\" of role \"%s\": %m", key, user),
				 errhint("The key of a certificate is the file of the same name ending in .key.")));
	if (!S_ISREG(st.st_mode))
		ereport(ERROR,
				(errcode(ERRCODE_CONFIG_FILE_ERROR),
				 errmsg("private key file \"%s\" of role \"%s\" is not a regular file", key, user)));
	if ((st.st_uid == geteuid() && (st.st_mode & (S_IRWXG | S_IRWXO)) != 0) ||
		(st.st_uid == 0 && (st.st_mode & (S_IWGRP | S_IXGRP | S_IRWXO)) != 0))
		ereport(ERROR,
				(errcode(ERRCODE_CONFIG_FILE_ERROR),
				 errmsg("private key file \"%s\" of role \"%s\" has group or world access", key, user),
				 errdetail("File must have permissions u=rw (0600) or less if owned by the database user, or u=rw,g=r (0640) or less if owned by root."),
				 errhint("Run chmod 0600 on the file.")));
}

/*
 * Add what every connection to a data node has: the remote user, its
 * password (NULL or "": none given), where else a password and a client
 * certificate may come from, TLS defaults, and the session's identity.
 * node_credentials says whether the access node's password file and
 * certificate directory may be used.  Options already in params (the
 * node's) win over the TLS defaults.  Throws for a private key others can
 * read.
 */
void
RemoteConnParamsAddCredentials(RemoteConnParams *params, const char *user, const char *password,
							   bool node_credentials)
{
	bool		have_rootcert;

	RemoteConnParamsSet(params, "user", user);
	if (password && password[0] != '\0')
		RemoteConnParamsSet(params, "password", password);
	else if (node_credentials && mn_passfile && mn_passfile[0] != '\0')
		params->passfile = pstrdup(absolute_path(mn_passfile));

	if (RemoteConnParamsGet(params, "sslrootcert") == NULL && mn_ssl_rootcert &&
		mn_ssl_rootcert[0] != '\0')
		RemoteConnParamsAdd(params, "sslrootcert", absolute_path(mn_ssl_rootcert));
	have_rootcert = RemoteConnParamsGet(params, "sslrootcert") != NULL;
	if (RemoteConnParamsGet(params, "sslmode") == NULL && (EnableSSL || have_rootcert))
		RemoteConnParamsAdd(params, "sslmode", have_rootcert ? "verify-full" : "require");

	/* a client certificate: the node's own option, else the role's file */
	if (!node_credentials)
	{
		RemoteConnParamsSet(params, "sslcert", NO_FILE);
		RemoteConnParamsSet(params, "sslkey", NO_FILE);
	}
	else if (RemoteConnParamsGet(params, "sslcert") == NULL && mn_ssl_dir && mn_ssl_dir[0] != '\0')
	{
		char	   *cert;
		char	   *key;
		struct stat st;

		client_cert_paths(user, &cert, &key);
		if (stat(cert, &st) == 0)
		{
			check_key_file(key, user);
			RemoteConnParamsAdd(params, "sslcert", cert);
			RemoteConnParamsSet(params, "sslkey", key);
		}
		else
			params->expected_cert = cert;
	}

	RemoteConnParamsSet(params, "fallback_application_name", "multinode");
	RemoteConnParamsSet(params, "client_encoding", GetDatabaseEncodingName());
}

/*
 * Read one field of a password file line at *p, up to an unescaped colon
 * (consumed) or the end.  Returns false at the end of the line.  *wild says
 * whether the field is a bare "*".
 */
static bool
passfile_field(char **p, StringInfo out, bool *wild)
{
	char	   *s = *p;

	resetStringInfo(out);
	*wild = (s[0] == '*' && (s[1] == ':' || s[1] == '\0'));
	while (*s != '\0' && *s != ':')
	{
		if (*s == '\\' && s[1] != '\0')
			s++;
		appendStringInfoChar(out, *s++);
	}
	if (*s != ':')
		return false;
	*p = s + 1;
	return true;
}

/*
 * The password of the first line of the password file "path" that matches
 * host, port, database and user, or NULL.  Host, port and database may be
 * "*" in the file; the user may not (see the header comment).  A file that
 * others can read is ignored with a warning, as libpq does.
 */
static char *
passfile_lookup(const char *path, const char *host, const char *port, const char *dbname,
				const char *user)
{
	struct stat st;
	FILE	   *file;
	StringInfoData line;
	StringInfoData field;
	char	   *password = NULL;

	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
		return NULL;
	if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0)
	{
		ereport(WARNING,
				(errcode(ERRCODE_CONFIG_FILE_ERROR),
				 errmsg("password file \"%s\" has group or world access; it is not used", path),
				 errhint("Run chmod 0600 on the file.")));
		return NULL;
	}
	file = AllocateFile(path, "r");
	if (file == NULL)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not open password file \"%s\": %m", path)));

	initStringInfo(&line);
	initStringInfo(&field);
	while (password == NULL && pg_get_line_buf(file, &line))
	{
		const char *want[4] = {host, port, dbname, user};
		char	   *p = line.data;
		int			i;
		bool		match = true;
		bool		wild;

		CHECK_FOR_INTERRUPTS();
		while (line.len > 0 && (line.data[line.len - 1] == '\n' || line.data[line.len - 1] == '\r'))
			line.data[--line.len] = '\0';
		if (line.len == 0 || line.data[0] == '#')
			continue;

		for (i = 0; i < 4 && match; i++)
		{
			if (!passfile_field(&p, &field, &wild))
				match = false;
			else if (wild)
				match = i < 3;
			else
				match = strcmp(field.data, want[i]) == 0;
		}
		if (!match)
			continue;
		/* the rest of the line, de-escaped, is the password */
		resetStringInfo(&field);
		for (; *p != '\0'; p++)
		{
			if (*p == '\\' && p[1] != '\0')
				p++;
			appendStringInfoChar(&field, *p);
		}
		password = pstrdup(field.data);
	}
	FreeFile(file);
	pfree(line.data);
	pfree(field.data);
	return password;
}

/*
 * Last step before libpq sees params: the password from the password file
 * (matched against the final host, port, database and user, as libpq
 * would), and an explicit "none" for every file libpq would otherwise look
 * for in the server process's home directory.
 */
void
RemoteConnParamsSeal(RemoteConnParams *params)
{
	if (RemoteConnParamsGet(params, "password") == NULL && params->passfile != NULL)
	{
		const char *host = RemoteConnParamsGet(params, "host");
		const char *port = RemoteConnParamsGet(params, "port");
		const char *dbname = RemoteConnParamsGet(params, "dbname");
		const char *user = RemoteConnParamsGet(params, "user");
		char	   *password;

		if (host == NULL || host[0] == '\0' || is_absolute_path(host))
			host = "localhost";
		if (user == NULL)
			user = "";
		password = passfile_lookup(params->passfile, host, port ? port : DEF_PGPORT_STR,
								   dbname ? dbname : user, user);
		if (password != NULL)
			RemoteConnParamsAdd(params, "password", password);
	}
	RemoteConnParamsSet(params, "passfile", NO_FILE);
	if (RemoteConnParamsGet(params, "sslcert") == NULL)
		RemoteConnParamsAdd(params, "sslcert", NO_FILE);
	if (RemoteConnParamsGet(params, "sslkey") == NULL)
		RemoteConnParamsAdd(params, "sslkey", NO_FILE);
}

/*
 * PQconnectStartParams with the process environment hidden from libpq's
 * defaults.  Nothing else reads the environment meanwhile (the only other
 * threads a backend has are cancel.c's, which call PQcancel alone, and it
 * reads no environment), and nothing between the unset and the restore can
 * throw, so the environment is always put back.
 */
PGconn *
RemoteConnectStart(const char *const *keywords, const char *const *values)
{
	char	   *saved[lengthof(libpq_environment)];
	PGconn	   *pg;
	int			i;

	for (i = 0; i < lengthof(libpq_environment); i++)
	{
		const char *value = getenv(libpq_environment[i]);

		saved[i] = value ? strdup(value) : NULL;
		if (value && saved[i] == NULL)
		{
			while (--i >= 0)
				free(saved[i]);
			ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
		}
	}
	for (i = 0; i < lengthof(libpq_environment); i++)
		if (saved[i])
			unsetenv(libpq_environment[i]);
	pg = PQconnectStartParams(keywords, values, false);
	for (i = 0; i < lengthof(libpq_environment); i++)
	{
		if (saved[i])
		{
			setenv(libpq_environment[i], saved[i], 1);
			free(saved[i]);
		}
	}
	return pg;
}

/*
 * The failure message of a connection, with the certificate file the role
 * would have sent when it had none and the node's complaint is about
 * certificates.
 */
char *
RemoteConnectFailureDetail(RemoteConnParams *params, char *msg)
{
	if (params->expected_cert != NULL && msg != NULL && strstr(msg, "certificate") != NULL)
		return psprintf("%s\nNo client certificate was sent for user \"%s\": file \"%s\" does not exist.",
						msg, RemoteConnParamsGet(params, "user"), params->expected_cert);
	return msg;
}
