// Probe suites, whatever their format: a Zorro directory (`<phenomenon>-<paradigm>.txt` files), BLiMP-style
// JSONL (a file or a directory of them), or our own generated suites (a directory with suite.json naming its
// Zorro-format files). All become one shape: named paradigms of (good, bad) sentence pairs.
import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, extname, join, resolve } from 'node:path';
import { UserError } from '../core/errors.js';
import { parseBlimpJsonl } from './blimp.js';
import type { Paradigm, Suite, SuiteFormat } from './types.js';
import { parseZorroText, phenomenonOf } from './zorro.js';


function errorCode(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? (error as Error).message;
}

async function readSuiteFile(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new UserError(`cannot read suite file ${path} (${errorCode(error)})`);
  }
}

async function readZorroFile(path: string, name: string, phenomenon: string): Promise<Paradigm> {
  return { name, phenomenon, source: path, pairs: parseZorroText(await readSuiteFile(path), path) };
}

async function readBlimpFile(path: string): Promise<Paradigm[]> {
  return parseBlimpJsonl(await readSuiteFile(path), path, basename(path, extname(path)));
}

interface SuiteJsonEntry {
  paradigm: string;
  phenomenon: string;
  file: string;
  nPairs?: number;
}

interface OwnSuite {
  name?: string;
  tokenizerSha256: string | null;
}

/** Our generator's suite.json: { name, tokenizer_sha256, paradigms: [{ paradigm, phenomenon, file, n_pairs }], … }. */
function parseSuiteJson(text: string, source: string): OwnSuite & { entries: SuiteJsonEntry[] } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new UserError(`${source}: not valid JSON (${(error as Error).message})`);
  }
  const root = json as { name?: unknown; tokenizer_sha256?: unknown; paradigms?: unknown };
  if (typeof json !== 'object' || json === null || !Array.isArray(root.paradigms) || root.paradigms.length === 0) {
    throw new UserError(`${source}: expected an object with a non-empty "paradigms" list`);
  }
  const entries = root.paradigms.map((item: unknown, index): SuiteJsonEntry => {
    const entry = item as { paradigm?: unknown; phenomenon?: unknown; file?: unknown; n_pairs?: unknown };
    const where = `${source}: paradigms[${index}]`;
    if (typeof entry !== 'object' || entry === null) throw new UserError(`${where} is not an object`);
    if (typeof entry.paradigm !== 'string' || entry.paradigm === '') throw new UserError(`${where}: missing field paradigm (a string)`);
    if (entry.file !== undefined && typeof entry.file !== 'string') throw new UserError(`${where}: field file must be a string`);
    if (entry.n_pairs !== undefined && !Number.isInteger(entry.n_pairs)) throw new UserError(`${where}: field n_pairs must be an integer`);
    return {
      paradigm: entry.paradigm,
      phenomenon: typeof entry.phenomenon === 'string' && entry.phenomenon !== '' ? entry.phenomenon : phenomenonOf(entry.paradigm),
      file: (entry.file as string | undefined) ?? `${entry.paradigm}.txt`,
      nPairs: entry.n_pairs as number | undefined,
    };
  });
  if (root.tokenizer_sha256 !== undefined && typeof root.tokenizer_sha256 !== 'string') throw new UserError(`${source}: field tokenizer_sha256 must be a string`);
  return {
    name: typeof root.name === 'string' && root.name !== '' ? root.name : undefined,
    tokenizerSha256: root.tokenizer_sha256 ?? null,
    entries,
  };
}

async function readOwnSuite(dir: string): Promise<OwnSuite & { paradigms: Paradigm[] }> {
  const manifest = join(dir, 'suite.json');
  const { name, tokenizerSha256, entries } = parseSuiteJson(await readSuiteFile(manifest), manifest);
  const paradigms: Paradigm[] = [];
  for (const entry of entries) {
    const paradigm = await readZorroFile(join(dir, entry.file), entry.paradigm, entry.phenomenon);
    if (entry.nPairs !== undefined && entry.nPairs !== paradigm.pairs.length) {
      throw new UserError(`${manifest} says ${entry.paradigm} has ${entry.nPairs} pairs but ${paradigm.source} holds ${paradigm.pairs.length}; regenerate the suite`);
    }
    paradigms.push(paradigm);
  }
  return { name, tokenizerSha256, paradigms };
}

type ReadSuite = { format: SuiteFormat; name?: string; tokenizerSha256?: string | null; paradigms: Paradigm[] };

async function readSuiteDirectory(dir: string): Promise<ReadSuite> {
  let names: string[];
  try {
    names = (await readdir(dir)).sort();
  } catch (error) {
    throw new UserError(`cannot read suite directory ${dir} (${errorCode(error)})`);
  }
  if (names.includes('suite.json')) return { format: 'babyssa', ...(await readOwnSuite(dir)) };
  const paradigms: Paradigm[] = [];
  let sawJsonl = false;
  for (const file of names) {
    const path = join(dir, file);
    if (file.endsWith('.txt')) {
      const name = basename(file, '.txt');
      paradigms.push(await readZorroFile(path, name, phenomenonOf(name)));
    } else if (file.endsWith('.jsonl')) {
      sawJsonl = true;
      paradigms.push(...(await readBlimpFile(path)));
    }
  }
  if (paradigms.length === 0) throw new UserError(`no suite in ${dir}: expected suite.json, Zorro-format .txt files, or BLiMP-style .jsonl files`);
  return { format: sawJsonl ? 'blimp' : 'zorro', paradigms };
}

export function suiteHash(paradigms: readonly Paradigm[]): string {
  const hash = createHash('sha256');
  for (const paradigm of paradigms) {
    hash.update(`${paradigm.name}\0${paradigm.phenomenon}\0`);
    for (const pair of paradigm.pairs) hash.update(`${pair.bad}\n${pair.good}\n`);
  }
  return hash.digest('hex');
}

function checkUniqueNames(paradigms: readonly Paradigm[]): void {
  const seen = new Map<string, string>();
  for (const paradigm of paradigms) {
    const earlier = seen.get(paradigm.name);
    if (earlier !== undefined) throw new UserError(`paradigm ${paradigm.name} appears twice: in ${earlier} and in ${paradigm.source}`);
    seen.set(paradigm.name, paradigm.source);
  }
}

/** Reads and validates a suite; every problem is one UserError naming the file (and line). */
export async function readSuite(path: string): Promise<Suite> {
  const absolute = resolve(path);
  const info = await stat(absolute).catch(() => null);
  if (!info) throw new UserError(`suite not found: ${path}`);
  let read: ReadSuite;
  if (info.isDirectory()) {
    read = await readSuiteDirectory(path);
  } else if (path.endsWith('.jsonl') || path.endsWith('.json')) {
    read = { format: 'blimp', paradigms: await readBlimpFile(path) };
  } else {
    const name = basename(path, extname(path));
    read = { format: 'zorro', paradigms: [await readZorroFile(path, name, phenomenonOf(name))] };
  }
  checkUniqueNames(read.paradigms);
  const name = read.name ?? basename(absolute, info.isDirectory() ? '' : extname(absolute));
  return {
    name, path: absolute, format: read.format, hash: suiteHash(read.paradigms), tokenizerSha256: read.tokenizerSha256 ?? null, paradigms: read.paradigms,
  };
}
