#!/bin/bash
# server-side COPY of 1M rows: text vs binary x index btree(key,time) / brin(time) / none
P="psql -h 127.0.0.1 -p 55433 -U postgres -q -X -t -A"
for rep in 1 2; do
for fmt in text binary; do
for idx in btree brin none; do
  $P -c "DROP TABLE IF EXISTS t; CREATE TABLE t (LIKE src);" 
  case $idx in
    btree) $P -c 'CREATE INDEX t_key_time ON t (key, "time")';;
    brin) $P -c 'CREATE INDEX t_time_brin ON t USING brin ("time")';;
  esac
  f=/tmp/wt13q-pg/rows.txt; opt=""
  [ $fmt = binary ] && { f=/tmp/wt13q-pg/rows.bin; opt="WITH (FORMAT binary)"; }
  s=$(date +%s.%N)
  $P -c "COPY t FROM '$f' $opt"
  e=$(date +%s.%N)
  echo "rep $rep $fmt $idx: $(echo "$e - $s" | bc) s, $(echo "1000000 / ($e - $s)" | bc) rows/s, load $(cut -d' ' -f1 /proc/loadavg)"
done; done; done
