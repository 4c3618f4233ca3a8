#!/usr/bin/env bash
# Prints the outputs that the renovation must keep byte-identical, for one numhealth binary,
# on a fresh database of the bundled sample data. Run it with two binaries and diff:
#   bench/compare-outputs.sh OLD_BIN > old.txt; bench/compare-outputs.sh NEW_BIN > new.txt; diff old.txt new.txt
set -uo pipefail
bin=${1:?usage: compare-outputs.sh NUMHEALTH_BINARY}
cd "$(dirname "$0")/.."
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
db="$tmp/sample.db"
nh() { env -i PATH=/usr/bin:/bin HOME="$tmp" "$bin" --db "$db" "$@"; }
asof=2026-11-21
nh -q ingest data/sample/*.json data/sample/*.ndjson data/sample/export.csv data/sample/*.gz >/dev/null 2>&1
section() { printf '\n=== %s\n' "$*"; }
section check;            nh check 2>&1 | grep -i checksum
section risky;            nh risky --as-of $asof --all
section risky-csv;        nh risky --as-of $asof --all --format csv
section risky-json;       nh risky --as-of $asof --all --format json
section export;           nh export rotation --as-of $asof
top=$(nh risky --as-of $asof --top 1 --format csv | sed -n 2p | cut -d, -f1)
section "number $top";    nh number "$top" --as-of $asof
section bursts;           nh bursts
section bursts-json;      nh bursts --format json
section score-json;       nh score --as-of $asof --format json | sed -E 's/"score_run": *[0-9]+/"score_run": N/'
section "number after score"; nh number "$top" --as-of $asof
