// The layer picture, held against the code: every folder of src/ imports only folders on its own floor or
// below, the folders import each other in no loop, and neither do the files. A new folder gets a floor here.
// Also the house rule of short files: none of src/ over MAX_LINES.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/** Floor of each folder of src/, top down as README's "Layout" draws them. */
const FLOORS: Record<string, number> = {
  cli: 7,
  sweep: 6, report: 6,
  train: 5, probe: 5,
  engine: 4, io: 4,
  data: 3, tokenizer: 3, config: 3,
  model: 2,
  core: 1,
};

/** A file does one job and fits in a head (the longest today, a WGSL kernel generator, is near 300). */
const MAX_LINES = 350;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

/** Every relative import (static, re-export or dynamic) of each file, as paths of src/ files. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles('src')) {
    const text = readFileSync(file, 'utf8');
    const targets = [...text.matchAll(/(?:from|import)\s*\(?\s*'(\.[^']+)'/g)].map((m) => normalize(join(dirname(file), m[1].replace(/\.js$/, '.ts'))));
    graph.set(relative('src', file), targets.map((t) => relative('src', t)));
  }
  return graph;
}

/** Strongly connected components with more than one member, or with an edge to itself (Tarjan). */
function cycles(graph: Map<string, string[]>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const found: string[][] = [];
  const visit = (node: string): void => {
    index.set(node, counter);
    low.set(node, counter++);
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (stack.includes(next)) low.set(node, Math.min(low.get(node)!, index.get(next)!));
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        component.push(member);
      } while (member !== node);
      if (component.length > 1 || (graph.get(node) ?? []).includes(node)) found.push(component.sort());
    }
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return found;
}

const folderOf = (file: string) => file.split('/')[0];

describe('the layers of src/', () => {
  const graph = importGraph();

  it('every folder has a floor', () => {
    expect([...new Set([...graph.keys()].map(folderOf))].filter((folder) => !(folder in FLOORS))).toEqual([]);
  });

  it('no file imports a folder on a higher floor', () => {
    const upward = [...graph].flatMap(([file, targets]) =>
      targets.filter((target) => FLOORS[folderOf(target)] > FLOORS[folderOf(file)]).map((target) => `${file} -> ${target}`));
    expect(upward).toEqual([]);
  });

  it('no loop of imports between folders or between files', () => {
    const folders = new Map<string, string[]>();
    for (const [file, targets] of graph) {
      const from = folderOf(file);
      folders.set(from, [...(folders.get(from) ?? []), ...targets.map(folderOf).filter((to) => to !== from)]);
    }
    expect(cycles(folders)).toEqual([]);
    expect(cycles(graph)).toEqual([]);
  });

  it(`no file of src/ is over ${MAX_LINES} lines`, () => {
    const long = sourceFiles('src').map((file) => [file, readFileSync(file, 'utf8').split('\n').length - 1] as const).filter(([, n]) => n > MAX_LINES);
    expect(long).toEqual([]);
  });
});
