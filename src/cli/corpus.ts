// `babyssa corpus generate|stats|fetch`: make the embedded child-directed corpus, describe a corpus, or
// download AO-CHILDES.
import cliProgress from 'cli-progress';
import type { Argv, CommandModule } from 'yargs';
import { shippedPath } from '../config/paths.js';
import { readCorpusLines } from '../data/corpus.js';
import { downloadCorpus, KNOWN_CORPORA } from '../data/fetch.js';
import { generateCorpusText } from '../data/generator/generate.js';
import { DEFAULT_MAX_LENGTH } from '../data/sequences.js';
import { corpusStats, formatCorpusStats } from '../data/stats.js';
import { writeFileAtomic } from '../core/files.js';
import { loadTokenizer } from '../tokenizer/load.js';
import { fail } from './errors.js';

interface GenerateArgs {
  tokens: number;
  seed: number;
  out: string;
}

const generateCommand: CommandModule<object, GenerateArgs> = {
  command: 'generate',
  describe: 'Write child-directed-style utterances from babyssa\'s own grammar (deterministic for a seed)',
  builder: (y) =>
    y
      .options({
        tokens: { type: 'number', default: 180_000, describe: 'stop after at least this many whitespace tokens' },
        seed: { type: 'number', default: 1, describe: 'seed of the generator' },
        out: { type: 'string', demandOption: true, describe: 'text file to write (one utterance per line)' },
      })
      .check((argv) => {
        if (!Number.isInteger(argv.tokens) || argv.tokens <= 0) fail(`--tokens must be a positive integer, not ${argv.tokens}`);
        if (!Number.isInteger(argv.seed)) fail(`--seed must be an integer, not ${argv.seed}`);
        return true;
      })
      .example('$0 corpus generate --tokens 180000 --seed 1 --out corpora/default.txt', 'the shipped default corpus'),
  handler: async (argv) => {
    const text = generateCorpusText({ tokens: argv.tokens, seed: argv.seed });
    await writeFileAtomic(argv.out, text);
    const lines = text.split('\n').length - 1;
    process.stderr.write(`babyssa: wrote ${argv.out}: ${lines.toLocaleString('en-US')} utterances, ${Buffer.byteLength(text).toLocaleString('en-US')} bytes\n`);
  },
};

interface StatsArgs {
  corpus: string;
  tokenizer?: string;
  'max-length': number;
  json: boolean;
}

const statsCommand: CommandModule<object, StatsArgs> = {
  command: 'stats',
  describe: 'Lines, tokens, kept lines and length histograms of a corpus (with --tokenizer: BPE lengths and drops)',
  builder: (y) =>
    y
      .options({
        corpus: { type: 'string', default: 'corpora/default.txt', describe: 'text file, one utterance per line' },
        tokenizer: { type: 'string', describe: 'tokenizer.json: also count BPE tokens and sequences dropped for length' },
        'max-length': { type: 'number', default: DEFAULT_MAX_LENGTH, describe: 'longest sequence kept, incl. <s></s>' },
        json: { type: 'boolean', default: false, describe: 'print the numbers as JSON on stdout' },
      })
      .check((argv) => {
        if (!Number.isInteger(argv['max-length']) || argv['max-length'] < 3) fail(`--max-length must be an integer ≥ 3, not ${argv['max-length']}`);
        return true;
      })
      .example('$0 corpus stats --corpus corpora/aochildes.txt --tokenizer tok/tokenizer.json --json', 'AO-CHILDES as BabyBERTa sees it'),
  handler: async (argv) => {
    const corpus = shippedPath(argv.corpus);
    const lines = await readCorpusLines(corpus);
    const tokenizer = argv.tokenizer === undefined ? undefined : await loadTokenizer(shippedPath(argv.tokenizer));
    const stats = corpusStats(argv.corpus, lines, tokenizer, argv['max-length']);
    process.stderr.write(formatCorpusStats(stats));
    if (argv.json) process.stdout.write(`${JSON.stringify(stats)}\n`);
  },
};

interface FetchArgs {
  name: string;
  out: string;
  url?: string;
}

function progressBar(): { update: (received: number, total: number | undefined) => void; stop: () => void } {
  const bar = new cliProgress.SingleBar(
    { stream: process.stderr, format: 'download {bar} {percentage}% | {mb} MB', noTTYOutput: true, notTTYSchedule: 5_000, hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update: (received, total) => {
      const mb = (received / 1e6).toFixed(1);
      if (!started) bar.start(total ?? 0, 0, { mb });
      started = true;
      if (total === undefined) bar.setTotal(received);
      bar.update(received, { mb });
    },
    stop: () => bar.stop(),
  };
}

const fetchCommand: CommandModule<object, FetchArgs> = {
  command: 'fetch <name>',
  describe: 'Download a public corpus, verify it (line count and git blob SHA-1) and write it atomically',
  builder: (y) =>
    (y as Argv<object>)
      .positional('name', { type: 'string', choices: Object.keys(KNOWN_CORPORA), demandOption: true, describe: 'which corpus' })
      .options({
        out: { type: 'string', demandOption: true, describe: 'file to write' },
        url: { type: 'string', describe: 'download from this mirror instead (the same checks apply)' },
      })
      .example('$0 corpus fetch aochildes --out corpora/aochildes.txt', 'AO-CHILDES from BabyBERTa\'s repository') as Argv<FetchArgs>,
  handler: async (argv) => {
    const known = KNOWN_CORPORA[argv.name];
    const url = argv.url ?? known.url;
    process.stderr.write(`babyssa: downloading ${known.description}\n  from ${url}\n`);
    const bar = progressBar();
    const result = await downloadCorpus({ url, out: argv.out, expected: known, onProgress: bar.update }).finally(bar.stop);
    process.stderr.write(`babyssa: wrote ${argv.out}: ${result.lines.toLocaleString('en-US')} lines, ${result.bytes.toLocaleString('en-US')} bytes, git blob SHA-1 ${result.gitBlobSha1} (verified)\n`);
  },
};

export const corpusCommand: CommandModule = {
  command: 'corpus <command>',
  describe: 'Generate the embedded corpus, describe a corpus, or download AO-CHILDES',
  builder: (y) => y.command(generateCommand).command(statsCommand).command(fetchCommand).demandCommand(1, 'name a corpus command: generate | stats | fetch'),
  handler: () => undefined,
};
