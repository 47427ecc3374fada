#!/usr/bin/env bash
# Issue 5 on the GPU machine in one command: the fused engine pretraining BabyBERTa on AO-CHILDES for a fixed
# time (steps/s with everything a real run does: data, masking, loss read-back, checkpoints), then holistic
# probe throughput of that checkpoint with the fused engine against HF RobertaForMaskedLM on the same suite.
#   npx tsc -p tsconfig.gpu.json && bash ../shared/gpu/make-bundle.sh
#   npx babyssa probes generate --tokenizer .data/ao-tokenizer.json --corpus .data/aochildes.txt --pairs 2000 --seed 1 --out .data/ao-suite
#   bash .gpu/run.sh bash bench/gpu/issue5.sh            (carry .gpu .gpu-build .data)
set -uo pipefail
work=/tmp/issue5
mkdir -p "$work"
trap 'tar -C "$work" -czf "$OUT/issue5.tar.gz" .' EXIT
cli="node .gpu-build/src/cli/main.js"
run=checkpoints/ao-fused
log() { echo "== $* ($(date -u +%H:%M:%S))" | tee -a "$work/log.txt" >&2; }
log "fused pretrain, ${MINUTES:-1.5} minutes"
rm -rf "$run"
$cli pretrain --preset babyberta --backend webgpu --engine fused --corpus .data/aochildes.txt --tokenizer .data/ao-tokenizer.json \
  --steps 10000 --warmup-steps 1000 --save-every 2500 --max-minutes "${MINUTES:-1.5}" --out "$run" 2>&1 | tr '\r' '\n' | tail -5 | tee "$work/pretrain.log" >&2
cp "$run/metrics.jsonl" "$work/"
log "probe, fused engine"
$cli probe --checkpoint "$run" --suite .data/ao-suite --backend webgpu --engine fused --batch-size 64 --out "$work/probe-fused" 2>&1 | tr '\r' '\n' | tail -16 | tee "$work/probe-fused.txt" >&2
log "probe, PyTorch"
$cli export --checkpoint "$run" --format hf --out /tmp/exported >&2
python3 bench/peer/score_peer.py /tmp/exported .data/ao-suite --batch-size 64 --json 2>&1 | grep -v Loading | tail -3 | tee "$work/probe-pytorch.txt" >&2
log done
