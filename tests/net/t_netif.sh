# tether/netif.c through nettool, checked with ip(8) in the client namespace.

t_netif_finds_by_mac () {
  local want got
  want="v0 $(inc cat /sys/class/net/v0/ifindex)"
  got=$(tool find "${MAC_C^^}") || fail "find ${MAC_C^^} failed"
  [[ $got == "$want" ]] || fail "find: got '$got', want '$want'"
  ! tool find 02:74:68:00:00:99 || fail "found a MAC nobody has"
  ! tool find 02:74:68:00:00 || fail "took a short MAC"
}

t_netif_up_and_mtu () {
  tool up "$MAC_C" 1400 || fail "up failed"
  inc ip -o link show v0 | grep -q 'mtu 1400' || fail "mtu not 1400: $(inc ip -o link show v0)"
  inc ip -o link show v0 | grep -q '<.*UP' || fail "v0 not up: $(inc ip -o link show v0)"
  tool up "$MAC_C" || fail "up (mtu kept) failed"
  inc ip -o link show v0 | grep -q 'mtu 1400' || fail "mtu 0 changed it: $(inc ip -o link show v0)"
  ! tool up "$MAC_C" 70000 2>"$NET_TMP/err" || fail "took mtu 70000"
  grep -q 'Invalid argument' "$NET_TMP/err" || fail "no kernel reason: $(cat "$NET_TMP/err")"
  tool lo || fail "lo failed"
  inc ip -o link show lo | grep -q '<.*UP' || fail "lo not up"
}

t_netif_address_add_del () {
  tool up "$MAC_C"
  tool addr add "$MAC_C" 10.213.34.2/24 || fail "add failed"
  inc ip -o -4 addr show dev v0 | grep -q 'inet 10.213.34.2/24 brd 10.213.34.255' ||
    fail "address: $(inc ip -o -4 addr show dev v0)"
  tool addr add "$MAC_C" 10.213.34.2/24 || fail "adding it again (a renewal) failed"
  tool addr del "$MAC_C" 10.213.34.2/24 || fail "del failed"
  [[ -z $(inc ip -o -4 addr show dev v0) ]] || fail "still there: $(inc ip -o -4 addr show dev v0)"
  ! tool addr del "$MAC_C" 10.213.34.2/24 2>"$NET_TMP/err" || fail "deleted what is not there"
  grep -Eq 'delete 10.213.34.2/24 on if .*: (Cannot assign requested address|Address not available)' "$NET_TMP/err" ||
    fail "kernel errno text: $(cat "$NET_TMP/err")"
}

t_netif_default_route_via_blocked_gateway () {
  tool up "$MAC_C"
  tool addr add "$MAC_C" 10.213.34.2/24
  tool block 10.213.34.1/32 || fail "block failed"
  tool route add "$MAC_C" 10.213.34.1 || fail "default via a blocked gateway refused"
  inc ip route show default | grep -q 'default via 10.213.34.1 dev v0 .*onlink' ||
    fail "route: $(inc ip route show default)"
  inc ip route show type prohibit | grep -q '^prohibit 10.213.34.1' ||
    fail "no prohibit route: $(inc ip route show table main)"
  tool route del "$MAC_C" 10.213.34.1 || fail "route del failed"
  [[ -z $(inc ip route show default) ]] || fail "default still there"
}

t_netif_block_refuses_connect () {
  tool up "$MAC_C"
  tool lo
  tool addr add "$MAC_C" 10.213.34.2/24
  tool block 10.213.34.0/28 || fail "block failed"
  # The kernel's answer to a connect through a prohibit route: EACCES.
  inc python3 -c '
import errno, socket, sys
s = socket.socket(); s.settimeout(2)
try:
    s.connect(("10.213.34.9", 80)); sys.exit("connected")
except OSError as e:
    sys.exit(0 if e.errno == errno.EACCES else "connect: %s" % e)
' || fail "connect to a blocked address did not fail with EACCES"
}
