/*-------------------------------------------------------------------------
 *
 * multinode.c
 *	  Library entry point: refuses to load unless preloaded, then installs
 *	  the configuration parameters, hooks and background workers.
 *
 * Copyright (c) 2026, multinode developers
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "miscadmin.h"

#include "guc.h"
#include "multinode.h"
#include "catalog/catalog.h"
#include "bgw/bgw.h"
#include "dist/dist.h"
#include "hypertable/hypertable.h"
#include "planner/planner.h"
#include "remote/remote.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

/*
 * Hooks must be active in every backend and the job scheduler is a
 * background worker registered at postmaster start, so loading the library
 * any later (CREATE EXTENSION, a function call) would give a half-working
 * system.  Refuse instead, telling the user how to fix it.
 */
void
_PG_init(void)
{
	if (!process_shared_preload_libraries_in_progress)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("multinode must be loaded via shared_preload_libraries"),
				 errhint("Add multinode to shared_preload_libraries in postgresql.conf and restart the server.")));

	MultinodeDefineGucs();
	RemoteInit();
	CatalogInit();
	DistInit();
	HypertableInit();
	DataNodeScanInit();
	BgwInit();
}
