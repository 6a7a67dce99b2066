/**
 * Tree export end to end: the real resolvers (as the user) and the real queue consumer (as the
 * requester, by offline impersonation) against the sandbox; the zip is downloaded through
 * `export/tree/download` (or read from the attachment) and read back with fflate.
 */
import { strFromU8, unzipSync } from 'fflate';
import { startSandbox, type Sandbox } from '../../sandbox/harness';
import { SEED } from '../../sandbox/confluence/seed';
import type { Envelope } from '../../src/shared/envelope';
import type { TreeDownloadResult, TreeStartResult, TreeStatus } from '../../src/shared/export';
import { tuning } from '../../src/jobs/tree-run';
import { downloadZip } from '../../sandbox/forge/download';
import { ok } from '../envelope';

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

async function start(accountId: string, payload: unknown, content = home): Promise<TreeStartResult> {
  return ok(await sb.invoke<Envelope<TreeStartResult>>('export/tree/start', { accountId, content, payload }));
}

async function status(accountId: string, jobId: string, content = home): Promise<TreeStatus> {
  return ok(await sb.invoke<Envelope<TreeStatus>>('export/tree/status', { accountId, content, payload: { jobId } }));
}

/** The private zip, slice by slice, as the panel fetches it. */
async function download(accountId: string, jobId: string, content = home): Promise<Uint8Array> {
  return (await downloadZip((part) => sb.invoke<Envelope<TreeDownloadResult>>('export/tree/download', { accountId, content, payload: { jobId, part } }))).zip;
}

/** Runs a whole export and returns its final status and the unzipped files. */
async function exportTree(accountId: string, payload: unknown, content = home) {
  const started = await start(accountId, payload, content);
  await sb.platform.drain();
  const st = await status(accountId, started.jobId, content);
  const att = st.attachment ? sb.confluence.site.attachments.get(st.attachment.id) : undefined;
  const zip = att ? att.bytes : st.download ? await download(accountId, started.jobId, content) : undefined;
  const files = zip ? unzipSync(zip) : {};
  const text = (name: string): string => {
    const f = files[name];
    if (!f) throw new Error(`no ${name} in zip; have ${Object.keys(files).join(', ')}`);
    return strFromU8(f);
  };
  return { started, status: st, files, text, attachment: att };
}

interface Manifest {
  root: { id: string };
  tree: Array<{ id: string; title: string; type: string; dir: string; file?: string; skipped?: boolean }>;
  links: Array<{ from: string; to: string[] }>;
  report: Array<{ kind: string; what: string; pageId?: string; detail: string }>;
}

describe('tree export', () => {
  it('zips the tree: a folder per page, index.md in each, manifest, relative links', async () => {
    const { started, status: st, files, text, attachment } = await exportTree(alice, { format: 'md' });
    expect(st.phase).toBe('done');
    expect(st.done).toBe(st.total);
    expect(started.total).toBeGreaterThanOrEqual(10);
    // Private by default: a download for Alice, nothing attached anywhere.
    expect(attachment).toBeUndefined();
    expect(st.download?.fileName).toMatch(/\.zip$/);
    expect([...sb.confluence.site.attachments.values()].some((a) => a.title.endsWith('.zip'))).toBe(false);
    // Listing and bodies as Alice (the consumer by offline impersonation); no write at all.
    const reqs = sb.confluence.requests;
    expect(reqs.filter((r) => r.path.includes('/descendants')).every((r) => r.principal === `user:${alice}`)).toBe(true);
    const bodies = reqs.filter((r) => r.path.startsWith('/wiki/api/v2/pages?'));
    expect(bodies.length).toBeGreaterThan(0);
    expect(bodies.every((r) => r.principal === `user:${alice}`)).toBe(true);
    expect(reqs.filter((r) => r.method !== 'GET' && !r.path.includes('users-bulk'))).toEqual([]);
    // Bodies in bulk: one request for the whole (small) tree.
    expect(reqs.filter((r) => r.path.startsWith('/wiki/api/v2/pages?')).length).toBe(1);

    const manifest = JSON.parse(text('manifest.json')) as Manifest;
    const pages = manifest.tree.filter((n) => n.type === 'page');
    expect(pages.length).toBe(st.total);
    for (const p of pages) {
      expect(p.file).toBe(`${p.dir}/index.md`);
      expect(files[p.file!]).toBeDefined();
      expect(text(p.file!)).toContain(`id: "${p.id}"`);
    }
    expect(text('Demo Home/index.md')).toContain('Text of Demo Home.');
    // The children macro lists the exported child pages with relative links.
    expect(text('Demo Home/index.md')).toContain('](User%20Guide/index.md)');
    expect(text('Demo Home/User Guide/Chapter One/Section 1.1/index.md')).toContain('title: Section 1.1');
    // Links between exported pages are relative; the back link from Section 1.1 to the guide:
    expect(text('Demo Home/User Guide/Chapter One/Section 1.1/index.md')).toContain('](../../index.md)');
    const rich = text('Demo Home/User Guide/Rich Page/index.md');
    expect(rich).toContain('](../../Installation/index.md)');
    expect(rich).toContain('](../../FAQ/index.md)');
    expect(manifest.links.find((l) => l.from === SEED.pages.rich)?.to).toEqual(expect.arrayContaining([SEED.pages.install, SEED.pages.faq, SEED.pages.guide]));
    // Not pages: listed with a reason; their child pages are still exported.
    expect(manifest.report.some((e) => e.kind === 'page-skipped' && e.what === 'folder' && e.pageId === SEED.folder)).toBe(true);
    expect(manifest.report.some((e) => e.kind === 'page-skipped' && e.what === 'database' && e.pageId === SEED.database)).toBe(true);
    expect(text('Demo Home/Archive Folder/Archived Notes/index.md')).toContain('Archived Notes');
    // Every entry name is safe.
    for (const name of Object.keys(files)) {
      expect(name.startsWith('/')).toBe(false);
      expect(name.split('/')).not.toContain('..');
    }
    // Finished and downloaded: only what the next (incremental) export builds on is left: the job,
    // its status and its zip, until the next export of this tree replaces it or BASE_KEEP_MS passes.
    expect(sb.platform.kvs.keys().filter((k) => k.includes(started.jobId)).map((k) => k.replace(started.jobId, 'J')).sort()).toEqual(
      ['tree-export-index:J', 'tree-export:J', 'tree-export:J:progress', 'tree-export:J:zip:0'],
    );
  });

  // The proxy following Confluence's redirect to the media host (Forge's documented behaviour), or
  // handing the 302 back for the app to follow: the zip holds the bytes either way.
  it.each([true, false])('includes attachments in the zip and links media to them (proxy follows the media redirect: %s)', async (follows) => {
    sb.platform.followMediaRedirects = follows;
    const guide = { id: SEED.pages.guide, type: 'page' as const };
    const { status: st, files, text } = await exportTree(alice, { format: 'md', attachments: true }, guide);
    expect(st.phase).toBe('done');
    const png = files['User Guide/Rich Page/_attachments/diagram.png'];
    expect(png).toBeDefined();
    expect(Buffer.from(png!)).toEqual(Buffer.from(sb.confluence.site.attachments.get(SEED.attachments.image)!.bytes));
    expect(text('User Guide/Rich Page/index.md')).toContain('](_attachments/diagram.png)');
    // Through the REST download and the media host, never the servlet (401 to API callers), and
    // with no credentials sent to the media host.
    expect(sb.confluence.requests.filter((r) => r.path.startsWith('/wiki/download/'))).toEqual([]);
    expect(sb.confluence.requests.some((r) => /\/child\/attachment\/[^/]+\/download/.test(r.path) && r.status === 302)).toBe(true);
    expect(sb.confluence.media.requests.length).toBeGreaterThan(0);
    expect(sb.confluence.media.requests.every((r) => r.status === 200 && !r.credentials)).toBe(true);
  });

  it('exports only what Bob can see, and reports pages that vanished after the listing', async () => {
    sb.platform.manualDelivery = true;
    const started = await start(bob, { format: 'md' });
    // Between the listing and the consumer, FAQ goes to the trash.
    sb.confluence.site.content(SEED.pages.faq)!.status = 'trashed';
    await sb.platform.drain();
    const st = await status(bob, started.jobId);
    expect(st.phase).toBe('done');
    // The vanished page is counted apart from the items that are not pages.
    expect(st.missing).toBe(1);
    expect(st.skipped).toBe(started.skipped);
    expect(st.done + 1).toBe(st.total);
    const files = unzipSync(await download(bob, started.jobId));
    const all = Object.entries(files).map(([name, bytes]) => `${name}\n${strFromU8(bytes)}`).join('\n');
    expect(all).not.toContain('Secret');
    expect(all).not.toContain(SEED.pages.restricted);
    expect(all).not.toContain(SEED.pages.restrictedChild);
    expect(all).not.toContain('Salaries');
    const manifest = JSON.parse(strFromU8(files['manifest.json']!)) as Manifest;
    const faq = manifest.report.find((e) => e.pageId === SEED.pages.faq);
    expect(faq?.kind).toBe('page-skipped');
    expect(faq?.detail).toMatch(/deleted|restricted/);
    expect(files['Demo Home/FAQ/index.md']).toBeUndefined();
    // Bodies were fetched as Bob, for ids Bob's listing produced; never as the app.
    const bulk = sb.confluence.requests.filter((r) => r.path.startsWith('/wiki/api/v2/pages?'));
    expect(bulk.length).toBeGreaterThan(0);
    for (const r of bulk) {
      expect(r.principal).toBe(`user:${bob}`);
      expect(r.path).not.toContain(SEED.pages.restricted);
    }
    // Another user cannot read Bob's job.
    const peek = await sb.invoke<Envelope<TreeStatus>>('export/tree/status', { accountId: alice, content: home, payload: { jobId: started.jobId } });
    expect(peek.ok).toBe(false);
  });

  it('binds a job id to its requester and its page: another page, no job; the global page lists all of hers', async () => {
    sb.platform.manualDelivery = true;
    const started = await start(alice, { format: 'md' });
    const key = `tree-export:${started.jobId}:cancel`;
    // The requester herself, but from another page: refused.
    const guide = { id: SEED.pages.guide, type: 'page' as const };
    for (const content of [guide]) {
      const peek = await sb.invoke<Envelope<TreeStatus>>('export/tree/status', { accountId: alice, content, payload: { jobId: started.jobId } });
      expect(peek.ok).toBe(false);
      const cancel = await sb.invoke<Envelope<TreeStatus>>('export/tree/cancel', { accountId: alice, content, payload: { jobId: started.jobId } });
      expect(cancel.ok).toBe(false);
    }
    expect(sb.platform.kvs.keys()).not.toContain(key);
    expect((await status(alice, started.jobId)).phase).toBe('queued');
    // The global page (no content, no space) is "Your exports" of every page (issue 23): hers, not Bob's.
    expect((await sb.invoke<Envelope<TreeStatus>>('export/tree/status', { accountId: alice, payload: { jobId: started.jobId } })).ok).toBe(true);
    expect((await sb.invoke<Envelope<TreeStatus>>('export/tree/status', { accountId: bob, payload: { jobId: started.jobId } })).ok).toBe(false);
  });

  it('skips and reports a page whose body is not ADF instead of failing the whole job', async () => {
    const odd = sb.confluence.site.addPage({
      parentId: SEED.pages.home, title: 'Odd body', spaceId: SEED.space.id, authorId: alice,
      adf: { type: 'paragraph', content: [] } as never,
    });
    const { status: st, files, text } = await exportTree(alice, { format: 'md' });
    expect(st.phase).toBe('done');
    expect(st.done).toBe(st.total - 1);
    expect(st.missing).toBe(1);
    expect(files['Demo Home/Odd body/index.md']).toBeUndefined();
    expect(text('Demo Home/index.md')).toContain('Text of Demo Home.');
    const manifest = JSON.parse(text('manifest.json')) as Manifest;
    const entry = manifest.report.find((e) => e.pageId === odd.id);
    expect(entry?.kind).toBe('page-skipped');
    expect(entry?.detail).toMatch(/not a readable ADF/);
  });

  it('survives a 429 storm and a 5xx burst', async () => {
    tuning.retry = { maxAttempts: 8, budgetMs: 5_000, baseMs: 5, capMs: 50 };
    sb.confluence.injectFault({ match: /GET \/wiki\/api\/v2\/pages\?/, kind: 429, times: 3, retryAfter: '0' });
    sb.confluence.injectFault({ match: /users-bulk/, kind: 503, times: 2 });
    sb.confluence.injectFault({ match: /PUT .*child\/attachment/, kind: 502, times: 2 });
    const { status: st, files } = await exportTree(alice, { format: 'md', attach: true });
    expect(st.phase).toBe('done');
    expect(st.attachment).toBeDefined();
    expect(Object.keys(files).filter((n) => n.endsWith('/index.md')).length).toBe(st.done);
    expect(sb.confluence.requests.filter((r) => r.status === 429).length).toBe(3);
    expect(sb.confluence.requests.filter((r) => r.status >= 500).length).toBe(4);
  });

  it('a job that outlives its retries resumes from its checkpoint in a new event', async () => {
    // More 5xx than one request's retry budget: the batch fails, the job re-queues itself.
    tuning.batchSize = 4;
    tuning.retry = { maxAttempts: 2, budgetMs: 1_000, baseMs: 1, capMs: 5 };
    sb.confluence.injectFault({ match: /GET \/wiki\/api\/v2\/pages\?/, kind: 500, times: 5 });
    const { status: st, files } = await exportTree(alice, { format: 'md' });
    expect(st.phase).toBe('done');
    expect(st.invocations).toBeGreaterThanOrEqual(3);
    expect(sb.platform.pushed.length).toBe(st.invocations);
    expect(Object.keys(files).filter((n) => n.endsWith('/index.md')).length).toBe(st.total);
  });

  it('resumes across invocations and produces the same zip as a single run', async () => {
    const single = await exportTree(alice, { format: 'md', comments: true });
    expect(single.status.invocations).toBe(1);
    tuning.batchSize = 3;
    tuning.reserveMs = Number.MAX_SAFE_INTEGER; // checkpoint after every batch
    const resumed = await exportTree(alice, { format: 'md', comments: true, mode: 'full' });
    expect(resumed.status.phase).toBe('done');
    expect(resumed.status.invocations).toBeGreaterThanOrEqual(Math.ceil(resumed.status.total / 3));
    const names = Object.keys(single.files).sort();
    expect(Object.keys(resumed.files).sort()).toEqual(names);
    for (const n of names) {
      if (n === 'manifest.json') continue; // holds the job's own start time
      expect(strFromU8(resumed.files[n]!)).toBe(strFromU8(single.files[n]!));
    }
    // siteTime is the oldest batch's newest version: smaller batches give an earlier (still sound) time.
    const strip = (m: string) => ({ ...(JSON.parse(m) as Record<string, unknown>), exportedAt: undefined, siteTime: undefined });
    expect(strip(resumed.text('manifest.json'))).toEqual(strip(single.text('manifest.json')));
  });

  it('cancels a job', async () => {
    sb.platform.manualDelivery = true;
    const started = await start(alice, { format: 'md' });
    const cancelled = ok(await sb.invoke<Envelope<TreeStatus>>('export/tree/cancel', { accountId: alice, content: home, payload: { jobId: started.jobId } }));
    expect(cancelled.phase).toBe('cancelled');
    await sb.platform.drain();
    const st = await status(alice, started.jobId);
    expect(st.phase).toBe('cancelled');
    expect(st.attachment).toBeUndefined();
    expect([...sb.confluence.site.attachments.values()].some((a) => a.title.endsWith('.zip'))).toBe(false);
    expect(sb.platform.kvs.keys().filter((k) => k.includes(':nodes:') || k.includes(':out:'))).toEqual([]);
  });
});
