#!/bin/bash
# Runs `ledlab sim` and then `ledlab discover` inside a network namespace of their own
# (unshare -rn: a user and network namespace, nothing reaches the machine's LAN), with
# multicast routed on its loopback so mDNS works there.
#   discover_in_netns.sh LEDLAB STATION OUTDIR [discover arguments...]
# Writes OUTDIR/sim.txt (the twins' addresses as `ledlab sim` printed them),
# OUTDIR/discover.out and OUTDIR/discover.err, and exits with discover's code.
set -u
ledlab=$1 station=$2 out=$3
shift 3
exec unshare -rn bash -s "$ledlab" "$station" "$out" "$@" <<'INNER'
set -u
ledlab=$1 station=$2 out=$3
shift 3
ip link set lo up && ip link set lo multicast on && ip route add 224.0.0.0/4 dev lo || exit 90
coproc SIM { exec "$ledlab" sim --station "$station" --any-port 2>&1; }
sim_pid=$SIM_PID
: > "$out/sim.txt"
# The twins and their announcer are up once the station says it is running.
while IFS= read -r line <&"${SIM[0]}"; do
  echo "$line" >> "$out/sim.txt"
  case "$line" in *running*) break ;; esac
done
"$ledlab" discover "$@" > "$out/discover.out" 2> "$out/discover.err"
code=$?
kill -TERM "$sim_pid"
wait "$sim_pid"
exit $code
INNER
