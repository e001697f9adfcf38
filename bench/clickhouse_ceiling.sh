#!/usr/bin/env bash
# The ClickHouse insert ceiling with nothing else in the way (bench/RESULTS.md,
# issue 13): a private ClickHouse 18.16 started here, RowBinary bodies of the
# sink's row shape (about 198 bytes a row: a 20-190 byte line plus the file
# identity and positions) made by the server itself, then 1,000,000 rows
# inserted with curl in 10 blocks of 100,000 and in 1 block of 1,000,000, in
# three forms, ROUNDS times each:
#   plain          INSERT INTO lines FORMAT RowBinary                 (no fence)
#   external data  INSERT INTO lines SELECT ... FROM _rows WHERE now() < D
#                  (the rows as multipart external data: the sink before)
#   view           INSERT INTO lines_incoming FORMAT RowBinary, through the
#                  materialized view WHERE now() < deadline (the sink now)
# Printed: wall seconds per form, and from system.query_log each insert's own
# CPU (user + system of the query's threads: background merges are not in it).
# Usage: bench/clickhouse_ceiling.sh [ROUNDS]   (needs clickhouse-server, curl, python3)
set -euo pipefail
rounds=${1:-3}
dir=$(mktemp -d /tmp/clickhouse-ceiling.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
tcp=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat > "$dir/config.xml" <<EOF
<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>$dir/server.log</log><errorlog>$dir/server.err.log</errorlog><console>0</console></logger>
  <http_port>$port</http_port><tcp_port>$tcp</tcp_port><listen_host>127.0.0.1</listen_host>
  <path>$dir/data/</path><tmp_path>$dir/tmp/</tmp_path><user_files_path>$dir/user_files/</user_files_path>
  <format_schema_path>$dir/format_schemas/</format_schema_path><users_config>$dir/users.xml</users_config>
  <default_profile>default</default_profile><default_database>default</default_database>
  <mark_cache_size>53687091</mark_cache_size>
  <query_log><database>system</database><table>query_log</table><flush_interval_milliseconds>1000</flush_interval_milliseconds></query_log>
</yandex>
EOF
cat > "$dir/users.xml" <<EOF
<?xml version="1.0"?>
<yandex>
  <profiles><default><log_queries>1</log_queries></default></profiles>
  <users><default><password></password><networks><ip>127.0.0.1</ip></networks><profile>default</profile><quota>default</quota></default></users>
  <quotas><default></default></quotas>
</yandex>
EOF
/usr/sbin/clickhouse-server --config-file="$dir/config.xml" > "$dir/stdout" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$dir"' EXIT
url="http://127.0.0.1:$port/"
q() { curl -sS -f "$url" --data-binary "$1"; }
for _ in $(seq 600); do q "SELECT 1" >/dev/null 2>&1 && break; sleep 0.1; done
enc() { python3 -c 'import sys,urllib.parse;print(urllib.parse.quote(sys.argv[1]))' "$1"; }

cols="time DateTime, time_us UInt32, node String, key String, file String, offset UInt64, line String, cut UInt8, device UInt64, inode UInt64, prefix_len UInt32, prefix_hash UInt64, reading UInt64, end_offset UInt64"
names="time, time_us, node, key, file, offset, line, cut, device, inode, prefix_len, prefix_hash, reading, end_offset"
q "CREATE DATABASE m"
q "CREATE TABLE m.lines ($cols) ENGINE = MergeTree PARTITION BY toYYYYMMDD(time) ORDER BY (key, time)"
q "CREATE TABLE m.lines_incoming ($cols, deadline DateTime) ENGINE = Null"
q "CREATE MATERIALIZED VIEW m.lines_fence TO m.lines AS SELECT $names FROM m.lines_incoming WHERE now() < deadline"

pad=$(printf 'abcdefghij%.0s' $(seq 1 20))
row="toUInt32(number % 1000) AS time_us, '' AS node, 'bench' AS key, concat('/tmp/bench/bulk-', toString(number % 10), '.log') AS file, number * 106 AS offset, concat(toString(number), ' ', substring('$pad', 1, 20 + (number * 7919) % 170)) AS line, toUInt8(0) AS cut, toUInt64(2049) AS device, toUInt64(1000000 + number % 10) AS inode, toUInt32(1024) AS prefix_len, toUInt64(1234567890123) AS prefix_hash, toUInt64(1) AS reading, number * 106 + 106 AS end_offset"
for n in 100000 1000000; do
  q "SELECT toDateTime(1800000000) AS time, $row FROM numbers($n) FORMAT RowBinary" > "$dir/plain$n.bin"
  q "SELECT $row FROM numbers($n) FORMAT RowBinary" > "$dir/external$n.bin"
  q "SELECT toDateTime(1800000000) AS time, $row, toDateTime(4000000000) AS deadline FROM numbers($n) FORMAT RowBinary" > "$dir/view$n.bin"
done

# The settings the sink sends with every insert (one block, one part).
one_block='max_insert_block_size=1000000000&min_insert_block_size_rows=1000000000&min_insert_block_size_bytes=1000000000000&max_block_size=1000000000'
structure=$(enc "${cols#time DateTime, }")
plain_sql=$(enc "INSERT INTO m.lines FORMAT RowBinary")
external_sql=$(enc "INSERT INTO m.lines SELECT toDateTime(1800000000), ${names#time, } FROM _rows WHERE now() < toDateTime(4000000000)")
view_sql=$(enc "INSERT INTO m.lines_incoming FORMAT RowBinary")
insert() { # form rows
  case $1 in
    plain) curl -sS -f "$url?query=$plain_sql&$one_block" --data-binary "@$dir/plain$2.bin" ;;
    external) curl -sS -f "$url?query=$external_sql&$one_block&_rows_structure=$structure&_rows_format=RowBinary" -F "_rows=@$dir/external$2.bin" ;;
    view) curl -sS -f "$url?query=$view_sql&$one_block" --data-binary "@$dir/view$2.bin" ;;
  esac
}
for r in $(seq "$rounds"); do
  for blocks in "10 100000" "1 1000000"; do
    set -- $blocks
    for form in plain external view; do
      start=$(date +%s.%N)
      for _ in $(seq "$1"); do insert "$form" "$2"; done
      end=$(date +%s.%N)
      printf 'round %d  %-8s %2d x %7d rows: %6.2f s wall\n' "$r" "$form" "$1" "$2" "$(echo "$end - $start" | bc)"
    done
  done
done
sleep 2
q "SYSTEM FLUSH LOGS"
cpu="ProfileEvents.Values[indexOf(ProfileEvents.Names, 'UserTimeMicroseconds')] + ProfileEvents.Values[indexOf(ProfileEvents.Names, 'SystemTimeMicroseconds')]"
q "SELECT multiIf(query LIKE 'INSERT INTO m.lines_incoming%', 'view', query LIKE 'INSERT INTO m.lines SELECT%', 'external data', 'plain') AS form, written_rows AS rows_per_insert, count() AS inserts, round(quantileExact(0.5)(query_duration_ms)) AS p50_ms, round(quantileExact(0.5)($cpu) / 1000) AS p50_cpu_ms, round(min($cpu) / 1000) AS min_cpu_ms, round(1e6 * rows_per_insert / min($cpu)) AS rows_per_cpu_s_best FROM system.query_log WHERE type = 2 AND query LIKE 'INSERT INTO m.%' GROUP BY form, rows_per_insert ORDER BY rows_per_insert, form FORMAT PrettyCompactNoEscapes"
echo "(external data: the multipart body is read before the query starts, so its reading is probably not in the query's CPU figure)"
