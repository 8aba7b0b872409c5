#!/usr/bin/env bash
# Fingerprint benchmark: `provad hash` side by side with `b3sum --num-threads 2`
# and `sha256sum` (Debian packages) in one run, on one large file and on a
# directory of shards, warm page cache; then cold-cache `provad hash` against
# a raw sequential read with `dd`.
#
# Run from the repository root:
#
#	bench/hash/run.sh
#
# It builds build/provad, writes its test data to a temporary directory (under
# $BENCH_TMPDIR, default /tmp; put it on the disk you want to measure) and
# removes that directory on exit. Generation time is not measured.
#
# Environment knobs (all optional):
#	BENCH_TMPDIR  parent of the temporary data directory (default /tmp)
#	FILE_MIB      size of the single file in MiB (default 4096)
#	SHARDS        number of shard files in the directory (default 8)
#	SHARD_MIB     size of each shard in MiB (default 512)
#	REPS          warm repetitions of each command (default 3; the median is reported)
#	COLD_REPS     cold repetitions of dd and provad, each with the whole page
#	              cache dropped and with only the file evicted (default 3;
#	              the median is reported)
#	SKIP_BUILD=1  reuse build/provad (and build/provad-purego)
#	SKIP_COLD=1   skip the cold-cache part (needs root to drop caches)
#	PATHS=0       skip the other code paths: provad with each read method
#	              forced (PROVA_HASH_READ=pread, =mmap; the default, auto,
#	              times both and keeps the cheaper), without the AVX-512 kernel
#	              (GODEBUG=cpu.avx512f=off: the AVX2 one) and with no
#	              assembly at all (built with -tags purego); they run by
#	              default, on the file, warm, and cold without maps
#
# Figures are decimal GB/s (10^9 bytes per second of wall time); RSS is the
# peak resident set size reported by GNU time (%M, KiB), shown in MiB.
set -euo pipefail

cd "$(dirname "$0")/../.."
ROOT=$(pwd)
PROVAD="$ROOT/build/provad"
PROVAD_PUREGO="$ROOT/build/provad-purego"
PATHS=${PATHS:-1}

FILE_MIB=${FILE_MIB:-4096}
SHARDS=${SHARDS:-8}
SHARD_MIB=${SHARD_MIB:-512}
REPS=${REPS:-3}
COLD_REPS=${COLD_REPS:-3}
PARENT=${BENCH_TMPDIR:-/tmp}

need() { command -v "$1" >/dev/null 2>&1; }
if ! need b3sum || ! [ -x /usr/bin/time ]; then
	echo "installing b3sum and time (apt-get)" >&2
	apt-get install -y b3sum time >&2
fi
need sha256sum || { echo "sha256sum (coreutils) missing" >&2; exit 1; }

if [ "${SKIP_BUILD:-0}" != 1 ]; then
	echo "building $PROVAD" >&2
	go build -o "$PROVAD" ./cmd/provad
	if [ "$PATHS" = 1 ]; then
		echo "building $PROVAD_PUREGO (-tags purego)" >&2
		go build -tags purego -o "$PROVAD_PUREGO" ./cmd/provad
	fi
fi

# Disk space: the file plus the shards, with 1 GiB to spare. If that does
# not fit, fall back to 4 GiB in total (2 GiB file, 4 x 512 MiB shards).
avail_mib=$(df -Pm "$PARENT" | awk 'NR==2 {print $4}')
need_mib=$((FILE_MIB + SHARDS * SHARD_MIB + 1024))
if [ "$avail_mib" -lt "$need_mib" ]; then
	echo "only ${avail_mib} MiB free under $PARENT; using 4 GiB of data in total" >&2
	FILE_MIB=2048 SHARDS=4 SHARD_MIB=512
fi

WORK=$(mktemp -d -p "$PARENT" provad-hashbench.XXXXXX)
cleanup() { rm -rf "$WORK"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

FILE="$WORK/file.bin"
DIR="$WORK/shards"
mkdir -p "$DIR"
echo "generating ${FILE_MIB} MiB file and ${SHARDS} x ${SHARD_MIB} MiB shards in $WORK" >&2
head -c "${FILE_MIB}M" /dev/urandom >"$FILE"
for i in $(seq -w 0 $((SHARDS - 1))); do
	head -c "${SHARD_MIB}M" /dev/urandom >"$DIR/shard-$i.bin"
done
FILE_BYTES=$(stat -c %s "$FILE")
DIR_BYTES=$(cat "$DIR"/* | wc -c)

loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

machine() {
	echo "date (UTC):   $(date -u '+%Y-%m-%d %H:%M:%S')"
	echo "nproc:        $(nproc)"
	echo "cpu:          $(lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -1)"
	echo "cpu flags:    $(grep -o -w -E 'avx2|avx512f|avx512vl|sha_ni' /proc/cpuinfo | sort -u | tr '\n' ' ')"
	echo "memory:       $(awk '/MemTotal/ {print $2, $3}' /proc/meminfo)"
	echo "kernel:       $(uname -r)"
	echo "disk:         $(df -Ph "$PARENT" | awk 'NR==2 {print $1, $2}') ($PARENT)"
	echo "provad:       $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?') (+ working tree), $(go version | cut -d' ' -f3)"
	echo "b3sum:        $(b3sum --version)"
	echo "sha256sum:    $(sha256sum --version | head -1)"
	echo "data:         file $FILE_BYTES bytes; directory $SHARDS files, $DIR_BYTES bytes"
}

# run LABEL BYTES CMD... : time one command, print "LABEL secs GB/s RSS_MiB".
LOG="$WORK/out.log"
run() {
	local label=$1 bytes=$2
	shift 2
	local tf="$WORK/time.txt"
	/usr/bin/time -f '%e %M' -o "$tf" "$@" >>"$LOG" 2>&1
	read -r secs kib <"$tf"
	awk -v l="$label" -v s="$secs" -v k="$kib" -v b="$bytes" \
		'BEGIN { printf "%-34s %7.2f s %7.2f GB/s %7.1f MiB\n", l, s, b / s / 1e9, k / 1024 }'
}

# median over lines "LABEL secs s GB/s GB/s RSS MiB" of the same label.
summarize() {
	awk '
	{
		gbs = $(NF-3); rss = $(NF-1)
		label = $0; sub(/[[:space:]]+[0-9.]+ s .*$/, "", label)
		if (!(label in n)) order[++k] = label
		v[label, ++n[label]] = gbs
		if (rss > maxrss[label]) maxrss[label] = rss
	}
	END {
		for (i = 1; i <= k; i++) {
			l = order[i]; m = n[l]
			for (a = 1; a <= m; a++) x[a] = v[l, a]
			for (a = 1; a <= m; a++) for (b = a + 1; b <= m; b++) if (x[b] < x[a]) { t = x[a]; x[a] = x[b]; x[b] = t }
			med = (m % 2) ? x[(m + 1) / 2] : (x[m / 2] + x[m / 2 + 1]) / 2
			printf "%s\t%.2f\t%.1f\n", l, med, maxrss[l]
		}
	}'
}

warm() {
	cat "$FILE" "$DIR"/* >/dev/null
	cat "$FILE" "$DIR"/* >/dev/null
}

echo "== machine"
machine
echo
echo "warming the page cache" >&2
warm
echo "== warm page cache, $REPS repetitions (load average before: $(loadavg))"
RESULTS="$WORK/results.txt"
: >"$RESULTS"
for rep in $(seq 1 "$REPS"); do
	{
		run "file  provad hash (blake3)" "$FILE_BYTES" "$PROVAD" hash "$FILE"
		run "file  b3sum --num-threads 2" "$FILE_BYTES" b3sum --num-threads 2 "$FILE"
		run "file  provad hash --algo sha256" "$FILE_BYTES" "$PROVAD" hash "$FILE" --algo sha256
		run "file  sha256sum" "$FILE_BYTES" sha256sum "$FILE"
		if [ "$PATHS" = 1 ]; then
			run "file  provad hash, pread" "$FILE_BYTES" env PROVA_HASH_READ=pread "$PROVAD" hash "$FILE"
			run "file  provad hash, mmap" "$FILE_BYTES" env PROVA_HASH_READ=mmap "$PROVAD" hash "$FILE"
			run "file  provad hash, no AVX-512" "$FILE_BYTES" env GODEBUG=cpu.avx512f=off "$PROVAD" hash "$FILE"
			run "file  provad hash, purego" "$FILE_BYTES" "$PROVAD_PUREGO" hash "$FILE"
		fi
		run "dir   provad hash (blake3)" "$DIR_BYTES" "$PROVAD" hash "$DIR"
		run "dir   b3sum --num-threads 2" "$DIR_BYTES" b3sum --num-threads 2 "$DIR"/*
		run "dir   provad hash --algo sha256" "$DIR_BYTES" "$PROVAD" hash "$DIR" --algo sha256
		run "dir   sha256sum" "$DIR_BYTES" sha256sum "$DIR"/*
	} | tee -a "$RESULTS"
	echo "   (rep $rep done, load average $(loadavg))"
done

echo
echo "== warm summary (median GB/s, max peak RSS)"
summarize <"$RESULTS" >"$WORK/summary.tsv"
awk -F'\t' '{ printf "%-34s %7.2f GB/s %7.1f MiB\n", $1, $2, $3 }' "$WORK/summary.tsv"
get() { awk -F'\t' -v l="$1" '$1 == l { print $2 }' "$WORK/summary.tsv"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
for kind in file dir; do
	k=$(printf '%-6s' "$kind")
	pb=$(get "${k}provad hash (blake3)")
	bb=$(get "${k}b3sum --num-threads 2")
	ps=$(get "${k}provad hash --algo sha256")
	ss=$(get "${k}sha256sum")
	echo "$kind: provad blake3 / b3sum = $(ratio "$pb" "$bb");  provad sha256 / sha256sum = $(ratio "$ps" "$ss")"
done
if [ "$PATHS" = 1 ]; then
	for v in "pread" "mmap" "no AVX-512" "purego"; do
		echo "file: provad hash, $v / b3sum = $(ratio "$(get "file  provad hash, $v")" "$(get "file  b3sum --num-threads 2")")"
	done
fi
echo "(targets: blake3 >= 3.5 GB/s and >= 0.9x b3sum, RSS <= 256 MiB; sha256 >= 0.6 GB/s)"

if [ "${SKIP_COLD:-0}" != 1 ]; then
	echo
	echo "== cold cache (load average before: $(loadavg))"
	drop() { sync && echo 3 >/proc/sys/vm/drop_caches; }
	if drop 2>/dev/null; then
		# Two ways to make the file cold, both in every repetition:
		# "cold" drops the whole page cache (the programs' own binaries too:
		# provad then pages in its ~185 MB executable, dd a few pages);
		# "cold file" evicts only the data file's pages (posix_fadvise
		# DONTNEED through GNU dd's iflag=nocache), so the data comes from
		# the disk and the binaries from the cache.
		evict() { sync && dd if="$FILE" iflag=nocache count=0 status=none; }
		for rep in $(seq 1 "$COLD_REPS"); do
			drop
			run "cold  dd bs=16M" "$FILE_BYTES" dd if="$FILE" of=/dev/null bs=16M
			drop
			run "cold  provad hash (blake3)" "$FILE_BYTES" "$PROVAD" hash "$FILE"
			evict
			run "cold file  dd bs=16M" "$FILE_BYTES" dd if="$FILE" of=/dev/null bs=16M
			evict
			run "cold file  provad hash (blake3)" "$FILE_BYTES" "$PROVAD" hash "$FILE"
			if [ "$PATHS" = 1 ]; then
				evict
				run "cold file  provad hash, pread" "$FILE_BYTES" env PROVA_HASH_READ=pread "$PROVAD" hash "$FILE"
				evict
				run "cold file  provad hash, mmap" "$FILE_BYTES" env PROVA_HASH_READ=mmap "$PROVAD" hash "$FILE"
			fi
			echo "   (cold rep $rep done, load average $(loadavg))" >&2
		done | tee "$WORK/cold.txt"
		summarize <"$WORK/cold.txt" >"$WORK/cold.tsv"
		echo "== cold summary (median GB/s, max peak RSS)"
		awk -F'\t' '{ printf "%-34s %7.2f GB/s %7.1f MiB\n", $1, $2, $3 }' "$WORK/cold.tsv"
		for kind in "cold " "cold file "; do
			dd_gbs=$(awk -F'\t' -v l="${kind} dd bs=16M" '$1 == l { print $2 }' "$WORK/cold.tsv")
			pv_gbs=$(awk -F'\t' -v l="${kind} provad hash (blake3)" '$1 == l { print $2 }' "$WORK/cold.tsv")
			echo "${kind% }: provad ${pv_gbs} GB/s / dd ${dd_gbs} GB/s = $(ratio "$pv_gbs" "$dd_gbs") (target >= 0.95; median of $COLD_REPS)"
		done
		# Per repetition, the two commands ran back to back.
		awk '{ gbs = $(NF-3); kind = $0; sub(/[[:space:]]+(dd|provad) .*$/, "", kind)
			if ($0 ~ / dd bs=/) d[kind] = gbs; else if ($0 ~ /\(blake3\)/) printf "%-10s pair: provad / dd = %.2f\n", kind, gbs / d[kind] }' "$WORK/cold.txt"
	else
		echo "cannot drop the page cache (need root: echo 3 > /proc/sys/vm/drop_caches); cold part skipped"
	fi
fi
echo
echo "load average at end: $(loadavg)"
