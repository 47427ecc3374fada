// `pretrain --probe-every N`: probe the model between steps, in the same engine, into the run's results folder
// (checkpoints/<path>/<run> → results/<path>/<run>/step-<N>/<suite>/), so learning curves need no checkpoints.
import { join, sep } from 'node:path';
import type { TrainConfig } from '../config/schema.js';
import { formatSummaryTable, resultsDirForRun } from '../probe/output.js';
import { DEFAULT_PROBE_OPTIONS, probeCheckpointInProcess } from '../probe/run.js';
import { readSuite } from '../probe/suite.js';
import type { Suite } from '../probe/types.js';
import type { ProbeHook } from './loop.js';

export function probeHookFor(config: TrainConfig): ProbeHook {
  let suite: Suite | undefined;
  return async (step, engine, start) => {
    // prepareRun read and checked the suite before step 1 (start.probeSuite) whenever --probe-every is on.
    suite ??= start.probeSuite ?? (await readSuite(config.probeSuite));
    const run = start.runDir.split(sep).pop() ?? 'run';
    const summary = await probeCheckpointInProcess(engine, start.tokenizer, suite, {
      ...DEFAULT_PROBE_OPTIONS,
      model: { checkpoint: null, run, step },
      outDir: join(resultsDirForRun(start.runDir), `step-${step}`, suite.name),
    });
    process.stderr.write(`\n${formatSummaryTable(summary)}\n`);
  };
}
