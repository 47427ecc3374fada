// Generating a suite: for each paradigm, draw pairs until the requested number of unique ones (or until the
// vocabulary runs dry), in Zorro's format, plus the suite.json manifest `readSuite` understands. Everything
// is a pure function of (lexicon, tokenizer, corpus, seed, options): the same inputs give the same bytes.
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { writeFileAtomic } from '../../core/files.js';
import { derivedStream } from '../../core/random.js';
import type { Tokenizer } from '../../tokenizer/types.js';
import { phenomenonOf } from '../zorro.js';
import { lexiconHash } from './lexicon.js';
import { PARADIGMS } from './paradigms.js';
import type { PairDrawer, ParadigmTemplate } from './template.js';
import { buildVocabulary, type WordCounts } from './vocabulary.js';

/** Bump when a change to templates or sampling changes the sentences a seed gives. */
export const GENERATOR_VERSION = 1;

/** Draws per requested pair before giving up on finding new unique ones. */
const ATTEMPTS_PER_PAIR = 25;

export interface GenerateOptions {
  name: string;
  tokenizer: Pick<Tokenizer, 'isWholeWord'>;
  /** sha256 of the tokenizer file and of the corpus file, recorded in suite.json. */
  tokenizerSha256: string;
  corpusSha256: string;
  counts: WordCounts;
  pairs: number;
  seed: number;
  /** Words seen fewer times than this in the corpus are not used. */
  minCount: number;
  templates?: readonly ParadigmTemplate[];
  /** Called with progress and warnings (the CLI sends them to stderr). */
  log?: (line: string) => void;
}

export interface GeneratedParadigm {
  paradigm: string;
  phenomenon: string;
  file: string;
  contrast: string;
  /** Zorro format: bad line, good line, …, each ending in a newline. */
  text: string;
  nPairs: number;
}

export interface GeneratedSuite {
  paradigms: GeneratedParadigm[];
  skipped: { paradigm: string; reason: string }[];
  /** The suite.json text. */
  manifest: string;
}

export function sha256(bytes: string | Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function generateParadigm(template: ParadigmTemplate, options: GenerateOptions, draw: PairDrawer): string[] {
  const random = derivedStream(options.seed, `probes/${template.paradigm}`);
  const seen = new Set<string>();
  const lines: string[] = [];
  const attempts = options.pairs * ATTEMPTS_PER_PAIR;
  for (let attempt = 0; attempt < attempts && seen.size < options.pairs; attempt++) {
    const pair = draw(random);
    const bad = pair.bad.join(' ');
    const good = pair.good.join(' ');
    const key = `${bad}\n${good}`;
    if (bad === good || seen.has(key)) continue;
    seen.add(key);
    lines.push(bad, good);
  }
  return lines;
}

export function generateSuite(options: GenerateOptions): GeneratedSuite {
  const log = options.log ?? (() => undefined);
  const vocabulary = buildVocabulary(options.tokenizer, options.counts, options.minCount);
  const paradigms: GeneratedParadigm[] = [];
  const skipped: GeneratedSuite['skipped'] = [];
  for (const template of options.templates ?? PARADIGMS) {
    const draw = template.prepare(vocabulary);
    if (typeof draw !== 'function') {
      const reason = `no usable ${draw.missing} (whole-word tokens seen ≥ ${options.minCount} times in the corpus)`;
      log(`warning: skipping ${template.paradigm}: ${reason}`);
      skipped.push({ paradigm: template.paradigm, reason });
      continue;
    }
    const lines = generateParadigm(template, options, draw);
    const nPairs = lines.length / 2;
    if (nPairs < options.pairs) {
      log(`warning: ${template.paradigm}: only ${nPairs} unique pairs of ${options.pairs} requested (the usable vocabulary is too small for more)`);
    } else {
      log(`${template.paradigm}: ${nPairs} pairs`);
    }
    paradigms.push({
      paradigm: template.paradigm,
      phenomenon: phenomenonOf(template.paradigm),
      file: `${template.paradigm}.txt`,
      contrast: template.contrast,
      text: lines.map((line) => `${line}\n`).join(''),
      nPairs,
    });
  }
  const manifest = {
    name: options.name,
    generator: 'babyssa probes generate',
    generator_version: GENERATOR_VERSION,
    seed: options.seed,
    pairs_requested: options.pairs,
    min_count: options.minCount,
    lexicon_hash: lexiconHash(),
    tokenizer_sha256: options.tokenizerSha256,
    corpus_sha256: options.corpusSha256,
    paradigms: paradigms.map(({ paradigm, phenomenon, file, nPairs, contrast }) => ({ paradigm, phenomenon, file, n_pairs: nPairs, contrast })),
    skipped,
  };
  return { paradigms, skipped, manifest: `${JSON.stringify(manifest, null, 2)}\n` };
}

/** Writes every paradigm file, then suite.json last, each atomically. */
export async function writeSuite(dir: string, suite: GeneratedSuite): Promise<void> {
  for (const paradigm of suite.paradigms) await writeFileAtomic(join(dir, paradigm.file), paradigm.text);
  await writeFileAtomic(join(dir, 'suite.json'), suite.manifest);
}
