-- Result comparison of the aggregate pushdown tests (dist_agg, dist_agg_partial):
-- the distributed hypertables conditions and replicated against the plain table
-- conditions_local holding the same rows.
-- same(q): q run with %1$s = conditions, %2$s = replicated, and with
-- conditions_local for both; n rows, diff rows in one result and not in
-- the other (EXCEPT ALL both ways; NaN equals NaN there).
CREATE FUNCTION same(q text, OUT n bigint, OUT diff bigint) LANGUAGE plpgsql AS $$
DECLARE
    d text := format(q, 'conditions', 'replicated');
    l text := format(q, 'conditions_local', 'conditions_local');
BEGIN
    EXECUTE format('SELECT count(*) FROM (%s) x', d) INTO n;
    EXECUTE format('SELECT count(*) FROM (((%s) EXCEPT ALL (%s)) UNION ALL ((%s) EXCEPT ALL (%s))) x',
                   d, l, l, d) INTO diff;
END $$;
-- ordered(q): the same, row for row in order
CREATE FUNCTION ordered(q text) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
    a text[];
    b text[];
BEGIN
    EXECUTE format('SELECT array_agg(x::text) FROM (%s) x', format(q, 'conditions', 'replicated')) INTO a;
    EXECUTE format('SELECT array_agg(x::text) FROM (%s) x', format(q, 'conditions_local', 'conditions_local')) INTO b;
    RETURN a IS NOT DISTINCT FROM b;
END $$;
