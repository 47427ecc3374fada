#!/usr/bin/env bash
# Issue 10's grid benchmark in ONE command on one GPU: babyssa's bench/lockstep.ts (K models per dispatch; babyberta,
# batch 16×32, softmax and SSA mixed) at K = 1, 3, 9, 15 and at 128×64, then the PyTorch peers at the same shapes
# (bench/peer/grid_peer.py): eager one model at 16×32 and 128×64; torch.compile one model (softmax, ssa-1.5); 9 compiled
# processes at once; the torch.func vmap ensemble at K = 1, 3, 9, 15 (one ensemble, and at K = 9 one per attention
# function). Then bench/peer/grid_table.py's markdown table. The order puts the compiled runs (the issue's best PyTorch
# grid) before the vmap ones, so a slow compilation can cost only the tail.
#
#   npx tsc -p tsconfig.gpu.json && bash ../shared/gpu/make-bundle.sh   # dev machine: our bench as JavaScript, the bundle
#   bash .gpu/run.sh bash bench/peer/grid-side-by-side.sh              # GPU machine (carry .gpu .gpu-build)
#   bash bench/peer/grid-side-by-side.sh --dry-run                     # a CPU machine with torch and transformers
#
# Every stage runs under a time limit that keeps the whole inside BUDGET_S (one GPU command may run 600 s), its wall
# time goes to the log, and a stage that fails does not stop the others. Under $OUT/grid (8 files at most come back
# from the GPU machine): log.txt; table.md and results.jsonl (every measurement), both rewritten after each stage so a
# command cut short keeps what it measured; grid.tar.gz (every JSON and every stage's full log), written at the end.
# Settings (environment): OURS (how to start our bench, default "node .gpu-build/bench/lockstep.js"; empty: skip it),
# PYTHON (python3), BUDGET_S (530), STEPS (ours, 300), PEER_STEPS (eager and vmap, 200), COMPILE_STEPS (each compiled
# run, 2000: the 9 processes must overlap), WARMUP (10), PROCESSES (9), KS (the K values of ours and of the vmap ensemble, 1,3,9,15), DEVICE (grid_peer's default).
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
dry=0
[ "${1:-}" = --dry-run ] && dry=1
if [ $dry = 1 ]; then  # tiny preset on the CPU, a few steps: the plumbing, not the speed
  : "${PRESET:=tiny}" "${DEVICE:=cpu}" "${STEPS:=3}" "${PEER_STEPS:=3}" "${COMPILE_STEPS:=3}" "${WARMUP:=2}"
  : "${PROCESSES:=3}" "${KS:=1,3}" "${BUDGET_S:=3000}" "${OURS=npx tsx bench/lockstep.ts}"
fi
PRESET=${PRESET:-babyberta}
OURS=${OURS-node .gpu-build/bench/lockstep.js}
PYTHON=${PYTHON:-python3}
BUDGET_S=${BUDGET_S:-530}  # one GPU command may run 600 s; .gpu/run.sh takes some first
STEPS=${STEPS:-300}
PEER_STEPS=${PEER_STEPS:-200}
COMPILE_STEPS=${COMPILE_STEPS:-2000}
WARMUP=${WARMUP:-10}
PROCESSES=${PROCESSES:-9}
KS=${KS:-1,3,9,15}
RESERVE_S=15  # kept back for the table and the archive
export PYTHONUNBUFFERED=1
work=$(mktemp -d /tmp/grid.XXXXXX)
out=${OUT:-$work/out}/grid
mkdir -p "$out" "$work/logs"
t0=$(date +%s)
peer=("$PYTHON" bench/peer/grid_peer.py --preset "$PRESET" --warmup "$WARMUP" ${DEVICE:+--device "$DEVICE"})

log() { echo "== $* (t = $(( $(date +%s) - t0 )) s, $(date -u +%H:%M:%S))" | tee -a "$out/log.txt" >&2; }
publish() {
  "$PYTHON" bench/peer/grid_table.py "$work" --jsonl "$out/results.jsonl" > "$out/table.md" 2>> "$out/log.txt" \
    || log "grid_table.py failed (see log.txt)"
}
finish() { publish; tar -C "$work" --exclude=./out -czf "$out/grid.tar.gz" . ; }
trap finish EXIT
trap 'exit 143' TERM INT  # so that a stopped command still writes the table and the archive

# stage NAME CAP_S MIN_S COMMAND...: COMMAND with its output in logs/NAME.log, for at most CAP_S seconds and never past
# the budget; skipped when fewer than MIN_S seconds are left. Appends NAME, exit code and seconds to stages.tsv.
stage() {
  local name=$1 cap=$2 min=$3
  shift 3
  local left=$(( BUDGET_S - RESERVE_S - ($(date +%s) - t0) ))
  local limit=$(( cap < left ? cap : left ))
  if [ "$limit" -lt "$min" ]; then
    log "$name: skipped, ${left} s of the budget left (it needs ${min})"
    printf '%s\tskipped\t0\n' "$name" >> "$work/stages.tsv"
    return 1
  fi
  log "$name: start, limit ${limit} s"
  local began rc=0
  began=$(date +%s)
  timeout -k 5 "$limit" "$@" > "$work/logs/$name.log" 2>&1 || rc=$?
  local took=$(( $(date +%s) - began ))
  printf '%s\t%s\t%s\n' "$name" "$rc" "$took" >> "$work/stages.tsv"
  if [ $rc = 0 ]; then
    log "$name: ok in ${took} s"
    grep -E '^(pytorch|process|[a-z]+/)|steps/s' "$work/logs/$name.log" | tail -n 6 | tee -a "$out/log.txt" >&2
  else
    log "$name: FAILED, exit $rc$([ $rc = 124 ] && echo ' (time limit)') after ${took} s; its last lines:"
    tail -n 25 "$work/logs/$name.log" | tee -a "$out/log.txt" >&2
  fi
  publish
  return $rc
}

{
  echo "node $(node --version 2>/dev/null || echo absent)"
  nvidia-smi --query-gpu=name,driver_version --format=csv,noheader 2>/dev/null || echo "no nvidia-smi"
  "$PYTHON" -c 'import torch, transformers; print("torch", torch.__version__, "transformers", transformers.__version__)' 2>&1 | tail -1
  git rev-parse --short HEAD 2>/dev/null || echo "commit unknown"
} > "$work/versions.txt"
log "grid side by side: preset $PRESET, budget ${BUDGET_S} s; $(tr '\n' ';' < "$work/versions.txt")"

read -ra ours <<< "$OURS"  # a command line: words
if [ ${#ours[@]} -gt 0 ]; then
  stage ours-16x32 180 30 "${ours[@]}" --preset "$PRESET" --batch 16 --seq 32 --k "$KS" --steps "$STEPS" --json "$work/ours-16x32.json"
  stage ours-128x64 90 20 "${ours[@]}" --preset "$PRESET" --batch 128 --seq 64 --k 1 --steps "$STEPS" --json "$work/ours-128x64.json"
  for shape in 16x32 128x64; do  # a bench that printed its JSON rather than writing the file: its last JSON line
    line=$(grep -E '^[[{]' "$work/logs/ours-$shape.log" 2>/dev/null | tail -n 1)
    [ -s "$work/ours-$shape.json" ] || [ -z "$line" ] || echo "$line" > "$work/ours-$shape.json"
  done
else
  log "ours: skipped (OURS is empty)"
fi
for run in softmax:16:32 ssa-1.5:16:32 softmax:128:64; do
  IFS=: read -r attention batch seq <<< "$run"
  stage "eager-$attention-${batch}x$seq" 60 20 "${peer[@]}" --mode eager --attention "$attention" --batch "$batch" \
    --seq "$seq" --steps "$PEER_STEPS" --json "$work/eager-$attention-${batch}x$seq.json"
done
# One compiled model each for softmax and SSA: measurements, and Inductor's on-disk cache filled for the processes.
compiled=0
for attention in softmax ssa-1.5; do
  stage "compile-$attention-16x32" 180 60 "${peer[@]}" --mode compile --attention "$attention" --steps "$COMPILE_STEPS" \
    --json "$work/compile-$attention-16x32.json" && compiled=$((compiled + 1))
done
if [ $compiled -gt 0 ]; then
  stage "compile-${PROCESSES}-processes" 200 90 "${peer[@]}" --mode compile --attention mixed --processes "$PROCESSES" \
    --steps "$COMPILE_STEPS" --json "$work/processes-compile-{i}.json"
else
  log "compile-${PROCESSES}-processes: skipped, no single compiled run succeeded"
fi
# The vmap ensemble writes each K as it finishes, so a stage cut short at its limit keeps the Ks it measured.
stage vmap-select 150 30 "${peer[@]}" --mode vmap --attention mixed --mixing select --k "$KS" \
  --steps "$PEER_STEPS" --json "$work/vmap-select-k{k}.json"
stage vmap-split-k9 60 30 "${peer[@]}" --mode vmap --attention mixed --mixing split --k 9 --steps "$PEER_STEPS" \
  --json "$work/vmap-split-k{k}.json"

log "done; table in $out/table.md"
publish
cat "$out/table.md"
