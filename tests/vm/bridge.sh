# Sourced by tests/vm/run.sh: named bridge networks (#13). Every bridge, tap
# and DHCP server lives in a network namespace this test makes (--netns): no
# traffic reaches the host's namespace, let alone leaves the machine.

bridge_ns () { # NAME: a fresh namespace with lo up
  ip netns add "$1" && ip -n "$1" link set lo up
}

# Two VMs on one bridge with static addresses from the network's record ping
# each other; the bridge and taps are the endpoints' (in the namespace); rm of
# a network in use is refused, and works once its containers are gone.
t_bridge_static () {
  local ns=tbr$$ net=bn$$ a out rc br
  bridge_ns "$ns" || { bad "bridge: static addresses" "ip netns add failed"; return; }
  "$CTL" network create --subnet 10.214.0.0/24 --netns "$ns" "$net" >/dev/null
  a=$(timeout 120 "$CTL" run -d --network "$net" -- sleep 60 2>&1)
  out=$(timeout 120 "$CTL" run --network "$net" -- sh -c 'ip addr show eth0 | sed -n "s/.*inet \([0-9./]*\).*/\1/p"; ping -c 2 -W 3 10.214.0.2 >/dev/null && echo pinged' 2>&1)
  check "bridge: two VMs on one bridge ping each other (static addresses .2 and .3)" "$(echo $out)" "10.214.0.3/24 pinged"
  br=$("$CTL" network inspect "$net" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["Options"]["com.docker.network.bridge.name"])')
  out=$(ip -n "$ns" -o link show master "$br" | grep -c " tt")
  check "bridge: the running VM's tap is on the bridge in the test's namespace" "$out" "1"
  out=$(ip link show "$br" >/dev/null 2>&1 && echo present || echo absent)
  check "bridge: no bridge in the host's namespace" "$out" "absent"
  out=$("$CTL" inspect "$a" | python3 -c '
import json, sys
d = json.load(sys.stdin)[0]; n = d["NetworkSettings"]["Networks"][sys.argv[1]]
print(n["IPAddress"], n["IPPrefixLen"], n["Gateway"])' "$net" 2>&1)
  check "bridge: inspect's Networks{NAME}" "$out" "10.214.0.2 24 10.214.0.1"
  out=$("$CTL" network rm "$net" 2>&1); rc=$?
  case "$rc/$out" in
    1/*"error while removing network: network $net id "*" has active endpoints") ok "bridge: rm of a network in use is refused" ;;
    *) bad "bridge: rm of a network in use" "$rc/$out" ;;
  esac
  "$CTL" rm -f "$a" >/dev/null 2>&1
  "$CTL" rm "$(cid)" >/dev/null 2>&1
  sleep 0.5
  out=$(ip -n "$ns" -o link show master "$br" | grep -c " tt")
  check "bridge: the taps go with the VMs" "$out" "0"
  out=$("$CTL" network rm "$net" 2>&1)
  check "bridge: rm once its containers are removed" "$out" "$net"
  ip netns del "$ns"
}

# A --dhcp network: the test makes the bridge itself in its namespace (the
# endpoint finds it there) with Debian's dnsmasq on it; the VM's tether gets
# a lease before the start, /etc/hosts names it, inspect shows it.
t_bridge_dhcp () {
  local ns=tbd$$ net=bd$$ br id out dns
  command -v dnsmasq >/dev/null || { bad "bridge: DHCP" "no dnsmasq (mk/deps.sh installs dnsmasq-base)"; return; }
  bridge_ns "$ns" || { bad "bridge: DHCP" "ip netns add failed"; return; }
  "$CTL" network create --dhcp --netns "$ns" "$net" >/dev/null
  br=$("$CTL" network inspect "$net" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["Options"]["com.docker.network.bridge.name"])')
  ip -n "$ns" link add "$br" type bridge && ip -n "$ns" addr add 10.215.0.1/24 dev "$br" && ip -n "$ns" link set "$br" up
  ip netns exec "$ns" dnsmasq --no-daemon --no-ping --conf-file=/dev/null --port=0 --interface="$br" --bind-interfaces \
    --except-interface=lo --dhcp-range=10.215.0.50,10.215.0.59,255.255.255.0,2m \
    --dhcp-option=option:router,10.215.0.1 --dhcp-option=option:dns-server,10.215.0.1,192.0.2.53 --dhcp-leasefile="$TETHER_STATE_DIR/leases.$ns" --pid-file= \
    --log-dhcp >"$TETHER_STATE_DIR/dnsmasq.$ns.log" 2>&1 &
  dns=$!
  id=$(timeout 120 "$CTL" run -d --network "$net" -- sleep 60 2>&1)
  out=$(timeout 60 "$CTL" exec "$id" sh -c 'ip addr show eth0 | sed -n "s/.*inet \([0-9./]*\).*/\1/p"; grep -c "^10\.215\.0\.5[0-9]	" /etc/hosts; ip route | grep -c "default via 10.215.0.1"; grep nameserver /etc/resolv.conf | tr "\n" " "' 2>&1)
  case "$(echo $out)" in
    "10.215.0.5"[0-9]"/24 1 1 nameserver 10.215.0.1 nameserver 192.0.2.53") ok "bridge: a lease from dnsmasq on the bridge before the start (address, /etc/hosts, route, resolv.conf)" ;;
    *) bad "bridge: a lease from dnsmasq" "$(echo $out | head -c 300)" ;;
  esac
  out=$("$CTL" inspect "$id" | python3 -c '
import json, sys
d = json.load(sys.stdin)[0]; n = d["NetworkSettings"]["Networks"][sys.argv[1]]
print(n["IPAddress"][:9], n["IPPrefixLen"], n["Gateway"], n.get("Source"), n.get("State"))' "$net" 2>&1)
  check "bridge: inspect shows the lease" "$out" "10.215.0. 24 10.215.0.1 dhcp bound"
  out=$(grep -c "DHCPACK($br) 10.215.0.5" "$TETHER_STATE_DIR/dnsmasq.$ns.log")
  check "bridge: dnsmasq acked once" "$out" "1"
  "$CTL" rm -f "$id" >/dev/null 2>&1
  kill "$dns" 2>/dev/null; wait "$dns" 2>/dev/null
  # no server: a bounded start error naming the NIC
  out=$(timeout 120 "$CTL" run --network "$net" -- true 2>&1); local rc=$?
  case "$rc/$out" in
    "125/tetherctl: no DHCP lease on NIC 02:"*" within 15 s") ok "bridge: no DHCP server: 125, no lease within 15 s" ;;
    *) bad "bridge: no DHCP server" "$rc/$(echo "$out" | head -c 300)" ;;
  esac
  "$CTL" rm "$(cid)" >/dev/null 2>&1
  "$CTL" network rm "$net" >/dev/null
  ip netns del "$ns"
}

# A NAK at the first renewal (tests/net/dhcpd.py nak: leases .70 then .71):
# the container keeps running, the new address is reported without being
# asked (inspect) and /etc/hosts names it.
t_bridge_dhcp_nak () {
  local ns=tbk$$ net=bk$$ br id out srv i
  bridge_ns "$ns" || { bad "bridge: DHCP NAK" "ip netns add failed"; return; }
  "$CTL" network create --dhcp --netns "$ns" "$net" >/dev/null
  br=$("$CTL" network inspect "$net" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["Options"]["com.docker.network.bridge.name"])')
  ip -n "$ns" link add "$br" type bridge && ip -n "$ns" addr add 10.217.0.1/24 dev "$br" && ip -n "$ns" link set "$br" up
  ip netns exec "$ns" python3 "$(dirname "$0")/../net/dhcpd.py" "$br" 10.217.0.1 nak 60 >"$TETHER_STATE_DIR/dhcpd.$ns.log" 2>&1 &
  srv=$!
  id=$(timeout 120 "$CTL" run -d --network "$net" -- sleep 60 2>&1)
  for i in $(seq 100); do
    out=$("$CTL" inspect "$id" 2>/dev/null | python3 -c '
import json, sys
n = json.load(sys.stdin)[0]["NetworkSettings"]["Networks"][sys.argv[1]]
print(n["IPAddress"], n.get("State"), n.get("AddressChanges", 0) >= 3)' "$net" 2>&1)
    [ "$out" = "10.217.0.71 bound True" ] && break
    sleep 0.2
  done
  check "bridge: a NAK, then a new lease, reported to inspect" "$out" "10.217.0.71 bound True"
  out=$(timeout 60 "$CTL" exec "$id" sh -c 'grep -c "^10\.217\.0\.71	" /etc/hosts; ip addr show eth0 | grep -c "inet 10.217.0.71/24"' 2>&1)
  check "bridge: the container ran on; /etc/hosts and eth0 have the new address" "$(echo $out)" "1 1"
  "$CTL" rm -f "$id" >/dev/null 2>&1
  kill "$srv" 2>/dev/null; wait "$srv" 2>/dev/null
  "$CTL" network rm "$net" >/dev/null
  ip netns del "$ns"
}

t_bridge () {
  t_bridge_static
  t_bridge_dhcp
  t_bridge_dhcp_nak
}
