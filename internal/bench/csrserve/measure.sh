#!/bin/sh
# End-to-end measurement of csr_to_socrata (see BENCHMARKS.md, "3-1-1 CSR").
# Builds the job and csrserve, writes synthetic reports of 100,000 and
# 1,000,000 rows, serves each from loopback with csrserve (a separate
# process that also acts as a discarding Socrata sink), and runs the job
# binary under /usr/bin/time -v, RUNS times per size.
# Usage: internal/bench/csrserve/measure.sh [RUNS] [WORKDIR]
set -eu
runs=${1:-3}
work=${2:-/tmp/csr-bench}
root=$(cd "$(dirname "$0")/../../.." && pwd)
mkdir -p "$work"
cd "$root"
go build -o "$work/csr_to_socrata" ./examples/csr_to_socrata
go build -o "$work/csrserve" ./internal/bench/csrserve
for n in 100000 1000000; do
	[ -s "$work/csr_$n.tsv" ] || "$work/csrserve" -gen "$n" -o "$work/csr_$n.tsv"
	"$work/csrserve" -addr 127.0.0.1:8099 -report "$work/csr_$n.tsv" 2>"$work/csrserve_$n.log" &
	server=$!
	sleep 1
	i=1
	while [ "$i" -le "$runs" ]; do
		CSR_ENDPOINT=http://127.0.0.1:8099/report CSR_DATASET=abcd-1234 \
		SO_WEB=http://127.0.0.1:8099 SO_KEY=bench SO_SECRET=bench \
			/usr/bin/time -v "$work/csr_to_socrata" >"$work/job_${n}_$i.log" 2>"$work/time_${n}_$i.txt"
		wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$work/time_${n}_$i.txt")
		rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$work/time_${n}_$i.txt")
		user=$(sed -n 's/.*User time (seconds): //p' "$work/time_${n}_$i.txt")
		sys=$(sed -n 's/.*System time (seconds): //p' "$work/time_${n}_$i.txt")
		secs=$(echo "$wall" | awk -F: '{ if (NF == 3) print $1*3600 + $2*60 + $3; else print $1*60 + $2 }')
		echo "rows=$n run=$i wall=${secs}s rows_per_s=$(awk "BEGIN { printf \"%d\", $n / $secs }") peak_rss_mib=$(awk "BEGIN { printf \"%.1f\", $rss / 1024 }") user=${user}s sys=${sys}s load1=$(cut -d' ' -f1 /proc/loadavg)"
		i=$((i + 1))
	done
	echo "server saw: $(curl -s http://127.0.0.1:8099/stats)"
	kill "$server"
	wait "$server" 2>/dev/null || true
done
