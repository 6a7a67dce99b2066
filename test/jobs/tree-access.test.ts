/**
 * Issue 13, tree export half, as acceptance tests on the seed site (Alice sees everything; Bob
 * cannot see `restricted`, its child, or `restrictedDatabase`, and may not edit `faq`). Real
 * resolvers, the real queue consumer and the real @forge packages against the sandbox.
 */
import { strFromU8, unzipSync } from 'fflate';
import { randomBytes } from 'node:crypto';
import { asUser, route } from '@forge/api';
import { startSandbox, type Sandbox } from '../../sandbox/harness';
import { SEED } from '../../sandbox/confluence/seed';
import { treeExportConsumer } from '../../src/index';
import { LIMITS } from '../../src/jobs/tree-limits';
import type { Envelope } from '../../src/shared/envelope';
import type { TreeDownloadResult, TreeStartResult, TreeStatus } from '../../src/shared/export';
import { downloadZip } from '../../sandbox/forge/download';
import { ok } from '../envelope';

const { alice, bob } = SEED.users;
const home: { id: string; type: 'page' } = { id: SEED.pages.home, type: 'page' };
const faq: { id: string; type: 'page' } = { id: SEED.pages.faq, type: 'page' };
const limits = { ...LIMITS };

let sb: Sandbox;
beforeEach(async () => {
  sb = await startSandbox();
});
afterEach(async () => {
  Object.assign(LIMITS, limits);
  await sb.close();
});

const start = (accountId: string, payload: unknown, content = home) => sb.invoke<Envelope<TreeStartResult>>('export/tree/start', { accountId, content, payload });
const status = (accountId: string, jobId: string, content = home) => sb.invoke<Envelope<TreeStatus>>('export/tree/status', { accountId, content, payload: { jobId } });
const part = (accountId: string, jobId: string, n: number, content = home) => sb.invoke<Envelope<TreeDownloadResult>>('export/tree/download', { accountId, content, payload: { jobId, part: n } });

async function download(accountId: string, jobId: string): Promise<Record<string, Uint8Array>> {
  return unzipSync((await downloadZip((n) => part(accountId, jobId, n))).zip);
}

const everything = (files: Record<string, Uint8Array>): string => Object.entries(files).map(([name, bytes]) => `${name}\n${strFromU8(bytes)}`).join('\n');
const zips = () => [...sb.confluence.site.attachments.values()].filter((a) => a.title.endsWith('.zip'));

describe('tree exports go privately to the person who asked', () => {
  it("delivers Alice's export of home to Alice only; Bob cannot read or download her job", async () => {
    const job = ok(await start(alice, { format: 'md' }));
    await sb.platform.drain();
    const st = ok(await status(alice, job.jobId));
    expect(st.phase).toBe('done');
    expect(st.download?.parts).toBeGreaterThanOrEqual(1);
    expect(st.attachment).toBeUndefined();
    expect(zips()).toEqual([]);
    // Bob, on the same page, with the job id: nothing.
    for (const env of [await status(bob, job.jobId), await part(bob, job.jobId, 0)]) {
      expect(env.ok).toBe(false);
      if (!env.ok) expect(env.error.code).toBe('NOT_FOUND');
    }
    // Alice gets her whole tree, restricted pages included: she may read them.
    const files = await download(alice, job.jobId);
    expect(files['Demo Home/Secret Plans/index.md']).toBeDefined();
    expect(files['Demo Home/Secret Plans/Secret Appendix/index.md']).toBeDefined();
    // Downloaded, it stays as the base of her next export of this tree (tree-base.ts): still hers
    // alone, and gone once a newer export of hers replaced it and she downloaded that one.
    expect((await status(alice, job.jobId)).ok).toBe(true);
    for (const env of [await status(bob, job.jobId), await part(bob, job.jobId, 0)]) expect(env.ok).toBe(false);
    const next = ok(await start(alice, { format: 'md' }));
    await sb.platform.drain();
    await download(alice, next.jobId);
    expect((await status(alice, job.jobId)).ok).toBe(false);
  });

  it('serves a large zip in slices under the invoke limit and reassembles it byte for byte', async () => {
    // 60 pages of 80 KB of random base64 text (barely compressible): a zip of more than one slice.
    const texts: string[] = [];
    for (let i = 0; i < 60; i++) {
      const text = randomBytes(60_000).toString('base64');
      texts.push(text);
      sb.confluence.site.addPage({ parentId: SEED.pages.install, title: `Bulk ${i}`, spaceId: SEED.space.id, authorId: alice, adf: { type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text', text }] }] } });
    }
    const job = ok(await start(alice, { format: 'md' }));
    await sb.platform.drain();
    const st = ok(await status(alice, job.jobId));
    const first = ok(await part(alice, job.jobId, 0));
    expect(first.parts).toBeGreaterThan(1);
    expect(first.data.length).toBeLessThan(4_000_000);
    const files = await download(alice, job.jobId);
    expect(Object.keys(files).filter((n) => n.includes('/Bulk ')).length).toBe(60);
    expect(strFromU8(files['Demo Home/Installation/Bulk 59/index.md']!)).toContain(texts[59]);
    expect(st.download?.bytes).toBeGreaterThan(16 * 200 * 1024 * 0.75);
  });
});

describe('an attached tree zip holds only what every viewer of the page can read', () => {
  it("Alice's attached export of home names no restricted page, child or database", async () => {
    const job = ok(await start(alice, { format: 'md', attach: true }));
    await sb.platform.drain();
    const st = ok(await status(alice, job.jobId));
    expect(st.phase).toBe('done');
    expect(st.download).toBeUndefined();
    const att = sb.confluence.site.attachments.get(st.attachment!.id)!;
    expect(att.pageId).toBe(SEED.pages.home);
    // Uploaded as Alice (impersonated), not as the app.
    expect(sb.confluence.requests.filter((r) => r.method === 'PUT').map((r) => r.principal)).toEqual([`user:${alice}`]);
    const files = unzipSync(att.bytes);
    const all = everything(files);
    for (const secret of ['Secret', 'Salaries', 'Confidential', SEED.pages.restricted, SEED.pages.restrictedChild, SEED.restrictedDatabase]) expect(all).not.toContain(secret);
    // Left-out items are counted in the fidelity report, without titles.
    const manifest = JSON.parse(strFromU8(files['manifest.json']!)) as { report: Array<{ what: string; detail: string; pageId?: string }>; tree: Array<{ id: string }> };
    const withheld = manifest.report.filter((e) => e.what === 'restricted');
    expect(withheld.length).toBe(3);
    for (const e of withheld) expect(e.pageId).toBeUndefined();
    // Everything else is there.
    expect(files['Demo Home/User Guide/Chapter One/index.md']).toBeDefined();
    expect(manifest.tree.map((n) => n.id)).toContain(SEED.database);
    // What Bob downloads from home is now the same as what he could read himself.
    expect(st.report.find((r) => r.what === 'restricted')?.count).toBe(3);
    // Progress adds up (issue 23 part 8): exported, left out and not-a-page are counted apart.
    const pagesLeftOut = 2; // the restricted page and its child; the third item withheld is a database
    expect(st.withheld).toBe(pagesLeftOut);
    expect(st.missing).toBeUndefined();
    expect(st.done + pagesLeftOut).toBe(st.total);
    expect(st.skipped).toBe(job.skipped);
  });

  it('leaves out a page restricted to both users too: "every viewer" is not known, so any restriction excludes', async () => {
    sb.confluence.site.restrict(SEED.pages.install, [alice, bob]);
    const job = ok(await start(alice, { format: 'md', attach: true }));
    await sb.platform.drain();
    const st = ok(await status(alice, job.jobId));
    const files = unzipSync(sb.confluence.site.attachments.get(st.attachment!.id)!.bytes);
    expect(files['Demo Home/Installation/index.md']).toBeUndefined();
    // The children macro of home does not list it either.
    expect(strFromU8(files['Demo Home/index.md']!)).not.toContain('Installation');
  });
});

describe('writes happen only where the requester may write, checked before any work', () => {
  it('refuses Bob an attached tree export on faq up front: no job, no listing, no upload', async () => {
    sb.platform.manualDelivery = true;
    sb.confluence.resetRequests();
    const env = await start(bob, { format: 'md', attach: true }, faq);
    expect(env.ok).toBe(false);
    if (!env.ok) expect(env.error.code).toBe('FORBIDDEN');
    expect(sb.platform.pushed).toEqual([]);
    expect(sb.platform.kvs.keys().filter((k) => k.startsWith('tree-export'))).toEqual([]);
    expect(sb.confluence.requests.some((r) => r.path.includes('/descendants'))).toBe(false);
    await sb.platform.drain();
    expect(zips()).toEqual([]);
    // A private export of the same tree is his to take.
    expect((await start(bob, { format: 'md' }, faq)).ok).toBe(true);
  });
});

describe('background reads act as the requester', () => {
  it("honours a restriction added between start and run: Bob's zip has neither the page nor the new text", async () => {
    sb.platform.manualDelivery = true;
    const job = ok(await start(bob, { format: 'md' }));
    sb.confluence.site.restrict(SEED.pages.guide, [alice]);
    sb.confluence.site.updatePage(SEED.pages.chapter, { adf: { type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text', text: 'Fresh chapter text' }] }] } }, alice);
    await sb.platform.drain();
    const st = ok(await status(bob, job.jobId));
    expect(st.phase).toBe('done');
    const files = await download(bob, job.jobId);
    const all = everything(files);
    expect(all).not.toContain('Fresh chapter text');
    expect(files['Demo Home/User Guide/index.md']).toBeUndefined();
    expect(files['Demo Home/User Guide/Chapter One/index.md']).toBeUndefined();
    expect(files['Demo Home/FAQ/index.md']).toBeDefined();
    // Every body, comment and attachment read of the run was Bob's.
    const runReads = sb.confluence.requests.filter((r) => /\/pages\?|comments|attachments/.test(r.path));
    expect(runReads.length).toBeGreaterThan(0);
    expect(runReads.every((r) => r.principal === `user:${bob}`)).toBe(true);
  });

  it('the platform lets a consumer impersonate only on scopes marked allowImpersonation', async () => {
    const get = (path: 'page' | 'space') =>
      sb.platform.run({ moduleKey: 'tree-export' }, async () => {
        const api = asUser(alice);
        const res = path === 'page'
          ? await api.requestConfluence(route`/wiki/api/v2/pages/${SEED.pages.guide}`)
          : await api.requestConfluence(route`/wiki/api/v2/spaces/${SEED.space.id}`);
        return { status: res.status, category: res.headers.get('x-failure-category') };
      });
    // read:page:confluence is marked allowImpersonation in manifest.yml; read:space:confluence is not.
    expect(await get('page')).toEqual({ status: 200, category: null });
    expect(await get('space')).toEqual({ status: 401, category: 'FAILURE_CLIENT_SCOPE_CHECK' });
    // The same calls inside Alice's own invocation are not impersonation: both work.
    const own = await sb.platform.run({ moduleKey: 'panel', accountId: alice }, async () => (await asUser(alice).requestConfluence(route`/wiki/api/v2/spaces/${SEED.space.id}`)).status);
    expect(own).toBe(200);
  });
});

describe('robustness', () => {
  it('a duplicated queue message does not mark a finished job failed', async () => {
    sb.platform.manualDelivery = true;
    const job = ok(await start(alice, { format: 'md' }));
    // The first run stops when it starts reading its output to zip; the duplicate then runs. If the
    // duplicate reaches the same read, the first run is let go to finish (and clean up) first.
    const g = globalThis as unknown as { __forge_fetch__: (meta: { type: string }, path: string, init?: RequestInit) => Promise<Response> };
    const real = g.__forge_fetch__;
    let reads = 0;
    let releaseFirst!: () => void;
    const firstHeld = new Promise<void>((r) => (releaseFirst = r));
    let firstReachedZip!: () => void;
    const firstAtZip = new Promise<void>((r) => (firstReachedZip = r));
    let firstDone: Promise<unknown> = Promise.resolve();
    g.__forge_fetch__ = async (meta, path, init) => {
      if (meta.type === 'kvs' && path === '/api/v1/get' && String(init?.body).includes(`${job.jobId}:out:0"`)) {
        reads += 1;
        if (reads === 1) {
          firstReachedZip();
          await firstHeld;
        } else if (reads === 2) {
          releaseFirst();
          await firstDone;
        }
      }
      return real(meta, path, init);
    };
    try {
      const run = () => sb.platform.run({ moduleKey: 'tree-export', budgetMs: 900_000 }, () => treeExportConsumer({ body: { jobId: job.jobId } }));
      firstDone = run();
      await firstAtZip;
      const second = await run();
      releaseFirst();
      const first = await firstDone;
      expect(first).toEqual({ outcome: 'done' });
      expect(second?.outcome).not.toBe('failed');
    } finally {
      g.__forge_fetch__ = real;
    }
    expect(ok(await status(alice, job.jobId)).phase).toBe('done');
  });

  it('bounds running tree jobs per user, with a clear message, even when started all at once', async () => {
    sb.platform.manualDelivery = true;
    const results = await Promise.all(Array.from({ length: 25 }, () => start(alice, { format: 'md' })));
    const accepted = results.filter((r) => r.ok).length;
    expect(accepted).toBeGreaterThanOrEqual(1);
    expect(accepted).toBeLessThanOrEqual(LIMITS.perUser);
    const refused = results.find((r) => !r.ok);
    expect(refused && !refused.ok ? refused.error : undefined).toMatchObject({ code: 'TOO_MANY_JOBS', message: `You already have ${LIMITS.perUser} page tree or space exports running.` });
    // One after another: exactly the limit, then refused; another user still gets theirs.
    await sb.platform.drain();
    for (const r of results) if (r.ok) await download(alice, r.data.jobId);
    sb.platform.manualDelivery = true;
    for (let i = 0; i < LIMITS.perUser; i++) expect((await start(alice, { format: 'md' })).ok).toBe(true);
    expect((await start(alice, { format: 'md' })).ok).toBe(false);
    expect((await start(bob, { format: 'md' })).ok).toBe(true);
  });

  it('bounds running tree jobs per site', async () => {
    sb.platform.manualDelivery = true;
    LIMITS.perSite = 2;
    expect((await start(alice, { format: 'md' })).ok).toBe(true);
    expect((await start(bob, { format: 'md' })).ok).toBe(true);
    const third = await start(bob, { format: 'md' });
    expect(third.ok ? undefined : third.error).toMatchObject({ code: 'TOO_MANY_JOBS', message: 'This site already has 2 page tree or space exports running.' });
    // A space export counts against the same limits, and says what to restart.
    const space = await sb.invoke<Envelope<TreeStartResult>>('export/space/start', { accountId: bob, content: home, payload: { format: 'md' } });
    expect(space.ok ? undefined : space.error).toMatchObject({ code: 'TOO_MANY_JOBS', message: 'This site already has 2 page tree or space exports running.', hint: 'Wait for one to finish (or cancel one), then start the space export again.' });
    // Finished jobs no longer count.
    await sb.platform.drain();
    sb.platform.manualDelivery = true;
    expect((await start(bob, { format: 'md' })).ok).toBe(true);
  });
});
