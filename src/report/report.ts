// `babyssa report DIR`: the figures of a comparison folder (accuracy by variant, learning curves, training
// loss, attention saturation) as SVG, plus an index.html that shows them together.
import { readdir, readFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { UserError } from '../core/errors.js';
import { writeFileAtomic } from '../core/files.js';
import type { AttentionDiagnostics } from './attention-stats.js';
import { readComparison } from './outputs.js';
import { formatComparisonTable } from './table.js';
import { accuracyBySpec, learningCurvesSpec, lossCurvesSpec, renderSvg, saturationSpec, type LossRow, type SaturationRow } from './plots.js';

export interface Figure {
  file: string;
  title: string;
  caption: string;
}

async function readLossRows(runs: { variant: string; seed: number; run_dir: string | null }[]): Promise<LossRow[]> {
  const rows: LossRow[] = [];
  for (const run of runs) {
    if (!run.run_dir) continue;
    const text = await readFile(join(run.run_dir, 'metrics.jsonl'), 'utf8').catch(() => '');
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      const m = JSON.parse(line) as { step: number; loss: number };
      if (Number.isFinite(m.loss)) rows.push({ variant: run.variant, seed: run.seed, step: m.step, loss: m.loss });
    }
  }
  return rows;
}

/** attention.json files written by `babyssa attention` anywhere below the folder, plus any named. */
async function findAttentionFiles(dir: string, extra: string[]): Promise<string[]> {
  const found: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const entry of await readdir(d, { withFileTypes: true })) {
      if (entry.isDirectory()) await walk(join(d, entry.name));
      else if (entry.name === 'attention.json') found.push(join(d, entry.name));
    }
  };
  await walk(dir);
  return [...new Set([...found, ...extra].map((p) => resolve(p)))].sort();
}

export const SATURATION_METRICS = ['max weight', 'entropy (nats)', 'share on largest-norm key', 'share on deviant token'] as const;

/** Before/after rows on the sentences that hold the deviant token, so both conditions see the same queries. */
export function saturationRows(diagnostics: AttentionDiagnostics[]): SaturationRow[] {
  const rows: SaturationRow[] = [];
  for (const d of diagnostics) {
    const model = `${d.model.variant} seed ${d.model.seed ?? '?'} step ${d.model.step}`;
    const conditions = [['unscaled', d.deviant.before.layers] as const, [`deviant ×${d.deviant.factor}`, d.deviant.after.layers] as const];
    for (const [condition, layers] of conditions) {
      for (const layer of layers) {
        const values = [layer.max_weight, layer.entropy, layer.largest_norm_key_share, layer.deviant_token_share ?? NaN];
        SATURATION_METRICS.forEach((metric, i) => {
          if (Number.isFinite(values[i])) rows.push({ model, variant: d.model.variant, layer: layer.layer, condition, metric, value: values[i] });
        });
      }
    }
  }
  return rows;
}

function indexHtml(title: string, figures: Figure[], tableText: string): string {
  const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const sections = figures.map((f) => `<section>\n<h2>${escapeHtml(f.title)}</h2>\n<p>${escapeHtml(f.caption)}</p>\n<img src="${f.file}" alt="${escapeHtml(f.title)}">\n</section>`);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(title)}</title>
<style>body{font-family:sans-serif;max-width:1100px;margin:2em auto;padding:0 1em}img{max-width:100%;border:1px solid #ddd}pre{background:#f6f6f6;padding:1em;overflow-x:auto}</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
<p>Data: <a href="comparison.json">comparison.json</a> (aggregated), <a href="comparison.jsonl">comparison.jsonl</a> (one row per variant, seed, step, paradigm).</p>
<pre>${escapeHtml(tableText)}</pre>
${sections.join('\n')}
</body>
</html>
`;
}

export async function writeReport(dir: string, options: { attention?: string[] } = {}): Promise<Figure[]> {
  const { comparison, rows } = await readComparison(dir);
  const variants = comparison.variants.map((v) => v.variant);
  const figures: Figure[] = [];
  const write = async (file: string, spec: Record<string, unknown>, title: string, caption: string) => {
    await writeFileAtomic(join(dir, file), await renderSvg(spec));
    figures.push({ file, title, caption });
  };
  await write('accuracy.svg', accuracyBySpec(comparison), 'Accuracy by paradigm and variant',
    `Final-step accuracy per paradigm, mean over seeds with 95% t-intervals; suite ${comparison.suite}.`);
  if (rows.length > 0) {
    await write('learning-curves.svg', learningCurvesSpec(rows, variants, comparison.paradigms), 'Learning curves',
      'Probe accuracy at every probed step (pretrain --probe-every).');
  }
  const lossRows = await readLossRows(comparison.runs);
  if (lossRows.length > 0) {
    await write('loss.svg', lossCurvesSpec(lossRows, variants), 'Training loss', 'metrics.jsonl of each run.');
  }
  const attentionFiles = await findAttentionFiles(dir, options.attention ?? []);
  const diagnostics: AttentionDiagnostics[] = [];
  for (const file of attentionFiles) {
    const text = await readFile(file, 'utf8').catch(() => null);
    if (text === null) throw new UserError(`cannot read ${file}`);
    diagnostics.push(JSON.parse(text) as AttentionDiagnostics);
  }
  if (diagnostics.length > 0) {
    const used = [...new Set(diagnostics.map((d) => d.model.variant))];
    await write('saturation.svg', saturationSpec(saturationRows(diagnostics), [...variants, ...used.filter((v) => !variants.includes(v))], [...SATURATION_METRICS]),
      'Attention saturation', `From ${diagnostics.length} \`babyssa attention\` file(s): ${attentionFiles.map((f) => relative(dir, f)).join(', ')}.`);
  }
  await writeFileAtomic(join(dir, 'index.html'), indexHtml(`babyssa report — ${comparison.suite}`, figures, formatComparisonTable(comparison)));
  return figures;
}
