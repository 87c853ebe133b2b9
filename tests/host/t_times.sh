# Times: StartedAt at execve, FinishedAt at reap, the same however late or often
# a client asks (the exit message, Wait, inspect; the primary and an exec).

times_proto () {
  python3 "$HT_DIR/tproto.py" times "$SOCK" >py.out 2>&1 || fail "$(grep FAILED py.out | head -3 | tr '\n' ';') $(tail -n 2 py.out)"
}

# tetherctl inspect: FinishedAt - StartedAt is how long the process ran, and
# FinishedAt stays put across inspects.
times_inspect () {
  ctl run --name times-ctl sh -c 'sleep 1' || fail "run exit $?"
  trap 'ctl rm -f times-ctl >/dev/null 2>&1' EXIT
  ctl inspect times-ctl >i1 || fail "inspect failed"
  sleep 1
  ctl inspect times-ctl >i2 || fail "second inspect failed"
  python3 - <<'PY' || fail "$(cat why)"
import json, re, sys
def ns(t):
    m = re.fullmatch(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\.(\d{9})Z", t)
    if not m:
        raise SystemExit(open("why", "w").write("not RFC 3339 with 9 digits: %r" % t) and 1)
    import calendar, time
    return calendar.timegm(time.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S")) * 10**9 + int(m.group(2))
a = json.load(open("i1"))[0]["State"]; b = json.load(open("i2"))[0]["State"]
ms = (ns(a["FinishedAt"]) - ns(a["StartedAt"])) / 1e6
why = []
if not 950 <= ms <= 2500: why.append("FinishedAt - StartedAt = %.0f ms for a sleep 1" % ms)
if a["FinishedAt"] != b["FinishedAt"] or a["StartedAt"] != b["StartedAt"]:
    why.append("times moved between inspects: %s/%s then %s/%s" % (a["StartedAt"], a["FinishedAt"], b["StartedAt"], b["FinishedAt"]))
open("why", "w").write("; ".join(why))
sys.exit(1 if why else 0)
PY
}

t times_proto times_proto 30
t times_inspect times_inspect 30
