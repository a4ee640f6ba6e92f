#!/usr/bin/env bash
# The leakprof-agent binary end to end: --help, --once --output=json against
# the real Go program tests/goprof:blocker, bad flags and config errors, and
# the daemon: /healthz, /metrics (checked by promtool when installed), and a
# graceful SIGTERM with the snapshot it could not deliver left in the spool.
# Args: AGENT BLOCKER (runfiles paths).
set -euo pipefail
agent=$1
blocker=$2
tmp=${TEST_TMPDIR:-$(mktemp -d)}
fail() { echo "FAIL: $*" >&2; exit 1; }

# --help names every flag, with dashes or underscores accepted.
"$agent" --help >"$tmp/help" 2>&1 || true
for f in target service instance label collector interval jitter budget \
  leak_interval debug2_interval debug2_max_goroutines timeout \
  max_profile_bytes http_addr spool_dir spool_max_bytes auth_token_file \
  tls_ca tls_cert tls_key config once output; do
  grep -q -- "--$f" "$tmp/help" || fail "--help lacks --$f"
done

# A real target.
"$blocker" >"$tmp/blocker.out" &
bpid=$!
trap 'kill $bpid 2>/dev/null || true; [ -n "${apid:-}" ] && kill -9 $apid 2>/dev/null || true' EXIT
for _ in $(seq 1 200); do grep -q '^ready$' "$tmp/blocker.out" 2>/dev/null && break; sleep 0.1; done
grep -q '^ready$' "$tmp/blocker.out" || fail "blocker did not start"
addr=$(sed -n 's/^listening on //p' "$tmp/blocker.out")
root="http://$addr/debug/pprof/"

# --once --output=json: the snapshot it would push, with every definition.
"$agent" --once --output=json --target="$root" --service=blocker \
  --instance=b-0 --label=version=1.0,zone=test >"$tmp/once.json" 2>"$tmp/once.err" \
  || { cat "$tmp/once.err"; fail "--once failed"; }
python3 - "$tmp/once.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["failures"] == [], d["failures"]
s = d["snapshots"][0]
assert s["service"] == "blocker" and s["instance"] == "b-0", s
assert [l["name"] for l in s["labels"]] == ["version", "zone"], s["labels"]
assert int(s["total_goroutines"]) >= 102, s["total_goroutines"]
assert len(s["stack_ids"]) == len(s["counts"]) == len(s["definitions"]) > 10
assert s["strings"][0] == ""
assert s["go_version"].startswith("go1."), s.get("go_version")
# A goroutine Go reports with no frames counts in the total only (docs/agent.md).
assert 102 <= sum(int(c) for c in s["counts"]) <= int(s["total_goroutines"])
classes = {d["block_class"] for d in s["definitions"]}
assert "BLOCK_CLASS_CHAN_SEND" in classes and "BLOCK_CLASS_MUTEX" in classes, classes
PY

# A failing target: exit status 1, the failure in the JSON.
if "$agent" --once --target=http://127.0.0.1:1/debug/pprof/ --service=x \
  >"$tmp/fail.json" 2>/dev/null; then fail "--once on a dead target exited 0"; fi
grep -q '"failures"' "$tmp/fail.json" || fail "no failures in JSON"

# Bad flags and config files: exit status 2 and a message naming the place.
if "$agent" --once --target=http://x/ 2>"$tmp/e1"; then fail "no --service accepted"; fi
grep -q -- "--service is required" "$tmp/e1" || fail "message: $(cat "$tmp/e1")"
printf 'targets:\n  - target: http://x:1/\n    servce: a\n' >"$tmp/bad.yaml"
if "$agent" --once --config="$tmp/bad.yaml" 2>"$tmp/e2"; then fail "bad config accepted"; fi
grep -q "bad.yaml:3:5: targets\[0\]: unknown key \"servce\"" "$tmp/e2" || fail "message: $(cat "$tmp/e2")"

if "$agent" --once --service=x --jitter=2 2>"$tmp/e3"; then fail "--jitter=2 accepted"; fi
grep -q -- "--jitter: must be in" "$tmp/e3" || fail "message: $(cat "$tmp/e3")"

# The daemon, with a collector that is not there.
"$agent" --target="$root" --service=blocker --instance=b-0 \
  --collector=127.0.0.1:1 --interval=200ms --budget=0 \
  --http-addr=127.0.0.1:0 --spool-dir="$tmp/spool" 2>"$tmp/agent.err" &
apid=$!
for _ in $(seq 1 200); do grep -q "metrics on port" "$tmp/agent.err" && break; sleep 0.1; done
port=$(sed -n 's/.*metrics on port \([0-9]*\).*/\1/p' "$tmp/agent.err")
[ -n "$port" ] || fail "no port in log: $(cat "$tmp/agent.err")"
for _ in $(seq 1 200); do
  curl -sf "http://127.0.0.1:$port/metrics" >"$tmp/metrics" &&
    grep -q 'leakprof_agent_pushes_total{result="unavailable"} [1-9]' "$tmp/metrics" && break
  sleep 0.1
done
[ "$(curl -sf "http://127.0.0.1:$port/healthz")" = ok ] || fail "/healthz"
grep -q 'leakprof_agent_scrapes_total{instance="b-0",profile="goroutine",result="ok",service="blocker"}' \
  "$tmp/metrics" || fail "no ok scrape in /metrics"
grep -q 'leakprof_agent_pushes_total{result="unavailable"} [1-9]' "$tmp/metrics" \
  || fail "no unavailable push in /metrics"
if [ -x /usr/bin/promtool ]; then
  /usr/bin/promtool check metrics <"$tmp/metrics" || fail "promtool check metrics"
fi
kill -TERM $apid
wait $apid || fail "agent exit status $? after SIGTERM"
apid=
grep -q "stopping" "$tmp/agent.err" && grep -q "stopped" "$tmp/agent.err" \
  || fail "no shutdown log: $(cat "$tmp/agent.err")"
ls "$tmp/spool"/*.snap >/dev/null 2>&1 || fail "nothing left in the spool"
ls "$tmp/spool"/sequence-* >/dev/null || fail "no sequence file"
echo PASS
