# Many containers: 500 short-lived with complete output; 1000 sessions alive at once.

seq_500 () {
  local want; want=$(seq 1 1000 | sha)
  seq 1 500 | xargs -P 8 -I{} sh -c '"$CTL" -H "unix:$SOCK" run sh -c "seq 1 1000" >m.{} 2>m.{}.err; echo $? >m.{}.rc'
  local bad=0 i
  for i in $(seq 1 500); do
    if [[ "$(cat m.$i.rc 2>/dev/null)" != 0 || "$(sha <m.$i)" != "$want" ]]; then
      bad=$((bad + 1)); [[ $bad == 1 ]] && first="#$i rc=$(cat m.$i.rc 2>/dev/null) lines=$(wc -l <m.$i) err=$(head -c 100 m.$i.err)"
    fi
  done
  ((bad == 0)) || fail "$bad of 500 runs incomplete or failed; first: $first"
}

sessions_1000 () {
  echo "RLIMIT_NOFILE here: soft $(ulimit -Sn) hard $(ulimit -Hn); tether: $(awk '/open files/ {print $4, $5}' /proc/$TPID/limits)"
  # whatever happens, no container of this test outlives it (later groups count processes)
  trap 'seq 1 1000 | sed "s/^/many-/" | xargs -P 4 -n 50 "$CTL" -H "unix:$SOCK" rm -f >/dev/null 2>&1' EXIT
  seq 1 1000 | xargs -P 8 -I{} "$CTL" -H "unix:$SOCK" run -d --name many-{} sleep 60 >ids 2>errs
  local n; n=$(grep -cE '^[0-9a-f]{64}$' ids)
  expect_eq "containers started (errors: $(head -c 200 errs))" "$n" 1000
  local running; running=$(ctl ps | grep -c ' many-')
  expect_eq "containers running at once" "$running" 1000
  seq 1 1000 | xargs -P 8 -I{} "$CTL" -H "unix:$SOCK" kill many-{} >/dev/null 2>>errs
  wait_for 60 bash -c '! "$CTL" -H "unix:$SOCK" ps | grep -q " many-"' || fail "still running after kill: $(ctl ps | grep -c ' many-')"
  ctl ps -a --json >ps.json || fail "ps -a --json failed"
  python3 - <<'PY' || fail "not all exited with 137: $(cat bad)"
import json
items = json.load(open("ps.json"))
mine = [c for c in items if any(str(v).lstrip("/").startswith("many-") for k, v in c.items() if k.lower().startswith("name"))]
bad = [c for c in mine if "Exited (137)" not in json.dumps(c)]
open("bad", "w").write("%d mine, %d bad: %s" % (len(mine), len(bad), json.dumps(bad[:1])[:300]))
raise SystemExit(0 if len(mine) == 1000 and not bad else 1)
PY
  sleep 0.5
  local z; z=$(zombies_under "$TPID")
  [[ -z "$z" ]] || fail "zombies under the tether: $(head -5 <<<"$z")"
  seq 1 1000 | sed 's/^/many-/' | xargs -P 8 -n 50 "$CTL" -H "unix:$SOCK" rm >/dev/null 2>>errs \
    || fail "rm of the exited containers failed: $(tail -c 200 errs)"
}

t seq_500 seq_500 150
t sessions_1000 sessions_1000 150
