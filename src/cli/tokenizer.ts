// `babyssa tokenizer train|encode`: train a BabyBERTa-style byte-level BPE tokenizer, or show how one encodes text.
import { join } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { shippedPath } from '../config/paths.js';
import { readCorpusLines } from '../data/corpus.js';
import { writeFileAtomic } from '../core/files.js';
import { checkOutputFile, checkOutputFolder } from '../io/output-path.js';
import { serializeTokenizerJson } from '../tokenizer/hf-json.js';
import { loadTokenizer } from '../tokenizer/load.js';
import { countWords, SPECIALS_AND_ALPHABET, trainBpe } from '../tokenizer/train.js';
import { fail } from './errors.js';

const DEFAULT_TOKENIZER = 'corpora/default-tokenizer.json';

interface TrainArgs {
  corpus: string;
  'vocab-size': number;
  'min-frequency': number;
  out: string;
  overwrite: boolean;
}

/** --out DIR writes DIR/tokenizer.json; a path ending in .json is the file itself. */
function outputFile(out: string): string {
  return out.endsWith('.json') ? out : join(out, 'tokenizer.json');
}

async function train(argv: TrainArgs): Promise<void> {
  const file = outputFile(argv.out);
  if (file !== argv.out) await checkOutputFolder(argv.out, true);
  await checkOutputFile(file, argv.overwrite);
  const started = performance.now();
  const lines = await readCorpusLines(argv.corpus);
  const wordCounts = countWords(lines);
  process.stderr.write(`babyssa: ${lines.length} lines, ${wordCounts.size} distinct words; merging…\n`);
  let reported = 0;
  const bpe = trainBpe(wordCounts, {
    vocabSize: argv['vocab-size'],
    minFrequency: argv['min-frequency'],
    onProgress: (size, target) => {
      // A line per tenth of the way keeps logs short when stderr is a file.
      const tenth = Math.floor((10 * size) / target);
      if (tenth > reported) {
        reported = tenth;
        process.stderr.write(`babyssa: vocabulary ${size}/${target}\n`);
      }
    },
  });
  await writeFileAtomic(file, serializeTokenizerJson(bpe));
  const seconds = (performance.now() - started) / 1000;
  process.stderr.write(`babyssa: wrote ${file}: ${bpe.vocab.length} tokens, ${bpe.merges.length} merges in ${seconds.toFixed(1)} s\n`);
}

const trainCommand: CommandModule<object, TrainArgs> = {
  command: 'train',
  describe: 'Train byte-level BPE like BabyBERTa (lower-case, prefix space, specials <mask> <pad> <unk> <s> </s> = ids 0-4)',
  builder: (y) =>
    y
      .options({
        corpus: { type: 'string', demandOption: true, describe: 'text file, one utterance per line (every non-blank line is used)' },
        'vocab-size': { type: 'number', default: 8192, describe: 'exact vocabulary size, specials and 256 byte symbols included' },
        'min-frequency': { type: 'number', default: 2, describe: 'never merge a pair seen fewer times' },
        out: { type: 'string', demandOption: true, describe: 'folder for tokenizer.json (or a path ending in .json)' },
        overwrite: { type: 'boolean', default: false, describe: 'replace an existing tokenizer.json' },
      })
      .check((argv) => {
        const size = argv['vocab-size'];
        if (!Number.isInteger(size) || size < SPECIALS_AND_ALPHABET) fail(`--vocab-size must be an integer ≥ ${SPECIALS_AND_ALPHABET} (5 specials + 256 byte symbols), not ${size}`);
        if (!Number.isInteger(argv['min-frequency']) || argv['min-frequency'] < 0) fail(`--min-frequency must be a non-negative integer, not ${argv['min-frequency']}`);
        return true;
      })
      .example('$0 tokenizer train --corpus corpora/aochildes.txt --vocab-size 8192 --out tok', 'BabyBERTa\'s tokenizer → tok/tokenizer.json')
      .example('$0 tokenizer train --corpus corpora/default.txt --vocab-size 2048 --out corpora/default-tokenizer.json', 'the shipped default'),
  handler: train,
};

interface EncodeArgs {
  tokenizer: string;
  json: boolean;
  text: string[];
}

const encodeCommand: CommandModule<object, EncodeArgs> = {
  command: 'encode <text..>',
  describe: 'Encode text as the model sees it: <s> … </s> ids and tokens',
  builder: (y) =>
    (y as Argv<object>)
      .positional('text', { type: 'string', array: true, demandOption: true, describe: 'the text (several words are joined with spaces)' })
      .options({
        tokenizer: { type: 'string', default: DEFAULT_TOKENIZER, describe: 'tokenizer.json, or a folder holding one' },
        json: { type: 'boolean', default: false, describe: 'print {"ids":[...],"tokens":[...]}' },
      })
      .example('$0 tokenizer encode --json "where is the ball ?"', 'ids and tokens with the default tokenizer') as Argv<EncodeArgs>,
  handler: async (argv) => {
    const tokenizer = await loadTokenizer(shippedPath(argv.tokenizer));
    const { ids, tokens } = tokenizer.encode(argv.text.map(String).join(' '));
    if (argv.json) process.stdout.write(`${JSON.stringify({ ids, tokens })}\n`);
    else process.stdout.write(`${tokens.map((token, i) => `${ids[i]}\t${token}`).join('\n')}\n`);
  },
};

export const tokenizerCommand: CommandModule = {
  command: 'tokenizer <command>',
  describe: 'Train a byte-level BPE tokenizer or encode text with one',
  builder: (y) => y.command(trainCommand).command(encodeCommand).demandCommand(1, 'name a tokenizer command: train | encode'),
  handler: () => undefined,
};
