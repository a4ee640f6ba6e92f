#!/usr/bin/env bash
# The leakprof-analyzer binary end to end, with a real collector, a real
# agent and the scenario Go service: --help, flag and rule-file errors,
# --once (JSON on stdout), the daemon (/healthz, /metrics checked by promtool
# when installed, /api/v1/*, the page at /), `leakprofctl top` against it,
# and a graceful SIGTERM.
# Args: ANALYZER COLLECTOR AGENT SERVICE CTL (runfiles paths).
set -euo pipefail
analyzer=$1
collector=$2
agent=$3
service=$4
ctl=$5
tmp=${TEST_TMPDIR:-$(mktemp -d)}
fail() { echo "FAIL: $*" >&2; for f in "$tmp"/*.log; do echo "== $f"; tail -20 "$f"; done >&2; exit 1; }
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

# --help names the flags, dashes accepted.
"$analyzer" --help >"$tmp/help" 2>&1 || true
for f in collector window interval http_addr once alertmanager_url \
  ticket_webhook_url routing ignore max_suspect_series; do
  grep -q -- "--$f" "$tmp/help" || fail "--help lacks --$f"
done

# Errors exit 1 with a message naming the problem.
if "$analyzer" --once --candidate-classes=chan_send,bogus 2>"$tmp/e1"; then
  fail "bogus class accepted"; fi
grep -q 'unknown block class "bogus"' "$tmp/e1" || fail "message: $(cat "$tmp/e1")"
printf 'ignore:\n  - function: "("\n    reason: r\n' >"$tmp/bad.yaml"
if "$analyzer" --once --ignore="$tmp/bad.yaml" 2>"$tmp/e2"; then
  fail "bad ignore file accepted"; fi
grep -q "ignore rule 1: function: bad regular expression" "$tmp/e2" || fail "message: $(cat "$tmp/e2")"
if "$analyzer" --once --collector=127.0.0.1:1 --rpc_deadline=2s 2>"$tmp/e3"; then
  fail "--once with no collector exited 0"; fi
grep -q "UNAVAILABLE" "$tmp/e3" || fail "message: $(cat "$tmp/e3")"

# A collector, a leaking service and its agent.
"$collector" --data_dir="$tmp/data" --grpc_addr=127.0.0.1:0 \
  --http_addr=127.0.0.1:0 --wal_sync=false --ready_file="$tmp/ready" \
  >"$tmp/collector.log" 2>&1 &
pids+=($!)
for _ in $(seq 600); do [ -s "$tmp/ready" ] && break; sleep 0.1; done
[ -s "$tmp/ready" ] || fail "collector not ready"
grpc_port=$(cut -d' ' -f1 "$tmp/ready")
coproc SVC { exec "$service" -patterns premature_return -benign pool -leak-per-minute 120; }
pids+=($SVC_PID)
read -r -t 30 line <&"${SVC[0]}" || fail "service said nothing"
svc_addr=${line#listening on }
"$agent" --target="http://$svc_addr/debug/pprof/" --service=demo --instance=d0 \
  --collector="127.0.0.1:$grpc_port" --interval=500ms --jitter=0 --budget=0 \
  --http_addr= --spool_dir="$tmp/spool" >"$tmp/agent.log" 2>&1 &
pids+=($!)
sleep 7  # ~14 scrapes, ~14 leaked goroutines

# --once: the JSON of /api/v1/suspects, the leak first.
"$analyzer" --once --collector="127.0.0.1:$grpc_port" --window=10m \
  --series_points=0 --stale_after=30s >"$tmp/once.json" 2>"$tmp/once.log" \
  || fail "--once failed: $(cat "$tmp/once.log")"
python3 - "$tmp/once.json" <<'PY' || fail "--once JSON: $(head -c 600 "$tmp/once.json")"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["window_seconds"] == 600, d["window_seconds"]
s = d["suspects"]
assert s and s[0]["function"] == "main.prematureReturn.func1", s[0]["function"]
assert s[0]["suspect"] is True and s[0]["rank"] == 1, s[0]
assert s[0]["pattern"] == "premature_return"
assert len(s[0]["site_id"]) == 16
assert not any(x["suspect"] for x in s[1:]), [x["function"] for x in s if x["suspect"]]
PY

# The daemon.
"$analyzer" --collector="127.0.0.1:$grpc_port" --http-addr=127.0.0.1:0 \
  --window=10m --interval=1s --series-points=0 --stale-after=30s \
  >"$tmp/analyzer.log" 2>&1 &
apid=$!
pids+=($apid)
addr=""
for _ in $(seq 300); do
  addr=$(sed -n 's/.*serving .* on \([0-9.]*:[0-9]*\);.*/\1/p' "$tmp/analyzer.log" | head -1)
  [ -n "$addr" ] && break; sleep 0.1
done
[ -n "$addr" ] || fail "no serving line"
for _ in $(seq 300); do
  curl -fsS "http://$addr/api/v1/suspects" >"$tmp/suspects.json" 2>/dev/null && break; sleep 0.1
done
curl -fsS "http://$addr/healthz" >"$tmp/healthz" || fail "/healthz"
grep -q ok "$tmp/healthz" || fail "/healthz: $(cat "$tmp/healthz")"
grep -q '"suspect":true' "$tmp/suspects.json" || fail "no suspect: $(head -c 300 "$tmp/suspects.json")"
curl -fsS "http://$addr/api/v1/services" >"$tmp/services.json" || fail "/api/v1/services"
grep -q '"service":"demo"' "$tmp/services.json" || fail "services: $(cat "$tmp/services.json")"
site=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["suspects"][0]["site_id"])' "$tmp/suspects.json")
curl -fsS "http://$addr/api/v1/site?service=demo&site_id=$site" >"$tmp/site.json" || fail "/api/v1/site"
python3 - "$tmp/site.json" <<'PY' || fail "site JSON: $(head -c 400 "$tmp/site.json")"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["suspect"]["suspect"] is True
assert d["series"]["instances"][0]["instance"] == "d0"
assert len(d["series"]["fleet"]) > 5
assert d["alert"]["state"] == "none"
PY
code=$(curl -s -o /dev/null -w '%{http_code}' "http://$addr/api/v1/site?service=demo&site_id=XYZ")
[ "$code" = 400 ] || fail "bad site_id gave $code"
curl -fsS "http://$addr/" >"$tmp/page.html" || fail "page at /"
grep -qi "<html" "$tmp/page.html" || fail "page at / is not HTML"
curl -fsS "http://$addr/metrics" >"$tmp/metrics"
for m in leakprof_analyzer_evaluations_total leakprof_analyzer_suspects \
  leakprof_suspect_score leakprof_site_goroutines leakprof_site_est_bytes; do
  grep -q "^$m" "$tmp/metrics" || fail "/metrics lacks $m"
done
if command -v promtool >/dev/null; then
  promtool check metrics <"$tmp/metrics" >"$tmp/promtool" 2>&1 || fail "promtool: $(cat "$tmp/promtool")"
fi

# leakprofctl top against it.
"$ctl" top --analyzer="http://$addr" >"$tmp/top" || fail "top failed"
grep -q "main.prematureReturn.func1 (main.go:" "$tmp/top" || fail "top: $(cat "$tmp/top")"
"$ctl" top --analyzer="http://$addr" --service=demo --json >"$tmp/top.json" || fail "top --json"
grep -q '"suspects"' "$tmp/top.json" || fail "top --json: $(head -c 300 "$tmp/top.json")"

# SIGTERM: exits 0 and says so.
kill -TERM "$apid"
wait "$apid" || fail "analyzer exit status $?"
grep -q "stopping" "$tmp/analyzer.log" || fail "no stop line"
echo PASS
