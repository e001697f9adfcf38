#!/bin/bash
# pgrun.sh BIN TABLE [extra yaml under logs.bulk]  -- bulk 1M lines into the private PG at 55433
BIN=$1; T=$2; EXTRA=$3
D=/tmp/wt13q-run/$T; rm -rf $D; mkdir -p $D
P="psql -h 127.0.0.1 -p 55433 -U postgres -X -q -t -A"
$P -c "DROP TABLE IF EXISTS $T; DROP TABLE IF EXISTS ${T}_positions" 2>/dev/null
[ -n "$PRE" ] && $P -c "CREATE TABLE $T (\"time\" timestamptz NOT NULL, node text NOT NULL, key text NOT NULL, file text NOT NULL, inode bigint NOT NULL, \"offset\" bigint NOT NULL, line text NOT NULL, cut boolean NOT NULL, raw bytea); $PRE"
SIZE=$(stat -c %s /tmp/wt13q-run/bulk.log)
cat > $D/config.yaml <<Y
logs:
  bulk:
    path: /tmp/wt13q-run/bulk.log
$EXTRA
sink:
  type: postgresql
  dsn: "host=127.0.0.1 port=55433 dbname=postgres user=postgres"
  table: $T
${BATCH:+  batch: $BATCH}
state_dir: $D
log: {level: warn}
Y
s=$(date +%s.%N)
/usr/bin/time -f "%M %U %S" -o $D/rss $BIN run --config $D/config.yaml 2> $D/stderr &
PID=$!
while :; do
  n=$($P -c "SELECT coalesce(sum(\"offset\"),0) FROM ${T}_positions WHERE inode <> 0" 2>/dev/null)
  [ -n "$n" ] && [ "$n" -ge "$SIZE" ] && break
  sleep 0.05
done
e=$(date +%s.%N)
BPID=$($P -c "SELECT pid FROM pg_stat_activity WHERE application_name = 'logcatch' LIMIT 1")
BCPU=$(awk '{print ($14+$15)/100}' /proc/$BPID/stat 2>/dev/null)
kill -TERM $(pgrep -P $PID) 2>/dev/null; wait $PID
rows=$($P -c "SELECT count(*) FROM $T")
echo "$T: $(echo "$e - $s" | bc) s, $(echo "1000000 / ($e - $s)" | bc) lines/s, rows $rows, peak RSS $(( $(cut -d' ' -f1 $D/rss) / 1024 )) MB, collector cpu $(cut -d' ' -f2,3 $D/rss) s, server backend cpu $BCPU s, load $(cut -d' ' -f1 /proc/loadavg)"
