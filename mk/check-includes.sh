#!/usr/bin/env bash
# The include rules between rooms (docs/design.md): every #include "x.h" of a
# source file must name a header of a room that file may include. Headers are
# found by name: in the file's own room first, else in the room that has it. Prints each violation and ends
# with "N passed, M failed" (one check per file).
set -u
cd "$(dirname "$0")/.."
declare -A ALLOW=(
  [lib]="lib"
  [proto]="lib proto gen"
  [tether]="lib proto gen tether"
  [init]="lib init"
  [host/common]="lib proto gen host/common"
  [host/image]="lib proto gen host/common host/image"
  [host/endpoint]="lib proto gen host/common host/image host/endpoint"
  [host/cli]="lib proto gen host/common host/image host/endpoint host/cli"
  [host/store]="lib proto gen host/common host/image host/store"
  [host/docker]="lib proto gen host/common host/image host/store host/endpoint host/cli host/docker"
)
declare -A ROOM_OF
for r in "${!ALLOW[@]}"; do
  for h in "$r"/*.h; do [[ -e $h ]] && ROOM_OF[$(basename "$h")]=$r; done
done
ROOM_OF[tether.pb-c.h]=gen
passed=0 failed=0
for r in "${!ALLOW[@]}"; do
  for f in "$r"/*.c "$r"/*.h; do
    [[ -e $f ]] || continue
    bad=""
    while read -r inc; do
      owner=${ROOM_OF[$inc]:-}
      [[ -e $r/$inc ]] && owner=$r # the file's own room first (init and tether both have log.h)
      if [[ -z $owner ]]; then bad+=" $inc (no such header in any room)"; continue; fi
      [[ " ${ALLOW[$r]} " == *" $owner "* ]] || bad+=" $inc (from $owner)"
    done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f")
    if [[ -n $bad ]]; then echo "FAIL $f includes$bad"; failed=$((failed + 1)); else passed=$((passed + 1)); fi
  done
done
echo "include rules: $passed passed, $failed failed"
((failed == 0))
