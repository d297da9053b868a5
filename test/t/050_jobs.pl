# Jobs on a real server: the launcher, the schedulers and job workers.
#
# One instance with multinode preloaded.  Every wait is a bounded poll
# (poll_query_until), never a fixed sleep.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time);

my $node = PostgreSQL::Test::Cluster->new('jobs');
$node->init;
$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'multinode'
max_prepared_transactions = 10
max_worker_processes = 16
timezone = 'UTC'
});
$node->start;

sub sql { return $node->safe_psql($_[1] // 'postgres', $_[0]); }

sub poll
{
	my ($query, $what, $db) = @_;
	ok($node->poll_query_until($db // 'postgres', $query), $what)
	  or diag("gave up waiting for: $query");
}

sub scheduler_pid
{
	my ($db) = @_;
	return sql("SELECT pid FROM pg_stat_activity WHERE backend_type = 'multinode scheduler'"
		  . " AND datname = '$db'");
}

# ---- the launcher starts a scheduler where the extension is created ----------

poll("SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'multinode launcher'",
	'the launcher runs at start-up');
sql('CREATE EXTENSION multinode');
poll("SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'multinode scheduler'"
	  . " AND datname = 'postgres'",
	'CREATE EXTENSION starts a scheduler in its database');
my $scheduler = scheduler_pid('postgres');

sql(q{
CREATE TABLE ticks (job_id int, ts timestamptz DEFAULT clock_timestamp(),
                    who text DEFAULT current_user);
GRANT INSERT ON ticks TO PUBLIC;
CREATE PROCEDURE tick(job_id int, config jsonb) LANGUAGE sql
    AS $$ INSERT INTO ticks (job_id) VALUES (job_id) $$;
CREATE PROCEDURE boom(job_id int, config jsonb) LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'boom from job %', job_id USING HINT = 'It always does that.';
END $$;
CREATE PROCEDURE sleeper(job_id int, config jsonb) LANGUAGE plpgsql
    AS $$ BEGIN PERFORM pg_sleep(3600); END $$;
CREATE TABLE spans (job_id int, s timestamptz, e timestamptz);
CREATE PROCEDURE span(job_id int, config jsonb) LANGUAGE plpgsql AS $$
DECLARE
    s timestamptz := clock_timestamp();
BEGIN
    PERFORM pg_sleep(0.3);
    INSERT INTO spans VALUES (job_id, s, clock_timestamp());
END $$;
});

# ---- a one-second job runs every second ----------------------------------------

my ($tick, $added) = split /\|/,
  sql("SELECT add_job('tick', '1s'), extract(epoch FROM clock_timestamp())");
poll("SELECT count(*) >= 3 FROM ticks WHERE job_id = $tick", 'a 1-second job runs repeatedly');
my $latency = sql("SELECT extract(epoch FROM min(ts)) - $added FROM ticks WHERE job_id = $tick");
diag(sprintf('first run started %.1f ms after add_job', $latency * 1000));
ok($latency < 5.0, 'the first run starts at once');
is( sql("SELECT count(*) = count(DISTINCT floor(extract(epoch FROM t.ts - j.initial_start)))"
		  . " FROM ticks t JOIN timescaledb_information.jobs j USING (job_id)"
		  . " WHERE job_id = $tick"),
	't', 'one run in each one-second slot of the fixed schedule');
poll("SELECT total_successes >= 3 AND last_run_status = 'Success'"
	  . " FROM timescaledb_information.job_stats WHERE job_id = $tick",
	'successes are counted in job_stats');

# ---- a job runs with its owner's privileges ----------------------------------------

sql(q{CREATE ROLE job_owner LOGIN});
my $owned = sql(q{SET ROLE job_owner; SELECT add_job('tick', '1h')});
poll("SELECT count(*) > 0 FROM ticks WHERE job_id = $owned", 'a job owned by a role runs');
is(sql("SELECT DISTINCT who FROM ticks WHERE job_id = $owned"), 'job_owner',
	'it runs as its owner');

# ---- failures: recorded, retried with back-off, the scheduler survives ----------

my $boom = sql(q{SELECT add_job('boom', '1h', scheduled => false)});
sql("SELECT alter_job($boom, retry_period => '1 s', max_retries => 2, scheduled => true)");
poll("SELECT total_failures = 3 FROM timescaledb_information.job_stats WHERE job_id = $boom",
	'a failing job is retried max_retries times');
is( sql("SELECT count(*), min(sqlerrcode), min(err_message) FROM timescaledb_information.job_errors"
		  . " WHERE job_id = $boom"),
	"3|P0001|boom from job $boom. It always does that.",
	'each failure is in job_errors');
is( sql("SELECT last_run_status, next_start > now() + interval '50 min'"
		  . " FROM timescaledb_information.job_stats WHERE job_id = $boom"),
	'Failed|t', 'after the last retry the job waits for its next regular start');
is( sql("SELECT (max(finish_time) - min(finish_time)) BETWEEN '2.5 s' AND '60 s'"
		  . " FROM timescaledb_information.job_errors WHERE job_id = $boom"),
	't', 'retries back off (1 s, then 2 s)');
is(scheduler_pid('postgres'), $scheduler, 'the scheduler survived the failures');

# ---- max_runtime stops a job that never ends ------------------------------------

my $sleeper = sql(q{SELECT add_job('sleeper', '1h', scheduled => false)});
sql("SELECT alter_job($sleeper, max_runtime => '1 s', retry_period => '1 h', scheduled => true)");
poll("SELECT count(*) = 1 FROM timescaledb_information.job_errors WHERE job_id = $sleeper",
	'a job past its max_runtime is stopped');
is( sql("SELECT sqlerrcode, err_message FROM timescaledb_information.job_errors"
		  . " WHERE job_id = $sleeper"),
	"57014|job $sleeper exceeded its max_runtime of 00:00:01 and was stopped",
	'and the stop is recorded');
is( sql("SELECT count(*) FROM pg_stat_activity"
		  . " WHERE application_name = 'User-Defined Action [$sleeper]'"),
	'0', 'its worker is gone');
is( sql("SELECT job_status, last_run_duration < '60 s' FROM timescaledb_information.job_stats"
		  . " WHERE job_id = $sleeper"),
	'Scheduled|t', 'it is scheduled again');

# ---- dropping a scheduled job's procedure ----------------------------------------

sql(q{CREATE PROCEDURE doomed(job_id int, config jsonb) LANGUAGE sql AS 'SELECT 1'});
my $doomed = sql(q{SELECT add_job('doomed', '1s')});
poll("SELECT total_successes > 0 FROM timescaledb_information.job_stats WHERE job_id = $doomed",
	'a job runs before its procedure is dropped');
sql(q{DROP PROCEDURE doomed});
poll("SELECT count(*) >= 2 FROM timescaledb_information.job_errors"
	  . " WHERE job_id = $doomed AND sqlerrcode = '42883'",
	'after DROP PROCEDURE each run fails with undefined_function');
is(scheduler_pid('postgres'), $scheduler, 'the scheduler carries on');
sql("SELECT delete_job($doomed)");

# ---- other databases: created, dropped, extension dropped -----------------------

sql('CREATE DATABASE db2');
sql(q{CREATE EXTENSION multinode;
      CREATE PROCEDURE sleeper(job_id int, config jsonb) LANGUAGE plpgsql
          AS $$ BEGIN PERFORM pg_sleep(3600); END $$;}, 'db2');
poll("SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'multinode scheduler'"
	  . " AND datname = 'db2'", 'a scheduler starts in a second database');

# an idle scheduler costs nothing: it sleeps until its next job is due
my $db2_scheduler = scheduler_pid('db2');
my $cpu = sub {
	open my $fh, '<', "/proc/$db2_scheduler/stat" or return undef;
	my @f = split ' ', <$fh>;
	return $f[13] + $f[14];
};
my $before = $cpu->();
my $t0 = time;
$node->poll_query_until('postgres', "SELECT clock_timestamp() > to_timestamp($t0 + 3)");
my $ticks = $cpu->() - $before;
diag("idle scheduler CPU over 3 s: $ticks clock ticks");
ok($ticks <= 2, 'an idle scheduler does not burn CPU');

my $db2_job = sql(q{SELECT add_job('sleeper', '1h')}, 'db2');
poll("SELECT count(*) = 1 FROM pg_stat_activity WHERE datname = 'db2'"
	  . " AND application_name = 'User-Defined Action [$db2_job]'",
	'its job is running');
my $t = time;
sql('DROP DATABASE db2');
diag(sprintf('DROP DATABASE with a running job took %.0f ms', (time - $t) * 1000));
is( sql("SELECT count(*) FROM pg_stat_activity WHERE backend_type LIKE 'multinode%'"
		  . " AND datname = 'db2'"),
	'0', 'DROP DATABASE stops its scheduler and jobs');

sql('CREATE DATABASE db3');
sql('CREATE EXTENSION multinode', 'db3');
poll("SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'multinode scheduler'"
	  . " AND datname = 'db3'", 'a scheduler starts in a third database');
sql('DROP EXTENSION multinode', 'db3');
poll("SELECT count(*) = 0 FROM pg_stat_activity WHERE backend_type = 'multinode scheduler'"
	  . " AND datname = 'db3'", 'DROP EXTENSION stops it');
sql('DROP DATABASE db3');

# ---- the maintenance page, as printed --------------------------------------------

# The healing function belongs to the two-phase-commit work: a stub stands
# in for it until it exists.
sql(q{
DO $$
BEGIN
    IF to_regproc('_timescaledb_internal.remote_txn_heal_data_node') IS NULL THEN
        CREATE FUNCTION _timescaledb_internal.remote_txn_heal_data_node(oid) RETURNS int
        LANGUAGE sql AS 'SELECT 0';
    END IF;
END $$;
});
sql(q{
CREATE OR REPLACE PROCEDURE data_node_maintenance(job_id int, config jsonb)
LANGUAGE SQL AS
$$
    SELECT _timescaledb_internal.remote_txn_heal_data_node(fs.oid)
    FROM pg_foreign_server fs, pg_foreign_data_wrapper fdw
    WHERE fs.srvfdw = fdw.oid
    AND fdw.fdwname = 'timescaledb_fdw';
$$;
});
my $maint = sql(q{SELECT add_job('data_node_maintenance', '5m')});
poll("SELECT total_successes = 1 FROM timescaledb_information.job_stats WHERE job_id = $maint",
	'the maintenance job runs');

# ---- schedules survive a restart -------------------------------------------------

sql("SELECT alter_job(id, scheduled => false) FROM _timescaledb_catalog.bgw_job"
	  . " WHERE id NOT IN ($tick, $maint)");
sql("SELECT alter_job($tick, scheduled => true)");
my $next = sql("SELECT next_start FROM timescaledb_information.jobs WHERE job_id = $maint");
sql(q{ALTER SYSTEM SET multinode.max_background_workers = 1});
$node->restart;
poll("SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'multinode scheduler'"
	  . " AND datname = 'postgres'", 'the scheduler is back after a restart');
is(sql("SELECT next_start FROM timescaledb_information.jobs WHERE job_id = $maint"),
	$next, 'the next start survived the restart');
my $count = sql("SELECT count(*) FROM ticks WHERE job_id = $tick");
poll("SELECT count(*) >= $count + 2 FROM ticks WHERE job_id = $tick",
	'the 1-second job runs again');

# ---- multinode.max_background_workers limits concurrent jobs ---------------------

# (the limit was set before the restart, so the scheduler surely has it)
sql("SELECT alter_job(id, scheduled => false) FROM _timescaledb_catalog.bgw_job");
my $span_a = sql(q{SELECT add_job('span', '1s')});
my $span_b = sql(q{SELECT add_job('span', '1s')});
poll("SELECT count(DISTINCT job_id) = 2 AND count(*) >= 4 FROM spans",
	'two jobs run under a limit of one worker');
is( sql(q{SELECT count(*) FROM spans a JOIN spans b ON a.ctid < b.ctid AND a.s < b.e AND b.s < a.e}),
	'0', 'their runs never overlap');
sql("SELECT delete_job($span_a), delete_job($span_b)");
sql(q{ALTER SYSTEM RESET multinode.max_background_workers; SELECT pg_reload_conf()});
sql("SELECT alter_job($tick, scheduled => true)");

# ---- a crash: the run in progress is recorded as failed --------------------------

sql("SELECT alter_job($sleeper, max_runtime => '0', next_start => now(), scheduled => true)");
poll("SELECT job_status = 'Running' FROM timescaledb_information.job_stats WHERE job_id = $sleeper",
	'a long job is running');
$node->stop('immediate');
$node->start;
poll("SELECT job_status = 'Scheduled' FROM timescaledb_information.job_stats"
	  . " WHERE job_id = $sleeper", 'after a crash the run is no longer shown running');
is( sql("SELECT err_message FROM timescaledb_information.job_errors WHERE job_id = $sleeper"
		  . " ORDER BY finish_time DESC LIMIT 1"),
	'job crash detected, see server logs', 'it is recorded as a crash');
ok($node->log_contains('recorded \\d+ interrupted job run'), 'and the scheduler says so in the log');
poll("SELECT count(*) >= $count + 4 FROM ticks WHERE job_id = $tick",
	'jobs run again after the crash');

$node->stop;
done_testing();
