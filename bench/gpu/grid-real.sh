#!/usr/bin/env bash
# Issue 10's real-data target in ONE GPU command: the 15-run lockstep grid (softmax, ssa-1.5, ssa-2 × 5 seeds) on
# AO-CHILDES with BabyBERTa's tokenizer, 160K-step schedule, probed on the 23 Zorro files, trained as one unit of 15
# (`sweep --lockstep 15`) for MINUTES of training (`--max-minutes`: every run saves and the unit exits 0), then the
# whole grid's wall time projected from it (bench/grid-projection.ts: start-up + 160K steps at the measured rate +
# 8 probe passes of the measured length). Probing every PROBE_EVERY (default 5,000) steps inside the window only
# serves to time a pass; the projection counts the 8 passes of a 20K interval.
#
#   dev machine:  mkdir -p .data && cp ../shared/data/aochildes/aochildes_partial.txt .data/aochildes.txt &&
#                 cp ../shared/data/babyberta_tokenizer/tokenizer.json .data/babyberta-tokenizer.json &&
#                 cp -r ../shared/data/zorro .data/zorro && npx tsc -p tsconfig.gpu.json && bash ../shared/gpu/make-bundle.sh
#   GPU machine:  bash .gpu/run.sh bash bench/gpu/grid-real.sh          (carry .gpu .gpu-build .data)
#
# Under $OUT: sweep.log (the sweep's stderr, progress bars dropped), projection.txt and projection.json, sweep.json,
# grid.tar.gz (every run's metrics.jsonl, argv.txt, config and probe summaries; no checkpoints).
# Settings (environment): MINUTES (7.5: one command may run 600 s, start-up and the final save included), LOCKSTEP
# (15), PROBE_EVERY (5000), SAVE_EVERY (10000: 16 saves of 15 × ~100 MB in a whole run), CORPUS, TOKENIZER, SUITE;
# for a dry run of the plumbing on a CPU: PRESET=tiny BACKEND=wasm ENGINE=tfjs CLI="npx tsx src/cli/main.ts"
# PROJECT="npx tsx bench/grid-projection.ts" (and a small SUITE, a corpus and tokenizer that fit the tiny preset).
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
cli=${CLI:-node .gpu-build/src/cli/main.js}
project=${PROJECT:-node .gpu-build/bench/grid-projection.js}
root=/tmp/grid-real
rm -rf "$root"
$cli sweep --name grid --root "$root" --attention softmax,ssa-1.5,ssa-2 --seeds 5 --lockstep "${LOCKSTEP:-15}" \
  --preset "${PRESET:-babyberta}" --backend "${BACKEND:-webgpu}" --engine "${ENGINE:-fused}" --steps 160000 --save-every "${SAVE_EVERY:-10000}" \
  --corpus "${CORPUS:-.data/aochildes.txt}" --tokenizer "${TOKENIZER:-.data/babyberta-tokenizer.json}" \
  --probe-suite "${SUITE:-.data/zorro}" --probe-every "${PROBE_EVERY:-5000}" --max-minutes "${MINUTES:-7.5}" \
  2>&1 | tr '\r' '\n' | grep -v '^step [0-9]' | tee "$OUT/sweep.log" >&2
$project "$root/grid" --steps 160000 --probe-every 20000 | tee "$OUT/projection.txt"
$project "$root/grid" --steps 160000 --probe-every 20000 --json > "$OUT/projection.json"
cp "$root/grid/sweep.json" "$OUT/"
# Checkpoints and per-pair items stay behind (GBs; at most 16 MiB per file comes back).
tar -C "$root" --exclude='*.safetensors' --exclude='tokenizer.json' --exclude='items.jsonl' -czf "$OUT/grid.tar.gz" grid
