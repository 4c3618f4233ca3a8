#!/usr/bin/env bash
# numhealth benchmark: ingest throughput, append into a large database, duplicate
# re-ingest, scoring time and peak memory, against a sqlite3 `.import` anchor.
#
#   bench/run.sh [--scale small|full] [--keep] [--report-only]
#
#   --scale full   (default) 20k numbers x 11 days x 50 calls/day = ~11M calls:
#                  10M-call history + 1M-call batch (the 11th day). Needs ~25 GB of
#                  free disk under $BENCH_OUT and roughly 30-60 min on 2 cores.
#   --scale small  2k numbers, same shape: 1M history + 100k batch. A few minutes.
#   --keep         keep the generated NDJSON/CSV/databases (default: delete them)
#   --report-only  rebuild the table / markdown from $BENCH_OUT/<scale>/results.tsv
#
# Working files go to $BENCH_OUT (default /work/bench-out, outside git). Results:
# $BENCH_OUT/<scale>/results.tsv and report.md; `--scale full` also rewrites
# BENCHMARKS.md at the repository root. Not part of `cargo test`.
#
# Cases (the same batch records are used by cases 1, 2, 3 and 4):
#   sim    one `numhealth simulate` run of 11 days; split by start_timestamp into the
#          history (first 10 days) and the batch (the last day). The file is in
#          ascending start time, so the split point is found by binary search on byte
#          offsets and the file is cut with tail/truncate (no 16 GB copy).
#   1      `numhealth ingest` of the batch NDJSON into an empty database
#   2      anchor: the batch flattened to CSV (phone calls only, the columns of
#          numhealth::sim::write_flat_csv), `sqlite3 .import --csv --skip 1` into
#          calls(call_id TEXT PRIMARY KEY, ...) with WAL + synchronous=NORMAL
#   1.2 2.2 1.3 2.3  cases 1 and 2 again, twice, each pair side by side; the ingest
#          target is judged on the median of the three pairs' ratios (a shared machine
#          moves one pair's ratio by +-15%)
#   H      `numhealth ingest` of the history file (multi-GB) into an empty database
#   5      `numhealth score --as-of <end of history>` on the history database, then
#          the yardstick: one full scan `SELECT count(*), sum(duration_ms) FROM calls`
#   5.2 scan.2 5.3 scan.3  score and the scan again, twice, each pair side by side; the
#          score target is judged on the median pair
#   3      the batch appended into the history database (nightly case); 3.2 and 3.3 run
#          it again, at the end, into fresh copies of the history database as it was
#          before case 5; the append target compares the median case-3 and case-1 rates
#   4      the batch re-ingested into that database (all duplicates)
#   4s     the batch re-ingested into the case-1 database (all duplicates, small db)
# Rates are records in the input file / wall-clock seconds of the whole process.
# Peak memory is "Maximum resident set size" from /usr/bin/time -v.
set -euo pipefail

SCALE=full
KEEP=0
REPORT_ONLY=0
while [ $# -gt 0 ]; do
    case "$1" in
        --scale) SCALE="$2"; shift 2 ;;
        --scale=*) SCALE="${1#--scale=}"; shift ;;
        --keep) KEEP=1; shift ;;
        --report-only) REPORT_ONLY=1; shift ;;
        -h|--help) sed -n '2,34p' "$0"; exit 0 ;;
        *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
done

case "$SCALE" in
    full)  NUMBERS=20000 ;;
    small) NUMBERS=2000 ;;
    *) echo "--scale must be small or full" >&2; exit 2 ;;
esac
SEED=7
DAYS=11               # 10 days of history + 1 day of batch
CALLS_PER_DAY=50
HIST_END=2026-11-20   # last day of the history (D)
SIM_END=2026-11-21    # D+1: the batch day
CUT_MS=$(( $(date -u -d "$SIM_END" +%s) * 1000 ))   # 00:00 UTC of D+1

REPO=${BENCH_REPO:-$(cd "$(dirname "$0")/.." && pwd)}
BENCH_OUT=${BENCH_OUT:-/work/bench-out}
OUT="$BENCH_OUT/$SCALE"
BIN="$REPO/target/release/numhealth"
RES="$OUT/results.tsv"
CMDLINE="bench/run.sh --scale $SCALE"

# ---------------------------------------------------------------- report
report() {
    python3 - "$RES" "$SCALE" "$OUT/report.md" "$REPO" "$CMDLINE" <<'PY'
import sys, os, subprocess, datetime
res, scale, out_md, repo, cmdline = sys.argv[1:6]
rows = {}
meta = {}
if os.path.exists(res):
    for line in open(res):
        p = line.rstrip("\n").split("\t")
        if p[0] == "meta":
            meta[p[1]] = p[2]
        elif len(p) >= 5:
            rows[p[0]] = dict(case=p[0], records=int(p[1]), secs=float(p[2]), rss_kb=int(p[3]), note=p[4])

def rate(c):
    r = rows.get(c)
    return r["records"] / r["secs"] if r and r["secs"] > 0 else None

def fmt_rate(c):
    r = rate(c)
    return f"{r:,.0f}" if r is not None else "not run"

order = [
    ("sim",  "simulate 11 days (NDJSON written)"),
    ("csv",  "flatten batch NDJSON to CSV (python3)"),
    ("1",    "1. ingest batch NDJSON into empty db"),
    ("2",    "2. sqlite3 .import --csv of the batch (anchor)"),
    ("1.2",  "1. again (second pair)"),
    ("2.2",  "2. again (second pair)"),
    ("1.3",  "1. again (third pair)"),
    ("2.3",  "2. again (third pair)"),
    ("H",    "H. ingest history NDJSON (multi-GB file) into empty db"),
    ("5",    "5. score --as-of end of history (history db)"),
    ("scan", "5'. full scan: SELECT count(*), sum(duration_ms) FROM calls"),
    ("5.2",  "5. again (second pair)"),
    ("scan.2", "5'. again (second pair)"),
    ("5.3",  "5. again (third pair)"),
    ("scan.3", "5'. again (third pair)"),
    ("3",    "3. append batch into history db"),
    ("4",    "4. re-ingest batch into the big db (all duplicates)"),
    ("4s",   "4s. re-ingest batch into the case-1 db (all duplicates)"),
    ("3.2",  "3. again, into a fresh copy of the history db"),
    ("3.3",  "3. again, into another fresh copy"),
]
lines = []
lines.append("| case | records | seconds | calls/s | peak RSS (MB) | notes |")
lines.append("|---|---:|---:|---:|---:|---|")
for c, label in order:
    r = rows.get(c)
    if r is None:
        lines.append(f"| {label} | | | not run (unfinished) | | |")
        continue
    rs = f"{r['rss_kb']/1024:,.1f}" if r["rss_kb"] >= 0 else ""
    showrate = c.split(".")[0] not in ("5", "scan", "sim")
    recs = f"{r['records']:,}" if r['records'] else "-"
    lines.append(f"| {label} | {recs} | {r['secs']:.2f} | {fmt_rate(c) if showrate else '-'} | {rs} | {r['note']} |")

def ratio(a, b):
    return a / b if a is not None and b not in (None, 0) else None

# Cases 1 and 2 run as three side-by-side pairs; the machine is shared and one pair's
# ratio moves by +-15%, so the target is judged on the median pair.
pairs = [ratio(rate(a), rate(b)) for a, b in (("1", "2"), ("1.2", "2.2"), ("1.3", "2.3"))]
pairs = [p for p in pairs if p is not None]
r12 = sorted(pairs)[len(pairs) // 2] if pairs else None
def median(xs):
    xs = sorted(x for x in xs if x is not None)
    return xs[len(xs) // 2] if xs else None

# Case 3 runs three times (twice more on fresh copies of the history database): the
# append target compares the median case-3 rate with the median case-1 rate.
rates1 = [rate(c) for c in ("1", "1.2", "1.3")]
rates3 = [rate(c) for c in ("3", "3.2", "3.3")]
r31 = ratio(median(rates3), median(rates1))
# Score and the scan run as three side-by-side pairs; the median pair is judged.
secs = lambda c: rows[c]["secs"] if c in rows else None
pairs5 = [(secs(a), secs(b)) for a, b in (("5", "scan"), ("5.2", "scan.2"), ("5.3", "scan.3"))]
pairs5 = [(a, b) for a, b in pairs5 if a is not None and b]
pairs5.sort(key=lambda p: p[0] / p[1])
score_s, scan_s = pairs5[len(pairs5) // 2] if pairs5 else (None, None)
r5 = ratio(score_s, scan_s)
ingest_cases = [c for c in ("1", "1.2", "1.3", "H", "3", "3.2", "3.3", "4", "4s", "5", "5.2", "5.3") if c in rows]
peak = max((rows[c]["rss_kb"] for c in ingest_cases), default=None)

def pf(ok):
    return "not measured" if ok is None else ("PASS" if ok else "FAIL")

tgt = []
tgt.append(("ingest rate >= 1.5x sqlite3 .import rate (1/2, median of the pairs)",
            (f"{r12:.2f}x (pairs: " + ", ".join(f"{p:.2f}x" for p in pairs) + ")") if r12 is not None else "-",
            pf(None if r12 is None else r12 >= 1.5)))
tgt.append(("append into big db >= 0.7x empty-db rate (3/1, median rates of three runs each)",
            (f"{r31:.2f}x (case 3: " + ", ".join(f"{r:,.0f}" for r in rates3 if r) + " calls/s)") if r31 is not None else "-",
            pf(None if r31 is None else r31 >= 0.7)))
tgt.append(("score time < one full scan of calls (5/5', median of three pairs)",
            (f"{score_s:.2f}s vs {scan_s:.2f}s = {r5:.2f}x (pairs: " + ", ".join(f"{a / b:.2f}x" for a, b in pairs5) + ")") if r5 is not None else "-",
            pf(None if r5 is None else r5 < 1.0)))
tgt.append(("peak RSS < 200 MB for every numhealth run (incl. multi-GB file)",
            f"{peak/1024:.1f} MB" if peak is not None else "-",
            pf(None if peak is None else peak < 200 * 1024)))
lines.append("")
lines.append("| target | measured | result |")
lines.append("|---|---|---|")
for t, m, r in tgt:
    lines.append(f"| {t} | {m} | {r} |")
table = "\n".join(lines)
print(table)

def sh(cmd):
    try:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True).stdout.strip()
    except Exception:
        return "?"
cpu = sh("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-").strip()
mem = sh("free -h | awk '/^Mem:/{print $2}'")
md = []
md.append(f"## Results ({scale} scale)\n")
md.append(f"- date: {meta.get('date', datetime.datetime.utcnow().isoformat())}")
md.append(f"- command: `{cmdline}`")
md.append(f"- commit measured: {meta.get('commit', sh('git -C ' + repo + ' rev-parse --short HEAD'))}")
md.append(f"- machine: {sh('nproc')} CPUs ({cpu}), {mem} RAM; disk free under the work dir before the run: {meta.get('disk_free', '?')}; sqlite3 {meta.get('sqlite3', '?')}")
md.append(f"- workload: {meta.get('workload', '?')}")
md.append(f"- sizes: {meta.get('sizes', '?')}; history database after case 4: {meta.get('db_size', '?')}")
md.append("- the machine is shared with other work; figures are wall-clock and noisy (expect +-15%)\n")
md.append(table)
open(out_md, "w").write("\n".join(md) + "\n")
PY
}

# BENCHMARKS.md: the part between the results markers is replaced, the rest (the
# analysis written by hand) is kept; a missing file gets a header.
write_benchmarks_md() {
    local md="$REPO/BENCHMARKS.md"
    if [ ! -f "$md" ]; then
        cat > "$md" <<'EOF'
# numhealth benchmarks

Measured with one command, outside the test suite:

    bench/run.sh --scale full      # ~11M simulated calls; ~25 GB scratch under /work/bench-out
    bench/run.sh --scale small     # smoke check: 1M history + 100k batch, ~2 minutes

See the header of `bench/run.sh` for what each case does.

<!-- results:begin -->
<!-- results:end -->
EOF
    fi
    python3 - "$md" "$OUT/report.md" <<'PY'
import sys
md, rep = sys.argv[1], sys.argv[2]
s = open(md).read()
b, e = "<!-- results:begin -->", "<!-- results:end -->"
i, j = s.index(b) + len(b), s.index(e)
open(md, "w").write(s[:i] + "\n" + open(rep).read() + s[j:])
PY
}

if [ "$REPORT_ONLY" = 1 ]; then
    report
    if [ "$SCALE" = full ]; then write_benchmarks_md; fi
    echo "report: $OUT/report.md"
    exit 0
fi

# ---------------------------------------------------------------- tools
need_apt=()
command -v sqlite3 >/dev/null || need_apt+=(sqlite3)
[ -x /usr/bin/time ] || need_apt+=(time)
command -v python3 >/dev/null || need_apt+=(python3)
if [ ${#need_apt[@]} -gt 0 ]; then
    echo "installing ${need_apt[*]}"
    apt-get update -qq && apt-get install -y -qq "${need_apt[@]}"
fi
if [ ! -x "$BIN" ] || [ -n "$(find "$REPO/src" "$REPO/Cargo.toml" "$REPO/sql" -newer "$BIN" -print -quit 2>/dev/null)" ]; then
    (cd "$REPO" && cargo build --release)
fi

mkdir -p "$OUT"
rm -f "$OUT"/*.db "$OUT"/*.db-wal "$OUT"/*.db-shm "$RES"
{
    printf 'meta\tdate\t%s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
    printf 'meta\tcommit\t%s\n' "$(git -C "$REPO" rev-parse --short HEAD)$(git -C "$REPO" diff --quiet -- src Cargo.toml sql || echo '+dirty')"
    printf 'meta\tdisk_free\t%s\n' "$(df -h --output=avail "$BENCH_OUT" | tail -1 | tr -d ' ')"
    printf 'meta\tsqlite3\t%s\n' "$(sqlite3 --version | cut -d' ' -f1)"
    printf 'meta\tworkload\t%s\n' "simulate --seed $SEED --numbers $NUMBERS --days $DAYS --calls-per-day $CALLS_PER_DAY --end $SIM_END; history = start < ${SIM_END}T00:00Z, batch = the last day"
} > "$RES"

# run CASE RECORDS NOTE -- cmd...   : wall time + peak RSS, appended to results.tsv
run() {
    local case=$1 records=$2 note=$3; shift 4
    local tf="$OUT/time.$case.txt" t0 t1 secs rss
    echo "== case $case: $*" >&2
    t0=$(date +%s.%N)
    /usr/bin/time -v -o "$tf" "$@" > "$OUT/out.$case.txt"
    t1=$(date +%s.%N)
    secs=$(python3 -c "print(f'{$t1-$t0:.3f}')")
    rss=$(awk -F: '/Maximum resident set size/{gsub(/ /,"",$2); print $2}' "$tf")
    # numhealth ingest prints a JSON summary: keep it as the note
    if grep -q '"inserted"' "$OUT/out.$case.txt" 2>/dev/null; then
        note="$note $(tr -d ' \n' < "$OUT/out.$case.txt" | python3 -c 'import sys,json; d=json.load(sys.stdin); print("read=%s inserted=%s updated=%s unchanged=%s skipped=%s rejected=%s" % tuple(d.get(k) for k in ("read","inserted","updated","unchanged","skipped","rejected")))' 2>/dev/null || true)"
    fi
    printf '%s\t%s\t%s\t%s\t%s\n' "$case" "$records" "$secs" "${rss:--1}" "$note" >> "$RES"
    echo "   $secs s, peak RSS ${rss} kB" >&2
}

# ---------------------------------------------------------------- data
SIMDIR="$OUT/sim"
HIST="$OUT/history.ndjson"
BATCH="$OUT/batch.ndjson"
CSV="$OUT/batch.csv"
rm -rf "$SIMDIR" "$HIST" "$BATCH" "$CSV"
run sim 0 "numbers=$NUMBERS" -- "$BIN" simulate --out "$SIMDIR" --seed "$SEED" --numbers "$NUMBERS" \
    --days "$DAYS" --end "$SIM_END" --calls-per-day "$CALLS_PER_DAY" --ndjson-only

# split by start_timestamp: binary search for the first line starting at/after CUT_MS
OFF=$(python3 - "$SIMDIR/calls.ndjson" "$CUT_MS" "$SCALE" <<'PY'
import sys, re, os
path, cut, scale = sys.argv[1], int(sys.argv[2]), sys.argv[3]
pat = re.compile(rb'"start_timestamp":(\d+)')
size = os.path.getsize(path)
f = open(path, "rb")
def first_ts_from(off):
    """(line_start, ts) of the first line at or after byte off (aligned to a line) with a start_timestamp."""
    f.seek(off)
    if off > 0:
        f.readline()  # skip the partial line
    while True:
        pos = f.tell()
        line = f.readline()
        if not line:
            return size, None
        m = pat.search(line)
        if m:
            return pos, int(m.group(1))
lo, hi = 0, size  # invariant: answer line start in [lo, hi]
while hi - lo > 4096:
    mid = (lo + hi) // 2
    pos, ts = first_ts_from(mid)
    if ts is None or ts >= cut:
        hi = mid
    else:
        lo = mid
# linear finish from lo
pos = lo
f.seek(lo)
if lo > 0:
    f.readline()
while True:
    pos = f.tell()
    line = f.readline()
    if not line:
        break
    m = pat.search(line)
    if m and int(m.group(1)) >= cut:
        break
if scale == "small":
    # verify the ordering assumption on the whole (small) file
    f.seek(0)
    bad = 0; n = 0; p = 0
    for line in f:
        m = pat.search(line)
        if m:
            ts = int(m.group(1))
            if (p < pos) != (ts < cut):
                bad += 1
        p += len(line); n += 1
    print(f"split check: {n} lines, {bad} on the wrong side of the cut", file=sys.stderr)
    if bad:
        sys.exit(1)
print(pos)
PY
)
tail -c +"$((OFF + 1))" "$SIMDIR/calls.ndjson" > "$BATCH"
truncate -s "$OFF" "$SIMDIR/calls.ndjson"
mv "$SIMDIR/calls.ndjson" "$HIST"
N_HIST=$(wc -l < "$HIST")
N_BATCH=$(wc -l < "$BATCH")
echo "history: $N_HIST calls ($(du -h "$HIST" | cut -f1)); batch: $N_BATCH calls ($(du -h "$BATCH" | cut -f1))" >&2
printf 'meta\tsizes\thistory %s calls %s, batch %s calls %s\n' "$N_HIST" "$(du -h "$HIST" | cut -f1)" "$N_BATCH" "$(du -h "$BATCH" | cut -f1)" >> "$RES"

# flat CSV of the batch, the columns of numhealth::sim::write_flat_csv (phone calls only)
run csv "$N_BATCH" "" -- python3 -c '
import sys, json, csv
cols = ["call_id","from_number","to_number","direction","call_status","disconnection_reason","start_timestamp","end_timestamp","duration_ms"]
w = csv.writer(open(sys.argv[2], "w", newline=""), lineterminator="\n")
w.writerow(cols)
for line in open(sys.argv[1], "rb"):
    c = json.loads(line)
    if c.get("call_type") != "phone_call":
        continue
    w.writerow(["" if c.get(k) is None else c.get(k) for k in cols])
' "$BATCH" "$CSV"
N_CSV=$(( $(wc -l < "$CSV") - 1 ))

# ---------------------------------------------------------------- cases
DB1="$OUT/case1.db"
DB2="$OUT/case2.db"
DBH="$OUT/history.db"

run 1 "$N_BATCH" "" -- "$BIN" --db "$DB1" ingest --format json "$BATCH"

cat > "$OUT/import.sql" <<SQL
PRAGMA journal_mode=WAL;
PRAGMA synchronous=NORMAL;
CREATE TABLE calls(call_id TEXT PRIMARY KEY, from_number TEXT, to_number TEXT, direction TEXT,
  call_status TEXT, disconnection_reason TEXT, start_timestamp INTEGER, end_timestamp INTEGER,
  duration_ms INTEGER);
.import --csv --skip 1 $CSV calls
SQL
run 2 "$N_CSV" "csv rows (phone calls)" -- sqlite3 "$DB2" ".read $OUT/import.sql"
# Two more side-by-side pairs of cases 1 and 2 (the target is judged on the median pair).
for k in 2 3; do
    rm -f "$DB1" "$DB1"-wal "$DB1"-shm "$DB2" "$DB2"-wal "$DB2"-shm
    run "1.$k" "$N_BATCH" "" -- "$BIN" --db "$DB1" ingest --format json "$BATCH"
    run "2.$k" "$N_CSV" "csv rows (phone calls)" -- sqlite3 "$DB2" ".read $OUT/import.sql"
done

run H "$N_HIST" "" -- "$BIN" --db "$DBH" ingest --format json "$HIST"
# A copy of the history database before it is scored and appended to: case 3 runs twice
# more on fresh copies of it (and it is there for repeating case 3 by hand with --keep).
for f in "$DBH" "$DBH-wal"; do [ -e "$f" ] && cp "$f" "$OUT/snapshot-${f##*/}"; done
sync
run 5 "$N_HIST" "" -- "$BIN" --db "$DBH" score --as-of "$SIM_END"
run scan "$N_HIST" "" -- sqlite3 "$DBH" 'SELECT count(*), sum(duration_ms) FROM calls'
sed -i "\$s/\t\$/\tcount|sum = $(tr -d '\n' < "$OUT/out.scan.txt")/" "$RES"
for k in 2 3; do
    run "5.$k" "$N_HIST" "" -- "$BIN" --db "$DBH" score --as-of "$SIM_END"
    run "scan.$k" "$N_HIST" "" -- sqlite3 "$DBH" 'SELECT count(*), sum(duration_ms) FROM calls'
done
run 3 "$N_BATCH" "" -- "$BIN" --db "$DBH" ingest --format json "$BATCH"
run 4 "$N_BATCH" "" -- "$BIN" --db "$DBH" ingest --format json "$BATCH"
run 4s "$N_BATCH" "" -- "$BIN" --db "$DB1" ingest --format json "$BATCH"
for k in 2 3; do
    rm -f "$DBH" "$DBH"-wal "$DBH"-shm
    cp "$OUT/snapshot-history.db" "$DBH"
    [ -e "$OUT/snapshot-history.db-wal" ] && cp "$OUT/snapshot-history.db-wal" "$DBH-wal"
    sync
    run "3.$k" "$N_BATCH" "" -- "$BIN" --db "$DBH" ingest --format json "$BATCH"
done
printf 'meta\tdb_size\t%s\n' "$(du -ch "$DBH"* | tail -1 | cut -f1)" >> "$RES"

echo
report
if [ "$SCALE" = full ]; then
    write_benchmarks_md
    echo "wrote $REPO/BENCHMARKS.md"
fi
if [ "$KEEP" = 0 ]; then
    rm -rf "$SIMDIR" "$HIST" "$BATCH" "$CSV" "$OUT"/*.db "$OUT"/*.db-wal "$OUT"/*.db-shm "$OUT"/*.db.lock
fi
