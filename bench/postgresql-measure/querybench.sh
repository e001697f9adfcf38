#!/bin/bash
# "the last hour of key X" on 4M rows (20 keys interleaved, 10 hours of collection time, appended in time order)
P="psql -h 127.0.0.1 -p 55433 -U postgres -X -q"
$P <<'SQL'
DROP TABLE IF EXISTS q;
CREATE TABLE q (LIKE src);
INSERT INTO q SELECT now() - interval '10 hours' + i * interval '9 ms', '', 'key' || (i % 20), '/var/log/app' || (i%20) || '.log', 1000 + i%20, i*106::bigint,
  '2026-11-30T03:00:00.000Z INFO worker-' || (i%17) || ' request ' || i || ' ' || repeat('x', ((i::bigint*7919)%170)::int), false, NULL FROM generate_series(1,4000000) i;
VACUUM ANALYZE q;
SELECT pg_size_pretty(pg_relation_size('q')) AS heap;
SQL
for idx in btree brin; do
  $P -c "DROP INDEX IF EXISTS q_idx"
  if [ $idx = btree ]; then $P -c 'CREATE INDEX q_idx ON q (key, "time")'; else $P -c 'CREATE INDEX q_idx ON q USING brin ("time")'; fi
  $P -c "VACUUM ANALYZE q"
  $P -t -A -c "SELECT '$idx index size ' || pg_size_pretty(pg_relation_size('q_idx'))"
  for rep in 1 2 3; do
    $P -c "EXPLAIN (ANALYZE, BUFFERS, TIMING OFF) SELECT \"time\", file, line FROM q WHERE key = 'key7' AND \"time\" > now() - interval '1 hour' ORDER BY \"time\", inode, \"offset\"" | grep -E "Execution Time|Buffers: shared|Scan on|rows=" | head -4
  done
done
