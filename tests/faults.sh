#!/usr/bin/env bash
# faults.sh — fendan's outputs under faults: killed runs, a full disk, a read-only folder.
#
#   bash tests/faults.sh            (run by .ci/run; builds the release binary first)
#   FENDAN=/path/to/fendan KILLS=50 bash tests/faults.sh
#
# 1. kill -9 at a random moment of `simulate`, `sweep`, one shard (`sweep --shard`) and
#    `merge`, KILLS times each (default 20). The moment is drawn uniformly over 0 to 1.2×
#    the time a complete run takes, so kills land before, during and after the writes.
#    After each kill the output must be the complete old one, the complete new one, or
#    absent, and the only other names beside it the dead run's hidden temporaries
#    (`.NAME.tmp-PID`, `.NAME.old-PID`); after the next complete run, not even those.
# 2. A full tmpfs (needs root and permission to mount; otherwise skipped, saying so):
#    `simulate` and `sweep` fail (exit 1 or 2) naming the path given, the old output is
#    intact and nothing else is left.
# 3. A read-only folder (a tmpfs remounted read-only as root; `chmod 555` otherwise): the
#    same.
#
# Prints one line per check and a pass/fail count; exits 1 if any check failed.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

KILLS=${KILLS:-20}
if [[ -z ${FENDAN:-} ]]; then
  cargo build --release --quiet || exit 1
  FENDAN=$root/target/release/fendan
fi
[[ -x $FENDAN ]] || { echo "no fendan binary at $FENDAN" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/fendan-faults.XXXXXX")
mounts=()
cleanup() {
  for m in "${mounts[@]}"; do umount "$m" 2>/dev/null || true; done
  chmod -R u+w "$work" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

pass=0
fail=0
check() { # check DESCRIPTION COMMAND...
  local what=$1
  shift
  if "$@"; then
    pass=$((pass + 1))
  else
    fail=$((fail + 1))
    echo "FAIL: $what"
  fi
}

# A digest of everything under a folder (names and contents), or "absent".
digest() {
  local d=$1
  if [[ ! -e $d ]]; then
    echo absent
    return
  fi
  (cd "$d" && find . \( -type f -o -type l \) -print | LC_ALL=C sort | while IFS= read -r f; do
    printf '%s ' "$f"
    if [[ -L $f ]]; then readlink "$f"; else sha256sum <"$f" | cut -c1-64; fi
  done) | sha256sum | cut -c1-16
}

# The names in DIR other than those given.
others() {
  local dir=$1
  shift
  local n keep
  for n in $(ls -A "$dir"); do
    keep=no
    for k in "$@"; do [[ $n == "$k" ]] && keep=yes; done
    [[ $keep == no ]] && echo "$n"
  done
}

# Only the hidden temporaries of process PID are left beside the output. Counts the
# kills that caught a run while it was writing (it left temporaries).
midway=0
only_dead_temps() { # only_dead_temps DIR PID NAMES_TO_KEEP...
  local dir=$1 pid=$2
  shift 2
  local n
  [[ -n $(others "$dir" "$@") ]] && midway=$((midway + 1))
  for n in $(others "$dir" "$@"); do
    if ! [[ $n =~ ^\..+\.(tmp|old)-$pid$ ]]; then
      echo "    unexpected $dir/$n"
      return 1
    fi
  done
}

nothing_else() { # nothing_else DIR NAMES_TO_KEEP...
  local dir=$1
  shift
  local left
  left=$(others "$dir" "$@")
  [[ -z $left ]] || { echo "    left behind in $dir: $left"; return 1; }
}

in_set() { # in_set VALUE ALLOWED...
  local v=$1
  shift
  for a in "$@"; do [[ $v == "$a" ]] && return 0; done
  echo "    state $v is none of: $*"
  return 1
}

# Seconds (with a fraction) a command takes.
duration() {
  local start end
  start=$(date +%s%N)
  "$@" >/dev/null 2>&1
  end=$(date +%s%N)
  awk -v ns=$((end - start)) 'BEGIN { printf "%.4f", ns / 1e9 }'
}

# A random moment in [0, 1.2 × SECONDS).
moment() { awk -v t="$1" -v r="$RANDOM" 'BEGIN { printf "%.4f", t * 1.2 * r / 32768 }'; }

# kill -9 the command at MOMENT; print its pid.
kill_at() { # kill_at MOMENT COMMAND...
  local at=$1
  shift
  "$@" >/dev/null 2>&1 &
  local pid=$!
  sleep "$at"
  kill -9 "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  echo "$pid"
}

cd "$work"
spec=$work/faults.yaml
sed 's/n: 12/n: 400/; s/^name: sampled/name: faults/' "$root/tests/data/sweep/sampled.yaml" >"$spec"
other=$work/other.yaml
printf 'name: other\ntitle: the run that replaces the baseline\nextends: baseline\noverrides:\n  - path: services.1.primary_public_funds.standard\n    set: 900\n    from: 2017-01-01\n' >"$other"

# --- 1. kill -9 ------------------------------------------------------------------------
echo "== kill -9 at random moments, $KILLS times each"

# simulate: the baseline's folder (old) replaced by another scenario's (new).
mkdir -p sim && cd sim
"$FENDAN" simulate --out out --quiet || exit 1
old=$(digest out)
"$FENDAN" simulate "$other" --out new --quiet || exit 1
new=$(digest new)
rm -rf new
t=$(duration "$FENDAN" simulate "$other" --out probe --force --quiet)
rm -rf probe
for i in $(seq "$KILLS"); do
  pid=$(kill_at "$(moment "$t")" "$FENDAN" simulate "$other" --out out --force --quiet)
  check "simulate killed ($i): old, new or absent" in_set "$(digest out)" "$old" "$new" absent
  check "simulate killed ($i): only its temporaries" only_dead_temps . "$pid" out
  "$FENDAN" simulate --out out --force --quiet
  check "simulate after a kill ($i): complete, nothing else" in_set "$(digest out)" "$old"
  check "simulate after a kill ($i): no temporaries" nothing_else . out
done
cd "$work"

# sweep: a finished sweep folder (old) rerun (new, the same bytes: the outputs are
# deterministic) or first written (absent → new).
mkdir -p sw && cd sw
"$FENDAN" sweep "$spec" --out out --quiet || exit 1
new=$(digest out)
t=$(duration "$FENDAN" sweep "$spec" --out probe --quiet)
rm -rf probe
for i in $(seq "$KILLS"); do
  if ((i % 2)); then rm -rf out; fi
  pid=$(kill_at "$(moment "$t")" "$FENDAN" sweep "$spec" --out out --quiet)
  check "sweep killed ($i): complete or absent" in_set "$(digest out)" "$new" absent
  check "sweep killed ($i): only its temporaries" only_dead_temps . "$pid" out
  "$FENDAN" sweep "$spec" --out out --quiet
  check "sweep after a kill ($i): complete" in_set "$(digest out)" "$new"
  check "sweep after a kill ($i): no temporaries" nothing_else . out
done
cd "$work"

# One shard: its part (csv and json) is whole or absent, the other parts untouched.
mkdir -p sh && cd sh
for k in 1 2 3; do "$FENDAN" sweep "$spec" --out out --shard "$k/3" --quiet || exit 1; done
part() { cat out/parts/part-2-of-3.csv out/parts/part-2-of-3.json 2>/dev/null | sha256sum | cut -c1-16; }
whole=$(part)
none=$(printf '' | sha256sum | cut -c1-16)
rest=$(cat out/parts/part-1-of-3.* out/parts/part-3-of-3.* | sha256sum | cut -c1-16)
t=$(duration "$FENDAN" sweep "$spec" --out out --shard 2/3 --force --quiet)
for i in $(seq "$KILLS"); do
  if ((i % 2)); then rm -f out/parts/part-2-of-3.*; fi
  pid=$(kill_at "$(moment "$t")" "$FENDAN" sweep "$spec" --out out --shard 2/3 --force --quiet)
  check "shard killed ($i): part whole or absent" in_set "$(part)" "$whole" "$none"
  check "shard killed ($i): no half part" test -e out/parts/part-2-of-3.csv -o ! -e out/parts/part-2-of-3.json
  check "shard killed ($i): other parts untouched" in_set "$(cat out/parts/part-1-of-3.* out/parts/part-3-of-3.* | sha256sum | cut -c1-16)" "$rest"
  check "shard killed ($i): only its temporaries" only_dead_temps out/parts "$pid" part-1-of-3.csv part-1-of-3.json part-2-of-3.csv part-2-of-3.json part-3-of-3.csv part-3-of-3.json
  "$FENDAN" sweep "$spec" --out out --shard 2/3 --quiet
  check "shard after a kill ($i): part whole" in_set "$(part)" "$whole"
  check "shard after a kill ($i): no temporaries" nothing_else out/parts part-1-of-3.csv part-1-of-3.json part-2-of-3.csv part-2-of-3.json part-3-of-3.csv part-3-of-3.json
done
cd "$work"

# merge: the joined files appear together or not at all; the parts are never touched.
mkdir -p mg && cd mg
for k in 1 2 3; do "$FENDAN" sweep "$spec" --out out --shard "$k/3" --quiet || exit 1; done
parts=$(digest out/parts)
"$FENDAN" merge out --quiet || exit 1
new=$(digest out)
t=$(duration "$FENDAN" merge out --quiet)
for i in $(seq "$KILLS"); do
  if ((i % 2)); then rm -f out/points.csv out/summary.csv out/manifest.json; fi
  before=$(digest out)
  pid=$(kill_at "$(moment "$t")" "$FENDAN" merge out --quiet)
  check "merge killed ($i): before or after" in_set "$(digest out)" "$before" "$new"
  check "merge killed ($i): parts untouched" in_set "$(digest out/parts)" "$parts"
  check "merge killed ($i): only its temporaries" only_dead_temps . "$pid" out
  "$FENDAN" merge out --quiet
  check "merge after a kill ($i): complete" in_set "$(digest out)" "$new"
  check "merge after a kill ($i): no temporaries" nothing_else . out
done
cd "$work"
echo "   $midway of $((4 * KILLS)) kills caught a run while it was writing"

# A failed write must leave the old output whole, name the path given, and leave nothing.
after_failure() { # after_failure WHAT DIR OLD_DIGEST SHOWN COMMAND...
  local what=$1 dir=$2 old=$3 shown=$4
  shift 4
  local err rc
  err=$("$@" 2>&1 >/dev/null)
  rc=$?
  check "$what: fails (exit $rc)" test "$rc" -ne 0
  check "$what: not a panic" test "$rc" -ne 101
  check "$what: the message names $shown" grep -q -- "$shown" <<<"$err"
  check "$what: the message names no temporary" bash -c '! grep -q -- "\.tmp-" <<<"$1"' _ "$err"
  check "$what: the old output is whole" in_set "$(digest "$dir/out")" "$old"
  check "$what: nothing else left" nothing_else "$dir" out filler
}

can_mount=no
if [[ $(id -u) -eq 0 ]]; then
  mkdir -p "$work/probe-mount"
  if mount -t tmpfs -o size=1m tmpfs "$work/probe-mount" 2>/dev/null; then
    umount "$work/probe-mount"
    can_mount=yes
  fi
  rmdir "$work/probe-mount"
fi

# --- 2. a full disk ---------------------------------------------------------------------
echo "== a full disk"
if [[ $can_mount == yes ]]; then
  mkdir -p full
  mount -t tmpfs -o size=6m tmpfs full && mounts+=("$work/full")
  "$FENDAN" simulate --out full/out --quiet || exit 1
  old=$(digest full/out)
  # The new tables need as much room again as the old ones: there is not enough.
  after_failure "simulate on a full disk" full "$old" "full/out" \
    "$FENDAN" simulate "$other" --out full/out --force --quiet
  # Fill the disk but for a few kB: the sweep is refused before it writes, or fails writing.
  head -c $((2 * 1024 * 1024)) /dev/zero >full/filler 2>/dev/null
  after_failure "sweep on a full disk" full "$old" "full/out" \
    "$FENDAN" sweep "$spec" --out full/out --force --quiet
  after_failure "shard on a full disk" full "$old" "full/out" \
    "$FENDAN" sweep "$spec" --out full/out --shard 1/1 --force --quiet
else
  echo "SKIP: cannot mount a tmpfs here (needs root and CAP_SYS_ADMIN); the full-disk checks did not run"
fi

# --- 3. a read-only folder --------------------------------------------------------------
echo "== a read-only folder"
ro_ready=no
mkdir -p ro
if [[ $can_mount == yes ]]; then
  mount -t tmpfs -o size=16m tmpfs ro && mounts+=("$work/ro")
  "$FENDAN" simulate --out ro/out --quiet || exit 1
  mount -o remount,ro "$work/ro" && ro_ready=yes
elif [[ $(id -u) -ne 0 ]]; then
  "$FENDAN" simulate --out ro/out --quiet || exit 1
  chmod 555 ro ro/out && ro_ready=yes
fi
if [[ $ro_ready == yes ]]; then
  old=$(digest ro/out)
  after_failure "simulate into a read-only folder" ro "$old" "ro/out" \
    "$FENDAN" simulate "$other" --out ro/out --force --quiet
  after_failure "sweep into a read-only folder" ro "$old" "ro/out" \
    "$FENDAN" sweep "$spec" --out ro/out --force --quiet
  after_failure "shard into a read-only folder" ro "$old" "ro/out" \
    "$FENDAN" sweep "$spec" --out ro/out --shard 1/2 --force --quiet
else
  echo "SKIP: root without permission to mount cannot make a folder read-only to itself; the read-only checks did not run"
fi

echo "faults: $pass passed, $fail failed"
((fail == 0))
