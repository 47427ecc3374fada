#!/usr/bin/env bash
# Issue 14 on the GPU machine in one command: `sweep --gpus` pins each unit process to its own GPU below Dawn
# (Mesa's device-select layer under NVIDIA's Vulkan driver), trainer_state.json names the GPU, and, on a host with
# several GPUs, units (lockstep groups) land on different GPUs and aggregate throughput scales.
#   1. the layer, set up without writing to /usr ($XDG_DATA_HOME manifest; libraries the host lacks from .gpu-layer);
#   2. `babyssa gpus --check`: every GPU nvidia-smi lists is pinned and Dawn finds an adapter on it;
#   3. `--gpus 0`: one BabyBERTa run, seen by nvidia-smi on GPU 0's bus, and trainer_state.json records that bus;
#   4. `--gpus all`: finds exactly the GPUs nvidia-smi lists;
#   5. with G ≥ 2 GPUs (G = 2, 4, 8 as present): 2·G BabyBERTa runs of 2,000 steps on G GPUs (--lockstep auto
#      makes them G units of 2, one per GPU) against the same unit of 2 on GPU 0 alone; aggregate steps/s from
#      sweep.json (first start to last finish), target ≥ 1.8× on 2 GPUs, ≥ 3.5× on 4; sweep.json's unit placements
#      name G distinct GPUs; each process's bus sampled from `nvidia-smi --query-compute-apps` while they run (where
#      a container hides the processes from nvidia-smi, the GPUs whose memory.used rose stand in for them).
# Without nvidia-smi (a dev machine on lavapipe) steps 2–5 are skipped, each with a SKIP line, after showing that
# `babyssa gpus` and `sweep --gpus all` refuse in one line. No final probes (--no-final-probe): the timings are
# training alone.
# BabyBERTa runs train on the embedded corpus with the preset's shipped tokenizer (BabyBERTa's own, 8192 tokens).
# Prepared here with:
#   npx tsc -p tsconfig.gpu.json && bash ../shared/gpu/make-bundle.sh && bash bench/gpu/device-select-layer.sh
#   bash .gpu/run.sh bash bench/gpu/issue14.sh            (carry .gpu .gpu-build .gpu-layer)
# Prints PASS/FAIL lines and the scaling table; $OUT/issue14.tar.gz holds the logs, sweep.json files and samples.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
work=/tmp/issue14
OUT=${OUT:-$work/out}
rm -rf "$work" && mkdir -p "$work" "$OUT"
trap 'tar -C "$work" --exclude="*.safetensors" --exclude=out -czf "$OUT/issue14.tar.gz" .' EXIT
cli="node .gpu-build/src/cli/main.js"
log() { echo "== $* ($(date -u +%H:%M:%S))" >&2; }
verdict() { if [ "$1" = 0 ]; then echo "PASS $2"; else echo "FAIL $2"; fi | tee -a "$work/verdicts.txt"; }
json() { node -e "const f = require('fs'); const v = (p) => JSON.parse(f.readFileSync(p, 'utf8')); try { console.log($1) } catch { console.log('missing') }"; }
# A sweep, its log in $work/<name>.log; on failure the log's end goes to stderr.
sweep() { local name=$1; shift; $cli sweep "$@" --root "$work/checkpoints" --name "$name" 2> "$work/$name.log" || { echo "sweep $name failed:" >&2; tail -5 "$work/$name.log" >&2; }; }
bus() { node -e 'const [d, b] = process.argv[1].split(/:(.*)/); console.log(`${parseInt(d, 16).toString(16).padStart(4, "0")}:${b.toLowerCase()}`)' "$1"; }
{ node --version; nvidia-smi --query-gpu=name,driver_version --format=csv,noheader; git rev-parse --short HEAD 2>/dev/null; } > "$work/versions.txt" 2>&1

log "1. device-select layer"
layer=/tmp/gpu-layer
mkdir -p "$layer/share/vulkan/implicit_layer.d" "$layer/root"
cp .gpu-layer/layer/libVkLayer_MESA_device_select.so "$layer/"
sed "s#\"libVkLayer_MESA_device_select.so\"#\"$layer/libVkLayer_MESA_device_select.so\"#" .gpu-layer/layer/VkLayer_MESA_device_select.json \
  > "$layer/share/vulkan/implicit_layer.d/VkLayer_MESA_device_select.json"
export XDG_DATA_HOME="$layer/share"
if ldd "$layer/libVkLayer_MESA_device_select.so" | grep -q 'not found'; then
  for deb in .gpu-layer/debs/*.deb; do dpkg -x "$deb" "$layer/root"; done
  export LD_LIBRARY_PATH="$layer/root/usr/lib/x86_64-linux-gnu:$layer/root/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
fi
ldd "$layer/libVkLayer_MESA_device_select.so" > "$work/layer-ldd.txt"
! grep -q 'not found' "$work/layer-ldd.txt"; verdict $? "layer libraries resolve ($(cat .gpu-layer/layer/VERSION))"

if ! nvidia-smi --query-gpu=index,pci.bus_id,uuid,name --format=csv,noheader > "$work/nvidia-smi.csv" 2> /dev/null; then
  log "no nvidia-smi here: what the CLI says without an NVIDIA GPU"
  $cli gpus 2>&1 | tee "$work/gpus.txt" >&2
  $cli sweep --preset tiny --backend webgpu --steps 5 --seeds 1 --attention softmax --gpus all --root "$work/checkpoints" --name none 2>&1 | tee "$work/none.log" >&2
  for step in "2. gpus --check" "3. --gpus 0" "4. --gpus all" "5. scaling"; do echo "SKIP $step: needs an NVIDIA GPU (nvidia-smi)" | tee -a "$work/verdicts.txt"; done
  exit 0
fi
cat "$work/nvidia-smi.csv" >&2
n=$(grep -c . "$work/nvidia-smi.csv")
bus0=$(bus "$(head -1 "$work/nvidia-smi.csv" | cut -d, -f2 | tr -d ' ')")

log "2. babyssa gpus --check"
$cli gpus --check 2>&1 | tee "$work/gpus-check.txt" >&2
pinned=$(grep -c ' pinned: ' "$work/gpus-check.txt")
[ "$pinned" = "$n" ]; verdict $? "gpus --check: $pinned of $n GPUs pinned (the layer matched the bus and Dawn found an adapter there)"

# Every 0.5 s until stopped: the compute processes and their buses ($1.apps), each GPU's memory.used ($1.mem).
sample() {
  while :; do
    t=$(date +%s.%N)
    nvidia-smi --query-compute-apps=pid,gpu_bus_id,used_memory --format=csv,noheader | sed "s/^/$t, /" >> "$1.apps"
    nvidia-smi --query-gpu=pci.bus_id,memory.used --format=csv,noheader,nounits | sed "s/^/$t, /" >> "$1.mem"
    sleep 0.5
  done
}
# Buses of the GPUs whose memory.used rose more than 500 MiB above its first sample (a BabyBERTa run takes GiBs).
busy() { awk -F', ' '!($2 in first) {first[$2] = $3} $3 - first[$2] > 500 {print $2}' "$1.mem" | sort -u | while read -r b; do bus "$b"; done | tr '\n' ' '; }
babyberta=(--preset babyberta --backend webgpu --engine fused --attention softmax --save-every 0 --log-every 100 --no-final-probe)

log "3. --gpus 0"
sample "$work/samples-pin0" 2>/dev/null & sampler=$!
sweep pin0 "${babyberta[@]}" --steps 1000 --seeds 1 --gpus 0
kill "$sampler"
recorded=$(json "v('$work/checkpoints/pin0/softmax-seed0/step-1000/trainer_state.json').device.gpu?.pci_bus")
[ "$recorded" = "$bus0" ]; verdict $? "--gpus 0: trainer_state.json device.gpu.pci_bus = $recorded, nvidia-smi GPU 0 is $bus0"
seen=$(awk -F', ' '{print $3}' "$work/samples-pin0.apps" | sort -u | while read -r b; do bus "$b"; done | tr '\n' ' ')
if [ -n "$seen" ]; then [ "$seen" = "$bus0 " ]; verdict $? "--gpus 0: nvidia-smi saw the run on bus(es) $seen"
else used=$(busy "$work/samples-pin0"); [ "$used" = "$bus0 " ]; verdict $? "--gpus 0: nvidia-smi lists no processes here; memory rose on ${used:-no GPU}"; fi

log "4. --gpus all"
sweep all --preset tiny --backend webgpu --engine fused --steps 50 --seeds 1 --attention softmax --no-final-probe --gpus all
found=$(grep -c ': pinned adapter' "$work/all.log")
[ "$found" = "$n" ]; verdict $? "--gpus all: pinned $found GPU(s); nvidia-smi lists $n"

if [ "$n" -lt 2 ]; then
  echo "scaling: $n GPU here; the multi-GPU measurement needs a host with 2 or more" | tee -a "$work/verdicts.txt"
  exit 0
fi

# Aggregate steps/s of a sweep from sweep.json: every run's steps over first start to last finish.
throughput() { json "(() => { const m = v('$1/sweep.json'); const t = (k, f) => Math[f](...m.runs.map((r) => Date.parse(r[k])));
  return (m.runs.reduce((s, r) => s + r.step, 0) / ((t('finished_at', 'max') - t('started_at', 'min')) / 1000)).toFixed(1); })()"; }
steps=2000
log "5. scaling: baseline, one unit of 2 runs on GPU 0"
sweep scale1 "${babyberta[@]}" --steps $steps --seeds 2 --gpus 0
base=$(throughput "$work/checkpoints/scale1")
echo "scaling: 1 GPU, 2 runs: $base steps/s" | tee -a "$work/verdicts.txt"
for g in 2 4 8; do
  [ "$g" -le "$n" ] || break
  list=$(seq -s, 0 $((g - 1)))
  log "5. scaling: $((2 * g)) runs on GPUs $list"
  sample "$work/samples-scale$g" 2>/dev/null & sampler=$!
  sweep "scale$g" "${babyberta[@]}" --steps $steps --seeds $((2 * g)) --gpus "$list"
  kill "$sampler"
  rate=$(throughput "$work/checkpoints/scale$g")
  target=$(case $g in 2) echo 1.8;; 4) echo 3.5;; *) echo $((g * 7 / 8));; esac)
  ratio=$(node -e "console.log(($rate / $base).toFixed(2))")
  node -e "process.exit($ratio >= $target ? 0 : 1)"; verdict $? "scaling: $g GPUs, $((2 * g)) runs: $rate steps/s = ${ratio}× one GPU (target ≥ ${target}×)"
  units=$(json "(() => { const u = v('$work/checkpoints/scale$g/sweep.json').units; return u.length + ' units of ' + u.map((x) => x.runs.length).join('+') + ' runs on ' + new Set(u.map((x) => x.placement)).size + ' GPUs'; })()")
  [ "$units" = "$g units of $(seq -s+ 1 "$g" | sed 's/[0-9]\+/2/g') runs on $g GPUs" ]; verdict $? "units: $units (sweep.json)"
  apps="$work/samples-scale$g.apps"
  if [ -s "$apps" ]; then
    buses=$(awk -F', ' '{print $3}' "$apps" | sort -u | grep -c .)
    split=$(awk -F', ' '{print $2, $3}' "$apps" | sort -u | awk '{print $1}' | uniq -d | grep -c .)
    crowd=$(awk -F', ' '{c[$1 " " $3]++} END {m = 0; for (k in c) if (c[k] > m) m = c[k]; print m}' "$apps")
    [ "$buses" = "$g" ] && [ "$split" = 0 ] && [ "$crowd" = 1 ]
    verdict $? "placement: processes seen on $buses of $g buses; $split process(es) on two buses; at most $crowd process(es) on one bus at a time"
  else
    used=$(busy "$work/samples-scale$g"); count=$(echo "$used" | wc -w)
    [ "$count" = "$g" ]; verdict $? "placement: nvidia-smi lists no processes here; memory rose on $count of $g GPUs: $used"
  fi
done
