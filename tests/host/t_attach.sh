# attach by many: each client gets the live output, stdin from any, detach keys
# leave the container running (docker's ctrl-p,ctrl-q for -it; --detach-keys).

# Two clients, one relaying stdin: both see the same output; the writer detaches
# with --detach-keys; the container runs on; the other still gets what follows.
two_attach_detach () {
  ctl run -d -i --name att sh -c 'while read l; do echo "got $l"; done; echo eof' >/dev/null || fail "run -d"
  mkfifo in
  ctl attach --no-stdin att >b.out 2>&1 &
  local b=$!
  (ctl attach --detach-keys ctrl-x,q att <in >a.out 2>&1; echo $? >a.rc) &
  local a=$!
  exec 4>in
  sleep 0.5
  printf 'one\ntwo\n' >&4
  sleep 0.5
  # ps and inspect show who is attached: two tetherctl processes, one feeding stdin
  expect_eq "ps ATTACHED" "$(ctl ps | awk 'NR > 1 && $NF == "att" {print $(NF-1)}')" 2
  ctl inspect att >insp || fail "inspect"
  expect_eq "inspect AttachedClients" "$(python3 -c 'import json,os,sys
a=json.load(open(sys.argv[1]))[0]["AttachedClients"]
live=[c for c in a if b"tetherctl" in open("/proc/%d/cmdline" % c["Pid"], "rb").read()]
print(len(live), sum(c["Stdin"] for c in a), all(c["Client"].startswith("tetherctl") for c in a))' insp)" "2 1 True"
  printf 'x\030q' >&4 # "x" goes as typed; ctrl-x,q detaches
  wait $a
  expect_eq "detached writer's exit" "$(cat a.rc)" 0
  expect_eq "ps ATTACHED after the detach" "$(ctl ps | awk 'NR > 1 && $NF == "att" {print $(NF-1)}')" 1
  ctl inspect att | grep -q '"Status": "running"' || fail "the container stopped when a client detached"
  ctl exec att true || fail "exec after detach"
  ctl kill att >/dev/null
  wait $b
  expect_eq "writer saw" "$(cat a.out)" "$(printf 'got one\ngot two')"
  # the other client saw the same and the later line the detached client's "x" made
  grep -q '^got one$' b.out && grep -q '^got two$' b.out || fail "reader saw: $(cat b.out)"
  exec 4>&-
}

# Bad keys are refused as docker refuses them.
bad_detach_keys () {
  ctl run -d -i --name badkeys cat >/dev/null || fail "run -d"
  ctl attach --detach-keys ctrl-1 badkeys </dev/null >out 2>err && fail "ctrl-1 accepted"
  grep -q 'invalid --detach-keys' err || fail "message: $(cat err)"
  ctl kill badkeys >/dev/null
}

t two_attach_detach two_attach_detach 30
t bad_detach_keys bad_detach_keys 20
