// What `babyssa corpus stats` reports: line and token counts, BabyBERTa's filters, and length histograms,
// so a user sees what a corpus will turn into before training on it.
import { selectUtterances, whitespaceTokens } from './corpus.js';
import { encodeUtterances } from './sequences.js';
import type { Tokenizer } from '../tokenizer/types.js';

export interface HistogramBin {
  min: number;
  /** null for the open-ended last bin. */
  max: number | null;
  lines: number;
}

export interface BpeStats {
  max_length: number;
  /** BPE tokens incl. <s></s> over the kept (≥ 3-token) utterances. */
  tokens: number;
  mean_length: number;
  longest: number;
  dropped_too_long: number;
  kept_sequences: number;
  length_histogram: HistogramBin[];
}

export interface CorpusStats {
  corpus: string;
  lines: number;
  whitespace_tokens: number;
  types: number;
  kept_lines: number;
  dropped_short: number;
  /** Whitespace tokens per line, all lines. */
  length_histogram: HistogramBin[];
  bpe?: BpeStats;
}

const WORD_EDGES = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 16, 21, 31, 51];
const BPE_EDGES = [1, 5, 9, 13, 17, 25, 33, 49, 65, 97, 129];

/** Counts lengths into bins starting at each edge; the last bin is open-ended. */
export function histogram(lengths: Iterable<number>, edges: readonly number[]): HistogramBin[] {
  const bins: HistogramBin[] = edges.map((min, i) => ({ min, max: i + 1 < edges.length ? edges[i + 1] - 1 : null, lines: 0 }));
  for (const length of lengths) {
    let i = bins.length - 1;
    while (i > 0 && length < bins[i].min) i--;
    bins[i].lines++;
  }
  return bins;
}

export function corpusStats(corpus: string, lines: readonly string[], tokenizer?: Pick<Tokenizer, 'encode'>, maxLength = 128): CorpusStats {
  const lengths = lines.map((line) => whitespaceTokens(line).length);
  const types = new Set<string>();
  for (const line of lines) for (const token of whitespaceTokens(line)) types.add(token);
  const { utterances, droppedShort } = selectUtterances(lines);
  const stats: CorpusStats = {
    corpus,
    lines: lines.length,
    whitespace_tokens: lengths.reduce((a, b) => a + b, 0),
    types: types.size,
    kept_lines: utterances.length,
    dropped_short: droppedShort,
    length_histogram: histogram(lengths, WORD_EDGES),
  };
  if (tokenizer) {
    const encoded = encodeUtterances(utterances, tokenizer, maxLength);
    stats.bpe = {
      max_length: maxLength,
      tokens: encoded.totalTokens,
      mean_length: utterances.length > 0 ? encoded.totalTokens / utterances.length : 0,
      longest: encoded.lengths.reduce((a, b) => Math.max(a, b), 0),
      dropped_too_long: encoded.droppedTooLong,
      kept_sequences: encoded.sequences.length,
      length_histogram: histogram(encoded.lengths, BPE_EDGES),
    };
  }
  return stats;
}

function binLabel(bin: HistogramBin): string {
  if (bin.max === null) return `${bin.min}+`;
  return bin.max === bin.min ? `${bin.min}` : `${bin.min}–${bin.max}`;
}

function table(title: string, bins: readonly HistogramBin[], total: number): string[] {
  const rows = [`  ${title}`];
  const width = Math.max(...bins.map((b) => b.lines)) || 1;
  for (const bin of bins) {
    const share = total > 0 ? (100 * bin.lines) / total : 0;
    rows.push(`  ${binLabel(bin).padStart(7)}  ${String(bin.lines).padStart(9)}  ${share.toFixed(1).padStart(5)}%  ${'█'.repeat(Math.round((30 * bin.lines) / width))}`);
  }
  return rows;
}

/** The human-readable report (for stderr). */
export function formatCorpusStats(stats: CorpusStats): string {
  const n = (x: number) => x.toLocaleString('en-US');
  const rows = [
    `corpus ${stats.corpus}`,
    `  lines              ${n(stats.lines)}`,
    `  whitespace tokens  ${n(stats.whitespace_tokens)} (${n(stats.types)} types)`,
    `  kept lines (≥ 3)   ${n(stats.kept_lines)} (dropped ${n(stats.dropped_short)} shorter lines)`,
    ...table('tokens per line', stats.length_histogram, stats.lines),
  ];
  if (stats.bpe) {
    const b = stats.bpe;
    rows.push(
      `  BPE tokens         ${n(b.tokens)} incl. <s></s> (mean ${b.mean_length.toFixed(2)}, longest ${n(b.longest)})`,
      `  kept sequences     ${n(b.kept_sequences)} (dropped ${n(b.dropped_too_long)} longer than ${b.max_length})`,
      ...table('BPE tokens per kept line', b.length_histogram, stats.kept_lines),
    );
  }
  return `${rows.join('\n')}\n`;
}
