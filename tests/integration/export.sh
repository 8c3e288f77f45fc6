#!/bin/sh
# The node daemon's sinks (cmon-kern; cmon-dpdk runs the same daemon),
# against real servers on loopback: an InfluxDB
# 1.x it writes to (started late, stopped and restarted mid-run: data after
# the restart arrives and queued = written + dropped + rejected holds
# exactly, with the database holding exactly the written points), a
# Prometheus that scrapes /metrics (and promtool's parser), the JSON API
# against the schemas in doc/api/, the event stream, and clear errors for
# bad configuration.
set -u
. "$(dirname "$0")/lib.sh"
it_init cmex
it_exporter_init
for t in influxd promtool prometheus curl; do
	command -v "$t" >/dev/null || it_fail "$t missing: run tools/install-deps"
done
/usr/bin/python3 -c 'import jsonschema' 2>/dev/null ||
	it_fail "python3-jsonschema missing: run tools/install-deps"
API="/usr/bin/python3 $HERE/api.py"

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
IPORT=$(free_port)
IURL=http://127.0.0.1:$IPORT

# --- bad configuration: exit status 2 and a message that says what to do
bad() {
	local want=$1 rc=0
	shift
	"$APP" --bridge "$BR" "$@" >/dev/null 2>"$IT_TMP/bad.err" || rc=$?
	[ "$rc" = 2 ] || it_fail "$*: exit status $rc, not 2"
	grep -q -- "$want" "$IT_TMP/bad.err" ||
		it_fail "$*: no \"$want\" in: $(cat "$IT_TMP/bad.err")"
}
printf '# test\nhttp = 0\nbogus = 1\n' >"$IT_TMP/bad1.conf"
bad 'bad1.conf:3: unknown setting "bogus"' -c "$IT_TMP/bad1.conf"
printf 'influx\n' >"$IT_TMP/bad2.conf"
bad 'bad2.conf:1: "influx" needs a value' -c "$IT_TMP/bad2.conf"
printf 'quiet = maybe\n' >"$IT_TMP/bad3.conf"
bad 'bad3.conf:1: "quiet" is a flag' --config "$IT_TMP/bad3.conf"
# values are checked after the file became arguments, and still say where
printf '# values\nbridge = x\ninterval = soon\n' >"$IT_TMP/bad4.conf"
bad "bad4.conf:3: invalid --interval 'soon'" -c "$IT_TMP/bad4.conf"
printf 'sample = -4\n' >"$IT_TMP/bad5.conf"
bad "bad5.conf:1: invalid --sample '-4'" -c "$IT_TMP/bad5.conf"
bad "^cmon-kern: error: invalid --sample '-4'" --sample -4
bad "config file $IT_TMP/none.conf: No such file" -c "$IT_TMP/none.conf"
bad 'is not an http:// or https:// URL' --influx ftp://cmon:s3cret@127.0.0.1/
grep -q s3cret "$IT_TMP/bad.err" && it_fail "a bad InfluxDB URL's password is logged"
bad 'is not \[IPv4-ADDRESS:\]PORT' --http 99999
bad 'give --http-token TOKEN' --http 0.0.0.0:0
bad 'invalid --influx-buffer' --influx "$IURL" --influx-buffer 0

# the example configuration parses (the command line overrides its port)
rc=0
"$APP" -c "$top_srcdir/etc/cmon-dpdk.conf" --http 0 --bridge "$BR" --duration 0.1 \
	>/dev/null 2>"$IT_TMP/bad.err" || rc=$?
[ "$rc" != 2 ] || it_fail "etc/cmon-dpdk.conf: $(cat "$IT_TMP/bad.err")"

# --- the run: configured from a file; InfluxDB not up yet
it_host 2

# credentials in the InfluxDB URL reach neither the logs nor the API; the
# API's token comes from a file
printf 'tok-%s\n' "$$" >"$IT_TMP/token"
chmod 600 "$IT_TMP/token"
it_fresh "$IT_TMP/cred.err"
"$APP" --bridge "$BR" --http 127.0.0.1:0 --quiet --duration 12 \
	--http-token-file "$IT_TMP/token" \
	--influx "http://cmon:s3cret@127.0.0.1:$IPORT" 2>"$IT_TMP/cred.err" &
cpid=$!
it_wait "$IT_TMP/cred.err" "serving http" 10 || it_fail "the exporter did not serve"
port=$(it_http_port "$IT_TMP/cred.err")
# (published at the first interval, after the programs are loaded: on a
# busy machine the verifier alone may take seconds)
for _ in $(seq 1 100); do
	curl -sf -H "Authorization: Bearer tok-$$" \
		"http://127.0.0.1:$port/api/v1/health" >"$IT_TMP/cred.json" &&
		break
	sleep 0.1
done
[ -s "$IT_TMP/cred.json" ] || it_fail "no health document"
for t in "" "tok-" "tok-$$-"; do
	code=$(curl -s -o /dev/null -w '%{http_code}' \
		"http://127.0.0.1:$port/api/v1/health?token=$t")
	[ "$code" = 401 ] || it_fail "token '$t' answered $code, not 401"
done
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/metrics")
[ "$code" = 401 ] || it_fail "/metrics without the token answered $code, not 401"
wait "$cpid" || it_fail "the exporter with --duration exited with $?"
grep -q '"url":"http://\*\*\*@127.0.0.1' "$IT_TMP/cred.json" ||
	it_fail "health does not name the InfluxDB: $(cat "$IT_TMP/cred.json")"
grep -q s3cret "$IT_TMP/cred.json" "$IT_TMP/cred.err" &&
	it_fail "the InfluxDB password leaked: $(grep s3cret "$IT_TMP/cred.json" "$IT_TMP/cred.err")"
cat >"$IT_TMP/run.conf" <<EOC
# exporter settings for the export test
bridge = $BR
node = cmex-node
sample = 1
interval = 0.5
quiet
json = false
http = 127.0.0.1:0
influx = "$IURL"
influx-buffer = 0.004   # 4 KiB: an outage of a few seconds overflows it
EOC
it_fresh "$IT_TMP/agent.out" "$IT_TMP/agent.err"
"$APP" -c "$IT_TMP/run.conf" >"$IT_TMP/agent.out" 2>"$IT_TMP/agent.err" &
AGENT_PID=$!
it_wait "$IT_TMP/agent.err" "monitoring" 10 || it_fail "the exporter did not start"
grep -q "influxdb: cannot create database \"cmon\" at $IURL: .*onnect" \
	"$IT_TMP/agent.err" || it_fail "no clear message about unreachable InfluxDB"
HPORT=$(it_http_port "$IT_TMP/agent.err")
[ -n "$HPORT" ] || it_fail "no HTTP port logged"
H=http://127.0.0.1:$HPORT
[ -s "$IT_TMP/agent.out" ] && it_fail "quiet: output on stdout"
# the page without --web-root: beside the program (this build tree's
# web/dist) when it was built, else a 404 that says how to get it
if [ -f "$top_builddir/web/dist/index.html" ]; then
	curl -sf "$H/" | grep -q "<title>" || it_fail "no page at / without --web-root"
else
	curl -s "$H/" | grep -q -- "give --web-root" ||
		it_fail "no hint at / without the page's files"
fi
bad 'Address already in use' --http "127.0.0.1:$HPORT"

it_in 1 ping -q -i 0.05 -w 120 "$(it_ip 2)" >/dev/null 2>&1 &
IT_PIDS="$IT_PIDS $!"

mkdir -p "$IT_TMP/influx"
cat >"$IT_TMP/influxd.conf" <<EOC
reporting-disabled = true
bind-address = "127.0.0.1:$(free_port)"
[meta]
  dir = "$IT_TMP/influx/meta"
[data]
  dir = "$IT_TMP/influx/data"
  wal-dir = "$IT_TMP/influx/wal"
  query-log-enabled = false
[http]
  bind-address = "127.0.0.1:$IPORT"
  log-enabled = false
EOC
influx_start() {
	influxd -config "$IT_TMP/influxd.conf" >>"$IT_TMP/influxd.log" 2>&1 &
	INFLUX_PID=$!
	for _ in $(seq 100); do
		curl -sf "$IURL/ping" && return 0
		sleep 0.1
	done
	it_fail "influxd did not start: $(tail -5 "$IT_TMP/influxd.log")"
}
it_on_exit 'kill $INFLUX_PID 2>/dev/null; wait $INFLUX_PID 2>/dev/null'
influx_start
health() {
	curl -sf "$H/api/v1/health" | python3 -c "import json, sys; print(json.load(sys.stdin)$1)"
}
# the sink retries and writes once InfluxDB is there
for _ in $(seq 50); do
	[ "$(health "['sinks']['influxdb']['written']")" -gt 0 ] && break
	sleep 0.2
done
[ "$(health "['sinks']['influxdb']['connected']")" = True ] ||
	it_fail "InfluxDB started but the sink is not writing"
grep -q "influxdb: $IURL is writable again" "$IT_TMP/agent.err" ||
	it_fail "no log line when InfluxDB came back"
sleep 2

# --- Prometheus: the exposition parses, and a real Prometheus scrapes it
curl -sf "$H/metrics" >"$IT_TMP/metrics" || it_fail "GET /metrics failed"
promtool check metrics <"$IT_TMP/metrics" ||
	it_fail "promtool check metrics rejects the exposition"
lab='node="cmex-node",src="cmexc1",dst="cmexc2",proto="icmp"'
n=$(sed -n "s/^cmon_packets_total{$lab} //p" "$IT_TMP/metrics")
[ "${n:-0}" -gt 10 ] || it_fail "cmon_packets_total{$lab} is '$n'"
n=$(sed -n "s/^cmon_hop_latency_seconds_count{$lab,hop=\"veth_in>veth_out\",from_node=\"0\",to_node=\"0\"} //p" "$IT_TMP/metrics")
[ "${n:-0}" -gt 10 ] || it_fail "bridge hop histogram count is '$n'"
PPORT=$(free_port)
cat >"$IT_TMP/prometheus.yml" <<EOC
global:
  scrape_interval: 1s
scrape_configs:
  - job_name: cmon
    static_configs:
      - targets: ["127.0.0.1:$HPORT"]
EOC
prometheus --config.file="$IT_TMP/prometheus.yml" \
	--storage.tsdb.path="$IT_TMP/prom" \
	--web.listen-address="127.0.0.1:$PPORT" >"$IT_TMP/prometheus.log" 2>&1 &
PROM_PID=$!
IT_PIDS="$IT_PIDS $PROM_PID"
q='histogram_quantile(0.5,cmon_hop_latency_seconds_bucket{src="cmexc1",dst="cmexc2",hop="veth_in>veth_out"})'
v=""
for _ in $(seq 60); do
	v=$(curl -sfG "http://127.0.0.1:$PPORT/api/v1/query" --data-urlencode "query=$q" |
		python3 -c 'import json, sys; r = json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else "")' 2>/dev/null)
	[ -n "$v" ] && [ "$v" != NaN ] && break
	sleep 0.5
done
python3 -c "import sys; v = float('$v' or 'nan'); sys.exit(not 0 < v < 0.01)" ||
	it_fail "Prometheus: median bridge hop latency '$v' s"
echo "Prometheus scraped: median bridge hop ${v} s"
kill "$PROM_PID"

# --- JSON API against its schemas, with the values a user checks
$API validate "$H/api/v1/metrics" metrics.schema.json >"$IT_TMP/m.json" ||
	it_fail "/api/v1/metrics does not match doc/api/metrics.schema.json"
$API validate "$H/api/v1/topology" topology.schema.json >"$IT_TMP/t.json" ||
	it_fail "/api/v1/topology does not match its schema"
python3 - "$IT_TMP/t.json" "$(it_ip 1)" "$(it_ip 2)" <<'EOP' || it_fail "topology content"
import json, sys
t = json.load(open(sys.argv[1]))
ct = {c["name"]: c for c in t["containers"]}
assert ct["cmexc1"]["ips"] == [sys.argv[2]] and ct["cmexc2"]["ips"] == [sys.argv[3]], ct
assert ct["cmexc1"]["bridge"] == "cmexbr" and ct["cmexc1"]["monitored"], ct
assert t["bridges"] == [{"name": "cmexbr", "containers": ["cmexc1", "cmexc2"]}] or \
    sorted(t["bridges"][0]["containers"]) == ["cmexc1", "cmexc2"], t["bridges"]
p = [p for p in t["paths"] if p["src"] == "cmexc1" and p["dst"] == "cmexc2"]
assert p and p[0]["proto"] == "icmp", t["paths"]
EOP
# (the page asks for the idle pairs only: the metrics have the others)
$API validate "$H/api/v1/topology?paths=idle" topology.schema.json >"$IT_TMP/ti.json" ||
	it_fail "/api/v1/topology?paths=idle does not match its schema"
python3 - "$IT_TMP/t.json" "$IT_TMP/ti.json" <<'EOP' || it_fail "topology?paths=idle content"
import json, sys
t, ti = (json.load(open(f)) for f in sys.argv[1:3])
assert ti["containers"] == t["containers"], (ti["containers"], t["containers"])
assert ti["paths"] == [p for p in ti["paths"] if not p["active"]], ti["paths"]
assert any(p["active"] for p in t["paths"]), "no active pair to leave out"
EOP
[ "$(curl -s -o /dev/null -w '%{http_code}' "$H/api/v1/topology?paths=some")" = 400 ] ||
	it_fail "paths=some is not 400"
$API validate "$H/api/v1/health" health.schema.json >/dev/null ||
	it_fail "/api/v1/health does not match its schema"
$API validate "$H/api/v1/counters" counters.schema.json >"$IT_TMP/c.json" ||
	it_fail "/api/v1/counters does not match its schema"
grep -q '"src_ip": "'"$(it_ip 1)"'", "dst_ip": "'"$(it_ip 2)"'"' "$IT_TMP/c.json" ||
	it_fail "no counters of $(it_ip 1)>$(it_ip 2)"
$API validate "$H/api/v1/history" history.schema.json >"$IT_TMP/hi.json" ||
	it_fail "/api/v1/history does not match its schema"
grep -q '"src": "cmexc1", "dst": "cmexc2"' "$IT_TMP/hi.json" ||
	it_fail "history index lacks cmexc1>cmexc2"
$API validate "$H/api/v1/history?src=cmexc1&dst=$(it_ip 2)&proto=icmp" \
	history.schema.json >"$IT_TMP/hp.json" || it_fail "history of a pair"
python3 - "$IT_TMP/hp.json" <<'EOP' || it_fail "history points"
import json, sys
h = json.load(open(sys.argv[1]))
pts = h["points"]
assert len(pts) >= 4, "only %d points" % len(pts)
assert all(b["t"] > a["t"] for a, b in zip(pts, pts[1:])), "times not increasing"
assert all(p["e2e_p50_us"] > 0 and p["pps"] > 0 for p in pts[-3:]), pts[-3:]
assert any(x["hop"] == "veth_in>veth_out" for x in pts[-1]["hops"]), pts[-1]
print("history: %d points, last e2e p50 %.1f us" % (len(pts), pts[-1]["e2e_p50_us"]))
EOP
curl -sf "$H/api/v1/history?src=cmexc1&dst=cmexc2&since=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["points"][-2]["t"])' "$IT_TMP/hp.json")" >"$IT_TMP/hs.json"
python3 - "$IT_TMP/hp.json" "$IT_TMP/hs.json" <<'EOP' || it_fail "history since="
import json, sys
full, since = (json.load(open(f))["points"] for f in sys.argv[1:3])
assert since and since[0]["t"] == full[-1]["t"], (full[-2:], since[:2])
EOP
$API validate "$H/api/v1/history/monitor" history.schema.json >/dev/null ||
	it_fail "/api/v1/history/monitor does not match its schema"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$H/api/v1/history?src=nobody&dst=cmexc2")" = 404 ] ||
	it_fail "unknown history series is not 404"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$H/api/v1/nothing")" = 404 ] ||
	it_fail "unknown endpoint is not 404"
[ "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$H/metrics")" = 405 ] ||
	it_fail "POST is not 405"
$API events "$H/api/v1/events" 3 || it_fail "event stream"

# --- InfluxDB holds the series with sane values
$API influx "$IURL" cmon "SELECT last(p50_us) FROM cmon_hop WHERE src='cmexc1' AND dst='cmexc2' AND hop='veth_in>veth_out'" >"$IT_TMP/q1"
python3 -c "
import json, sys
v = json.load(open('$IT_TMP/q1'))['results'][0]['series'][0]['values'][0][1]
assert 0 < v < 10000, v
print('InfluxDB: bridge hop p50 %.1f us' % v)" || it_fail "InfluxDB hop series: $(cat "$IT_TMP/q1")"

# --- InfluxDB stopped mid-run, then restarted
kill "$INFLUX_PID"
wait "$INFLUX_PID"
it_wait "$IT_TMP/agent.err" "influxdb: cannot write to $IURL" 10 ||
	it_fail "no message when InfluxDB went away"
sleep 4
[ "$(health "['sinks']['influxdb']['dropped']")" -gt 0 ] ||
	it_fail "4 KiB buffer, 4 s outage and nothing dropped?"
restart=$(date +%s)
influx_start
for _ in $(seq 50); do
	[ "$(health "['sinks']['influxdb']['connected']")" = True ] && break
	sleep 0.2
done
sleep 2
kill -INT "$AGENT_PID"
wait "$AGENT_PID" || it_fail "the exporter exit status $?"
AGENT_PID=""
line=$(grep 'influxdb: [0-9]* of [0-9]* lines written' "$IT_TMP/agent.err") ||
	it_fail "no final InfluxDB account"
echo "$line"
set -- $(echo "$line" | sed 's/.*: \([0-9]*\) of \([0-9]*\) lines written, \([0-9]*\) dropped.*, \([0-9]*\) rejected/\1 \2 \3 \4/')
written=$1 queued=$2 dropped=$3 rejected=$4
[ "$dropped" -gt 0 ] || it_fail "no lines dropped"
[ "$queued" = $((written + dropped + rejected)) ] ||
	it_fail "queued $queued != written $written + dropped $dropped + rejected $rejected"
[ "$rejected" = 0 ] || it_fail "InfluxDB rejected $rejected lines"
$API influx "$IURL" cmon 'SELECT count(packets) FROM cmon_pair; SELECT count("count") FROM cmon_hop; SELECT count("count") FROM cmon_drop; SELECT count(samples) FROM cmon_link; SELECT count(interval_s) FROM cmon_monitor' >"$IT_TMP/q2"
$API influx "$IURL" cmon "SELECT count(interval_s) FROM cmon_monitor WHERE time > ${restart}s" >"$IT_TMP/q3"
python3 - "$IT_TMP/q2" "$IT_TMP/q3" "$written" <<'EOP' || it_fail "InfluxDB contents"
import json, sys
def total(path):
    n = 0
    for r in json.load(open(path))["results"]:
        for s in r.get("series", []):
            n += s["values"][0][1]
    return n
stored, after = total(sys.argv[1]), total(sys.argv[2])
print("InfluxDB holds %d points (%d written), %d intervals after the restart"
      % (stored, int(sys.argv[3]), after))
assert stored == int(sys.argv[3]), "stored %d != written %s" % (stored, sys.argv[3])
assert after >= 2, "no data after the restart"
EOP
echo "PASS: InfluxDB, Prometheus, JSON API and event stream; exact drop account"
