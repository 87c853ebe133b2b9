# Confinement as docker 20.10 + runc gives it (checked beside dockerd here):
# root has docker's 14 capabilities effective and permitted, any other user
# none; inheritable and ambient empty for both; the bounding set is the 14;
# seccomp on (mode 2); no_new_privs off. The same for an exec.

caps_of () { grep -E '^(CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs|Seccomp):' "$1" | tr -s '\t ' ' ' | tr '\n' ';'; }

caps () {
  local root="CapInh: 0000000000000000;CapPrm: 00000000a80425fb;CapEff: 00000000a80425fb;CapBnd: 00000000a80425fb;CapAmb: 0000000000000000;NoNewPrivs: 0;Seccomp: 2;"
  local user="CapInh: 0000000000000000;CapPrm: 0000000000000000;CapEff: 0000000000000000;CapBnd: 00000000a80425fb;CapAmb: 0000000000000000;NoNewPrivs: 0;Seccomp: 2;"
  ctl run cat /proc/self/status >st 2>err || fail "run: $(cat err)"
  expect_eq "root in a container" "$(caps_of st)" "$root"
  ctl run -u 1000 cat /proc/self/status >st 2>err || fail "run -u 1000: $(cat err)"
  expect_eq "uid 1000 in a container" "$(caps_of st)" "$user"
  ctl run -d --name confine-caps sleep 60 >/dev/null || fail "run -d"
  ctl exec confine-caps cat /proc/self/status >st 2>err || fail "exec: $(cat err)"
  expect_eq "root in an exec" "$(caps_of st)" "$root"
  ctl exec -u 1000 confine-caps cat /proc/self/status >st 2>err || fail "exec -u 1000: $(cat err)"
  expect_eq "uid 1000 in an exec" "$(caps_of st)" "$user"
  ctl rm -f confine-caps >/dev/null
}

t caps caps 30
