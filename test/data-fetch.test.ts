import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../src/core/errors.js';
import { countLines, downloadCorpus, gitBlobSha1, KNOWN_CORPORA } from '../src/data/fetch.js';

const FIXTURE = Buffer.from('where is the ball ?\nlook at the doggie .\nthat\'s a big truck .\n');
// `git hash-object` of the fixture, computed independently of gitBlobSha1.
const FIXTURE_BLOB = '4b5b9ef192421d40f99c8c71203308d2b8a07f89';

let server: Server;
let base: string;
let dir: string;
let requests = 0;

beforeAll(async () => {
  server = createServer((request, response) => {
    requests++;
    if (request.url === '/aochildes.txt') {
      response.writeHead(200, { 'content-type': 'text/plain', 'content-length': FIXTURE.length });
      response.end(FIXTURE);
    } else if (request.url === '/chunked.txt') {
      response.writeHead(200, { 'content-type': 'text/plain' });
      response.write(FIXTURE.subarray(0, 10));
      response.end(FIXTURE.subarray(10));
    } else {
      response.writeHead(404, { 'content-type': 'text/plain' });
      response.end('not found');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  dir = await mkdtemp(join(tmpdir(), 'babyssa-fetch-'));
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

const expected = { lines: 3, gitBlobSha1: FIXTURE_BLOB };

describe('checksums', () => {
  it('computes the git blob SHA-1 that `git hash-object` gives', () => {
    expect(gitBlobSha1(FIXTURE)).toBe(FIXTURE_BLOB);
    expect(gitBlobSha1(new Uint8Array(0))).toBe('e69de29bb2d1d6434b8b29ae775ad8c2e48c5391');
  });

  it.each([
    ['', 0], ['a\n', 1], ['a\nb', 2], ['a\nb\n', 2], ['\n\n', 2],
  ])('counts lines of %j as %d', (text, lines) => {
    expect(countLines(Buffer.from(text))).toBe(lines);
  });

  it('records AO-CHILDES as BabyBERTa ships it', () => {
    expect(KNOWN_CORPORA.aochildes.lines).toBe(893_989);
    expect(KNOWN_CORPORA.aochildes.gitBlobSha1).toMatch(/^[0-9a-f]{40}$/);
    expect(KNOWN_CORPORA.aochildes.url).toContain('phueb/BabyBERTa');
  });
});

describe('downloadCorpus', () => {
  it('downloads, verifies and writes the file, reporting progress', async () => {
    const out = join(dir, 'ok', 'aochildes.txt');
    const progress: [number, number | undefined][] = [];
    const result = await downloadCorpus({ url: `${base}/aochildes.txt`, out, expected, onProgress: (r, t) => progress.push([r, t]) });
    expect(result).toEqual({ bytes: FIXTURE.length, lines: 3, gitBlobSha1: FIXTURE_BLOB });
    expect(await readFile(out)).toEqual(FIXTURE);
    expect(progress.at(-1)).toEqual([FIXTURE.length, FIXTURE.length]);
  });

  it('works without a Content-Length (total unknown)', async () => {
    const out = join(dir, 'chunked', 'aochildes.txt');
    const progress: (number | undefined)[] = [];
    await downloadCorpus({ url: `${base}/chunked.txt`, out, expected, onProgress: (_r, t) => progress.push(t) });
    expect(await readFile(out)).toEqual(FIXTURE);
    expect(progress.every((t) => t === undefined)).toBe(true);
  });

  it.each([
    ['a wrong checksum', '/aochildes.txt', { ...expected, gitBlobSha1: '0'.repeat(40) }, /does not match: git blob SHA-1 4b5b9ef1.*expected 0{40}; nothing written/],
    ['a wrong line count', '/aochildes.txt', { ...expected, lines: 893_989 }, /has 3 lines, expected 893989; nothing written/],
    ['HTTP 404', '/missing.txt', expected, /download failed: HTTP 404 Not Found from http:\/\/127\.0\.0\.1:\d+\/missing\.txt/],
  ])('fails on %s with a UserError and leaves no file behind', async (_what, path, wanted, message) => {
    const folder = await mkdtemp(join(dir, 'bad-'));
    const error = await downloadCorpus({ url: `${base}${path}`, out: join(folder, 'aochildes.txt'), expected: wanted }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).toMatch(message);
    expect(await readdir(folder)).toEqual([]);
  });

  it('fails with a UserError when nothing listens', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const before = requests;
    const error = await downloadCorpus({ url: `http://127.0.0.1:${port}/x.txt`, out: join(dir, 'refused.txt'), expected }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).toMatch(/^download failed: .*check the network/);
    expect(requests).toBe(before);
  });
});
