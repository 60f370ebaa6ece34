#!/usr/bin/env bash
# examples/two-hypervisors: issue 15's three "hypervisors" on one machine, in network namespaces.
# hvA and hvB each run their own softbr daemon (a bridge, a VXLAN port, two hosts on TAP ports);
# hvC is a kernel bridge with a kernel `vxlan` device and one host; an underlay namespace joins
# one veth from each hypervisor on a kernel bridge, 10.200.0.0/24. Five hosts, one broadcast domain.
#
#   lab.sh up       build it (all or nothing: a failure removes what was made)
#   lab.sh status   what runs, and the fdb tables of the three VTEPs
#   lab.sh down     end the daemons it started (by PID) and remove what it made
#
# Every namespace and link is named PREFIX… (default sb2hv-) and nothing is made in the root
# namespace. The state (control sockets, PIDs, logs, the list of what was made) is in STATE.
# Environment: SB2HV_PREFIX (default sb2hv-), SB2HV_STATE (default /run/PREFIXlab),
# SB2HV_VNI (default 42), NODE (default node), SOFTBR_BIN (default this checkout's bin/softbr.js).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
P=${SB2HV_PREFIX:-sb2hv-}
VNI=${SB2HV_VNI:-42}
NODE=${NODE:-node}
SOFTBR_BIN=${SOFTBR_BIN:-$REPO/bin/softbr.js}
UNDERLAY=10.200.0
OVERLAY=10.0.42
# the underlay's 1500 less VXLAN's 50: what the kernel gives its vxlan device and softbr its port
INNER_MTU=1450

die() { echo "lab.sh: $*" >&2; exit 2; }

# the longest name is PREFIX + 3 characters (hvA, ubr, vx0, c1b…); interface names have 15 at most
[[ $P =~ ^[a-z][a-z0-9-]{0,11}$ ]] || die "invalid SB2HV_PREFIX '$P': 1 to 12 characters, a lower-case letter first, then a-z, 0-9 or '-'"
STATE=${SB2HV_STATE:-/run/${P}lab}

# the hypervisors' underlay addresses and what runs where
declare -A VTEP=([A]=$UNDERLAY.1 [B]=$UNDERLAY.2 [C]=$UNDERLAY.3)
# host name → hypervisor, overlay address
HOSTS=(a1 a2 b1 b2 c1)
declare -A HV_OF=([a1]=A [a2]=A [b1]=B [b2]=B [c1]=C)
declare -A IP_OF=([a1]=$OVERLAY.1 [a2]=$OVERLAY.2 [b1]=$OVERLAY.3 [b2]=$OVERLAY.4 [c1]=$OVERLAY.5)

softbr() { "$NODE" "$SOFTBR_BIN" "$@"; }
ctl() { local hv=$1; shift; softbr --control "$STATE/hv$hv.sock" "$@"; }
# the host's interface: the TAP on hvA/hvB, the veth end on hvC
dev_of() { if [[ ${HV_OF[$1]} == C ]]; then echo "${P}$1"; else echo "${P}t$1"; fi; }

# recorded before it is made, so that a failure at any step is undone by down
record_ns() { echo "$1" >>"$STATE/namespaces"; }
add_ns() {
  record_ns "$1"
  ip netns add "$1"
  ip -n "$1" link set lo up
}

# true when PID is the softbr daemon on control socket SOCK (not a reused PID)
is_our_daemon() {
  local pid=$1 sock=$2 cmd
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  # a zombie's or a gone process's cmdline is empty
  cmd=$(tr '\0' '\n' 2>/dev/null <"/proc/$pid/cmdline") || return 1
  grep -qxF -- "$sock" <<<"$cmd"
}

start_daemon() {
  local hv=$1 ns=${P}hv$1 sock=$STATE/hv$1.sock
  # a signal between the start and the PID's record would orphan the daemon: hold it until then
  local held=''
  trap 'held=1' INT TERM
  # setsid: its own session, so a Ctrl-C in this terminal later does not reach it; `ip netns
  # exec` and setsid both exec, so $! is the daemon's PID
  setsid ip netns exec "$ns" "$NODE" "$SOFTBR_BIN" --control "$sock" daemon </dev/null >>"$STATE/hv$hv.log" 2>&1 &
  echo $! >"$STATE/hv$hv.pid"
  trap 'exit 130' INT TERM
  [[ -z $held ]] || exit 130
  local i
  for ((i = 0; i < 150; i++)); do
    if [[ -S $sock ]] && ctl "$hv" show >/dev/null 2>&1; then return 0; fi
    kill -0 "$(cat "$STATE/hv$hv.pid")" 2>/dev/null || die "the softbr daemon of hv$hv exited: $(tail -n 5 "$STATE/hv$hv.log")"
    sleep 0.1
  done
  die "the softbr daemon of hv$hv did not answer on $sock within 15 s: $(tail -n 5 "$STATE/hv$hv.log")"
}

stop_daemon() {
  local hv=$1 pidf=$STATE/hv$1.pid pid i
  [[ -f $pidf ]] || return 0
  pid=$(cat "$pidf")
  if is_our_daemon "$pid" "$STATE/hv$hv.sock"; then
    # SIGTERM: the daemon closes its ports (its TAPs go with them); SIGKILL after 5 s
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do is_our_daemon "$pid" "$STATE/hv$hv.sock" || break; sleep 0.1; done
    if is_our_daemon "$pid" "$STATE/hv$hv.sock"; then kill -KILL "$pid" 2>/dev/null || true; sleep 0.2; fi
    echo "  ended the softbr daemon of hv$hv (pid $pid)"
  fi
  rm -f "$pidf"
}

prefixed_namespaces() { ip netns list | awk -v p="$P" 'index($1, p) == 1 { print $1 }'; }

down() {
  if [[ ! -f $STATE/namespaces ]]; then
    echo "lab.sh: nothing is up under $STATE"
  else
    echo "lab.sh: taking down the lab in $STATE"
    stop_daemon A
    stop_daemon B
    if [[ -f $STATE/namespaces ]]; then
      # hosts first, the hypervisors and the underlay last (the reverse of up)
      local ns failed=''
      while read -r ns; do
        # a namespace recorded but never made (up failed just before) is not an error
        [[ -n $ns && -e /run/netns/$ns ]] || continue
        if ip netns del "$ns"; then echo "  removed namespace $ns"; else failed+=" $ns"; fi
      done < <(tac "$STATE/namespaces")
      # keep the record, so that another down can finish the job
      [[ -z $failed ]] || { echo "lab.sh: could not remove namespace(s)$failed; the record stays in $STATE" >&2; return 1; }
    fi
    # only the files up made (STATE may be a directory that holds other things too)
    rm -f "$STATE"/hv[AB].{pid,sock,log} "$STATE/namespaces"
    rmdir "$STATE" 2>/dev/null || true
  fi
  local left
  left=$(prefixed_namespaces)
  [[ -z $left ]] || echo "lab.sh: namespaces named ${P}… that this lab did not record are still there: $(echo $left)" >&2
}

rollback() {
  local rc=$?
  [[ $UP_DONE == 1 ]] && return
  trap - EXIT INT TERM
  echo "lab.sh: up failed (exit $rc); removing what was made" >&2
  down >&2 || true
  exit "$rc"
}

up() {
  [[ -f $SOFTBR_BIN ]] || die "no softbr at $SOFTBR_BIN: run npm install and npm run build in $REPO, or set SOFTBR_BIN"
  if [[ -f $STATE/namespaces ]]; then die "a lab is already up in $STATE: $0 down first"; fi
  local left
  left=$(prefixed_namespaces)
  [[ -z $left ]] || die "namespaces named ${P}… exist but are not this lab's: $(echo $left) (remove them, or choose another SB2HV_PREFIX)"
  mkdir -p "$STATE"
  : >"$STATE/namespaces"
  # from here on any exit before the end (a failed command, die, Ctrl-C) undoes everything
  UP_DONE=0
  trap 'rollback' EXIT
  trap 'exit 130' INT TERM

  local u=${P}u ubr=${P}ubr hv x h
  add_ns "$u"
  ip -n "$u" link add "$ubr" type bridge
  ip -n "$u" link set "$ubr" up
  for x in A B C; do
    hv=${P}hv$x
    add_ns "$hv"
    # one veth between the underlay bridge and the hypervisor, made inside the two namespaces
    ip link add "${P}u$x" netns "$u" type veth peer name "${P}v$x" netns "$hv"
    ip -n "$u" link set "${P}u$x" master "$ubr" up
    ip -n "$hv" addr add "${VTEP[$x]}/24" dev "${P}v$x"
    ip -n "$hv" link set "${P}v$x" up
  done
  for h in "${HOSTS[@]}"; do add_ns "${P}$h"; done

  start_daemon A
  start_daemon B
  local others
  for x in A B; do
    others=$(for y in A B C; do [[ $y == "$x" ]] || printf '%s+' "${VTEP[$y]}"; done)
    ctl "$x" addbr "${P}br" --no-local >/dev/null
    # head-end replication to the other two VTEPs
    ctl "$x" addif "${P}br" "vxlan:${P}vx0=$VNI@${VTEP[$x]},remote=${others%+}" >/dev/null
  done

  # hvC: the kernel's VTEP, learning on, its flood list the two softbr VTEPs
  local c=${P}hvC
  ip -n "$c" link add "${P}br" type bridge
  ip -n "$c" link add "${P}vx0" type vxlan id "$VNI" local "${VTEP[C]}" dstport 4789
  ip -n "$c" link set "${P}vx0" master "${P}br" up
  ip -n "$c" link set "${P}br" up
  bridge -n "$c" fdb append 00:00:00:00:00:00 dev "${P}vx0" dst "${VTEP[A]}"
  bridge -n "$c" fdb append 00:00:00:00:00:00 dev "${P}vx0" dst "${VTEP[B]}"

  local dev
  for h in "${HOSTS[@]}"; do
    x=${HV_OF[$h]}
    dev=$(dev_of "$h")
    if [[ $x == C ]]; then
      ip link add "${P}c1b" netns "$c" type veth peer name "$dev" netns "${P}$h"
      ip -n "$c" link set "${P}c1b" master "${P}br" up
    else
      # softbr makes the TAP in the hypervisor and holds its fd; the device moves to the host
      ctl "$x" addif "${P}br" "tap:$dev" >/dev/null
      ip -n "${P}hv$x" link set "$dev" netns "${P}$h"
    fi
    ip -n "${P}$h" link set "$dev" mtu "$INNER_MTU"
    ip -n "${P}$h" addr add "${IP_OF[$h]}/24" dev "$dev"
    ip -n "${P}$h" link set "$dev" up
  done
  UP_DONE=1
  echo "lab.sh: up (VNI $VNI; state in $STATE)"
  hosts_table
  echo "try: ip netns exec ${P}a1 ping -c 2 ${IP_OF[c1]}    then: $0 status"
}

hosts_table() {
  local h dev mac
  printf '  %-5s %-4s %-14s %-14s %-14s %s\n' host hv netns device address mac
  for h in "${HOSTS[@]}"; do
    dev=$(dev_of "$h")
    mac=$(ip -n "${P}$h" -br link show dev "$dev" 2>/dev/null | awk '{ print $3 }') || true
    printf '  %-5s hv%-2s %-14s %-14s %-14s %s\n' "$h" "${HV_OF[$h]}" "${P}$h" "$dev" "${IP_OF[$h]}/24" "${mac:--}"
  done
}

status() {
  [[ -f $STATE/namespaces ]] || { echo "lab.sh: not up (nothing in $STATE)"; return 3; }
  local x pid rc=0
  echo "lab in $STATE (prefix $P)"
  for x in A B; do
    pid=$(cat "$STATE/hv$x.pid" 2>/dev/null || echo '?')
    if is_our_daemon "$pid" "$STATE/hv$x.sock"; then
      echo "  hv$x: softbr daemon pid $pid   softbr --control $STATE/hv$x.sock VERB"
    else
      echo "  hv$x: softbr daemon pid $pid NOT RUNNING (log: $STATE/hv$x.log)"
      rc=1
    fi
  done
  echo "  hvC: kernel bridge ${P}br, vxlan device ${P}vx0"
  echo "  namespaces: $(echo $(prefixed_namespaces))"
  hosts_table
  for x in A B; do
    echo "--- hv$x: softbr fdb show"
    ctl "$x" fdb show || rc=1
  done
  echo "--- hvC: bridge fdb show dev ${P}vx0"
  bridge -n "${P}hvC" fdb show dev "${P}vx0" || rc=1
  return $rc
}

case ${1:-} in
  up | down | status) ;;
  *) die "usage: $0 up|down|status (got '${1:-}')" ;;
esac
[[ $(id -u) -eq 0 ]] || die "$1 needs root: the lab is network namespaces, veths and TAPs (try sudo)"
"$1"
