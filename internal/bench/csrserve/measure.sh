#!/bin/sh
# End-to-end measurement of csr_to_socrata (see BENCHMARKS.md, "3-1-1 CSR").
# Builds the job and csrserve, writes synthetic reports of 100,000 and
# 1,000,000 rows, serves each from loopback with csrserve (a separate
# process that also acts as a discarding Socrata sink), and runs the job
# binary under /usr/bin/time -v, RUNS times per size.
#
# Usage: internal/bench/csrserve/measure.sh [RUNS] [WORKDIR]
#
# With JOBS set to a list of job binaries (for example one built from an
# older commit), it runs those instead of building the job, interleaved
# (each run of each binary in turn), so that they share the machine's load.
set -eu
runs=${1:-3}
work=${2:-/tmp/csr-bench}
root=$(cd "$(dirname "$0")/../../.." && pwd)
mkdir -p "$work"
cd "$root"
jobs=${JOBS:-}
if [ -z "$jobs" ]; then
	go build -o "$work/csr_to_socrata" ./examples/csr_to_socrata
	jobs=$work/csr_to_socrata
fi
go build -o "$work/csrserve" ./internal/bench/csrserve
for n in 100000 1000000; do
	[ -s "$work/csr_$n.tsv" ] || "$work/csrserve" -gen "$n" -o "$work/csr_$n.tsv"
	"$work/csrserve" -addr 127.0.0.1:8099 -report "$work/csr_$n.tsv" 2>"$work/csrserve_$n.log" &
	server=$!
	sleep 1
	kill -0 "$server" # fails when csrserve could not listen
	i=1
	while [ "$i" -le "$runs" ]; do
		for job in $jobs; do
			t=$work/time_${n}_$i.txt
			CSR_ENDPOINT=http://127.0.0.1:8099/report CSR_DATASET=abcd-1234 \
			SO_WEB=http://127.0.0.1:8099 SO_KEY=bench SO_SECRET=bench \
				/usr/bin/time -v "$job" >"$work/job_${n}_$i.log" 2>"$t"
			wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$t")
			rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$t")
			user=$(sed -n 's/.*User time (seconds): //p' "$t")
			sys=$(sed -n 's/.*System time (seconds): //p' "$t")
			secs=$(echo "$wall" | awk -F: '{ if (NF == 3) print $1*3600 + $2*60 + $3; else print $1*60 + $2 }')
			echo "job=$(basename "$job") rows=$n run=$i wall=${secs}s rows_per_s=$(awk "BEGIN { printf \"%d\", $n / $secs }") peak_rss_mib=$(awk "BEGIN { printf \"%.1f\", $rss / 1024 }") user=${user}s sys=${sys}s cpu_s_per_1m_rows=$(awk "BEGIN { printf \"%.2f\", ($user + $sys) * 1000000 / $n }") load1=$(cut -d' ' -f1 /proc/loadavg)"
		done
		i=$((i + 1))
	done
	echo "server saw: $(curl -s http://127.0.0.1:8099/stats)"
	kill "$server"
	wait "$server" 2>/dev/null || true
done
