// Every preset runs with no other flag than a short --steps (issue 13): the default warm-up fits the steps, the
// babyberta preset finds BabyBERTa's 8,192-token tokenizer, and both read the embedded corpus.
import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

describe('presets run with their defaults', () => {
  // babyberta on wasm takes about 2 s a step on 2 cores: 2 steps keep the test short.
  it.each([
    ['babyberta', ['--preset', 'babyberta', '--steps', '2', '--backend', 'wasm'], 2],
    ['tiny', ['--preset', 'tiny', '--steps', '40'], 40],
  ])('%s', async (_name, flags, steps) => {
    const out = join(await mkdtemp(join(tmpdir(), 'babyssa-preset-')), 'run');
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'pretrain', ...flags, '--out', out], { encoding: 'utf8' });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/^babyssa: warm-up \d+ steps: 15% of --steps/m);
    expect(await readdir(out)).toContain(`step-${steps}`);
  });
});
