#!/usr/bin/env bash
# Issue 4's side-by-side benchmark in ONE command on the GPU machine: babyssa's bench/train.ts (webgpu, babyberta)
# and the PyTorch peer (bench/peer/train_peer.py) for softmax and SSA at 16×32 and 128×64, then a markdown table
# with the ratio babyssa/PyTorch in tokens/s, ready for bench/RESULTS.md.
#
#   BUNDLE_DEV=1 bash ../shared/gpu/make-bundle.sh            # here: the bundle with tsx, which runs bench/train.ts
#   bash .gpu/run.sh bash bench/peer/side-by-side.sh          # on the GPU machine (carry .gpu); JSON lands in $OUT
#
# Settings (environment): STEPS (babyssa timed steps, default 30), PEER_STEPS (default 200), WARMUP (default 5),
# ENGINE (tfjs | fused, default tfjs), OURS (how to start our bench, default "tsx bench/train.ts"), BACKEND (default
# webgpu), PRESET (default babyberta) and PYTHON (default python3): the last three for a dry run on a CPU machine.
set -euo pipefail
cd "$(dirname "$0")/../.."
STEPS=${STEPS:-30}
PEER_STEPS=${PEER_STEPS:-200}
WARMUP=${WARMUP:-5}
ENGINE=${ENGINE:-tfjs}
OURS=${OURS:-tsx bench/train.ts}
BACKEND=${BACKEND:-webgpu}
PRESET=${PRESET:-babyberta}
PYTHON=${PYTHON:-python3}
dir=${OUT:-$(mktemp -d)}/side-by-side
mkdir -p "$dir"

# The last line of a command's output that is a JSON object, saved to a file.
last_json() { grep '^{' | tail -1 > "$1"; test -s "$1" || { echo "side-by-side: no JSON line for $1" >&2; exit 1; }; }

for attention in softmax ssa; do
  for shape in 16x32 128x64; do
    batch=${shape%x*}
    seq=${shape#*x}
    echo "== babyssa $ENGINE/$BACKEND $attention $shape" >&2
    $OURS --backend "$BACKEND" --engine "$ENGINE" --preset "$PRESET" --attention "$attention" --batch "$batch" --seq "$seq" \
      --steps "$STEPS" --warmup "$WARMUP" --json | tee /dev/stderr | last_json "$dir/babyssa-$attention-$shape.json"
    echo "== pytorch $attention $shape" >&2
    # bench/train.ts's SSA: n = 1.5 learned per layer, b = 0.8 fixed
    "$PYTHON" bench/peer/train_peer.py --preset "$PRESET" --attention "$attention" --batch "$batch" --seq "$seq" \
      --ssa-n 1.5 --ssa-n-trainable --ssa-b 0.8 --steps "$PEER_STEPS" --warmup "$WARMUP" --json \
      | tee /dev/stderr | last_json "$dir/pytorch-$attention-$shape.json"
  done
done

{
  echo "node $(node --version)"
  nvidia-smi --query-gpu=name,driver_version --format=csv,noheader 2>/dev/null || echo "no nvidia-smi"
  git rev-parse --short HEAD 2>/dev/null || echo "commit unknown"
} > "$dir/versions.txt"
"$PYTHON" bench/peer/table.py "$dir" --command "bash .gpu/run.sh bash bench/peer/side-by-side.sh" \
  --settings "preset $PRESET, backend $BACKEND, engine $ENGINE, $STEPS timed steps (PyTorch $PEER_STEPS), $WARMUP warm-up steps" | tee "$dir/table.md"
