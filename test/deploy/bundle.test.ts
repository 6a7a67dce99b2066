/**
 * The deploy artifact end to end: what `forge deploy` uploads (the Forge bundler's index.cjs and
 * manifest.yml, copied to a temporary directory away from the source tree and its node_modules) runs
 * in a fresh Node process that has only the sandbox platform's globals, against the sandbox
 * Confluence. Every resolver key, the trigger and both queue consumers run from the bundle.
 * The bundle is rebuilt first when it is missing or older than the sources (CI builds it before).
 */
import { readdirSync } from 'node:fs';
import { strFromU8, unzipSync } from 'fflate';
import { startConfluence, type ConfluenceSandbox } from '../../sandbox/confluence/server';
import * as adf from '../../sandbox/confluence/adf';
import { SEED } from '../../sandbox/confluence/seed';
import { pageUpdatedEvent } from '../../sandbox/forge/events';
import { ensureBundle, NODE_DIR } from '../../sandbox/forge/artifact';
import { copyArtifact, startBundledApp, type BundledApp } from '../../sandbox/forge/bundled-app';
import { confluenceContext } from '../../sandbox/forge/action';
import { readManifest } from '../../sandbox/harness';
import { API_KEYS, type ApiKey, type PayloadOf, type ResultOf } from '../../src/shared/api';
import type { Envelope } from '../../src/shared/envelope';
import { EXPORT_CSS } from '../../src/export/stylesheet';
import { downloadZip } from '../../sandbox/forge/download';

const { alice } = SEED.users;
const page = (id: string) => ({ id, type: 'page' as const });
const rich = page(SEED.pages.rich);
const home = page(SEED.pages.home);

let confluence: ConfluenceSandbox;
let app: BundledApp;
const called = new Set<ApiKey>();

async function call<K extends ApiKey>(key: K, payload: PayloadOf<K>, content: { id: string; type: 'page' | 'blogpost' } = rich): Promise<ResultOf<K>> {
  called.add(key);
  const env = await app.invoke<Envelope<ResultOf<K>>>(key, { accountId: alice, content, payload });
  if (!env.ok) throw new Error(`${key}: ${JSON.stringify(env.error)}\n${app.logs()}`);
  return env.data;
}

/** A private zip, slice by slice as the panel fetches it, unzipped. */
async function download(jobId: string): Promise<Record<string, Uint8Array>> {
  const { zip } = await downloadZip(async (part) => ({ ok: true, data: await call('export/tree/download', { jobId, part }, home) }));
  return unzipSync(zip);
}

beforeAll(async () => {
  await ensureBundle((line) => console.log(line));
  confluence = await startConfluence();
  app = await startBundledApp({ dir: copyArtifact(NODE_DIR), confluenceUrl: confluence.url });
}, 600_000);

afterAll(async () => {
  await app?.close();
  await confluence?.close();
});

describe('the bundled app (dist/forge/node/index.cjs) in a fresh process', () => {
  test('runs from a directory holding only the artifact, with no package resolvable there', () => {
    expect(readdirSync(app.dir).filter((f) => !f.endsWith('.map')).sort()).toEqual(['index.cjs', 'manifest.yml']);
    // The bundle carries its dependencies: nothing falls back to our node_modules.
    expect(app.resolvable).toEqual([]);
    expect([...app.exports].sort()).toEqual(
      ['activityAction', 'autoExportConsumer', 'commentsAction', 'databaseAction', 'events', 'pageMarkdownAction', 'resolver', 'treeExportAction', 'treeExportConsumer'],
    );
  });

  test('page/info', async () => {
    const info = await call('page/info', {});
    const seed = confluence.site.content(SEED.pages.rich);
    expect(info).toMatchObject({ id: SEED.pages.rich, type: 'page', title: seed?.title, version: seed?.version.number, spaceKey: SEED.space.key, canEdit: true });
  });

  test('export/page: Markdown, and HTML with the full stylesheet although no file is beside the bundle', async () => {
    const md = await call('export/page', { format: 'md' });
    expect(md.text).toContain('# Rich page');
    expect(md.text).toContain('```typescript');
    const html = await call('export/page', { format: 'html' });
    expect(html.mediaType).toMatch(/^text\/html/);
    expect(html.text).toContain(EXPORT_CSS);
    expect(EXPORT_CSS.length).toBeGreaterThan(2000);
  });

  test('export/attach uploads the export to the page', async () => {
    const before = confluence.site.attachmentsOf(SEED.pages.rich).length;
    const att = await call('export/attach', { format: 'md' });
    const stored = confluence.site.attachmentsOf(SEED.pages.rich).find((a) => a.title === att.fileName);
    expect(stored?.title).toMatch(/\.md$/);
    expect(confluence.site.attachmentsOf(SEED.pages.rich).length).toBe(before + 1);
  });

  test('export/tree/start, the tree-export consumer, export/tree/status, export/tree/download, export/tree/cancel, export/jobs and export/tree/dismiss', async () => {
    // Private by default: the zip waits in the store for its requester, served in slices.
    const started = await call('export/tree/start', { format: 'md' }, home);
    expect(started.total).toBeGreaterThanOrEqual(10);
    await app.drain();
    const status = await call('export/tree/status', { jobId: started.jobId }, home);
    expect(status).toMatchObject({ phase: 'done', done: started.total, total: started.total });
    expect(status.attachment).toBeUndefined();
    const bob = await app.invoke<Envelope<unknown>>('export/tree/download', { accountId: SEED.users.bob, content: home, payload: { jobId: started.jobId, part: 0 } });
    expect(bob).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    const files = await download(started.jobId);
    const manifest = JSON.parse(strFromU8(files['manifest.json'] ?? new Uint8Array())) as { tree: Array<{ type: string }> };
    expect(manifest.tree.filter((n) => n.type === 'page')).toHaveLength(started.total);
    const runs = await app.runs();
    expect(runs.consumerRuns.filter((r) => r.queueName === 'tree-export' && r.jobId === runs.pushed.find((p) => p.queueName === 'tree-export')?.jobId && !r.error).length).toBeGreaterThan(0);

    // The next export of the tree builds on that one: what changed is counted first, then only it is fetched.
    confluence.site.updatePage(SEED.pages.faq, { title: 'Questions' }, SEED.users.alice);
    const changes = await call('export/tree/changes', { format: 'md', scope: 'tree' }, home);
    expect(changes.base?.pages).toBe(started.total);
    expect(changes.changed).toBeGreaterThanOrEqual(1);
    const again = await call('export/tree/start', { format: 'md' }, home);
    expect(again.mode).toBe('incremental');
    await app.drain();
    const next = await download(again.jobId);
    const nextManifest = JSON.parse(strFromU8(next['manifest.json'] ?? new Uint8Array())) as { changes?: { changed: number } };
    expect(nextManifest.changes?.changed).toBe(1);
    expect(next['Demo Home/Questions/index.md']).toBeDefined();

    // Attached on request, read as Alice through offline impersonation, with no restricted page in it.
    const attached = await call('export/tree/start', { format: 'md', attach: true }, home);
    await app.drain();
    const done = await call('export/tree/status', { jobId: attached.jobId }, home);
    const zip = confluence.site.attachments.get(done.attachment?.id ?? '');
    expect(zip?.pageId).toBe(SEED.pages.home);
    const names = Object.keys(unzipSync(zip?.bytes ?? new Uint8Array())).join('\n');
    expect(names).not.toMatch(/Secret/);

    // A second job, held in the queue, is cancelled before it runs.
    await app.hold();
    const second = await call('export/tree/start', { format: 'md' }, home);
    const cancelled = await call('export/tree/cancel', { jobId: second.jobId }, home);
    expect(cancelled.phase).toBe('cancelled');
    await app.drain();
    expect((await call('export/tree/status', { jobId: second.jobId }, home)).phase).toBe('cancelled');
    // "Your exports": Alice's own jobs, newest first (the cancelled one on top).
    const mine = await call('export/jobs', {}, home);
    expect(mine.jobs[0]).toMatchObject({ jobId: second.jobId, scope: 'tree', status: { phase: 'cancelled' } });
    // Dismissed, a finished export is gone from the store.
    expect(await call('export/tree/dismiss', { jobId: second.jobId }, home)).toEqual({ dismissed: true });
    const gone = await app.invoke<Envelope<unknown>>('export/tree/status', { accountId: SEED.users.alice, content: home, payload: { jobId: second.jobId } });
    expect(gone).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });

  test('export/spaces and export/space/start: the whole space, blog posts included, read by the consumer as Alice', async () => {
    expect((await call('export/spaces', { query: 'demo' }, home)).spaces.map((s) => s.key)).toEqual([SEED.space.key]);
    const started = await call('export/space/start', { format: 'md' }, home);
    await app.drain();
    expect((await call('export/tree/status', { jobId: started.jobId }, home)).phase).toBe('done');
    const files = await download(started.jobId);
    expect(strFromU8(files['Demo space/_blog/Release Notes 1.0/index.md'] ?? new Uint8Array())).toContain('Release 1.0');
    expect(files['Demo space/Archived Notes/index.md']).toBeDefined();
  });

  test('comments/list and comments/export', async () => {
    const list = await call('comments/list', {});
    expect(list.threads.map((t) => t.id)).toContain(SEED.comments.footerRoot);
    const csv = await call('comments/export', { format: 'csv' });
    expect(csv.threads).toBeGreaterThan(0);
    expect(csv.content).toContain(confluence.site.comment(SEED.comments.footerRoot)?.adf.content[0]?.content?.[0]?.text);
  });

  test('databases/list, databases/inspect and databases/export', async () => {
    const list = await call('databases/list', {}, page(SEED.pages.dbHost));
    expect(list.databases.map((d) => d.id)).toContain(SEED.database);
    const inspected = await call('databases/inspect', { database: SEED.database }, page(SEED.pages.dbHost));
    expect(inspected.id).toBe(SEED.database);
    expect(inspected.rows.probes.some((p) => p.status === 401 && p.failureCategory === 'FAILURE_CLIENT_SCOPE_CHECK')).toBe(true);
    const exported = await call('databases/export', { database: SEED.database, format: 'json' }, page(SEED.pages.dbHost));
    expect(exported.fileName).toMatch(/\.json$/);
    expect(JSON.stringify(JSON.parse(exported.content))).toContain(`"${SEED.database}"`);
  });

  test('autoexport/set, the trigger, the autoexport consumer, activity/list and autoexport/get', async () => {
    const copies = () => confluence.site.attachmentsOf(SEED.pages.faq).filter((a) => a.title.endsWith('.md'));
    const faq = page(SEED.pages.faq);
    const on = await call('autoexport/set', { enabled: true, format: 'md', frontMatter: true, comments: false }, faq);
    expect(on.setting.enabled).toBe(true);
    await app.drain(); // turning it on queues a first copy

    const version = confluence.site.updatePage(SEED.pages.faq, { adf: adf.doc(adf.p('Edited for the bundle test.')) }, alice);
    await app.trigger(pageUpdatedEvent(confluence.site, SEED.pages.faq, alice));
    await app.drain();

    const runs = await app.runs();
    const auto = runs.consumerRuns.filter((r) => r.queueName === 'autoexport');
    expect(auto.length).toBeGreaterThanOrEqual(2);
    expect(auto.filter((r) => r.error)).toEqual([]);
    const copy = copies()[0];
    expect(copy?.history.length).toBeGreaterThanOrEqual(2);
    expect(new TextDecoder().decode(copy?.bytes)).toContain('Edited for the bundle test.');

    const view = await call('autoexport/get', {}, faq);
    expect(view.lastVersion).toBe(version);
    const activity = await call('activity/list', {}, faq);
    const types = activity.items.map((i) => `${i.type}@${i.version}`);
    expect(types).toContain(`avi:confluence:updated:page@${version}`);
    expect(types).toContain(`app:autoexport@${version}`);
    // The app's own state lives in the child's KVS.
    expect((await app.kvsKeys()).length).toBeGreaterThan(0);
  });

  test('every resolver key was called from the bundle', () => {
    expect([...called].sort()).toEqual([...API_KEYS].sort());
  });

  test('every Rovo action of manifest.yml, as Rovo calls it, from the bundle', async () => {
    const on = (id: string) => confluenceContext(confluence.site, confluence.url, id);
    const act = <T>(key: string, content: string | undefined, inputs: Record<string, unknown> = {}, accountId: string = alice) =>
      app.callAction<T>(key, { accountId, inputs, confluence: content ? on(content) : undefined });
    const called: string[] = [];
    const ok = async (key: string, content: string | undefined, inputs?: Record<string, unknown>) => {
      called.push(key);
      const answer = await act<unknown>(key, content, inputs);
      if (answer && typeof answer === 'object' && 'error' in answer) throw new Error(`${key}: ${JSON.stringify(answer)}\n${app.logs()}`);
      return typeof answer === 'string' ? answer : JSON.stringify(answer);
    };
    expect(await ok('get-page-markdown', SEED.pages.rich)).toContain('# Rich page');
    expect(await ok('get-comment-threads', SEED.pages.rich, { status: 'resolved' })).toContain(SEED.comments.inlineResolved);
    expect(await ok('inspect-database', undefined, { database: SEED.database })).toContain('FAILURE_CLIENT_SCOPE_CHECK');
    expect(await ok('get-page-activity', SEED.pages.rich)).toContain('"version"');
    expect(await ok('start-tree-export', SEED.pages.section)).toContain('"started":true');
    await app.drain();
    // Bob, on the restricted page: not found, and its title never appears.
    const refused = await act<{ error: { code: string } }>('get-page-markdown', SEED.pages.restricted, {}, SEED.users.bob);
    expect(refused.error.code).toBe('NOT_FOUND');
    expect(JSON.stringify(refused)).not.toContain(confluence.site.content(SEED.pages.restricted)?.title);
    expect(called.sort()).toEqual((readManifest().modules?.action ?? []).map((a) => a.key).sort());
  });

  test('the app logged nothing unexpected', () => {
    expect(app.logs()).not.toMatch(/unexpected error|INTERNAL/);
  });
});
