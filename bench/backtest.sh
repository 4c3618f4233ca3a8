#!/usr/bin/env bash
# numhealth backtest speed: a 30-day replay at 6-hour steps (with its 7-day lead-up)
# over a simulated fleet of 300 numbers x 30 days x 55 calls a day (~500k calls).
#
#   bench/backtest.sh [--numbers N] [--days N] [--calls-per-day N] [--keep]
#
# Builds the release binary, simulates the fleet (`simulate --ndjson-only`), ingests it
# into a fresh database under $BENCH_OUT/backtest (default /work/bench-out/backtest,
# outside git), then times `numhealth backtest --step 6h --horizon 7d --format json`
# (the default range: the 30 days before the end of the data) with /usr/bin/time -v and
# prints the wall time, the peak memory (maximum resident set size) and the figures.
# With --days 60 the replay runs over the last 30 days with a full 30-day lookback
# behind every step. Not part of `cargo test`; the target is under 30 s on 2 cores.
set -euo pipefail

NUMBERS=300
DAYS=30
CALLS_PER_DAY=55
KEEP=0
while [ $# -gt 0 ]; do
    case "$1" in
        --numbers) NUMBERS="$2"; shift 2 ;;
        --days) DAYS="$2"; shift 2 ;;
        --calls-per-day) CALLS_PER_DAY="$2"; shift 2 ;;
        --keep) KEEP=1; shift ;;
        -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
        *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
done

REPO=${BENCH_REPO:-$(cd "$(dirname "$0")/.." && pwd)}
OUT="${BENCH_OUT:-/work/bench-out}/backtest"
BIN="$REPO/target/release/numhealth"

(cd "$REPO" && cargo build --release --locked)
rm -rf "$OUT/sim" "$OUT"/nh.db*
mkdir -p "$OUT"
"$BIN" simulate --out "$OUT/sim" --numbers "$NUMBERS" --days "$DAYS" \
    --calls-per-day "$CALLS_PER_DAY" --ndjson-only -q
"$BIN" --db "$OUT/nh.db" ingest -q "$OUT/sim/calls.ndjson"
CALLS=$("$BIN" --db "$OUT/nh.db" check --format json | jq .calls)
echo "fleet: $NUMBERS numbers x $DAYS days x $CALLS_PER_DAY calls/day = $CALLS stored calls"

/usr/bin/time -v "$BIN" --db "$OUT/nh.db" backtest --step 6h --horizon 7d --format json \
    > "$OUT/backtest.json" 2> "$OUT/time.txt"
grep -E "Elapsed \(wall clock\)|Maximum resident set size|User time|System time" "$OUT/time.txt"
jq 'del(.numbers) + {rows: (.numbers | length)}' "$OUT/backtest.json"

if [ "$KEEP" = 0 ]; then
    rm -rf "$OUT/sim" "$OUT"/nh.db*
fi
