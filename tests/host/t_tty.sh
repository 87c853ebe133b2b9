# -t: a tty named /dev/pts/N, the client's window size, resizes reaching the process.

tty_pts_name () {
  ctl run -t tty </dev/null >out 2>err || fail "exit $? ($(cat err))"
  grep -qE '^/dev/pts/[0-9]+'$'\r''?$' out || fail "tty printed '$(cat -v out)'"
}

tty_not_without_t () {
  ctl run sh -c 'tty; exit 0' </dev/null >out 2>err
  grep -q 'not a tty' out || fail "without -t, tty printed '$(cat -v out)'"
}

tty_resize () {
  # tetherctl on a 30x100 pty; the container reports its size, we resize to 40x120.
  local cmd='stty size <&1; echo READY; i=0; while [ $i -lt 100 ]; do s=$(stty size <&2); [ "$s" != "30 100" ] && break; sleep 0.05; i=$((i+1)); done; echo "now $s"'
  python3 "$HT_DIR/ttydrive.py" 30 100 READY 40 120 20 -- "$CTL" -H "unix:$SOCK" run -t sh -c "$cmd" >out 2>&1
  local rc=$?
  local text; text=$(tr -d '\r' <out)
  ((rc == 0)) || fail "exit $rc, output: $(cat -v out | head -c 300)"
  grep -qx '30 100' <<<"$text" || fail "initial size not 30 100: $(cat -v out | head -c 300)"
  grep -qx 'now 40 120' <<<"$text" || fail "resize did not reach the process: $(cat -v out | head -c 300)"
}

# fds 0, 1 and 2 all on the tty, for run -t and exec -t
tty_stdio_fds () {
  local check='for i in 0 1 2; do readlink /proc/$$/fd/$i; done'
  python3 "$HT_DIR/ttydrive.py" 24 80 "" 0 0 20 -- "$CTL" -H "unix:$SOCK" run -t --name tty-fds sh -c "$check; sleep 30" >out 2>&1 &
  wait_for 10 grep -q pts out || fail "run -t printed: $(cat -v out)"
  sleep 0.2
  local n; n=$(tr -d '\r' <out | grep -cE '^/dev/pts/[0-9]+$')
  expect_eq "run -t: fds 0..2 on the tty ($(tr -d '\r' <out | tr '\n' ' '))" "$n" 3
  python3 "$HT_DIR/ttydrive.py" 24 80 "" 0 0 20 -- "$CTL" -H "unix:$SOCK" exec -t tty-fds sh -c "$check" >out2 2>&1 \
    || fail "exec -t exit $?: $(cat -v out2)"
  n=$(tr -d '\r' <out2 | grep -cE '^/dev/pts/[0-9]+$')
  expect_eq "exec -t: fds 0..2 on the tty ($(tr -d '\r' <out2 | tr '\n' ' '))" "$n" 3
  ctl rm -f tty-fds >/dev/null || fail "rm -f tty-fds"
  wait
}

t tty_pts_name tty_pts_name 20
t tty_stdio_fds tty_stdio_fds 30
t tty_not_without_t tty_not_without_t 20
t tty_resize tty_resize 30
