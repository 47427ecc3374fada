// Tiny on-disk stand-ins for training runs and probe results, shaped like the real writers' output
// (checkpoints/<run>/{config.resolved.json, metrics.jsonl, step-N/}, results/<run>/step-N/<suite>/summary.json).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const FIXTURE_PARADIGMS = [
  'agreement_subject_verb-across_prepositional_phrase',
  'argument_structure-swapped_arguments',
  'binding-principle_a',
  'quantifiers-superlative',
];

export interface FixtureRun {
  run: string;
  attention: 'softmax' | 'ssa';
  ssaN?: number;
  ssaNTrainable?: boolean;
  seed: number;
  steps: number[];
  suite?: string;
  /** Probed during training: the summary names no checkpoint folder. */
  inProcess?: boolean;
  /** Accuracy of a paradigm at a step. */
  accuracy: (paradigm: string, step: number) => number;
  /** Training settings beside the attention ones in config.resolved.json (default: tiny's lr and steps). */
  training?: Record<string, unknown>;
  scoring?: { method: string; ties: string };
  suiteHash?: string;
}

/** A deterministic accuracy in [0.3, 0.95] that varies with every argument. */
export function fakeAccuracy(variantOffset: number, seed: number, paradigm: string, step: number): number {
  let h = 2166136261;
  for (const ch of `${variantOffset}/${seed}/${paradigm}/${step}`) h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
  const noise = (h % 1000) / 1000;
  return Math.min(0.95, 0.3 + variantOffset + 0.0002 * step + 0.2 * noise);
}

export function writeFixtureRun(root: string, spec: FixtureRun): void {
  const runDir = join(root, 'checkpoints', spec.run);
  mkdirSync(runDir, { recursive: true });
  writeFileSync(join(runDir, 'config.resolved.json'), JSON.stringify({
    preset: 'tiny', seed: spec.seed, attention: spec.attention, ssaN: spec.ssaN ?? 1.5, ssaNTrainable: spec.ssaNTrainable ?? false,
    ssaB: 0.8, ssaBTrainable: false, ssaGranularity: 'layer', out: runDir, lr: 1e-3, steps: 200, ...spec.training,
  }));
  const last = spec.steps[spec.steps.length - 1];
  const metrics = [];
  for (let step = 10; step <= last; step += 10) {
    metrics.push(JSON.stringify({ step, loss: 7 - Math.log(step) * (spec.attention === 'ssa' ? 0.5 : 0.45) + spec.seed * 0.01, lr: 1e-3, grad_norm: 1, tokens_per_s: 100, elapsed_s: step / 10 }));
  }
  writeFileSync(join(runDir, 'metrics.jsonl'), metrics.join('\n') + '\n');
  const suite = spec.suite ?? 'default';
  for (const step of spec.steps) {
    const checkpoint = join(runDir, `step-${step}`);
    mkdirSync(checkpoint, { recursive: true });
    const paradigms = FIXTURE_PARADIGMS.map((paradigm) => {
      const accuracy = spec.accuracy(paradigm, step);
      return { paradigm, phenomenon: paradigm.split('-')[0], n_pairs: 2000, n_correct: Math.round(accuracy * 2000), n_ties: 0, accuracy, ci95: [accuracy - 0.02, accuracy + 0.02] };
    });
    const summary = {
      schema_version: 1,
      tool: { name: 'babyssa', version: '0.1.0', git_sha: 'fixture' },
      model: { checkpoint: spec.inProcess ? null : checkpoint, run: spec.run, step, attention: spec.attention, ssa_n: spec.attention === 'ssa' ? [[spec.ssaN ?? 1.5], [spec.ssaN ?? 1.5]] : null, ssa_b: null, params: 1000 },
      suite: { name: suite, path: 'probes/default', hash: spec.suiteHash ?? `hash-of-${suite}`, n_paradigms: paradigms.length },
      scoring: { reduction: 'mean', ...(spec.scoring ?? { method: 'holistic', ties: 'wrong' }) },
      paradigms,
      macro_accuracy: paradigms.reduce((s, p) => s + p.accuracy, 0) / paradigms.length,
      elapsed_s: 1,
    };
    const out = join(root, 'results', spec.run, `step-${step}`, suite);
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'summary.json'), JSON.stringify(summary, null, 2));
  }
}

/**
 * softmax and ssa-1.5 on seeds 0–2 (paired), ssa-2 on seeds 0 and 3 (unpaired → bootstrap); steps 100, 200.
 * `change` alters one run's spec (e.g. a run that stopped early).
 */
export function writeStandardFixture(root: string, change?: { run: string; spec: Partial<FixtureRun> }): void {
  const variants = [
    { name: 'softmax', attention: 'softmax' as const, offset: 0 },
    { name: 'ssa-1.5', attention: 'ssa' as const, ssaN: 1.5, offset: 0.1 },
    { name: 'ssa-2', attention: 'ssa' as const, ssaN: 2, offset: 0.05 },
  ];
  for (const v of variants) {
    const seeds = v.name === 'ssa-2' ? [0, 3] : [0, 1, 2];
    for (const seed of seeds) {
      const run = `tiny-${v.name}-seed${seed}`;
      writeFixtureRun(root, {
        run, attention: v.attention, ssaN: v.ssaN, seed, steps: [100, 200],
        accuracy: (paradigm, step) => fakeAccuracy(v.offset, seed, paradigm, step),
        ...(change?.run === run ? change.spec : {}),
      });
    }
  }
}
