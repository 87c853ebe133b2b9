# Sourced by tests/vm/run.sh: the default network (#13) — QEMU's user network on
# a hot-plugged NIC. No traffic leaves the machine: the host side is 127.0.0.1,
# the guest side QEMU's internal 10.0.2.0/24, and the outbound check goes to an
# address inside a network namespace this test makes (a veth to the host).

# A TCP server on 127.0.0.1 of the host (python, one line per connection).
net_listen () { # PORT FILE
  python3 -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2]))); s.listen(8)
while True:
    c, a = s.accept(); c.sendall(b"host-service\n"); c.close()
' "$@" >/dev/null 2>&1 &
  echo $!
}

t_net_publish () {
  local port=$((20000 + RANDOM % 20000)) id out i
  id=$(timeout 120 "$CTL" run -d -p "127.0.0.1:$port:80" -- \
    sh -c 'mkdir -p /www && echo "served from $(hostname)" >/www/index.html && exec httpd -f -p 80 -h /www' 2>&1)
  out=
  for i in $(seq 200); do
    out=$(curl -s -m 2 "http://127.0.0.1:$port/" 2>/dev/null) && [ -n "$out" ] && break
    sleep 0.2
  done
  check "-p 127.0.0.1:$port:80: busybox httpd in the VM, fetched from the host" "$out" "served from ${id:0:12}"
  out=$("$CTL" inspect "$id" 2>/dev/null | python3 -c '
import json, sys
d = json.load(sys.stdin); d = d[0] if isinstance(d, list) else d
n = d["NetworkSettings"]; b = n["Networks"]["bridge"]
print(n["IPAddress"], n["IPPrefixLen"], n["Gateway"], n["MacAddress"] == "02:" + ":".join(d["Id"][i:i+2] for i in range(0, 10, 2)),
      json.dumps(n["Ports"]), b["IPAddress"], b["State"], json.dumps(d["HostConfig"]["PortBindings"]))' 2>&1)
  check "-p: inspect's NetworkSettings (the address the guest reported, the MAC from the id)" "$out" \
    "10.0.2.15 24 10.0.2.2 True {\"80/tcp\": [{\"HostIp\": \"127.0.0.1\", \"HostPort\": \"$port\"}]} 10.0.2.15 configured {\"80/tcp\": [{\"HostIp\": \"127.0.0.1\", \"HostPort\": \"$port\"}]}"
  # the same port again while the first holds it: docker's 125 and its words
  out=$(timeout 60 "$CTL" run -p "127.0.0.1:$port:80" -- true 2>&1); local rc=$?
  case "$out" in
    *"driver failed programming external connectivity on endpoint"*"Bind for 127.0.0.1:$port failed: port is already allocated"*)
      check "-p on a port in use: 125" "$rc" "125" ;;
    *) bad "-p on a port in use" "rc $rc: $(echo "$out" | head -c 300)" ;;
  esac
  "$CTL" rm -f "$id" >/dev/null 2>&1
}

# QEMU maps the gateway 10.0.2.2 to the host's 127.0.0.1; the tether's prohibit
# route closes it (docs/security.md). The container's own 127.0.0.1 is its VM's.
t_net_host_loopback () {
  local port=$((20000 + RANDOM % 20000)) srv out
  srv=$(net_listen 127.0.0.1 "$port")
  for _ in $(seq 100); do timeout 1 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port" 2>/dev/null && break; sleep 0.1; done
  out=$(timeout 120 "$CTL" run -- sh -c "nc -w 3 10.0.2.2 $port </dev/null; echo rc=\$?; nc -w 3 127.0.0.1 $port </dev/null; echo rc=\$?; arping -c 1 -w 2 -I eth0 10.0.2.2; echo arping=\$?" 2>&1)
  kill "$srv" 2>/dev/null; wait "$srv" 2>/dev/null
  case "$out" in
    *"host-service"*) bad "the host's 127.0.0.1 is out of reach" "a container reached it: $out" ;;
    *"nc: can't connect to remote host (10.0.2.2): Operation not permitted"*"rc=1"*"rc=1"*"arping: socket: Operation not permitted"*"arping=1"*)
      ok "the host's 127.0.0.1 is out of reach (10.0.2.2: Operation not permitted; no AF_PACKET socket)" ;;
    *) bad "the host's 127.0.0.1 is out of reach" "$(echo "$out" | head -c 400)" ;;
  esac
}

# Outbound access: a server on an address of a namespace this test makes, reached
# from the container through QEMU's user network (the host's own sockets).
t_net_outbound () {
  local ns=tnet$$ port=$((20000 + RANDOM % 20000)) out srv
  ip netns add "$ns" || { bad "outbound access" "ip netns add failed"; return; }
  ip link add "v$ns" type veth peer name eth0 netns "$ns"
  ip addr add 10.213.7.1/30 dev "v$ns"; ip link set "v$ns" up
  ip -n "$ns" addr add 10.213.7.2/30 dev eth0; ip -n "$ns" link set eth0 up; ip -n "$ns" link set lo up
  ip netns exec "$ns" python3 -c '
import socket, sys, os
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.213.7.2", int(sys.argv[1]))); s.listen(8); print(os.getpid(), flush=True)
while True:
    c, a = s.accept(); c.sendall(b"outside-service\n"); c.close()
' "$port" >/dev/null 2>&1 &
  srv=$!
  # the server listens once python has started in the namespace (slow under load)
  for _ in $(seq 100); do timeout 1 bash -c "exec 3<>/dev/tcp/10.213.7.2/$port" 2>/dev/null && break; sleep 0.1; done
  out=$(timeout 120 "$CTL" run -- nc -w 5 10.213.7.2 "$port" </dev/null 2>&1)
  kill "$srv" 2>/dev/null; pkill -f "10.213.7.2.*$port" 2>/dev/null
  ip netns del "$ns"; ip link del "v$ns" 2>/dev/null
  check "outbound access: a container reaches a server outside its VM" "$out" "outside-service"
}

t_net_none () {
  local out
  out=$(timeout 120 "$CTL" run --network none -- sh -c 'ls /sys/class/net | tr "\n" " "; grep -c 10.0.2 /etc/hosts' 2>&1)
  check "--network none: loopback only" "$out" "lo 0"
  out=$(timeout 60 "$CTL" run --network nosuch -- true 2>&1); local rc=$?
  check "--network nosuch: docker's error" "$rc/$out" "125/tetherctl: network nosuch not found"
}

# A NIC the guest never sees is a bounded start error naming it.
t_net_nic_missing () {
  local out rc
  out=$(TETHER_TEST_SKIP_NIC=all TETHER_NIC_WAIT_MS=1500 timeout 120 "$CTL" run -- true 2>&1); rc=$?
  case "$out" in
    *"NIC 02:"*"did not appear within 1500 ms"*) check "a NIC that never appears: 125 naming it" "$rc" "125" ;;
    *) bad "a NIC that never appears" "rc $rc: $(echo "$out" | head -c 300)" ;;
  esac
}

# --dns, --add-host, --hostname; files bind-mounted over the image's.
t_net_etc () {
  local out
  out=$(timeout 120 "$CTL" run --hostname web1 --dns 10.0.2.3 --dns 192.0.2.53 --add-host db:192.0.2.7 -- \
    sh -c 'hostname; grep nameserver /etc/resolv.conf | tr "\n" " "; grep -E "db|web1" /etc/hosts | tr "\t\n" "  "; grep -c " /etc/hosts " /proc/mounts' 2>&1)
  check "--hostname, --dns, --add-host" "$(echo $out)" "web1 nameserver 10.0.2.3 nameserver 192.0.2.53 192.0.2.7 db 10.0.2.15 web1 1"
}

# Clones of one template each get a NIC and MAC of their own.
t_net_clones () {
  local a b
  a=$(timeout 120 "$CTL" run -- cat /sys/class/net/eth0/address 2>&1)
  b=$(timeout 120 "$CTL" run -- cat /sys/class/net/eth0/address 2>&1)
  if [ "${a:0:3}" = "02:" ] && [ "${b:0:3}" = "02:" ] && [ "$a" != "$b" ]; then
    ok "two clones, two MACs ($a, $b)"
  else
    bad "two clones, two MACs" "[$a] [$b]"
  fi
}

t_net () {
  t_net_publish
  t_net_host_loopback
  t_net_outbound
  t_net_none
  t_net_nic_missing
  t_net_etc
  t_net_clones
}
