// summary.json's `tool`: the package's own version, and a commit only when the tool runs from its own checkout
// (issue 13: it used to record the HEAD of whatever repository the command ran in).
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, copyFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../src/config/paths.js';
import { toolFacts } from '../src/config/tool.js';

const version = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version;
const git = (args: string[], cwd: string) => execFileSync('git', args, { cwd, encoding: 'utf8' }).trim();

describe('the tool records its own version', () => {
  it('run from its own checkout: the version and that checkout\'s commit', () => {
    expect(toolFacts(PACKAGE_ROOT)).toEqual({ name: 'babyssa', version, git_sha: git(['rev-parse', 'HEAD'], PACKAGE_ROOT) });
  });

  it('installed inside another repository (node_modules): the version and no commit', async () => {
    const project = await mkdtemp(join(tmpdir(), 'babyssa-user-project-'));
    git(['init', '-q'], project);
    git(['-c', 'user.name=u', '-c', 'user.email=u@x', 'commit', '-q', '--allow-empty', '-m', 'their project'], project);
    const installed = join(project, 'node_modules', 'babyssa');
    await mkdir(installed, { recursive: true });
    await copyFile('package.json', join(installed, 'package.json'));
    expect(toolFacts(installed)).toEqual({ name: 'babyssa', version, git_sha: null });
  });

  it('installed outside any repository: no commit', async () => {
    const installed = await mkdtemp(join(tmpdir(), 'babyssa-global-'));
    await copyFile('package.json', join(installed, 'package.json'));
    expect(toolFacts(installed).git_sha).toBeNull();
  });
});
