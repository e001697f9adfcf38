CREATE TABLE src ("time" timestamptz NOT NULL, node text NOT NULL, key text NOT NULL, file text NOT NULL, inode bigint NOT NULL, "offset" bigint NOT NULL, line text NOT NULL, cut boolean NOT NULL, raw bytea);
INSERT INTO src SELECT now() - interval '2 hours' + (i/10000) * interval '50 ms', '', 'bulk', '/tmp/bench/bulk/app.log', 123456, i*106::bigint,
  '2026-11-30T03:00:00.000Z INFO worker-' || (i%17) || ' request ' || i || ' ' || repeat('x', ((i::bigint*7919)%170)::int), false, NULL FROM generate_series(1,1000000) i;
COPY src TO '/tmp/wt13q-pg/rows.txt';
COPY src TO '/tmp/wt13q-pg/rows.bin' WITH (FORMAT binary);
