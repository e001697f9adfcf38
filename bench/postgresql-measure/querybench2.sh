#!/bin/bash
# "the last hour of key X", 4M rows, 20 keys, 10 hours, appended in time order.
# layout q: keys interleaved row by row; qc: runs of 1,000 rows per key (as a sink's writes hold whole batches)
P="psql -h 127.0.0.1 -p 55433 -U postgres -X -q"
$P <<'SQL'
DROP TABLE IF EXISTS qc;
CREATE TABLE qc (LIKE src);
INSERT INTO qc SELECT now() - interval '10 hours' + i * interval '9 ms', '', 'key' || ((i/1000) % 20), '/var/log/app.log', 1000, i*106::bigint,
  '2026-11-30T03:00:00.000Z INFO worker-' || (i%17) || ' request ' || i || ' ' || repeat('x', ((i::bigint*7919)%170)::int), false, NULL FROM generate_series(1,4000000) i;
SQL
for t in q qc; do
for idx in btree brin; do
  $P -c "DROP INDEX IF EXISTS ${t}_idx"
  if [ $idx = btree ]; then $P -c "CREATE INDEX ${t}_idx ON $t (key, \"time\")"; else $P -c "CREATE INDEX ${t}_idx ON $t USING brin (\"time\")"; fi
  $P -c "VACUUM ANALYZE $t"
  echo "== $t $idx $($P -t -A -c "SELECT pg_size_pretty(pg_relation_size('${t}_idx'))")"
  for rep in 1 2 3; do
    $P -c "EXPLAIN (ANALYZE, BUFFERS) SELECT \"time\", file, line FROM $t WHERE key = 'key7' AND \"time\" > now() - interval '1 hour' ORDER BY \"time\", inode, \"offset\"" | grep -E "Execution Time|Buffers: shared|Scan on|Heap Blocks" | head -3 | tr -s ' ' | tr '\n' ';'; echo
    $P -c "EXPLAIN (ANALYZE) SELECT \"time\", file, line FROM $t WHERE key = 'key7' AND \"time\" > now() - interval '1 hour' ORDER BY \"time\", inode, \"offset\"" | grep -E "Execution Time"
  done
done; done
