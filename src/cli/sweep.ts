// `babyssa sweep`: pretrain every variant × seed as child processes, resumably (see src/sweep/).
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { CommandModule } from 'yargs';
import { childLauncher } from '../sweep/launch.js';
import { checkpointCompletion, runSweep } from '../sweep/run.js';
import { ATTENTION_OPTIONS, parseVariant } from '../model/attention.js';
import { plannedRuns } from '../sweep/manifest.js';
import { configOf } from './sweep-unit.js';
import { fail } from './errors.js';
import { PRETRAIN_OPTIONS } from './pretrain.js';
import { checkClusterFlags, CLUSTER_OPTIONS, emitSlurm, gpuPlacement, placementOptions, unitSize } from './sweep-cluster.js';

/** Pretrain flags a sweep forwards unchanged to every run; variant, seed, --out and --resume are the sweep's. */
const SWEEP_OWNED = new Set([...Object.keys(ATTENTION_OPTIONS), 'seed', 'out', 'resume']);
const PASS_THROUGH = Object.fromEntries(Object.entries(PRETRAIN_OPTIONS).filter(([name]) => !SWEEP_OWNED.has(name)));

function passThroughFlags(argv: Record<string, unknown>): string[] {
  const flags: string[] = [];
  for (const [name, option] of Object.entries(PASS_THROUGH)) {
    const value = argv[name];
    if (value === undefined) continue;
    if (option.type === 'boolean') flags.push(value ? `--${name}` : `--no-${name}`);
    else flags.push(`--${name}`, String(value));
  }
  return flags;
}

export const sweepCommand: CommandModule = {
  command: 'sweep',
  describe: 'Pretrain a grid of attention variants × seeds, resumably (re-run the same command to continue)',
  builder: (y) =>
    y
      .options({
        attention: { type: 'string', default: 'softmax,ssa-1.5,ssa-2', describe: 'comma-separated variants: softmax, ssa-<n>, ssa-trainable, …' },
        seeds: { type: 'number', default: 3, describe: 'seeds 0 … N−1 per variant' },
        'first-seed': { type: 'number', default: 0, describe: 'first seed of the range' },
        name: { type: 'string', default: 'sweep', describe: 'sweep name: runs go to <root>/<name>/<variant>-seed<k>' },
        root: { type: 'string', default: 'checkpoints', describe: 'folder that holds sweeps' },
        parallel: { type: 'number', default: 1, describe: 'units at once; on WebGPU they share the one adapter Dawn gives' },
        lockstep: {
          type: 'string', default: 'auto',
          describe: 'runs trained as one group in one process: K, off (one per process), or auto (on the fused engine as many as fit the GPU, else off)',
        },
        'final-probe': { type: 'boolean', default: true, describe: "probe each run's final checkpoint on its --probe-suite (--no-final-probe to skip)" },
        ...CLUSTER_OPTIONS,
        ...PASS_THROUGH,
      })
      .example('$0 sweep --attention softmax,ssa-1.5 --seeds 2 --steps 300 --name demo', 'a small CPU sweep')
      .example('$0 sweep --preset babyberta --backend webgpu --attention softmax,ssa-1.5,ssa-2 --seeds 5 --lockstep 15 --probe-every 20000 --name paper', 'the GPU recipe: 15 runs in lockstep')
      .example('$0 sweep --preset babyberta --backend webgpu --seeds 10 --probe-every 20000 --name paper --gpus all', 'one lockstep unit per GPU of this host')
      .example('$0 sweep --preset babyberta --backend webgpu --seeds 10 --lockstep 15 --probe-every 20000 --name paper --emit slurm --partition gpu --time 04:00:00', 'a Slurm job array, one task per unit'),
  handler: async (argv) => {
    const variants = String(argv.attention).split(',').map((v) => v.trim()).filter((v) => v !== '');
    if (variants.length === 0) fail('--attention needs at least one variant');
    variants.forEach(parseVariant);
    const count = argv.seeds as number;
    const first = argv['first-seed'] as number;
    if (!Number.isInteger(count) || count < 1) fail('--seeds must be a positive integer');
    if (!Number.isInteger(first) || first < 0) fail('--first-seed must be a non-negative integer');
    const parallel = argv.parallel as number;
    if (!Number.isInteger(parallel) || parallel < 1) fail('--parallel must be a positive integer');
    const name = argv.name as string;
    if (!/^[\w.-]+$/.test(name)) fail(`--name "${name}" may hold only letters, digits, '.', '_' and '-'`);
    checkClusterFlags(argv);
    const finalProbe = argv['final-probe'] as boolean;
    const plan = {
      name, dir: join(argv.root as string, name), variants,
      seeds: Array.from({ length: count }, (_, i) => first + i), pretrainFlags: passThroughFlags(argv),
      lockstep: 1, finalProbe,
    };
    const log = (line: string) => process.stderr.write(`babyssa: ${line}\n`);
    const placement = await gpuPlacement(argv, parallel, log);
    const slots = placement?.slots ?? parallel;
    plan.lockstep = await unitSize(argv, configOf(plannedRuns(plan)[0].argv), variants.length * count, slots);
    if (argv.emit !== undefined) return emitSlurm(argv, plan);
    const { env, placementOf } = placementOptions(placement);

    const children = new Set<ChildProcess>();
    let stop = false;
    const onSignal = () => {
      stop = true;
      // a unit saves every run and exits on SIGINT, so its runs resume cleanly next time.
      for (const child of children) child.kill('SIGINT');
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    try {
      const outcome = await runSweep(plan, {
        launch: childLauncher(children, env),
        completion: checkpointCompletion((argv.steps as number | undefined) ?? null, finalProbe),
        parallel: slots,
        log,
        placementOf,
        stopRequested: () => stop,
      });
      const states = outcome.manifest.runs.map((r) => r.state);
      const count = (s: string) => states.filter((x) => x === s).length;
      process.stderr.write(
        `babyssa: sweep ${name}: ${count('done')} done, ${count('stopped')} stopped (non-finite), ${count('failed')} failed, ${count('pending')} pending ` +
          `(ran ${outcome.ran.length}, skipped ${outcome.skipped.length} already done) → ${plan.dir}/sweep.json\n`,
      );
      if (count('pending') > 0) process.stderr.write(`babyssa: re-run the same command to continue\n`);
      if (count('failed') > 0 || count('stopped') > 0) process.exitCode = 1;
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  },
};
