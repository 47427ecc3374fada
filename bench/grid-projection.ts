// Projects the wall time of a whole lockstep grid from a part of it (issue 10: "a 15-run grid × 160K steps on
// AO-CHILDES in ≤ 45 minutes, probed every 20K steps; project the time from a ≥ 10K-step real run"). Reads a sweep
// folder after a cut-short run (`sweep … --max-minutes M`): each unit's wall time (sweep.json), each run's trained
// steps and training time (metrics.jsonl's last line), and the time of each probe pass (summary.json elapsed_s;
// a group's members share one pass). Then: wall = start-up + steps / (steps per second) + probes × pass time.
//   npx tsx bench/grid-projection.ts SWEEP_DIR [--steps 160000] [--probe-every 20000] [--json]
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { resultsDirForRun } from '../src/probe/output.js';
import type { SweepManifest } from '../src/sweep/manifest.js';

function flag(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
}

const dir = process.argv[2];
if (!dir || dir.startsWith('--')) throw new Error('usage: grid-projection.ts SWEEP_DIR [--steps N] [--probe-every N] [--json]');
const totalSteps = flag('steps', 160_000);
const probeEvery = flag('probe-every', 20_000);
const manifest = JSON.parse(await readFile(join(dir, 'sweep.json'), 'utf8')) as SweepManifest;

interface LastLine {
  step: number;
  elapsed_s: number;
}

const units = [];
for (const unit of manifest.units) {
  const runs = manifest.runs.filter((r) => unit.runs.includes(r.id));
  const last = await Promise.all(runs.map(async (run) => {
    const lines = (await readFile(join(run.out, 'metrics.jsonl'), 'utf8')).trim().split('\n');
    return JSON.parse(lines[lines.length - 1]) as LastLine;
  }));
  // Probe passes by step: the longest member summary of a step is the pass (members share it).
  const passes = new Map<number, number>();
  for (const run of runs) {
    const results = resultsDirForRun(run.out);
    for (const stepDir of await readdir(results).catch(() => [] as string[])) {
      for (const suite of await readdir(join(results, stepDir)).catch(() => [] as string[])) {
        const summary = JSON.parse(await readFile(join(results, stepDir, suite, 'summary.json'), 'utf8')) as { model: { step: number }; elapsed_s: number };
        passes.set(summary.model.step, Math.max(passes.get(summary.model.step) ?? 0, summary.elapsed_s));
      }
    }
  }
  const steps = Math.min(...last.map((l) => l.step));
  const trainingS = Math.max(...last.map((l) => l.elapsed_s));
  const probeS = [...passes.values()];
  const passS = probeS.length > 0 ? probeS.reduce((a, b) => a + b, 0) / probeS.length : NaN;
  // Passes before the last metrics line ran inside the loop's timed span; the final one after it.
  const inLoopS = [...passes].filter(([step]) => step < Math.max(...last.map((l) => l.step))).reduce((sum, [, s]) => sum + s, 0);
  const wallS = unit.started_at && unit.finished_at ? (Date.parse(unit.finished_at) - Date.parse(unit.started_at)) / 1000 : NaN;
  // elapsed_s counts probes and saves made inside the loop; the rate is of training (saves included) alone.
  const stepsPerS = steps / (trainingS - inLoopS);
  const startupS = wallS - trainingS;
  const probes = Math.floor(totalSteps / probeEvery);
  // Without a pass in the window the probes are left out, and the line says so.
  const projectedS = startupS + totalSteps / stepsPerS + (Number.isNaN(passS) ? 0 : probes * passS);
  units.push({
    unit: unit.index, runs: runs.length, steps, training_s: trainingS, wall_s: wallS, startup_s: startupS, probe_passes: probeS.length,
    probe_pass_s: passS, group_steps_per_s: stepsPerS, model_steps_per_s: stepsPerS * runs.length,
    projected: { steps: totalSteps, probes, wall_s: projectedS, wall_min: projectedS / 60 },
  });
}

if (process.argv.includes('--json')) {
  process.stdout.write(JSON.stringify({ sweep: dir, units }, null, 2) + '\n');
} else {
  for (const u of units) {
    process.stdout.write(
      `unit ${u.unit}: ${u.runs} runs, ${u.steps} steps in ${u.training_s.toFixed(1)} s of training (` +
        (u.probe_passes > 0 ? `${u.probe_passes} probe passes of ${u.probe_pass_s.toFixed(1)} s` : 'no probe pass') +
        `), start-up ${u.startup_s.toFixed(1)} s: ${u.group_steps_per_s.toFixed(1)} group steps/s = ${u.model_steps_per_s.toFixed(0)} model-steps/s; ` +
        `${u.projected.steps} steps ` + (u.probe_passes > 0 ? `with ${u.projected.probes} probe passes` : 'WITHOUT probes (none was timed)') +
        ` projected at ${u.projected.wall_min.toFixed(1)} min wall\n`,
    );
  }
  // Units run one after another on one GPU (slots share it): the grid's wall time is their sum.
  const total = units.reduce((sum, u) => sum + u.projected.wall_s, 0) / 60;
  process.stdout.write(`grid: ${manifest.runs.length} runs in ${units.length} unit(s), projected ${total.toFixed(1)} min wall (target ≤ 45)\n`);
}
