#!/usr/bin/env bash
# VM rows for make bench (called by bench/run.sh): builds the raw-port fixture
# initramfs, then runs bench/vm.py with a private state dir.
set -euo pipefail
cd "$(dirname "$0")/.."
B=${B:-build}
mkdir -p "$B/bench"
musl-gcc -static -Os -Wall -Wextra -Werror -Ilib -o "$B/bench/rawport" bench/rawport.c lib/sysfs.c
OUT="$B/bench/rawport.cpio.gz" sh rootfs/mkinitramfs.sh "$B/bench/rawport" >&2
STATE=$(mktemp -d /tmp/tether-bench-state.XXXXXX)
trap 'rm -rf "$STATE"' EXIT
TETHER_STATE_DIR=$STATE B=$B python3 bench/vm.py "$B/kernel/vmlinux" "$B/bench/rawport.cpio.gz"
