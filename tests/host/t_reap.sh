# Orphans are reaped: no zombie is left among the tether's descendants. An exec's
# orphan goes to the namespace's PID 1: under --init that is the container init,
# which reaps it; without, it is the command (`sleep` never reaps: as docker's).

orphan_exec () {
  ctl run -d --init --name reap-x sleep 30 >/dev/null || fail "run -d failed"
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

# The container init reaps every orphan a SIGCHLD stands for: signals merge, so
# orphans dying at once (40 at a time, killed as one process group) must not
# leave zombies in the namespace.
orphan_bursts () {
  local pg=$HT_TMP/burst.pg # the container shares the host's root in host mode
  ctl run -d --name reap-burst sh -c "for r in 1 2 3; do setsid sh -c 'for i in \$(seq 40); do sleep 30 & done; echo \$\$ >$pg'; kill -9 -\$(cat $pg); sleep 0.3; done; sleep 30" >/dev/null \
    || fail "run -d failed"
  trap 'ctl rm -f reap-burst >/dev/null 2>&1' EXIT
  sleep 2
  local z n; z=$(lasting_zombies_under "$TPID"); n=$(grep -c . <<<"$z")
  [[ -z "$z" ]] || fail "$n zombies in the container after bursts of orphans: $(head -3 <<<"$z" | tr '\n' ' ')"
  ctl inspect reap-burst | grep -q '"Status": "running"' || fail "the container is not running any more"
  [[ -s "$pg" ]] || fail "the bursts never ran"
}

# The tether's own reaper drains waitpid too: a container killed with 20 execs
# inside ends 21 of the tether's children at once (one merged SIGCHLD).
children_end_together () {
  ctl run -d --name reap-many sleep 60 >/dev/null || fail "run -d failed"
  trap 'ctl rm -f reap-many >/dev/null 2>&1' EXIT
  local i
  for i in $(seq 20); do ctl exec -d reap-many sleep 60 || fail "exec -d $i failed"; done
  ctl kill reap-many >/dev/null || fail "kill failed"
  wait_for 10 bash -c '"$CTL" -H "unix:$SOCK" inspect reap-many | grep -q "\"Status\": \"exited\""' || fail "not exited after kill"
  sleep 1
  local z n; z=$(lasting_zombies_under "$TPID"); n=$(grep -c . <<<"$z")
  [[ -z "$z" ]] || fail "$n zombies under the tether after 21 children ended at once: $(head -3 <<<"$z" | tr '\n' ' ')"
}

t orphan_exec orphan_exec 30
t children_end_together children_end_together 30
t orphan_bursts orphan_bursts 30
t orphan_primary orphan_primary 30
