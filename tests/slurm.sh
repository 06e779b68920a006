#!/usr/bin/env bash
# tests/slurm.sh — end-to-end test of sharded sweeps on a real single-node Slurm.
#
#   bash tests/slurm.sh            (run by .ci/run; needs root and apt-get)
#
# 1. builds the release binary and starts a local Slurm (tools/slurm/local-slurm.sh);
# 2. runs the small sweep in one process (the reference);
# 3. submits it as a job array of N shards (tools/slurm/sweep.sbatch) plus an afterok
#    `fendan merge` job, waits (bounded), and compares points.csv and summary.csv with
#    the reference byte for byte;
# 4. preemption: runs shard 1 through Slurm, SIGKILLs shard 2 midway, checks that no
#    part file is left for shard 2 and that `merge` refuses (exit 2, naming shard 2),
#    resubmits all N shards, checks shard 1 was skipped (its part untouched), merges
#    and compares again (no missing or duplicate points).
# Ends with `slurm: P passed, F failed`; exits 1 if anything failed. Stops the local
# Slurm at the end unless it was already running before the test.
# Skips (exit 0, saying so) only when the Slurm packages cannot be installed.
#
# Environment:
#   FENDAN                    binary to test (default: build target/release/fendan)
#   FENDAN_SLURM_TEST_SHARDS  N                                  [3]
#   FENDAN_SLURM_TEST_WAIT    seconds allowed for each Slurm wait [600]
#   FENDAN_SLURM_TEST_SPEC    sweep spec   [tests/data/sweep/small.yaml, else small-slurm.yaml]
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
local_slurm=$root/tools/slurm/local-slurm.sh
sbatch_script=$root/tools/slurm/sweep.sbatch
n=${FENDAN_SLURM_TEST_SHARDS:-3}
wait_limit=${FENDAN_SLURM_TEST_WAIT:-600}

passed=0 failed=0
ok() { passed=$((passed + 1)); echo "ok   $*"; }
not_ok() { failed=$((failed + 1)); echo "FAIL $*"; }
# check DESCRIPTION CMD...: one counted check.
check() {
  local what=$1
  shift
  if "$@"; then ok "$what"; else not_ok "$what"; fi
}
summary() { echo "slurm: $passed passed, $failed failed"; }
abort() {
  not_ok "$*"
  summary
  exit 1
}

# --- the binary and the spec -----------------------------------------------------

if [[ -z ${FENDAN:-} ]]; then
  echo "== cargo build --release"
  cargo build --release --quiet
  FENDAN=${CARGO_TARGET_DIR:-$root/target}/release/fendan
fi
FENDAN=$(realpath "$FENDAN")
export FENDAN # read by sweep.sbatch inside the jobs
if [[ -n ${FENDAN_SLURM_TEST_SPEC:-} ]]; then
  spec=$(realpath "$FENDAN_SLURM_TEST_SPEC")
elif [[ -f tests/data/sweep/small.yaml ]]; then
  spec=$root/tests/data/sweep/small.yaml
else
  spec=$root/tests/data/sweep/small-slurm.yaml
  echo "note: tests/data/sweep/small.yaml not found; using the placeholder $spec"
fi
"$FENDAN" sweep --help >/dev/null 2>&1 || abort "'$FENDAN sweep' is not available (sweep not implemented?)"
"$FENDAN" merge --help >/dev/null 2>&1 || abort "'$FENDAN merge' is not available"

# --- the local cluster -----------------------------------------------------------

was_running=0
bash "$local_slurm" status >/dev/null 2>&1 && was_running=1
work=$(mktemp -d /tmp/fendan-slurm-test.XXXXXX)

on_exit() {
  local rc=$?
  if ((failed > 0 || rc != 0)); then
    echo "-- kept $work for inspection; shard logs:"
    tail -n 5 "$work"/*/logs/*.log "$work"/*.out 2>/dev/null || true
    echo "-- local Slurm logs (tail):"
    tail -n 15 /tmp/fendan-slurm/log/slurmctld.log /tmp/fendan-slurm/log/slurmd.log 2>/dev/null || true
  else
    rm -rf "$work"
  fi
  if ((was_running == 0)); then bash "$local_slurm" stop || true; fi
}
trap on_exit EXIT

echo "== start local Slurm"
rc=0
bash "$local_slurm" start || rc=$?
if ((rc == 3)); then
  echo "slurm: SKIPPED — the Slurm packages cannot be installed on this machine (see above)"
  echo "slurm: 0 passed, 0 failed, 1 skipped"
  exit 0
fi
((rc == 0)) || abort "local Slurm did not start (exit $rc)"
eval "$(bash "$local_slurm" env)"
ok "local Slurm is up ($(sinfo -h -o '%D node, %c CPUs, %t'))"

# --- helpers -----------------------------------------------------------------------

# wait_gone IDS: poll squeue until none of the comma-separated jobs is listed.
wait_gone() {
  local end=$((SECONDS + wait_limit))
  while [[ -n $(squeue -h -j "$1" 2>/dev/null) ]]; do
    if ((SECONDS >= end)); then
      squeue || true
      scancel "${1//,/ }" 2>/dev/null || true
      echo "jobs $1 still queued or running after ${wait_limit}s (cancelled)"
      return 1
    fi
    sleep 0.5
  done
}

# job_states ID: one line per job/array task, "task=K state=S exit=E" (no accounting
# storage here, so scontrol, which keeps finished jobs for MinJobAge=300 s).
job_states() {
  scontrol show job -o "$1" 2>/dev/null | while read -r line; do
    tr ' ' '\n' <<<"$line" | awk -F= '
      $1 == "ArrayTaskId" { t = $2 } $1 == "JobState" { s = $2 } $1 == "ExitCode" { e = $2 }
      END { printf "task=%s state=%s exit=%s\n", (t == "" ? "-" : t), s, e }'
  done | sort
}

# all_completed ID COUNT: COUNT jobs/tasks, all COMPLETED with exit 0:0.
all_completed() {
  local states line
  states=$(job_states "$1")
  while read -r line; do echo "    $line"; done <<<"$states"
  [[ $(grep -c 'state=COMPLETED exit=0:0' <<<"$states") == "$2" &&
    $(wc -l <<<"$states") == "$2" ]]
}

# submit_shards OUT ARRAY: sbatch the array; prints the job id.
submit_shards() {
  sbatch --parsable --array="$2" --cpus-per-task=1 --chdir="$work" \
    --output="$work/%x-%A_%a.out" "$sbatch_script" "$spec" "$1" "$n" | cut -d';' -f1
}

same_file() {
  if cmp "$1" "$2"; then return 0; fi
  echo "    $(wc -l <"$1") lines in $1, $(wc -l <"$2") in $2"
  diff <(head -c 100000 "$1") <(head -c 100000 "$2") | head -n 10 || true
  return 1
}

compare_with_single() { # compare_with_single DIR LABEL
  local f
  for f in points.csv summary.csv; do
    check "$2: $f is byte-identical to the single-process run" same_file "$work/single/$f" "$1/$f"
  done
}

# --- 1. reference: one process ---------------------------------------------------

echo "== single-process sweep of $spec"
t0=$SECONDS
check "single-process sweep runs" timeout 600 "$FENDAN" sweep "$spec" --out "$work/single" --threads 2 --quiet
check "single-process run wrote points.csv and summary.csv" \
  test -s "$work/single/points.csv" -a -s "$work/single/summary.csv"
[[ -s $work/single/points.csv ]] || abort "no reference output: cannot go on"
echo "    $(($(wc -l <"$work/single/points.csv") - 1)) points in $((SECONDS - t0)) s"

# --- 2. job array + afterok merge job ----------------------------------------------

echo "== sbatch --array=1-$n sweep.sbatch, then an afterok merge job"
t0=$SECONDS
out=$work/sharded
arr=$(submit_shards "$out" "1-$n")
merge_job=$(sbatch --parsable --dependency=afterok:"$arr" --kill-on-invalid-dep=yes \
  --job-name=fendan-merge --cpus-per-task=1 --chdir="$work" --output="$work/%x-%j.out" \
  --wrap "'$FENDAN' merge '$out'" | cut -d';' -f1)
echo "    array job $arr, merge job $merge_job"
check "array and merge jobs finish within ${wait_limit}s" wait_gone "$arr,$merge_job"
echo "    done in $((SECONDS - t0)) s"
check "all $n array tasks COMPLETED with exit 0" all_completed "$arr" "$n"
check "merge job COMPLETED with exit 0" all_completed "$merge_job" 1
parts=$(find "$out/parts" -maxdepth 1 -name "part-*-of-$n.csv" 2>/dev/null | wc -l)
check "$n part files written (found $parts)" test "$parts" -eq "$n"
check "shards ran with --threads from SLURM_CPUS_PER_TASK (1)" \
  grep -q -- "--threads 1 " "$out/logs/part-1-of-$n.log"
compare_with_single "$out" "array + merge"

# --- 3. preemption: a shard killed midway, then the whole array resubmitted ---------

echo "== preemption: shard 1 done, shard 2 killed midway, all $n resubmitted"
pre=$work/preempt
first=$(submit_shards "$pre" 1)
check "shard 1 alone finishes within ${wait_limit}s" wait_gone "$first"
check "shard 1 COMPLETED" all_completed "$first" 1
check "shard 1 left its part" test -s "$pre/parts/part-1-of-$n.csv" -a -s "$pre/parts/part-1-of-$n.json"
part1_stat() { stat -c '%i %Y %s' "$pre/parts/part-1-of-$n.csv" "$pre/parts/part-1-of-$n.json"; }
before=$(part1_stat 2>/dev/null || true)

# Kill shard 2 with SIGKILL as soon as it writes anything (or after DELAY s at most);
# if it finished first, remove its part and retry sooner (delay 0: killed on start).
killed=0
for delay in 0.3 0.1 0.03 0.01 0; do
  marker=$work/kill-marker
  touch "$marker"
  sleep 0.01
  "$FENDAN" sweep "$spec" --out "$pre" --shard "2/$n" --threads 1 --quiet &
  pid=$!
  elapsed=0 wrote=
  t_start=$(date +%s.%N)
  while kill -0 "$pid" 2>/dev/null; do
    wrote=$(find "$pre" -newer "$marker" -type f ! -path '*/logs/*' 2>/dev/null | head -n 3)
    elapsed=$(awk -v a="$t_start" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')
    if [[ -n $wrote ]] || awk -v e="$elapsed" -v d="$delay" 'BEGIN { exit !(e >= d) }'; then
      kill -KILL "$pid" 2>/dev/null || true
      break
    fi
    sleep 0.005
  done
  rc=0
  wait "$pid" 2>/dev/null || rc=$? # (no "Killed" job notice)
  # A kill that landed after the part was complete (the shard was exiting) did not
  # stop it midway: count it as finished and retry sooner.
  if ((rc == 137)) && [[ ! -e "$pre/parts/part-2-of-$n.json" ]]; then
    killed=1
    echo "    shard 2 SIGKILLed after ${elapsed}s; it had written: ${wrote:-nothing yet}" | tr '\n' ' '
    echo
    break
  fi
  echo "    shard 2 finished (exit $rc, part complete) before the kill at ${delay}s; retrying sooner"
  rm -f "$pre/parts/part-2-of-$n".*
done
check "shard 2 was killed midway" test "$killed" -eq 1
check "no final part file left for the killed shard 2" \
  test ! -e "$pre/parts/part-2-of-$n.csv" -a ! -e "$pre/parts/part-2-of-$n.json"
leftover=$(find "$pre" -type f ! -path '*/logs/*' ! -name 'part-1-of-*' 2>/dev/null || true)
[[ -n $leftover ]] && echo "    (left by the killed shard: $(echo "$leftover" | tr '\n' ' '))"

merge_out=$work/merge-incomplete.txt
rc=0
"$FENDAN" merge "$pre" >"$merge_out" 2>&1 || rc=$?
sed 's/^/    merge: /' "$merge_out" | head -n 8
check "merge of an incomplete sweep exits 2 (got $rc)" test "$rc" -eq 2
check "merge names the missing shard 2" grep -Eq "(^|[^0-9])2([^0-9]|$)" "$merge_out"
check "merge of an incomplete sweep writes no points.csv" test ! -e "$pre/points.csv"

arr2=$(submit_shards "$pre" "1-$n")
check "resubmitted array finishes within ${wait_limit}s" wait_gone "$arr2"
check "resubmitted $n tasks all COMPLETED" all_completed "$arr2" "$n"
after=$(part1_stat 2>/dev/null || true)
check "finished shard 1 was skipped on the rerun (part untouched)" test -n "$before" -a "$before" == "$after"
check "merge after the rerun succeeds" "$FENDAN" merge "$pre"
compare_with_single "$pre" "killed + rerun + merge"
rows_single=$(wc -l <"$work/single/points.csv")
rows_pre=$(wc -l <"$pre/points.csv" 2>/dev/null || echo 0)
check "no missing or duplicate points ($rows_pre lines, reference $rows_single)" test "$rows_pre" -eq "$rows_single"

summary
((failed == 0))
