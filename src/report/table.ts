// The human-readable comparison table printed on stderr: accuracy % per paradigm and variant (mean ± sd over
// seeds) and each SSA variant's difference from Softmax with its raw 95% interval, starred when significant after
// Holm's correction across the paradigms.
import { HOLM_ALPHA, MACRO, type CellStats, type Comparison, type Difference } from './compare.js';
import { describeMismatches } from './consistency.js';

const percent = (x: number): string => (100 * x).toFixed(1);
const signed = (x: number): string => `${x >= 0 ? '+' : ''}${percent(x)}`;

function formatCell(cell: CellStats | undefined): string {
  if (!cell) return '—';
  return cell.sd === null ? percent(cell.mean) : `${percent(cell.mean)} ± ${percent(cell.sd)}`;
}

/** The star: Holm-significant for a paradigm; for the macro row (one test of its own), and in schema-1 files that
 * predate the correction, an interval that excludes 0. */
function starred(d: Difference): boolean {
  return d.paradigm !== MACRO && d.significant_holm !== undefined ? d.significant_holm === true : d.excludes_zero === true;
}

function formatDifference(d: Difference | undefined): string {
  if (!d) return '—';
  const interval = d.ci95 ? ` [${signed(d.ci95[0])}, ${signed(d.ci95[1])}]` : '';
  return `${signed(d.mean_difference)}${interval}${starred(d) ? ' *' : ''}`;
}

export function formatComparisonTable(comparison: Comparison): string {
  const variants = comparison.variants.map((v) => v.variant);
  const contenders = variants.filter((v) => v !== comparison.baseline);
  const hasBaseline = variants.includes(comparison.baseline);
  const header = [
    'paradigm',
    ...comparison.variants.map((v) => `${v.variant} (${v.seeds.length} seed${v.seeds.length === 1 ? '' : 's'})`),
    ...(hasBaseline ? contenders.map((v) => `Δ ${v} − ${comparison.baseline}`) : []),
  ];
  const rows = [...comparison.paradigms, MACRO].map((paradigm) => {
    const cells = paradigm === MACRO ? comparison.macro : comparison.table;
    return [
      paradigm,
      ...variants.map((v) => formatCell(cells.find((c) => c.variant === v && c.paradigm === paradigm))),
      ...(hasBaseline ? contenders.map((v) => formatDifference(comparison.differences.find((d) => d.variant === v && d.paradigm === paradigm))) : []),
    ];
  });
  const widths = header.map((_, i) => Math.max(...[header, ...rows].map((row) => [...row[i]].length)));
  const line = (row: string[]) => row.map((text, i) => (i === 0 ? text.padEnd(widths[i]) : text.padStart(widths[i]))).join('  ');
  const methods = [...new Set(comparison.differences.map((d) => d.method))].join(', ');
  const corrected = comparison.differences.some((d) => d.significant_holm !== undefined);
  const star = corrected
    ? `* = significant at ${HOLM_ALPHA} after Holm's correction across the ${comparison.paradigms.length} paradigms (macro: interval excludes 0)`
    : '* = interval excludes 0';
  const at = comparison.step === undefined || comparison.step === null ? "each run's final step" : `step ${comparison.step}`;
  const warning = (comparison.mismatches ?? []).length > 0 ? [`warning: compared despite mismatches (--allow-mismatch): ${describeMismatches(comparison.mismatches)}`] : [];
  return [
    `suite ${comparison.suite}: accuracy % at ${at}, mean ± sd over seeds`,
    ...warning,
    line(header),
    ...rows.map(line),
    hasBaseline
      ? `Δ: difference with its 95% interval, uncorrected (${methods || 'none'}); ${star}`
      : `no ${comparison.baseline} runs: no differences computed`,
  ].join('\n') + '\n';
}
