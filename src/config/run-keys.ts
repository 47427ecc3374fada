// The training config's keys by what they mean for a run. `--resume` refuses to change a run's identity,
// changes its training settings only knowingly (--allow-config-change, recorded), and leaves the runtime keys
// free; `compare` pairs runs only when their compared keys agree.
import { trainConfigSchema, type TrainConfig } from './schema.js';

type Key = keyof TrainConfig;

/** The attention variant: what `compare` compares across, so never part of the training it checks. */
export const ATTENTION_KEYS = ['attention', 'ssaN', 'ssaNTrainable', 'ssaB', 'ssaBTrainable', 'ssaGranularity'] as const satisfies readonly Key[];

/** What a run is: the model's shape, its attention, and the seed every random choice derives from. */
export const IDENTITY_KEYS = ['preset', ...ATTENTION_KEYS, 'seed'] as const satisfies readonly Key[];

/** Where and how a run executes and reports, never what it learns (the two engines are parity-tested). */
export const RUNTIME_KEYS = [
  'out', 'resume', 'allowConfigChange', 'backend', 'engine', 'saveEvery', 'logEvery', 'probeEvery', 'probeSuite', 'maxMinutes',
] as const satisfies readonly Key[];

const notTraining = new Set<string>([...IDENTITY_KEYS, ...RUNTIME_KEYS]);

/** The data and optimisation a run's model results from: every other key, so a new key is compared by default. */
export const TRAINING_KEYS = (Object.keys(trainConfigSchema.shape) as Key[]).filter((key) => !notTraining.has(key));

/** What `compare` checks across the runs it pairs: the preset and the training keys (seeds and variants differ by design). */
export const COMPARED_KEYS: readonly Key[] = ['preset', ...TRAINING_KEYS];
