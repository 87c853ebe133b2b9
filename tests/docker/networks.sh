#!/usr/bin/env bash
# docker network create|ls|inspect|rm and run --network NAME through tetherd with the real
# docker CLI (#13): a bridge network whose bridge lives in a namespace this
# test makes (-o org.tether.netns=NS); two VMs on it ping each other.
#   bash tests/docker/networks.sh TETHERD
# Env: TETHER_ASSETS (build/), DOCKER28, DK_KEEP=1 (keep the temp dir).
DK_TAG=tdw
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
dk_start || { echo "tetherd did not start"; exit 1; }
NS=tdn$$
ip netns add "$NS" && ip -n "$NS" link set lo up

id=$(d28 network create --subnet 10.216.0.0/24 -o org.tether.netns="$NS" dn1 2>&1)
check "network create prints the id" "${#id}" 64
out=$(d28 network create dn1 2>&1); rc=$?
check "network create of a name in use: docker's words" "$rc/$out" "1/Error response from daemon: network with name dn1 already exists"
check "network ls: the predefined two and dn1" "$(echo $(d28 network ls --format '{{.Name}} {{.Driver}} {{.Scope}}'))" "bridge bridge local dn1 bridge local none null local"
check "network inspect bridge: the default network" "$(d28 network inspect -f '{{.Name}} {{range .IPAM.Config}}{{.Subnet}}{{end}}' bridge)" "bridge 10.0.2.0/24"
check "network inspect: IPAM" "$(d28 network inspect -f '{{range .IPAM.Config}}{{.Subnet}} {{.Gateway}}{{end}}' dn1)" "10.216.0.0/24 10.216.0.1"
out=$(d28 network inspect nosuch 2>&1 >/dev/null); rc=$?
check "network inspect of no network" "$rc/$out" "1/Error response from daemon: network nosuch not found"
out=$(d28 run --rm --network nosuch busybox true 2>&1); rc=$?
check "run --network nosuch: 125" "$rc/$(echo "$out" | grep -c 'network nosuch not found')" "125/1"

a=$(d28 run -d --network dn1 busybox sleep 60 2>&1)
out=$(d28 run --rm --network dn1 busybox sh -c 'ping -c 2 -W 3 10.216.0.2 >/dev/null && echo pinged' 2>&1)
check "run --network dn1: two VMs ping each other" "$out" "pinged"
check "inspect: NetworkSettings.Networks.dn1" \
  "$(d28 inspect -f '{{.HostConfig.NetworkMode}} {{(index .NetworkSettings.Networks "dn1").IPAddress}}' "$a")" "dn1 10.216.0.2"
out=$(d28 network rm dn1 2>&1); rc=$?
check "network rm while in use is refused" "$rc/$(echo "$out" | grep -c 'has active endpoints')" "1/1"
d28 rm -f "$a" >/dev/null 2>&1
check "network rm" "$(d28 network rm dn1 2>&1)" "dn1"
check "network ls: the predefined two left" "$(d28 network ls -q | wc -l)" "2"
ip netns del "$NS"

dk_finish
