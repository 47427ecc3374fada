#!/usr/bin/env bash
# Issue 4 on the GPU machine, in two commands that run back to back on one warm machine:
#   part1: BabyBERTa pretraining on AO-CHILDES over WebGPU until --max-minutes (MINUTES) saves and exits;
#   part2: --resume of that run to its last step, probing it on WebGPU, exporting it and checking its logits
#          against transformers, and tfjs webgpu against tfjs cpu, at babyberta size.
# The side-by-side benchmark against the PyTorch peer is bench/gpu/issue5.sh.
# Everything it reports lands in one archive under $OUT (the machine returns at most 8 files).
# Prepared here with: npx tsc -p tsconfig.gpu.json && bash ../shared/gpu/make-bundle.sh; .data/ holds the corpus,
# its tokenizer and a probe suite for it (see bench/RESULTS.md for the exact commands).
#   MINUTES=0.25 bash .gpu/run.sh bash bench/gpu/issue4.sh part1    (carry .gpu .gpu-build .data)
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
    --steps "${STEPS:-4000}" --warmup-steps 400 --save-every 500 --max-minutes "$minutes" --out "$run" "$@" 2>&1 | tr '\r' '\n' | tee "$work/pretrain.log" >&2
  cp "$run/metrics.jsonl" "$run/argv.txt" "$run/trainer_state.json" "$work/" 2>/dev/null
}

if [ "$part" = part1 ]; then
  log "pretrain babyberta (part 1: stops at --max-minutes and saves)"
  rm -rf "$run"
  pretrain
else
  # Issue 5's 200-step check (fused vs the tfjs reference on WebGPU, babyberta) runs beside part 2: nothing here is timed.
  node .gpu-build/bench/fused-parity.js --preset babyberta --batch 8 --seq 16 --reference-backend webgpu --steps 200 --json \
    > "$work/fused-parity-200.txt" 2>&1 &
  parity=$!
  log "pretrain babyberta (part 2: --resume to the end)"
  pretrain --resume
  log "probe"
  $cli probe --checkpoint "$run" --suite "${SUITE:-.data/ao-suite}" --backend webgpu --out "$work/probe" --json > "$work/probe-summary.json" 2> >(tr '\r' '\n' | tail -40 >&2)
  log "export + parity with transformers at babyberta size"
  $cli export --checkpoint "$run" --format hf --out /tmp/exported >&2
  node .gpu-build/bench/peer/dump-logits.js --checkpoint /tmp/exported --backend webgpu --out /tmp/logits-webgpu.safetensors 2>&1 | tail -2 >&2
  python3 bench/peer/parity.py /tmp/exported /tmp/logits-webgpu.safetensors --device cuda 2>&1 | tee "$work/parity-babyberta-softmax.txt" >&2
  log "tfjs webgpu vs tfjs cpu at babyberta size"
  node .gpu-build/bench/fused-parity.js --engine tfjs --backend webgpu --reference-backend cpu --preset babyberta \
    --batch "${CHECK_BATCH:-8}" --seq "${CHECK_SEQ:-16}" --steps 0 2>&1 | tail -8 | tee "$work/webgpu-vs-cpu.txt" >&2
  log "waiting for the 200-step fused parity"
  wait "$parity"
  tail -6 "$work/fused-parity-200.txt" >&2
fi
log done
