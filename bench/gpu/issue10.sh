#!/usr/bin/env bash
# Issue 10 on the GPU machine: the lockstep engine's own measurements (part "engine") and a short check that
# every PyTorch peer runs there (part "peers-smoke"); the side-by-side table itself is
# bench/peer/grid-side-by-side.sh. Prepared here with:
#   npx tsc -p tsconfig.gpu.json && bash ../shared/gpu/make-bundle.sh
#   bash .gpu/run.sh bash bench/gpu/issue10.sh engine peers-smoke      (carry .gpu .gpu-build)
# What comes back: $OUT/issue10-log.txt (each measurement's tail) and $OUT/issue10-files.tar.gz (every output file).
set -uo pipefail
work=/tmp/issue10
mkdir -p "$work"
trap 'cp "$work/log.txt" "$OUT/issue10-log.txt"; tar -C "$work" -czf "$OUT/issue10-files.tar.gz" .' EXIT
log() { echo "== $* ($(date -u +%H:%M:%S))" | tee -a "$work/log.txt" >&2; }
run() { # name, command…: the command's output to name.txt, its tail to the log
  local name=$1; shift
  local began=$SECONDS
  "$@" > "$work/$name.txt" 2>&1
  local code=$?
  tail -n 12 "$work/$name.txt" | tr '\r' '\n' | tail -n 12 >> "$work/log.txt"
  log "$name: exit $code, $((SECONDS - began)) s"
}
bench() { node ".gpu-build/bench/$1.js" "${@:2}"; }
{ node --version; nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
  python3 -c 'import torch, transformers; print("torch", torch.__version__, "transformers", transformers.__version__)'; } > "$work/versions.txt" 2>&1

for part in "$@"; do
  case $part in
    engine)
      run lockstep-16x32 bench lockstep --preset babyberta --batch 16 --seq 32 --k 1,3,9,15 --steps 300 --json "$work/lockstep-16x32.json"
      run lockstep-16x32-k9-small-tiles bench lockstep --preset babyberta --batch 16 --seq 32 --k 9 --steps 300 --no-large-tiles
      run lockstep-128x64 bench lockstep --preset babyberta --batch 128 --seq 64 --k 1 --steps 100
      run lockstep-128x64-small-tiles bench lockstep --preset babyberta --batch 128 --seq 64 --k 1 --steps 100 --no-large-tiles
      run profile-k9 bench fused-profile --preset babyberta --batch 16 --seq 32 --k 9 --attention mixed
      run profile-k1 bench fused-profile --preset babyberta --batch 16 --seq 32 --k 1
      run profile-128x64 bench fused-profile --preset babyberta --batch 128 --seq 64 --k 1
      run lockstep-parity bench lockstep-parity --preset babyberta --batch 16 --seq 32 --k 4 --steps 200
      run fused-parity-dropout bench fused-parity --preset babyberta --batch 16 --seq 32 --reference-backend webgpu --steps 200 --dropout 0.1
      ;;
    peers-smoke)
      export PYTHONUNBUFFERED=1
      run peer-eager timeout 120 python3 bench/peer/grid_peer.py --mode eager --attention ssa-1.5 --steps 30 --warmup 3
      run peer-compile timeout 240 python3 bench/peer/grid_peer.py --mode compile --attention ssa-1.5 --k 1 --steps 50 --warmup 5
      run peer-compile-2proc timeout 240 python3 bench/peer/grid_peer.py --mode compile --attention mixed --processes 2 --steps 50 --warmup 5 --json "$work/peer-compile-proc{i}.json"
      run peer-vmap timeout 120 python3 bench/peer/grid_peer.py --mode vmap --attention mixed --k 3 --steps 10 --warmup 2
      ;;
    *) log "unknown part $part"; exit 2 ;;
  esac
done
log done
