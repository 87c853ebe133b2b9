# Sourced by tests/vm/run.sh: instant clone (#12, docs/clone-plan.md). A
# template made and found again; clones at once, each on its own disks; what a
# clone must not share with another (kernel RNG, getrandom, hostname, clock,
# boot id), with and without VMGenID; a stale template and a broken one are not
# used; --no-template; rm under a running clone. Each t_clone_* makes the default
# template if it is missing; t_clone removes every template at its end, so runs
# after it boot cold. ~1.5 min on 2 cores (TCG).

# ID-or-NAME: "Start Template12 StartNote" from inspect's VM object
start_of () {
  "$CTL" inspect "$1" 2>/dev/null | python3 -c 'import json,sys
v=json.load(sys.stdin)[0]["VM"]; print(v["Start"], v["Template"][:12] or "-", v["StartNote"])' 2>/dev/null
}
id_of () { "$CTL" inspect "$1" 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["Id"])' 2>/dev/null; }
tpl_dir () { echo "$TETHER_STATE_DIR/templates/$1"; }
# the default template's key (128 MiB, 1 CPU, virtio-serial, VMGenID unless the env says off), made if missing
tpl_default () { timeout 120 "$CTL" template create 2>/dev/null; }

# template create prints the key, ls lists it as current, a second create finds it
# (no second boot), and the maker left no QEMU and nothing half made.
t_clone_template () {
  local name="template create" key out t0 took again err
  timeout 60 "$CTL" template rm --all >/dev/null 2>&1
  t0=$(date +%s%N)
  key=$(timeout 120 "$CTL" template create 2>"$W/tc.err")
  took=$((($(date +%s%N) - t0) / 1000000))
  if ! [[ $key =~ ^[0-9a-f]{64}$ ]] || [ ! -s "$(tpl_dir "$key")/state" ]; then
    bad "$name" "key [$key]: $(head -c 300 "$W/tc.err")"; return
  fi
  check "$name: a key, the files, no QEMU left, nothing half made (${took} ms)" \
    "$(cd "$(tpl_dir "$key")" && ls | tr '\n' ' ')/$(stat -c %a "$(tpl_dir "$key")/ram")/$(qemus)/$(ls -A "$TETHER_STATE_DIR/templates" | grep -c '^\.')/$(ls "$TETHER_RUN_DIR" | grep -c '^tpl-')" \
    "console.log meta.json ram state /444/0/0/0"
  check "$name: the console said ready" "$(grep -ac 'template ready' "$(tpl_dir "$key")/console.log")" "1"
  out=$("$CTL" template ls 2>&1)
  check "$name: ls shows it current" "$(echo "$out" | awk -v k="${key:0:12}" '$1 == k {print $2, $3, $4, $5, $7}')/$(echo "$out" | wc -l)" \
    "128 1 virtio-serial yes current/2"
  t0=$(date +%s%N)
  again=$(timeout 60 "$CTL" template create 2>"$W/tc2.err")
  took=$((($(date +%s%N) - t0) / 1000000))
  err=$(cat "$W/tc2.err")
  if [ "$again" = "$key" ] && [ "$err" = "tetherctl: template ${key:0:12} exists already" ] && [ "$took" -lt 1000 ] \
    && [ "$(qemus)" = 0 ]; then
    ok "$name: again finds it, no boot (${took} ms)"
  else
    bad "$name: again" "key [$again] stderr [$err] ${took} ms qemus $(qemus)"
  fi
}

# 4 clones at once, foreground runs: each writes its own file on its top disk,
# finds only that one there, has its own hostname; all exit 0 and are clones.
t_clone_many () {
  local name="4 clones at once" key i pids=() t0=$SECONDS bads="" id
  key=$(tpl_default)
  for i in 1 2 3 4; do
    timeout 120 "$CTL" run --name "cm$i" -- \
      sh -c "echo tok-$i >/etc/tok-$i; sleep 1; cat /etc/tok-*; ls /etc | grep -c '^tok-'; hostname; exit 1$i" \
      >"$W/cm$i" 2>"$W/cm$i.err" &
    pids+=($!)
  done
  for i in 1 2 3 4; do
    wait "${pids[$((i - 1))]}"; echo $? >>"$W/cm$i"
  done
  local took=$((SECONDS - t0))
  for i in 1 2 3 4; do
    id=$(id_of "cm$i")
    [ "$(cat "$W/cm$i" | tr '\n' ' ')" = "tok-$i 1 ${id:0:12} 1$i " ] || bads="$bads cm$i: [$(cat "$W/cm$i" | tr '\n' ' ')] $(head -c 200 "$W/cm$i.err");"
    [ "$(start_of "cm$i")" = "clone ${key:0:12} " ] || bads="$bads cm$i start [$(start_of "cm$i")];"
    grep -q 'clone: QMP answered in [0-9]* ms, state loaded in [0-9]* ms, resumed in' "$TETHER_STATE_DIR/containers/$id/endpoint.log" \
      && grep -aq "tether: restored from a template: new boot id" "$TETHER_STATE_DIR/containers/$id/console.log" \
      && grep -aq "this clone runs container ${id:0:12}" "$TETHER_STATE_DIR/containers/$id/console.log" \
      || bads="$bads cm$i: endpoint/console lines missing;"
  done
  [ -z "$bads" ] && ok "$name: own output, own top disk, own hostname, codes, Start=clone (${took} s)" \
    || bad "$name" "$bads"
  for i in 1 2 3 4; do "$CTL" rm -f "cm$i" >/dev/null 2>&1; done
}

# A clone never sees another's disk: 3 clones at once, each with its own named
# volume, write a file there; then 3 more at once on the same volumes find only
# their own volume's file, and each VM has its 3 disks (layer, top, volume), no more.
t_clone_disks () {
  local name="clones on their own volumes" key i r pids bads=""
  key=$(tpl_default)
  for r in 1 2; do
    pids=()
    for i in 1 2 3; do
      local cmd="ls /data | grep -v lost+found | tr '\n' ' '; echo; ls /sys/block | tr '\n' ' '; echo"
      [ $r = 1 ] && cmd="echo vol-$i >/data/mine-$i; sync; sleep 1; $cmd"
      timeout 120 "$CTL" run --name "cd$r$i" -v "cvol$i:/data" -- sh -c "$cmd" >"$W/cd$r$i" 2>"$W/cd$r$i.err" &
      pids+=($!)
    done
    for i in 1 2 3; do wait "${pids[$((i - 1))]}"; echo $? >>"$W/cd$r$i"; done
    for i in 1 2 3; do
      [ "$(cat "$W/cd$r$i" | tr '\n' '/')" = "mine-$i /sda sdb sdc /0/" ] \
        || bads="$bads round $r volume $i: [$(cat "$W/cd$r$i" | tr '\n' '/')] $(head -c 200 "$W/cd$r$i.err");"
      [ "$(start_of "cd$r$i")" = "clone ${key:0:12} " ] || bads="$bads cd$r$i start [$(start_of "cd$r$i")];"
      "$CTL" rm -f "cd$r$i" >/dev/null 2>&1
    done
  done
  [ -z "$bads" ] && ok "$name: each sees its 3 disks and only its own volume's file, written and read again" \
    || bad "$name" "$bads"
}

# What one clone shows of itself: 32 bytes of /dev/urandom; 8 `mktemp -u`
# names (busybox's mktemp is glibc's __gen_tempname: its 6 letters come from 8
# bytes of getrandom(GRND_NONBLOCK), one call a name, as strace shows; busybox
# has no applet that prints getrandom's bytes as they are, and awk's srand() and
# ash's $RANDOM are seeded from the time); hostname; the kernel's boot_id (made
# on its first read, in the clone); `date +%s`. The clock is checked by the
# guest time `logs -t` gives that line (ns): within 1 s of the runs' window.
# Then the tether's own boot id (hello_reply, made anew at a clone's first
# hello): the endpoints are killed and a hello sent on each channel socket.
UNIQ_CMD='echo U=$(head -c32 /dev/urandom | od -An -tx1 | tr -d " \n")
echo G=$(for i in 1 2 3 4 5 6 7 8; do mktemp -u; done | sed "s/.*\.//" | tr "\n" " ")
echo H=$(hostname)
echo B=$(cat /proc/sys/kernel/random/boot_id)
echo D=$(date +%s)
exec sleep 120'
tether_boot_id () { # ID: the endpoint killed, a hello on the channel; prints hello_reply's boot_id
  kill -KILL "$(ep_pid "$1")" 2>/dev/null
  sleep 0.2
  python3 - "$(dirname "$0")/../host" "$TETHER_RUN_DIR/${1:0:12}/ch0.sock" <<'PY' 2>&1
import sys
sys.path.insert(0, sys.argv[1])
import tproto as t
p = t.Peer.unix(sys.argv[2])
m = p.request(1, 10, t.hello_body(), timeout=10)
print(t.one(m[2], 6, b"").decode() if m and m[0] == "hello_reply" else "no hello_reply: %r" % (m,))
PY
}
uniq_round () { # LABEL KEY12 VMGENID-DEVICES(1|0) (TETHER_VMGENID as the caller set it)
  local label=$1 key=$2 i pids=() bads="" s e id ids=()
  s=$(date +%s.%N)
  for i in 1 2 3; do
    timeout 120 "$CTL" run -d --name "cu$label$i" -- sh -c "$UNIQ_CMD" >"$W/cu$label$i.id" 2>"$W/cu$label$i.err" &
    pids+=($!)
  done
  for i in 1 2 3; do wait "${pids[$((i - 1))]}" || bads="$bads run $i: exit $? $(head -c 200 "$W/cu$label$i.err");"; done
  for i in 1 2 3; do ids+=("$(cat "$W/cu$label$i.id")"); wait_for_logged "${ids[$((i - 1))]}" "^D="; done
  e=$(date +%s.%N)
  for i in 1 2 3; do
    id=${ids[$((i - 1))]}
    logged_out "$id" >"$W/cu$label$i"
    [ "$(start_of "$id")" = "clone $key " ] || bads="$bads run $i start [$(start_of "$id")];"
    grep -q "^H=${id:0:12}$" "$W/cu$label$i" || bads="$bads run $i hostname [$(grep ^H= "$W/cu$label$i")];"
    "$CTL" logs -t "$id" 2>/dev/null | python3 -c 'import sys,datetime as d
s, e = float(sys.argv[1]), float(sys.argv[2])
for l in sys.stdin:
    t, _, rest = l.rstrip("\n").partition(" ")
    if not rest.startswith("D="):
        continue
    g = d.datetime.strptime(t[:26], "%Y-%m-%dT%H:%M:%S.%f").replace(tzinfo=d.timezone.utc).timestamp()
    ok = s - 1 <= g <= e + 1 and s - 1 <= int(rest[2:]) <= e + 1
    print("ok" if ok else "guest %.3f (date %s), host window %.3f..%.3f" % (g, rest[2:], s, e)); break
else:
    print("no D= line")' "$s" "$e" >"$W/cu$label$i.t"
    [ "$(cat "$W/cu$label$i.t")" = ok ] || bads="$bads run $i clock: $(cat "$W/cu$label$i.t");"
    local q; q=$(vm_field "$id" QemuPid)
    [ "$(tr '\0' ' ' <"/proc/$q/cmdline" 2>/dev/null | grep -c 'vmgenid,id=gen0,guid=auto')" = "$3" ] \
      || bads="$bads run $i: QEMU's vmgenid device not $3 [$(tr '\0' ' ' <"/proc/$q/cmdline" 2>/dev/null | head -c 300)];"
    echo "T=$(tether_boot_id "$id")" >>"$W/cu$label$i"
    "$CTL" rm -f "$id" >/dev/null 2>&1
  done
  local f n all
  all=$(cat "$W/cu$label"[123])
  for f in U H B T; do
    n=$(echo "$all" | grep "^$f=" | sort -u | grep -cE "^$f=[0-9a-zA-Z-]{12,}$")
    [ "$n" = 3 ] || bads="$bads $f: $n distinct of 3 [$(echo "$all" | grep "^$f=" | tr '\n' ' ')];"
  done
  # every getrandom name of every clone differs from all others (24 of them)
  n=$(echo "$all" | sed -n 's/^G=//p' | tr ' ' '\n' | grep -E '^[0-9a-zA-Z]{6}$' | sort -u | wc -l)
  [ "$n" = 24 ] || bads="$bads G: $n distinct of 24 [$(echo "$all" | grep "^G=" | tr '\n' ' ')];"
  [ -z "$bads" ] && ok "clones unique ($label): urandom, getrandom (mktemp), hostname, kernel and tether boot ids differ; date within 1 s; vmgenid device $3" \
    || bad "clones unique ($label)" "$bads"
}
# with VMGenID (the default), and with a template made and used under TETHER_VMGENID=off.
# Each template is 5 s old or more when its clones run: a clone's clock goes on
# from its template's save, so one not stepped at the hello is seconds behind.
t_clone_unique () {
  local key off
  key=$(tpl_default)
  off=$(TETHER_VMGENID=off timeout 120 "$CTL" template create 2>"$W/cuoff.err")
  if [ -z "$off" ] || [ "$off" = "$key" ] || [ "$(grep -o '"VMGenID": [a-z]*' "$(tpl_dir "$off")/meta.json")" != '"VMGenID": false' ]; then
    bad "template without VMGenID" "key [$off] (VMGenID one [$key]): $(head -c 300 "$W/cuoff.err")"; return
  fi
  ok "template without VMGenID: its own key, VMGenID false"
  uniq_round vmgenid "${key:0:12}" 1
  TETHER_VMGENID=off uniq_round novmgenid "${off:0:12}" 0
  timeout 60 "$CTL" template rm "$off" >/dev/null 2>&1
}

# A template whose assets changed is stale: ls says so, a run under those assets
# boots cold (no template for its shape), rm --stale removes it and only it. The
# assets: a copy of the initramfs (a link to the kernel) in a dir of their own,
# the copy touched after the template was made from it.
t_clone_stale () {
  local name="stale template" key sk sa=$W/stale-assets out id
  key=$(tpl_default)
  mkdir -p "$sa/kernel"
  ln -sf "$TETHER_ASSETS/kernel/vmlinux" "$sa/kernel/vmlinux"
  cp "$TETHER_ASSETS/initramfs.cpio.gz" "$sa/initramfs.cpio.gz"
  sk=$(TETHER_ASSETS=$sa timeout 120 "$CTL" template create 2>"$W/cs.err")
  if [ -z "$sk" ] || [ "$sk" = "$key" ]; then bad "$name" "key [$sk]: $(head -c 300 "$W/cs.err")"; return; fi
  touch -d '+1 min' "$sa/initramfs.cpio.gz"
  out=$(TETHER_ASSETS=$sa "$CTL" template ls 2>&1)
  check "$name: ls under the changed assets" \
    "$(echo "$out" | awk -v k="${sk:0:12}" '$1 == k {print $7}')/$(echo "$out" | awk -v k="${key:0:12}" '$1 == k {print $7}')" \
    "stale/stale"
  out=$("$CTL" template ls 2>&1)
  check "$name: ls under the build's assets" \
    "$(echo "$out" | awk -v k="${sk:0:12}" '$1 == k {print $7}')/$(echo "$out" | awk -v k="${key:0:12}" '$1 == k {print $7}')" \
    "stale/current"
  out=$(TETHER_ASSETS=$sa timeout 120 "$CTL" run --name cs1 -- sh -c 'echo stale-ok; exit 3' 2>&1); local rc=$?
  check "$name: a run under the changed assets boots cold" "$out/$rc/$(start_of cs1)" \
    "stale-ok/3/cold - no template for this shape (128 MiB, 1 CPU)"
  "$CTL" rm -f cs1 >/dev/null 2>&1
  out=$(timeout 60 "$CTL" template rm --stale 2>&1)
  check "$name: rm --stale removes it, keeps the current one" \
    "$out/$([ -e "$(tpl_dir "$sk")" ] && echo left)/$("$CTL" template ls | awk 'NR > 1 {print $1}' | tr '\n' ' ')" \
    "$sk//${key:0:12} "
}

# --no-template, and TETHER_TEMPLATES=off, with a template of the shape there: cold boots, said so.
t_clone_notemplate () {
  local key p1 p2
  key=$(tpl_default)
  timeout 120 "$CTL" run --name cn1 --no-template -- echo cold-1 >"$W/cn1" 2>&1 &
  p1=$!
  TETHER_TEMPLATES=off timeout 120 "$CTL" run --name cn2 -- echo cold-2 >"$W/cn2" 2>&1 &
  p2=$!
  wait $p1; echo $? >>"$W/cn1"
  wait $p2; echo $? >>"$W/cn2"
  check "--no-template boots cold" "$(cat "$W/cn1" | tr '\n' ' ')/$(start_of cn1)" \
    "cold-1 0 /cold - the run asked for a cold boot (--no-template)"
  check "TETHER_TEMPLATES=off boots cold" "$(cat "$W/cn2" | tr '\n' ' ')/$(start_of cn2)" \
    "cold-2 0 /cold - templates are off (TETHER_TEMPLATES=off)"
  "$CTL" rm -f cn1 cn2 >/dev/null 2>&1
  check "the template still there after cold runs" "$(ls "$(tpl_dir "$key")" 2>/dev/null | grep -c '^state$')" "1"
}

# template rm while a clone of it runs: the template is unpublished at once, the
# clone (its RAM a private map of the removed file) runs on and ends right.
t_clone_rm_running () {
  local name="template rm under a running clone" key id out code want
  key=$(tpl_default)
  id=$(timeout 120 "$CTL" run -d -- sh -c 'echo started; sleep 3; echo alive; md5sum /bin/busybox; exit 4' 2>"$W/cr.err")
  wait_for_logged "$id" started
  out=$(timeout 60 "$CTL" template rm "${key:0:12}" 2>&1)
  check "$name: removed at once" "$out/$([ -e "$(tpl_dir "$key")" ] && echo left)/$("$CTL" template ls | wc -l)" "$key//1"
  code=$(timeout 60 "$CTL" wait "$id" 2>&1)
  want=$(md5sum </bin/busybox | cut -d' ' -f1)
  check "$name: the clone ran on" "$(start_of "$id")/$code/$(logged_out "$id" | tr '\n' ' ')" \
    "clone ${key:0:12} /4/started alive $want  /bin/busybox "
  "$CTL" rm -f "$id" >/dev/null 2>&1
}

# A broken template (its state file cut to half, as a save that did not finish)
# fails the restore: the run boots cold, its output is right, the note says why,
# QEMU's reason is on the console, the template is gone, no QEMU is left over.
t_clone_broken () {
  local name="a failed restore boots cold" key out rc id note
  key=$(tpl_default)
  truncate -s $(($(stat -c %s "$(tpl_dir "$key")/state") / 2)) "$(tpl_dir "$key")/state"
  out=$(timeout 120 "$CTL" run --name cb1 -- sh -c 'echo still-right; exit 5' 2>"$W/cb.err"); rc=$?
  id=$(id_of cb1)
  note=$(start_of cb1)
  check "$name: the output and code" "$out/$rc" "still-right/5"
  case "$note" in
    "cold - the restore failed, booted cold: template ${key:0:12} removed: "*) ok "$name: Start=cold, StartNote [${note#cold - }]" ;;
    *) bad "$name: StartNote" "[$note]" ;;
  esac
  check "$name: QEMU's reason on the console, the endpoint logged it" \
    "$(grep -ac 'load of migration failed' "$TETHER_STATE_DIR/containers/$id/console.log")/$(grep -c 'the restore failed' "$TETHER_STATE_DIR/containers/$id/endpoint.log")" "1/2"
  for _ in $(seq 100); do [ "$(qemus)" = 0 ] && break; sleep 0.1; done
  check "$name: the template is gone, no QEMU left" \
    "$([ -e "$(tpl_dir "$key")" ] && echo left)/$("$CTL" template ls | wc -l)/$(qemus)" "/1/0"
  "$CTL" rm -f cb1 >/dev/null 2>&1
}

t_clone () {
  t_clone_template
  t_clone_many
  t_clone_disks
  t_clone_unique
  t_clone_stale
  t_clone_notemplate
  t_clone_rm_running
  t_clone_broken
  timeout 60 "$CTL" template rm --all >/dev/null 2>&1
  check "templates all removed at the end" "$("$CTL" template ls | wc -l)" "1"
}
