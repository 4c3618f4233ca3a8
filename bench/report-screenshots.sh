#!/usr/bin/env bash
# Renders `numhealth report` on the sample data in headless Chromium (Debian's `chromium`
# package: apt-get install -y chromium) and saves two PNGs: the first screen, and the
# section of the riskiest number that needs action (id n<digits>). Chromium's network log
# of both renders is kept beside them; the script fails if the page requested anything
# but the report file itself (needs python3 to read the log).
#
#   bench/report-screenshots.sh [BINARY] [OUT_DIR]
#   defaults: target/debug/numhealth, target/report-screenshots
set -euo pipefail

bin=${1:-target/debug/numhealth}
out=${2:-target/report-screenshots}
chromium=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$chromium" ]; then
    echo "report-screenshots: needs chromium (apt-get install -y chromium)" >&2
    exit 1
fi
mkdir -p "$out"
out=$(cd "$out" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

db=$work/sample.db
nh() { "$bin" --db "$db" -q "$@"; }
nh ingest data/sample/calls-older.ndjson.gz data/sample/calls.ndjson data/sample/webhooks.ndjson \
    data/sample/list-calls-v2.json data/sample/export.csv >/dev/null
nh score --as-of 2026-11-21 --allow-stale >/dev/null
nh report --as-of 2026-11-21 -o "$out/report.html"

# The first number with a section of its own (the riskiest that needs action).
id=$(grep -o '<article class="number" id="n[0-9A-Za-z]*"' "$out/report.html" | head -n 1 | sed 's/.*id="\(.*\)"/\1/')
if [ -z "$id" ]; then
    echo "report-screenshots: the report has no number section" >&2
    exit 1
fi

# Chromium's own background requests (component updates, sign-in, spelling dictionaries)
# resolve nowhere (--host-resolver-rules), so nothing leaves the machine; the page's
# requests are those with an origin as initiator (a file:// page's is "null").
page_requests() {
    python3 - "$1" <<'PY'
import json, sys
log = json.load(open(sys.argv[1]))
names = {v: k for k, v in log["constants"]["logEventTypes"].items()}
for e in log["events"]:
    p = e.get("params") or {}
    if names.get(e["type"]) == "URL_REQUEST_START_JOB" and "url" in p and p.get("initiator") != "not an origin":
        if not p.get("url", "").startswith("file://"):
            print(p.get("url"))
PY
}

shot() {
    "$chromium" --headless --no-sandbox --disable-background-networking --disable-gpu \
        --disable-component-update --disable-sync --disable-extensions --disable-default-apps \
        --host-resolver-rules="MAP * ~NOTFOUND" --hide-scrollbars --no-first-run \
        --user-data-dir="$work/profile" --log-net-log="$work/$1.netlog.json" \
        --window-size=1280,900 --screenshot="$out/$1.png" "$2" 2>"$work/$1.stderr" || {
        cat "$work/$1.stderr" >&2
        exit 1
    }
    cp "$work/$1.netlog.json" "$out/$1.netlog.json"
    local requests
    requests=$(page_requests "$out/$1.netlog.json")
    if [ -n "$requests" ]; then
        echo "report-screenshots: the page made network requests:" >&2
        echo "$requests" >&2
        exit 1
    fi
}
shot report-first-screen "file://$out/report.html"
# Headless Chromium paints only the top of a page in a screenshot (scrolling to a
# #fragment leaves it blank), so the section is rendered a second time from a copy of the
# report whose other parts are hidden by one added style rule.
sed "s|</head>|<style>header,#fleet,#risk,#pool,#numbers>h2,#numbers>p,article.number:not(#$id){display:none}</style></head>|" \
    "$out/report.html" >"$out/report-number-section.html"
shot report-number-section "file://$out/report-number-section.html"
echo "wrote $out/report-first-screen.png and $out/report-number-section.png ($id)"
