// `pretrain --probe-every N` (and a sweep's final probe): probe the group's active members between steps, in
// the same engine, all K in one pass over the suite (one engine call per batch), each into its own results
// folder (resultsDirForRun: checkpoints/<path>/<run> → results/<path>/<run>/step-<N>/<suite>/), so learning
// curves need no checkpoints. One run prints its table; a group one line per member.
import { basename, join } from 'node:path';
import type { TrainConfig } from '../config/schema.js';
import { formatSummaryTable, resultsDirForRun } from '../probe/output.js';
import { DEFAULT_PROBE_OPTIONS, probeModels } from '../probe/run.js';
import { groupScorer } from '../probe/score.js';
import { readSuite } from '../probe/suite.js';
import type { Suite } from '../probe/types.js';
import type { ProbeHook } from './loop.js';

export function probeHookFor(config: TrainConfig): ProbeHook {
  let suite: Suite | undefined;
  return async (step, engine, members) => {
    // prepareRun read and checked the suite before step 1 (start.probeSuite) whenever --probe-every is on.
    suite ??= members[0].start.probeSuite ?? (await readSuite(config.probeSuite));
    const targets = members.map(({ index, start }) => ({
      engine: engine.member(index),
      model: { checkpoint: null, run: basename(start.runDir), step },
      outDir: join(resultsDirForRun(start.runDir), `step-${step}`, suite!.name),
    }));
    const scorer = groupScorer(engine, members.map((m) => m.index));
    const results = await probeModels(scorer, targets, members[0].start.tokenizer, suite, DEFAULT_PROBE_OPTIONS);
    return results.map((result) => {
      if (result instanceof Error) return result;
      const { summary } = result;
      process.stderr.write(
        members.length === 1
          ? `\n${formatSummaryTable(summary)}\n`
          : `babyssa: ${summary.model.run} step ${step}: macro accuracy ${(100 * summary.macro_accuracy).toFixed(1)}% on ${summary.suite.name}\n`,
      );
      return undefined;
    });
  };
}
