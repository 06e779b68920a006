#!/usr/bin/env bash
# local-slurm.sh — a real single-node Slurm cluster on this machine, for testing
# `fendan sweep --shard K/N` job arrays (tests/slurm.sh) without a real cluster.
#
# Usage:
#   tools/slurm/local-slurm.sh start    install the packages if missing, start munged,
#                                        slurmctld and slurmd, wait until the node is idle
#   tools/slurm/local-slurm.sh stop     cancel our jobs, stop the daemons this script
#                                        started (by PID), remove config/state (logs kept)
#   tools/slurm/local-slurm.sh status   daemons, node state and queue; exit 0 only if usable
#   tools/slurm/local-slurm.sh env      print `export SLURM_CONF=...` (eval it to use
#                                        sbatch/squeue/sinfo against this cluster)
#
# Needs root and apt-get (Debian/Ubuntu). Works without systemd: the daemons are
# started by hand, never through init scripts. Idempotent: `start` on a running
# cluster reuses it, `stop` on a stopped one does nothing. Every wait is bounded.
#
# Exit codes: 0 ok; 1 failure (message on stderr, with the log to read);
#             2 usage; 3 the Slurm/munge packages are missing and cannot be installed
#             (callers such as tests/slurm.sh may then skip).
#
# Environment:
#   FENDAN_SLURM_DIR      config, state, spool, PID files and logs   [/tmp/fendan-slurm]
#   FENDAN_SLURM_CPUS     CPUs declared for the node                  [nproc]
#   FENDAN_SLURM_TIMEOUT  seconds allowed for each wait               [90]
#
# Pitfalls measured on this kind of machine (a single-node Slurm run as root) and
# how they are handled here:
#   1 no systemd: package postinst scripts must not start services; a temporary
#     /usr/sbin/policy-rc.d (exit 101) is added during the install if none exists.
#   2 munged refuses a key not owned by the user it runs as: it runs as `munge`
#     (runuser), the key is chowned to munge, /run/munge (tmpfs) is recreated.
#   3 slurmctld must run on the host named by SlurmctldHost: the short hostname is
#     read at start; addresses are pinned to 127.0.0.1, slurmd runs as `-N localnode`.
#   4 cgroups: proctrack/linuxproc + task/none need no cgroup.conf. Jobs then see
#     every core, so job scripts pass --threads from SLURM_CPUS_PER_TASK.
#   5 root-run daemons, no accounting (sacct does not work: use squeue/scontrol,
#     MinJobAge keeps finished jobs visible to scontrol for 5 minutes).
#   6 a node declaring more than the machine has goes `inval`/drained: CPUs and
#     RealMemory come from the machine itself (`slurmd -C`, nproc).
#   7 batch_sched_delay=0: array tasks start at once instead of every 3 s.
#   8 DependencyParameters=kill_invalid_depend: an afterok merge job whose shards
#     failed is cancelled instead of pending forever.
#   9 PID 1 may not reap daemons: a zombie (state Z) counts as dead.
#  10 MailProg points at `true` (no "MailProg is invalid" noise).
set -euo pipefail

BASE=${FENDAN_SLURM_DIR:-/tmp/fendan-slurm}
TIMEOUT=${FENDAN_SLURM_TIMEOUT:-90}
ETC=$BASE/etc
RUN=$BASE/run
LOGDIR=$BASE/log
CONF=$ETC/slurm.conf
NODE=localnode
MUNGE_DIR=/run/munge
MUNGE_PIDFILE=$MUNGE_DIR/munged.pid
MUNGE_OURS=$RUN/munged.started-here
export SLURM_CONF=$CONF

say() { printf 'local-slurm: %s\n' "$*" >&2; }
fail() { say "error: $*"; exit 1; }
cannot_install() { say "cannot install Slurm: $*"; exit 3; }

# --- processes -----------------------------------------------------------------

# alive PID: the process exists and is neither a zombie nor dead (pitfall 9).
alive() {
  local state
  [[ ${1:-} =~ ^[0-9]+$ ]] || return 1
  state=$(awk '{ sub(/^.*\) /, ""); print $1 }' "/proc/$1/stat" 2>/dev/null) || return 1
  [[ -n $state && $state != Z && $state != X ]]
}

# pidfile_alive FILE NAME: FILE holds the PID of a live process whose command is NAME.
pidfile_alive() {
  local pid
  pid=$(cat "$1" 2>/dev/null) || return 1
  alive "$pid" && [[ $(cat "/proc/$pid/comm" 2>/dev/null) == "$2" ]]
}

# terminate PID NAME: SIGTERM, up to 20 s, then SIGKILL.
terminate() {
  local pid=$1 name=$2 end=$((SECONDS + 20))
  kill -TERM "$pid" 2>/dev/null || true
  while alive "$pid" && ((SECONDS < end)); do sleep 0.2; done
  if alive "$pid"; then
    say "$name (pid $pid) ignored SIGTERM; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    sleep 0.5
  fi
  say "stopped $name (pid $pid)"
}

# stop_ours NAME: stop the daemon whose PID is in RUN/NAME.pid, if it is NAME.
stop_ours() {
  local f=$RUN/$1.pid
  if pidfile_alive "$f" "$1"; then terminate "$(cat "$f")" "$1"; fi
  rm -f "$f"
}

# poll SECONDS CMD...: run CMD every 0.3 s until it succeeds; fail after SECONDS.
poll() {
  local end=$((SECONDS + $1))
  shift
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < end)) || return 1
    sleep 0.3
  done
}

# --- install -------------------------------------------------------------------

have_packages() {
  local c
  for c in munged munge unmunge slurmctld slurmd sbatch squeue sinfo scontrol scancel; do
    command -v "$c" >/dev/null 2>&1 || return 1
  done
}

install_packages() {
  have_packages && return 0
  [[ $(id -u) == 0 ]] || cannot_install "not root, and the packages are missing"
  command -v apt-get >/dev/null 2>&1 ||
    cannot_install "no apt-get; install munge, slurmctld, slurmd and slurm-client by hand"
  local policy_added=0 rc=0 t0=$SECONDS
  # Pitfall 1: keep the postinst scripts from starting services (no systemd here).
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\n# added by fendan local-slurm.sh during an install\nexit 101\n' \
      >/usr/sbin/policy-rc.d
    chmod 0755 /usr/sbin/policy-rc.d
    policy_added=1
  fi
  say "installing munge slurmctld slurmd slurm-client (apt-get)"
  {
    timeout 300 apt-get -o DPkg::Lock::Timeout=120 update -qq &&
      DEBIAN_FRONTEND=noninteractive timeout 600 apt-get -o DPkg::Lock::Timeout=120 \
        install -y -qq --no-install-recommends munge slurmctld slurmd slurm-client
  } >"$LOGDIR/apt.log" 2>&1 || rc=$?
  if ((policy_added)); then rm -f /usr/sbin/policy-rc.d; fi
  if ((rc != 0)); then
    tail -n 20 "$LOGDIR/apt.log" >&2 || true
    cannot_install "apt-get failed with exit $rc (full log: $LOGDIR/apt.log)"
  fi
  have_packages || cannot_install "packages installed but commands missing"
  say "installed in $((SECONDS - t0)) s"
}

# --- munge ---------------------------------------------------------------------

munge_works() { munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1; }

start_munge() {
  if munge_works; then
    say "munged already answers; reusing it"
    return 0
  fi
  id munge >/dev/null 2>&1 || fail "no 'munge' user: is the munge package installed?"
  if [[ ! -s /etc/munge/munge.key ]]; then
    say "creating /etc/munge/munge.key"
    install -d -o munge -g munge -m 0700 /etc/munge
    if command -v mungekey >/dev/null 2>&1; then
      mungekey --create --keyfile=/etc/munge/munge.key
    else
      dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
    fi
  fi
  # Pitfall 2: the key must belong to the user munged runs as, and be private.
  chown munge:munge /etc/munge/munge.key
  chmod 0400 /etc/munge/munge.key
  install -d -o munge -g munge -m 0755 "$MUNGE_DIR"
  if pidfile_alive "$MUNGE_PIDFILE" munged; then
    fail "munged (pid $(cat "$MUNGE_PIDFILE")) runs but does not answer; see /var/log/munge/munged.log"
  fi
  rm -f "$MUNGE_DIR"/munge.socket.2 "$MUNGE_DIR"/munge.socket.2.lock
  runuser -u munge -- "$(type -P munged)" --pid-file="$MUNGE_PIDFILE" ||
    fail "munged did not start; see /var/log/munge/munged.log"
  poll "$TIMEOUT" munge_works || fail "munge does not answer; see /var/log/munge/munged.log"
  cp "$MUNGE_PIDFILE" "$MUNGE_OURS"
  say "munged started (pid $(cat "$MUNGE_PIDFILE"))"
}

# --- slurm.conf ----------------------------------------------------------------

# Writes the config; prints "changed" if it differs from the one in place.
write_conf() {
  local host cpus mem detected
  host=$(uname -n)
  host=${host%%.*}
  cpus=${FENDAN_SLURM_CPUS:-$(nproc)}
  # Pitfall 6: declare what slurmd itself detects, never more.
  detected=$(slurmd -C 2>/dev/null | head -n1 || true)
  mem=$(sed -n 's/.*RealMemory=\([0-9][0-9]*\).*/\1/p' <<<"$detected")
  if [[ -z $mem ]]; then
    mem=$(awk '/^MemTotal:/ { print int($2 / 1024) }' /proc/meminfo)
  fi
  [[ $mem =~ ^[0-9]+$ && $mem -gt 0 ]] || fail "cannot tell this machine's memory"
  [[ $cpus =~ ^[0-9]+$ && $cpus -gt 0 ]] || fail "bad CPU count '$cpus'"
  cat >"$CONF.new" <<EOF
# Written by fendan tools/slurm/local-slurm.sh: one node, daemons run as root,
# no cgroups, no accounting. Regenerated by every \`start\`.
ClusterName=fendanlocal
SlurmctldHost=${host}(127.0.0.1)
SlurmctldPort=6817
SlurmdPort=6818
AuthType=auth/munge
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$BASE/state
SlurmdSpoolDir=$BASE/spool
SlurmctldPidFile=$RUN/slurmctld.pid
SlurmdPidFile=$RUN/slurmd.pid
SlurmctldLogFile=$LOGDIR/slurmctld.log
SlurmdLogFile=$LOGDIR/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SwitchType=switch/none
SchedulerType=sched/builtin
SchedulerParameters=batch_sched_delay=0
DependencyParameters=kill_invalid_depend
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MailProg=$(type -P true)
ReturnToService=2
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
KillWait=5
MinJobAge=300
NodeName=$NODE NodeHostname=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=local Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
EOF
  if [[ -f $CONF ]] && cmp -s "$CONF" "$CONF.new"; then
    rm -f "$CONF.new"
  else
    mv "$CONF.new" "$CONF"
    echo changed
  fi
}

# --- slurm daemons -------------------------------------------------------------

node_state() { sinfo -h -n "$NODE" -o %T 2>/dev/null | head -n1; }
node_usable() {
  case $(node_state) in idle | mixed | allocated | completing) return 0 ;; *) return 1 ;; esac
}
ctld_answers() { timeout 10 scontrol ping 2>/dev/null | grep -q 'is UP'; }
daemons_ours_alive() {
  pidfile_alive "$RUN/slurmctld.pid" slurmctld && pidfile_alive "$RUN/slurmd.pid" slurmd
}

# Refuse to fight Slurm daemons that some other setup runs on our ports.
check_foreign_daemons() {
  local name pid ours
  for name in slurmctld slurmd; do
    ours=$(cat "$RUN/$name.pid" 2>/dev/null || true)
    for pid in $(pgrep -x "$name" 2>/dev/null || true); do
      alive "$pid" || continue
      [[ $pid == "$ours" ]] && continue
      fail "a $name (pid $pid) not started by this script is running; stop it first"
    done
  done
}

start_slurm() {
  local conf_changed=$1
  if [[ -z $conf_changed ]] && daemons_ours_alive && ctld_answers; then
    say "slurmctld and slurmd already running; reusing them"
  else
    stop_ours slurmd
    stop_ours slurmctld
    check_foreign_daemons
    # -c: empty job state, so nothing left from an earlier run can interfere.
    slurmctld -c -f "$CONF" || fail "slurmctld did not start; see $LOGDIR/slurmctld.log"
    poll "$TIMEOUT" ctld_answers || fail "slurmctld does not answer; see $LOGDIR/slurmctld.log"
    slurmd -c -N "$NODE" -f "$CONF" || fail "slurmd did not start; see $LOGDIR/slurmd.log"
    poll "$TIMEOUT" pidfile_alive "$RUN/slurmctld.pid" slurmctld ||
      fail "slurmctld exited; see $LOGDIR/slurmctld.log"
    poll "$TIMEOUT" pidfile_alive "$RUN/slurmd.pid" slurmd ||
      fail "slurmd exited; see $LOGDIR/slurmd.log"
    say "slurmctld pid $(cat "$RUN/slurmctld.pid"), slurmd pid $(cat "$RUN/slurmd.pid")"
  fi
  if ! poll "$TIMEOUT" node_usable; then
    # A node left down or drained (e.g. by an unclean stop) is resumed once.
    scontrol update NodeName="$NODE" State=RESUME >/dev/null 2>&1 || true
    poll "$TIMEOUT" node_usable ||
      fail "node $NODE is '$(node_state)', not idle; reason: $(sinfo -h -R -o %E 2>/dev/null || true); logs in $LOGDIR"
  fi
}

# --- commands ------------------------------------------------------------------

cmd_start() {
  local t0=$SECONDS changed
  [[ $(id -u) == 0 ]] || fail "run as root (the daemons run as root)"
  mkdir -p "$ETC" "$RUN" "$LOGDIR" "$BASE/state" "$BASE/spool"
  install_packages
  changed=$(write_conf)
  [[ -n $changed ]] && say "wrote $CONF"
  start_munge
  start_slurm "$changed"
  say "ready in $((SECONDS - t0)) s: node $NODE $(node_state), $(sinfo -h -n "$NODE" -o '%c CPUs, %m MB')"
  say "use it with: export SLURM_CONF=$CONF"
}

cmd_stop() {
  if [[ -f $CONF ]] && pidfile_alive "$RUN/slurmctld.pid" slurmctld && ctld_answers; then
    # Cancel whatever is queued or running on this cluster, then let it drain.
    scancel --quiet --full --partition=local 2>/dev/null || true
    poll 15 test -z "$(squeue -h 2>/dev/null)" || say "jobs still listed after 15 s; stopping anyway"
  fi
  stop_ours slurmd
  stop_ours slurmctld
  if [[ -s $MUNGE_OURS ]] && pidfile_alive "$MUNGE_PIDFILE" munged &&
    [[ $(cat "$MUNGE_PIDFILE") == "$(cat "$MUNGE_OURS")" ]]; then
    terminate "$(cat "$MUNGE_PIDFILE")" munged
  fi
  rm -f "$MUNGE_OURS"
  rm -rf "$ETC" "$RUN" "$BASE/state" "$BASE/spool"
  [[ -d $LOGDIR ]] && say "stopped; logs kept in $LOGDIR"
  return 0
}

cmd_status() {
  local ok=0 name
  for name in slurmctld slurmd; do
    if pidfile_alive "$RUN/$name.pid" "$name"; then
      echo "$name: running (pid $(cat "$RUN/$name.pid"))"
    else
      echo "$name: not running"
      ok=1
    fi
  done
  if munge_works; then echo "munge: answers"; else echo "munge: not answering"; ok=1; fi
  if ((ok == 0)) && ctld_answers; then
    echo "node $NODE: $(node_state) ($(sinfo -h -n "$NODE" -o '%c CPUs, %m MB'))"
    echo "queue:"
    squeue -o '  %.12i %.10j %.9T %.10M %R' || true
    node_usable || ok=1
  else
    ok=1
  fi
  echo "config: $CONF; logs: $LOGDIR"
  return "$ok"
}

case ${1:-} in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  env) echo "export SLURM_CONF=$CONF" ;;
  *)
    echo "usage: $0 start|stop|status|env" >&2
    exit 2
    ;;
esac
