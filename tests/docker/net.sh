#!/usr/bin/env bash
# The default network through tetherd with the real docker CLI, each container
# its own VM (TCG): -p, -P, docker port, ps's PORTS, inspect's NetworkSettings,
# a host port in use, --network none. The reference dockerd here runs with
# --bridge=none (no docker network on these machines), so the expected texts
# are docker's documented ones: `docker port` "80/tcp -> 127.0.0.1:PORT", ps
# "127.0.0.1:PORT->80/tcp", and the daemon's "driver failed programming external
# connectivity on endpoint NAME (ID): Bind for IP:PORT failed: port is already
# allocated" with run's 125. Traffic only on the host's loopback.
#   bash tests/docker/net.sh TETHERD
DK_TAG=tdn
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
fetch () { # URL: the body, once the server answers (at most ~40 s)
  local out i
  for i in $(seq 200); do out=$(curl -s -m 1 "$1" 2>/dev/null) && [ -n "$out" ] && { echo "$out"; return; }; sleep 0.2; done
}
dk_start || { echo "tetherd did not start"; exit 1; }

port=$((20000 + RANDOM % 20000))
web=$(d28 run -d --name web -p "127.0.0.1:$port:80" busybox \
  sh -c 'mkdir -p /www && echo "web $(hostname)" >/www/index.html && exec httpd -f -p 80 -h /www' 2>&1)
check "run -p 127.0.0.1:$port:80: the page from the host" "$(fetch "http://127.0.0.1:$port/")" "web ${web:0:12}"
check "docker port" "$(d28 port web)" "80/tcp -> 127.0.0.1:$port"
check "docker port web 80 (the 20.10 CLI)" "$(d20 port web 80)" "127.0.0.1:$port"
check "ps PORTS" "$(d28 ps --filter name=web --format '{{.Ports}}')" "127.0.0.1:$port->80/tcp"
check "inspect: address, gateway, MAC from the id" \
  "$(d28 inspect -f '{{.NetworkSettings.IPAddress}} {{.NetworkSettings.Gateway}} {{.NetworkSettings.Networks.bridge.IPAddress}} {{.HostConfig.NetworkMode}}' web)" \
  "10.0.2.15 10.0.2.2 10.0.2.15 default"

d28 run --name clash -p "127.0.0.1:$port:80" busybox true >/dev/null 2>"$T/clash.err"; rc=$?
check "a host port in use: 125 and the daemon's words" "$rc/$(grep -c "driver failed programming external connectivity on endpoint clash .*Bind for 127.0.0.1:$port failed: port is already allocated" "$T/clash.err")" "125/1"
check "... and the container stays created" "$(d28 inspect -f '{{.State.Status}}' clash 2>&1)" "created"
# with --rm dockerd removes the container whose start failed: run must not wait for ever
d28 run --rm --name clashrm -p "127.0.0.1:$port:80" busybox true >/dev/null 2>"$T/clashrm.err"; rc=$?
check "--rm on a host port in use: 125, and the container is gone" \
  "$rc/$(grep -c 'port is already allocated' "$T/clashrm.err")/$(d28 ps -a --filter name=clashrm --format '{{.Names}}')" "125/1/"

# -P: the exposed port on a host port the start picks
d28 run -d --name pub -P --expose 8080 busybox sh -c 'mkdir -p /w && echo pub >/w/index.html && exec httpd -f -p 8080 -h /w' >/dev/null 2>&1
hp=$(d28 port pub 8080 2>/dev/null | head -1)
case "$hp" in
  0.0.0.0:*) check "-P --expose 8080: the page through the picked port" "$(fetch "http://127.0.0.1:${hp#0.0.0.0:}/")" "pub" ;;
  *) bad "-P --expose 8080" "docker port said [$hp]" ;;
esac

out=$(d28 run --rm --hostname h1 --dns 192.0.2.53 --add-host db:192.0.2.7 busybox sh -c 'hostname; cat /etc/resolv.conf; grep -E "db|h1" /etc/hosts' 2>&1)
check "--hostname, --dns, --add-host" "$(echo $out)" "h1 nameserver 192.0.2.53 192.0.2.7 db 10.0.2.15 h1"
check "--network none: loopback only" "$(d28 run --rm --network none busybox ls /sys/class/net 2>&1)" "lo"
d28 run --rm --network nosuch busybox true >/dev/null 2>"$T/nosuch.err"; rc=$?
check "--network nosuch: 125" "$rc/$(grep -c 'network nosuch not found' "$T/nosuch.err")" "125/1"
d28 run --rm -p 0:99999 busybox true >/dev/null 2>"$T/badp.err"; rc=$?
check "-p 0:99999: the CLI refuses it" "$rc/$(grep -c -i 'invalid' "$T/badp.err")" "125/1"

d28 rm -f web pub clash >/dev/null 2>&1
dk_finish
