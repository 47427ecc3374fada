#!/usr/bin/env bash
# Issue 5 on the GPU machine in one command:
#   1. the side-by-side benchmark, fused engine against the PyTorch peer (softmax and SSA at 16×32 and 128×64);
#   2. where a fused step's GPU time goes (GPU timestamps per dispatch) at both shapes;
#   3. a literal 10,000-step BabyBERTa pretraining run on AO-CHILDES with the fused engine, wall time measured;
#   4. holistic probe throughput of that checkpoint, fused engine against HF RobertaForMaskedLM on the same suite.
# Prepared here with:
#   npx tsc -p tsconfig.gpu.json && bash ../shared/gpu/make-bundle.sh
#   npx babyssa probes generate --tokenizer .data/ao-tokenizer.json --corpus .data/aochildes.txt --pairs 2000 --seed 1 --out .data/ao-suite
#   bash .gpu/run.sh bash bench/gpu/issue5.sh            (carry .gpu .gpu-build .data)
set -uo pipefail
work=/tmp/issue5
mkdir -p "$work"
trap 'tar -C "$work" -czf "$OUT/issue5.tar.gz" .' EXIT
cli="node .gpu-build/src/cli/main.js"
run=checkpoints/ao-fused-10k
log() { echo "== $* ($(date -u +%H:%M:%S))" | tee -a "$work/log.txt" >&2; }
{ node --version; nvidia-smi --query-gpu=name,driver_version --format=csv,noheader; python3 -c 'import torch, transformers; print("torch", torch.__version__, "transformers", transformers.__version__)'; git rev-parse --short HEAD 2>/dev/null; } > "$work/versions.txt" 2>&1

log "side by side: fused engine vs PyTorch eager"
OUT=$work ENGINE=fused STEPS=${STEPS:-200} PEER_STEPS=${PEER_STEPS:-200} WARMUP=10 OURS="node .gpu-build/bench/train.js" \
  bash bench/peer/side-by-side.sh 2>&1 | grep -v '^{' | tail -20 >&2

for shape in 16x32 128x64; do
  log "profile softmax $shape"
  node .gpu-build/bench/fused-profile.js --preset babyberta --batch "${shape%x*}" --seq "${shape#*x}" --steps 50 2>&1 | tee -a "$work/profile.txt" | head -12 >&2
done

log "fused pretrain, 10,000 steps"
rm -rf "$run"
began=$(date +%s.%N)
$cli pretrain --preset babyberta --backend webgpu --engine fused --corpus .data/aochildes.txt --tokenizer .data/ao-tokenizer.json \
  --steps 10000 --warmup-steps 1000 --save-every 5000 --out "$run" 2>&1 | tr '\r' '\n' | tail -4 | tee "$work/pretrain.log" >&2
ended=$(date +%s.%N)
python3 -c "s = $ended - $began; print(f'10000 steps in {s:.1f} s wall (process start to exit, incl. compilation and 2 checkpoints); 160K projected {16 * s / 60:.1f} min')" | tee "$work/pretrain-wall.txt" >&2
cp "$run/metrics.jsonl" "$work/"

log "probe, fused engine"
$cli probe --checkpoint "$run" --suite .data/ao-suite --backend webgpu --engine fused --batch-size 64 --out "$work/probe-fused" 2>&1 | tr '\r' '\n' | tail -16 | tee "$work/probe-fused.txt" >&2
log "probe, PyTorch"
$cli export --checkpoint "$run" --format hf --out /tmp/exported-10k --overwrite >&2
python3 bench/peer/score_peer.py /tmp/exported-10k .data/ao-suite --batch-size 64 --json 2>&1 | grep -v Loading | tail -3 | tee "$work/probe-pytorch.txt" >&2
log done
