/**
 * Incremental tree and space exports end to end (issue 17): the real resolvers and the real queue
 * consumer against the sandbox. A first export becomes the base; the next export of the same root
 * fetches only what changed, carries the rest over from the base zip, and says what changed.
 */
import { strFromU8, unzipSync } from 'fflate';
import { startSandbox, type Sandbox } from '../../sandbox/harness';
import { SEED } from '../../sandbox/confluence/seed';
import * as a from '../../sandbox/confluence/adf';
import type { Envelope } from '../../src/shared/envelope';
import type { TreeChanges, TreeDownloadResult, TreeStartResult, TreeStatus } from '../../src/shared/export';
import { tuning } from '../../src/jobs/tree-run';
import { keys } from '../../src/jobs/tree-store';
import { downloadZip } from '../../sandbox/forge/download';

const alice = SEED.users.alice;
const bob = SEED.users.bob;
const home: { id: string; type: 'page' } = { id: SEED.pages.home, type: 'page' };
const defaults = { ...tuning };

let sb: Sandbox;
beforeEach(async () => {
  sb = await startSandbox();
});
afterEach(async () => {
  Object.assign(tuning, defaults);
  await sb.close();
});

function ok<T>(env: Envelope<T>): T {
  if (!env.ok) throw new Error(`expected ok, got ${JSON.stringify(env.error)}`);
  return env.data;
}

interface Entry { id: string; title: string; type: string; dir: string; file?: string; version?: number; change?: string; parentId?: string }
interface Manifest {
  format: number;
  siteTime: string;
  exportedAt: string;
  tree: Entry[];
  incremental?: { base: string; listed?: boolean; fallback?: string; deleted?: Array<{ id: string; path: string }> };
  changes?: { unchanged: number; changed: number; new: number; moved: number; deleted: number };
  report: Array<{ kind: string; what: string; detail: string; pageId?: string }>;
}

async function exportTree(accountId: string, payload: Record<string, unknown>, content = home) {
  const started = ok(await sb.invoke<Envelope<TreeStartResult>>('export/tree/start', { accountId, content, payload: { format: 'md', comments: false, ...payload } }));
  await sb.platform.drain();
  return finished(accountId, started, content);
}

async function finished(accountId: string, started: TreeStartResult, content = home) {
  const status = ok(await sb.invoke<Envelope<TreeStatus>>('export/tree/status', { accountId, content, payload: { jobId: started.jobId } }));
  if (status.phase !== 'done') throw new Error(`export ended ${status.phase}: ${JSON.stringify(status.error)}`);
  const zip = (await downloadZip((part) => sb.invoke<Envelope<TreeDownloadResult>>('export/tree/download', { accountId, content, payload: { jobId: started.jobId, part } }))).zip;
  const files = unzipSync(zip);
  const text = (name: string): string => {
    const f = files[name];
    if (!f) throw new Error(`no ${name} in zip; have ${Object.keys(files).join(', ')}`);
    return strFromU8(f);
  };
  const manifest = JSON.parse(text('manifest.json')) as Manifest;
  return { started, status, files, text, manifest, entry: (id: string) => manifest.tree.find((e) => e.id === id) };
}

const bodyFetches = (sb: Sandbox) => sb.confluence.requests.filter((r) => r.path.startsWith('/wiki/api/v2/pages?') && r.path.includes('body-format'));
const listings = (sb: Sandbox) => sb.confluence.requests.filter((r) => r.path.includes('/descendants'));
const idsIn = (path: string): string[] => [...new URL(`http://x${path}`).searchParams.getAll('id')];

describe('incremental tree export', () => {
  it('carries everything over when nothing changed: no listing, no body', async () => {
    const first = await exportTree(alice, {});
    expect(first.started.mode).toBe('full');
    expect(first.manifest.format).toBe(2);
    sb.confluence.resetRequests();
    const again = await exportTree(alice, {});
    expect(again.started.mode).toBe('incremental');
    expect(again.started.base).toBe(first.manifest.exportedAt);
    expect(listings(sb)).toEqual([]);
    expect(bodyFetches(sb)).toEqual([]);
    expect(again.manifest.changes).toEqual({ unchanged: first.status.done, changed: 0, new: 0, moved: 0, deleted: 0 });
    expect(again.manifest.incremental?.base).toBe(first.manifest.exportedAt);
    const names = Object.keys(first.files).filter((n) => n !== 'manifest.json').sort();
    expect(Object.keys(again.files).filter((n) => n !== 'manifest.json').sort()).toEqual(names);
    for (const n of names) expect(again.text(n)).toBe(first.text(n));
  });
});
