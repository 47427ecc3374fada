import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../src/core/files.js';
import type { AttentionDiagnostics, ConditionStats } from '../src/report/attention-stats.js';
import { compare, longRows } from '../src/report/compare.js';
import { writeComparison } from '../src/report/outputs.js';
import { writeReport } from '../src/report/report.js';
import { collectRunSummaries } from '../src/report/summaries.js';
import { parseVariant } from '../src/model/attention.js';
import { writeStandardFixture } from './report-fixtures.js';

const root = mkdtempSync(join(tmpdir(), 'babyssa-report-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function condition(maxWeight: number): ConditionStats {
  const layers = [0, 1].map((layer) => ({ layer, max_weight: maxWeight - 0.1 * layer, entropy: 1 - maxWeight, largest_norm_key_share: maxWeight / 2, deviant_token_share: maxWeight / 3 }));
  return { layers, heads: layers.flatMap((l) => [0, 1].map((head) => ({ ...l, head, max_weight_max: 1 }))) };
}

function diagnostics(variant: string, maxWeight: number): AttentionDiagnostics {
  return {
    schema_version: 1,
    model: { checkpoint: 'x', run: `tiny-${variant}-seed0`, step: 200, variant, seed: 0, settings: parseVariant(variant) },
    suite: { path: 'probes/default', paradigm: null },
    n_sentences: 10,
    baseline: condition(maxWeight),
    deviant: { token: 'Ġthe', token_id: 9, factor: 10, method: 'scaled word-embedding row', n_sentences: 5, before: condition(maxWeight), after: condition(Math.min(1, maxWeight + 0.2)) },
  };
}

describe('report', () => {
  it('writes every figure as SVG with its title and an index.html showing them', async () => {
    writeStandardFixture(root);
    const summaries = await collectRunSummaries([join(root, 'checkpoints')]);
    const out = join(root, 'cmp');
    await writeComparison(out, compare(summaries), longRows(summaries));
    await writeFileAtomic(join(out, 'attention', 'softmax', 'attention.json'), JSON.stringify(diagnostics('softmax', 0.7)));
    await writeFileAtomic(join(out, 'attention', 'ssa', 'attention.json'), JSON.stringify(diagnostics('ssa-1.5', 0.5)));
    const figures = await writeReport(out);
    expect(figures.map((f) => f.file)).toEqual(['accuracy.svg', 'learning-curves.svg', 'loss.svg', 'saturation.svg']);
    const expectations: Record<string, string[]> = {
      'accuracy.svg': ['Probe accuracy by paradigm and variant', 'binding-principle_a', 'macro', 'ssa-2'],
      'learning-curves.svg': ['Probe accuracy during training', 'quantifiers-superlative', 'training step'],
      'loss.svg': ['Training loss', 'loss (nats)'],
      'saturation.svg': ['Attention saturation by layer', 'share on largest-norm key', 'deviant ×10'],
    };
    for (const [file, texts] of Object.entries(expectations)) {
      const svg = readFileSync(join(out, file), 'utf8');
      expect(svg.startsWith('<svg')).toBe(true);
      for (const text of texts) expect(svg).toContain(text);
      // Data actually drawn: marks with non-trivial paths or rects, not just axes.
      expect((svg.match(/<path/g) ?? []).length).toBeGreaterThan(10);
    }
    const html = readFileSync(join(out, 'index.html'), 'utf8');
    for (const f of figures) expect(html).toContain(`src="${f.file}"`);
    expect(html).toContain('Δ ssa-1.5 − softmax');
  }, 30_000);
});
