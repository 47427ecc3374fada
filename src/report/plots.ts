// Figures as vega-lite specs rendered to SVG in Node (no browser): vega-lite compiles to vega, and a vega
// View with the 'none' renderer serialises the scene to SVG text.
import * as vega from 'vega';
import * as vl from 'vega-lite';
import { MACRO, type Comparison, type LongRow } from './compare.js';

// biome-ignore lint/suspicious/noExplicitAny: a Vega-Lite spec is free-form JSON that vega-lite itself validates.
export type VegaLiteSpec = Record<string, any>;

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v5.json';
/** Shared look: readable fonts, a white background so PNG conversions are not transparent. */
const CONFIG = { background: 'white', font: 'DejaVu Sans, Helvetica, Arial, sans-serif', axis: { labelFontSize: 11, titleFontSize: 12 }, title: { fontSize: 14 } };

export async function renderSvg(spec: VegaLiteSpec): Promise<string> {
  const compiled = vl.compile({ $schema: SCHEMA, config: CONFIG, ...spec } as vl.TopLevelSpec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

const variantColor = (variants: string[]) => ({ field: 'variant', type: 'nominal', title: 'variant', scale: { domain: variants } });

/** Horizontal bars (long paradigm names read well on the y axis): mean over seeds, 95% t-interval, seed dots. */
export function accuracyBySpec(comparison: Comparison): VegaLiteSpec {
  const variants = comparison.variants.map((v) => v.variant);
  const cells = [...comparison.table, ...comparison.macro];
  const means = cells.map((c) => ({ paradigm: c.paradigm, variant: c.variant, mean: c.mean, lo: c.ci95?.[0] ?? c.mean, hi: c.ci95?.[1] ?? c.mean, n_seeds: c.n_seeds }));
  const seeds = cells.flatMap((c) => c.accuracies.map((accuracy, i) => ({ paradigm: c.paradigm, variant: c.variant, seed: c.seeds[i], accuracy })));
  const order = [...comparison.paradigms, MACRO];
  const y = { field: 'paradigm', type: 'nominal', sort: order, title: null, axis: { labelLimit: 0 } };
  const yOffset = { field: 'variant', type: 'nominal', sort: variants };
  const x = { type: 'quantitative', scale: { domain: [0, 1] }, title: 'accuracy (share of pairs where the grammatical sentence wins)' };
  return {
    title: { text: `Probe accuracy by paradigm and variant — suite ${comparison.suite}`, subtitle: 'bars: mean over seeds at the final step; whiskers: 95% t-interval; dots: single seeds; dashed: chance' },
    width: 520,
    height: { step: 14 },
    layer: [
      { data: { values: means }, mark: { type: 'bar', opacity: 0.8 }, encoding: { y, yOffset, x: { ...x, field: 'mean' }, color: variantColor(variants), tooltip: [{ field: 'mean', format: '.3f' }, { field: 'n_seeds' }] } },
      { data: { values: means }, mark: { type: 'rule', color: 'black', clip: true }, encoding: { y, yOffset, x: { ...x, field: 'lo' }, x2: { field: 'hi' } } },
      { data: { values: seeds }, mark: { type: 'point', filled: true, color: 'black', size: 14, opacity: 0.6 }, encoding: { y, yOffset, x: { ...x, field: 'accuracy' } } },
      { data: { values: [{ chance: 0.5 }] }, mark: { type: 'rule', strokeDash: [4, 4], color: '#555' }, encoding: { x: { field: 'chance', type: 'quantitative' } } },
    ],
  };
}

/** Macro rows (mean over paradigms per run and step) added to the long table, so curves show the overall trend. */
function withMacro(rows: LongRow[]): LongRow[] {
  const groups = new Map<string, LongRow[]>();
  for (const row of rows) {
    const key = `${row.variant}\u0000${row.seed}\u0000${row.step}`;
    groups.set(key, [...(groups.get(key) ?? []), row]);
  }
  const macro = [...groups.values()].map((group) => ({ ...group[0], paradigm: MACRO, accuracy: group.reduce((s, r) => s + r.accuracy, 0) / group.length }));
  return [...rows, ...macro];
}

/** One panel per paradigm: thin lines per seed, a thick line for the mean over seeds. */
export function learningCurvesSpec(rows: LongRow[], variants: string[], paradigms: string[]): VegaLiteSpec {
  const x = { field: 'step', type: 'quantitative', title: 'training step' };
  return {
    title: { text: 'Probe accuracy during training', subtitle: 'thin: single seeds; thick: mean over seeds' },
    data: { values: withMacro(rows).map((r) => ({ ...r, run: `${r.variant}/${r.seed}` })) },
    facet: { field: 'paradigm', type: 'nominal', sort: [...paradigms, MACRO], title: null, header: { labelFontSize: 11, labelLimit: 0 } },
    columns: 2,
    spec: {
      width: 300,
      height: 170,
      layer: [
        { mark: { type: 'line', strokeWidth: 1, opacity: 0.4 }, encoding: { x, y: { field: 'accuracy', type: 'quantitative', scale: { domain: [0, 1] } }, color: variantColor(variants), detail: { field: 'run' } } },
        { mark: { type: 'line', strokeWidth: 3, point: true }, encoding: { x, y: { aggregate: 'mean', field: 'accuracy', type: 'quantitative', title: 'accuracy' }, color: variantColor(variants) } },
      ],
    },
  };
}

export interface LossRow {
  variant: string;
  seed: number;
  step: number;
  loss: number;
}

export function lossCurvesSpec(rows: LossRow[], variants: string[]): VegaLiteSpec {
  return {
    title: { text: 'Training loss (masked-LM cross-entropy)', subtitle: 'one line per run; mean over each logging interval' },
    width: 560,
    height: 320,
    data: { values: rows.map((r) => ({ ...r, run: `${r.variant}/seed ${r.seed}` })) },
    mark: { type: 'line', strokeWidth: 1.5, opacity: 0.8 },
    encoding: {
      x: { field: 'step', type: 'quantitative', title: 'training step' },
      y: { field: 'loss', type: 'quantitative', title: 'loss (nats)', scale: { zero: false } },
      color: variantColor(variants),
      detail: { field: 'run' },
    },
  };
}

export interface SaturationRow {
  /** The model the diagnostics ran on: variant and seed. */
  model: string;
  variant: string;
  layer: number;
  condition: string;
  metric: string;
  value: number;
}

/** Per-layer means over heads for each diagnostic metric, baseline vs the deviant-embedding condition. */
export function saturationSpec(rows: SaturationRow[], variants: string[], metrics: string[]): VegaLiteSpec {
  return {
    title: { text: 'Attention saturation by layer', subtitle: 'mean over heads and query positions; dashed: one token\'s input embedding scaled up (deviant value)' },
    data: { values: rows },
    facet: { column: { field: 'metric', type: 'nominal', sort: metrics, title: null, header: { labelFontSize: 12 } } },
    resolve: { scale: { y: 'independent' } },
    spec: {
      width: 230,
      height: 200,
      mark: { type: 'line', point: true, strokeWidth: 2 },
      encoding: {
        x: { field: 'layer', type: 'ordinal', title: 'layer' },
        y: { field: 'value', type: 'quantitative', title: null, scale: { zero: false } },
        color: variantColor(variants),
        // 'unscaled' sorts first and gets the solid line; the deviant condition is dashed.
        strokeDash: { field: 'condition', type: 'nominal', title: 'condition', sort: 'descending', scale: { range: [[1, 0], [6, 4]] } },
        detail: { field: 'model' },
      },
    },
  };
}
