#!/usr/bin/env bash
# Issue 4 on the GPU machine, in two commands that run back to back on one warm machine:
#   part1: parity of exported tiny checkpoints with transformers (CUDA), BabyBERTa pretraining on AO-CHILDES
#          over WebGPU until --max-minutes, then the side-by-side benchmark against the PyTorch peer;
#   part2: --resume of that run for more steps, probing it on WebGPU, exporting it and checking its logits
#          against transformers at babyberta size.
# Everything it reports lands in one archive under $OUT (the machine returns at most 8 files).
# Prepared here with: npx tsc -p tsconfig.gpu.json && bash ../shared/gpu/make-bundle.sh; .data/ holds the corpus
# and its tokenizer, .gpu-carry/ the tiny exports and their logits (see bench/RESULTS.md for the exact commands).
#   bash .gpu/run.sh bash bench/gpu/issue4.sh part1    (carry .gpu .gpu-build .data .gpu-carry)
set -uo pipefail
part=${1:?part1 or part2}
work=/tmp/issue4-$part
mkdir -p "$work"
trap 'tar -C "$work" -czf "$OUT/$part.tar.gz" . ; ls -la "$OUT" >&2' EXIT
cli="node .gpu-build/src/cli/main.js"
run=checkpoints/ao-babyberta-softmax
minutes=${MINUTES:-3}
log() { echo "== $* ($(date -u +%H:%M:%S))" | tee -a "$work/log.txt" >&2; }
{ node --version; nvidia-smi --query-gpu=name,driver_version --format=csv,noheader; python3 -c 'import torch, transformers; print("torch", torch.__version__, "transformers", transformers.__version__)'; git rev-parse --short HEAD 2>/dev/null; } > "$work/versions.txt" 2>&1

pretrain() {
  $cli pretrain --preset babyberta --backend webgpu --corpus .data/aochildes.txt --tokenizer .data/ao-tokenizer.json \
    --steps 2000 --warmup-steps 100 --save-every 100 --max-minutes "$minutes" --out "$run" "$@" 2>&1 | tr '\r' '\n' | tee "$work/pretrain.log" >&2
  cp "$run/metrics.jsonl" "$run/argv.txt" "$work/" 2>/dev/null
}

if [ "$part" = part1 ]; then
  for model in tiny-softmax tiny-ssa; do
    log "parity $model"
    python3 bench/peer/parity.py ".gpu-carry/$model-hf" ".gpu-carry/$model-logits-wasm.safetensors" --device cuda 2>&1 | tee "$work/parity-$model.txt" >&2
  done
  log "pretrain babyberta (part 1)"
  rm -rf "$run"
  pretrain
  log "side by side"
  OUT=$work STEPS=${STEPS:-20} PEER_STEPS=${PEER_STEPS:-100} OURS="node .gpu-build/bench/train.js" bash bench/peer/side-by-side.sh 2>&1 | tail -40 >&2
  for attention in softmax ssa; do
    for shape in 16x32 128x64; do
      log "fused $attention $shape"
      node .gpu-build/bench/train.js --backend webgpu --engine fused --preset babyberta --attention "$attention" \
        --batch "${shape%x*}" --seq "${shape#*x}" --steps 100 --warmup 10 --json 2>&1 | grep '^{' | tail -1 > "$work/side-by-side/fused-$attention-$shape.json"
    done
  done
else
  log "pretrain babyberta (part 2, resumed)"
  pretrain --resume ${PART2_FLAGS:-}
  log "probe"
  $cli probe --checkpoint "$run" --suite "${SUITE:-.data/ao-suite}" --backend webgpu --out "$work/probe" --json > "$work/probe-summary.json" 2> >(tr '\r' '\n' | tail -40 >&2)
  log "export + parity at babyberta size"
  $cli export --checkpoint "$run" --format hf --out /tmp/exported >&2
  node .gpu-build/bench/peer/dump-logits.js --checkpoint /tmp/exported --backend webgpu --out /tmp/logits-webgpu.safetensors 2>&1 | tail -2 >&2
  python3 bench/peer/parity.py /tmp/exported /tmp/logits-webgpu.safetensors --device cuda 2>&1 | tee "$work/parity-babyberta-softmax.txt" >&2
  log "fused parity at babyberta size"
  node .gpu-build/bench/fused-parity.js --preset babyberta --batch 16 --seq 32 --reference-backend webgpu --steps 50 2>&1 | tail -30 | tee "$work/fused-parity.txt" >&2
fi
if [ "$part" = part2 ]; then
  log "tfjs webgpu vs tfjs cpu at babyberta size"
  node .gpu-build/bench/fused-parity.js --engine tfjs --backend webgpu --reference-backend cpu --preset babyberta --batch 16 --seq 32 --steps 0 2>&1 | tail -8 | tee "$work/webgpu-vs-cpu.txt" >&2
fi
log done
