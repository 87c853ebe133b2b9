# The DHCP client (tether/dhcp*.c) through `nettool dhcp`, against Debian's
# dnsmasq and the scripted tests/net/dhcpd.py in the server namespace.

# server_side: the server's veth address (the only address there is).
server_side () {
  ins ip addr add 10.213.34.1/24 dev v1
  ins ip link set v1 up
}

# client SECONDS: runs the client in the background, its events in $NET_TMP/events.
client () { bgns "$NS_C" "$TOOL" dhcp "$MAC_C" "$1" tnet >"$NET_TMP/events" 2>&1; }

# events_match N REGEX: the events file has at least N lines matching REGEX.
events_match () { (($(grep -cE "$2" "$NET_TMP/events") >= $1)); }
wait_events () {
  local end=$((SECONDS + $1))
  until events_match "$2" "$3"; do
    ((SECONDS < end)) || fail "waited $1 s for $2 × '$3'; events: $(tr '\n' '|' <"$NET_TMP/events")"
    sleep 0.1
  done
}
# client_done: waits for the client's own end (it stops itself).
client_done () { wait_events "$1" 1 '^dhcp stopped'; }

t_dhcp_dnsmasq_lease_and_renew () {
  command -v dnsmasq >/dev/null || fail "no dnsmasq (mk/deps.sh installs dnsmasq-base)"
  server_side
  # dnsmasq's shortest lease is 2 minutes: T1 and T2 make the renewal come
  # soon (it moves T1 to 3 s). --no-ping: its probe of the address would hold
  # the OFFER back 2 s.
  bgns "$NS_S" dnsmasq --no-daemon --no-ping --conf-file=/dev/null --port=0 --interface=v1 --bind-interfaces \
    --except-interface=lo --dhcp-range=10.213.34.50,10.213.34.60,255.255.255.0,2m \
    --dhcp-option=option:router,10.213.34.1 --dhcp-option=option:dns-server,10.213.34.1 \
    --dhcp-option=option:T1,2 --dhcp-option=option:T2,4 --dhcp-leasefile="$NET_TMP/leases" \
    --pid-file= --log-dhcp >"$NET_TMP/dnsmasq.log" 2>&1
  sleep 0.3
  client 8
  wait_events 5 1 '^dhcp bound address=10\.213\.34\.5[0-9]/24 gateway=10\.213\.34\.1 dns=10\.213\.34\.1 '
  inc ip -o -4 addr show dev v0 | grep -q 'inet 10.213.34.5[0-9]/24' || fail "no address: $(inc ip -o -4 addr show dev v0)"
  inc ip route show default | grep -q 'default via 10.213.34.1 dev v0' || fail "no default route"
  wait_events 5 1 '^dhcp renewing address=10\.213\.34\.5'
  wait_events 5 2 '^dhcp bound address=10\.213\.34\.5'
  grep -q 'DHCPDISCOVER(v1) 02:74:68:00:00:01' "$NET_TMP/dnsmasq.log" || fail "dnsmasq saw no DISCOVER"
  (($(grep -c 'DHCPACK(v1) 10.213.34.5[0-9] 02:74:68:00:00:01 tnet' "$NET_TMP/dnsmasq.log") >= 2)) ||
    fail "dnsmasq did not ACK twice (lease and renewal) to host name tnet"
  ! grep -q error= "$NET_TMP/events" || fail "errors: $(grep error= "$NET_TMP/events")"
  client_done 8
  [[ -z $(inc ip -o -4 addr show dev v0) ]] || fail "address left after stop"
}

t_dhcp_nak_then_new_lease () {
  server_side
  bgns "$NS_S" python3 "$NET_DIR/dhcpd.py" v1 10.213.34.1 nak 10 >"$NET_TMP/dhcpd.log" 2>&1
  sleep 0.3
  client 6
  wait_events 5 1 '^dhcp bound address=10\.213\.34\.70/24'
  wait_events 5 1 '^dhcp init .*error=NAK from 10\.213\.34\.1'
  wait_events 5 1 '^dhcp bound address=10\.213\.34\.71/24'
  inc ip -o -4 addr show dev v0 | grep -q 'inet 10.213.34.71/24' || fail "not .71: $(inc ip -o -4 addr show dev v0)"
  ! inc ip -o -4 addr show dev v0 | grep -q '10.213.34.70' || fail "the NAKed .70 is still there"
  # bound -> renewing -> init (NAK) -> selecting -> requesting -> bound, in that order
  local seq
  seq=$(awk '{print $2}' "$NET_TMP/events" | uniq | tr '\n' ' ')
  [[ $seq == "selecting requesting bound renewing init selecting requesting bound "* ]] || fail "states: $seq"
}

t_dhcp_lease_expiry () {
  server_side
  bgns "$NS_S" python3 "$NET_DIR/dhcpd.py" v1 10.213.34.1 expire 10 >"$NET_TMP/dhcpd.log" 2>&1
  sleep 0.3
  client 6
  wait_events 5 1 '^dhcp bound address=10\.213\.34\.70/24'
  wait_events 5 1 '^dhcp rebinding address=10\.213\.34\.70/24'
  wait_events 5 1 '^dhcp selecting error=lease of 10\.213\.34\.70 expired'
  ! inc ip -o -4 addr show dev v0 | grep -q '10.213.34.70' || fail "the expired address is still there"
  # renewing: unicast to the server; rebinding: broadcast
  grep -q 'ignored type 3 from 10.213.34.70 to 10.213.34.1$' "$NET_TMP/dhcpd.log" ||
    fail "no unicast renewal reached the server: $(cat "$NET_TMP/dhcpd.log")"
  grep -q 'ignored type 3 from 10.213.34.70 to 255.255.255.255$' "$NET_TMP/dhcpd.log" ||
    fail "no broadcast rebinding reached the server: $(cat "$NET_TMP/dhcpd.log")"
}
