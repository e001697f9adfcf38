#!/bin/bash
# one round: server COPY alone (1M rows from a file) vs the binary through the sink (1M lines), same minutes
P="psql -h 127.0.0.1 -p 55433 -U postgres -q -X -t -A"
copy1() { # fmt idx
  $P -c "DROP TABLE IF EXISTS t; CREATE TABLE t (LIKE src);"
  case $2 in btree) $P -c 'CREATE INDEX ON t (key, "time")';; brin) $P -c 'CREATE INDEX ON t USING brin ("time")';; esac
  f=/tmp/wt13q-pg/rows.txt; opt=""; [ $1 = binary ] && { f=/tmp/wt13q-pg/rows.bin; opt="WITH (FORMAT binary)"; }
  s=$(date +%s.%N); $P -c "COPY t FROM '$f' $opt"; e=$(date +%s.%N)
  echo "server COPY alone $1 $2: $(echo "1000000 / ($e - $s)" | bc) rows/s, load $(cut -d' ' -f1 /proc/loadavg)"
}
cd /tmp/wt13q-run
copy1 text btree
./pgrun.sh /tmp/wt13q-before/logcatch r_before
copy1 binary btree
PRE='CREATE INDEX ON r_afterbt (key, "time")' ./pgrun.sh /work/wt-13q/build/logcatch r_afterbt
copy1 binary brin
./pgrun.sh /work/wt-13q/build/logcatch r_after
copy1 binary none
