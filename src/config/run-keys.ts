// The training config's keys by what they mean for a run. `--resume` refuses to change a run's identity,
// changes its training settings only knowingly (--allow-config-change, recorded), and leaves the runtime keys
// free; `compare` pairs runs only when their compared keys agree.
import { ATTENTION_FIELDS } from '../model/attention.js';
import { trainConfigSchema, type TrainConfig } from './schema.js';

type Key = keyof TrainConfig;

/** What a run is: the model's shape, its attention (the variant `compare` compares across), and the seed every
 * random choice derives from. */
export const IDENTITY_KEYS: readonly Key[] = ['preset', ...ATTENTION_FIELDS, 'seed'];

/** Where and how a run executes, reports and keeps its checkpoints, never what it learns (the two engines are
 * parity-tested). */
export const RUNTIME_KEYS = [
  'out', 'resume', 'allowConfigChange', 'backend', 'engine', 'saveEvery', 'keepLast', 'keepSteps', 'logEvery', 'probeEvery',
  'probeSuite', 'maxMinutes',
] as const satisfies readonly Key[];

const notTraining = new Set<string>([...IDENTITY_KEYS, ...RUNTIME_KEYS]);

/** The data and optimisation a run's model results from: every other key, so a new key is compared by default. */
export const TRAINING_KEYS = (Object.keys(trainConfigSchema.shape) as Key[]).filter((key) => !notTraining.has(key));

/** What `compare` checks across the runs it pairs: the preset and the training keys (seeds and variants differ by design). */
export const COMPARED_KEYS: readonly Key[] = ['preset', ...TRAINING_KEYS];
