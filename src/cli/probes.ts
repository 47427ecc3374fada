// `babyssa probes generate`: write a minimal-pair suite tailored to a tokenizer and corpus (Zorro format,
// one file per paradigm, plus suite.json), as Zorro tailors its suite to BabyBERTa's vocabulary.
import { readFile } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import type { CommandModule } from 'yargs';
import { shippedPath } from '../config/paths.js';
import { readCorpusLines } from '../data/corpus.js';
import { generateSuite, sha256, writeSuite } from '../probe/paradigms/generate.js';
import { PARADIGMS } from '../probe/paradigms/paradigms.js';
import { countWords } from '../probe/paradigms/vocabulary.js';
import { checkOutputFolder } from '../io/output-path.js';
import { loadTokenizer } from '../tokenizer/load.js';
import { fail } from './errors.js';

interface GenerateArgs {
  tokenizer: string;
  corpus: string;
  pairs: number;
  seed: number;
  out: string;
  'min-count': number;
  paradigm?: string[];
  json: boolean;
  overwrite: boolean;
}

const paradigmNames = PARADIGMS.map((template) => template.paradigm);

const generateCommand: CommandModule<object, GenerateArgs> = {
  command: 'generate',
  describe: 'Write minimal pairs from babyssa\'s templates, using only whole-word tokens of the tokenizer seen in the corpus',
  builder: (y) =>
    y
      .options({
        tokenizer: { type: 'string', default: 'corpora/default-tokenizer.json', describe: 'the model\'s tokenizer.json (or a folder holding one)' },
        corpus: { type: 'string', default: 'corpora/default.txt', describe: 'training corpus: word frequencies favour frequent words' },
        pairs: { type: 'number', default: 2000, describe: 'unique pairs per paradigm (fewer, with a warning, if the vocabulary runs out)' },
        seed: { type: 'number', default: 1, describe: 'seed: the same inputs and seed give byte-identical files' },
        out: { type: 'string', demandOption: true, describe: 'suite folder to write (<paradigm>.txt files and suite.json)' },
        'min-count': { type: 'number', default: 1, describe: 'use only words seen at least this often in the corpus' },
        paradigm: { type: 'string', array: true, choices: paradigmNames, describe: 'generate only these paradigms (default: all)' },
        json: { type: 'boolean', default: false, describe: 'print suite.json on stdout' },
        overwrite: { type: 'boolean', default: false, describe: 'write into a non-empty --out' },
      })
      .check((argv) => {
        if (!Number.isInteger(argv.pairs) || argv.pairs < 1) fail(`--pairs must be a positive integer, not ${argv.pairs}`);
        if (!Number.isInteger(argv.seed)) fail(`--seed must be an integer, not ${argv.seed}`);
        if (!Number.isInteger(argv['min-count']) || argv['min-count'] < 1) fail(`--min-count must be a positive integer, not ${argv['min-count']}`);
        return true;
      })
      .example(
        '$0 probes generate --tokenizer corpora/default-tokenizer.json --corpus corpora/default.txt --pairs 2000 --seed 1 --out probes/default',
        'the shipped default suite',
      )
      .example('$0 probes generate --tokenizer tok/tokenizer.json --corpus corpora/aochildes.txt --out probes/ao', 'a suite for AO-CHILDES'),
  handler: async (argv) => {
    await checkOutputFolder(argv.out, argv.overwrite);
    const tokenizerPath = shippedPath(argv.tokenizer);
    const corpusPath = shippedPath(argv.corpus);
    const tokenizer = await loadTokenizer(tokenizerPath);
    const lines = await readCorpusLines(corpusPath);
    const corpusBytes = await readFile(corpusPath);
    const selected = argv.paradigm === undefined ? PARADIGMS : PARADIGMS.filter((template) => argv.paradigm?.includes(template.paradigm));
    const suite = generateSuite({
      name: basename(resolve(argv.out)),
      tokenizer,
      tokenizerSha256: sha256(tokenizer.json),
      corpusSha256: sha256(corpusBytes),
      counts: countWords(lines),
      pairs: argv.pairs,
      seed: argv.seed,
      minCount: argv['min-count'],
      templates: selected,
      log: (line) => process.stderr.write(`babyssa: ${line}\n`),
    });
    if (suite.paradigms.length === 0) fail(`no paradigm could be generated from ${argv.tokenizer} and ${argv.corpus}; see the warnings above`);
    await writeSuite(argv.out, suite);
    const total = suite.paradigms.reduce((sum, paradigm) => sum + paradigm.nPairs, 0);
    const paradigms = suite.paradigms.length === 1 ? '1 paradigm' : `${suite.paradigms.length} paradigms`;
    process.stderr.write(`babyssa: wrote ${argv.out}: ${paradigms}, ${total.toLocaleString('en-US')} pairs\n`);
    if (argv.json) process.stdout.write(suite.manifest);
  },
};

export const probesCommand: CommandModule = {
  command: 'probes <command>',
  describe: 'Make minimal-pair probe suites',
  builder: (y) => y.command(generateCommand).demandCommand(1, 'name a probes command: generate'),
  handler: () => undefined,
};
