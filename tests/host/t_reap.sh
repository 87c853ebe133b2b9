# Orphans are reaped: no zombie is left among the tether's descendants.

orphan_exec () {
  ctl run -d --name reap-x sleep 30 >/dev/null || fail "run -d failed"
  ctl exec reap-x sh -c 'sleep 1 & exit 0' || fail "exec exit $?"
  sleep 2
  local z; z=$(zombies_under "$TPID")
  ctl rm -f reap-x >/dev/null
  [[ -z "$z" ]] || fail "zombies under the tether: $z"
}

orphan_primary () {
  ctl run sh -c '(sleep 1 &); (sh -c "sleep 1 & exit 0" &); exit 0' || fail "run exit $?"
  sleep 1.5
  local z; z=$(zombies_under "$TPID")
  [[ -z "$z" ]] || fail "zombies under the tether: $z"
  [[ -z "$(descendants "$TPID")" ]] || fail "processes left under the tether: $(descendants "$TPID" | xargs -r ps -o pid=,stat=,args= -p)"
}

t orphan_exec orphan_exec 30
t orphan_primary orphan_primary 30
