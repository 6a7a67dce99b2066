/** `export/page` and `export/attach` through the real resolver against the sandbox. */
import { startSandbox, type Sandbox } from '../../sandbox/harness';
import { SEED } from '../../sandbox/confluence/seed';
import type { Envelope } from '../../src/shared/envelope';
import type { ExportAttachResult, ExportPageResult } from '../../src/shared/export';
import { ok } from '../envelope';
import { withWarnings } from '../console';

let sb: Sandbox;
beforeAll(async () => {
  sb = await startSandbox();
});
afterAll(async () => {
  await sb.close();
});

const alice = SEED.users.alice;
const rich: { id: string; type: 'page' } = { id: SEED.pages.rich, type: 'page' };

function page(payload: unknown, content = rich, accountId: string = alice) {
  return sb.invoke<Envelope<ExportPageResult>>('export/page', { accountId, content, payload });
}

describe('export/page', () => {
  it('exports Markdown with front matter, resolved mentions, attachment links and inline comment footnotes', async () => {
    sb.confluence.resetRequests();
    const r = ok(await page({ format: 'md', comments: true }));
    expect(r.fileName).toBe('Rich Page.md');
    expect(r.mediaType).toMatch(/^text\/markdown/);
    expect(r.title).toBe('Rich Page');
    expect(r.version).toBe(3);
    expect(r.text.startsWith('---\n')).toBe(true);
    expect(r.text).toMatch(/^space: DEMO$/m);
    expect(r.text).toMatch(/^labels:/m);
    expect(r.text).toContain('Alice Author');
    expect(r.text).toContain('Bob Builder');
    // Media resolved through the page's attachment listing to a download link.
    expect(r.text).toMatch(/!\[diagram\.png\]\([^)]*diagram\.png[^)]*\)/);
    // Inline comment anchors: a footnote with the thread and its reply; footer comments at the end.
    expect(r.text).toContain('[^c1]');
    expect(r.text).toContain('What does this mean?');
    expect(r.text).toContain('It means the remark is open.');
    expect(r.text).toContain('## Comments');
    expect(r.text).toContain('Checked, it is fine.');
    expect(r.report.some((e) => e.kind === 'unsupported-macro' && e.what.includes('mystery'))).toBe(true);
    // Everything as the user.
    expect(sb.confluence.requests.every((q) => q.principal === `user:${alice}`)).toBe(true);
  });

  it('lists the child pages of a children macro, as the user sees them', async () => {
    const home = { id: SEED.pages.home, type: 'page' as const };
    const forAlice = ok(await page({ format: 'md', frontMatter: false }, home));
    const forBob = ok(await page({ format: 'md', frontMatter: false }, home, SEED.users.bob));
    const guide = `pageId=${SEED.pages.guide})`;
    expect(forAlice.text).toContain(guide);
    expect(forAlice.text).toContain(`pageId=${SEED.pages.restricted})`);
    expect(forBob.text).toContain(guide);
    // Bob cannot see the restricted page, so its title and link must not leak into his export.
    expect(forBob.text).not.toContain(`pageId=${SEED.pages.restricted})`);
    expect(forAlice.report.some((e) => e.what === 'children')).toBe(false);
  });

  it('reports a comment reply that vanished while the thread was read', async () => {
    const site = sb.confluence.site;
    const reply = site.addComment({ pageId: SEED.pages.rich, kind: 'footer', parentCommentId: SEED.comments.footerRoot, authorId: alice, adf: { type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text', text: 'Short-lived reply' }] }] } }).id;
    // Delete the reply right after its parent's replies were listed, as a concurrent delete would.
    const seen = sb.confluence.onResponse;
    sb.confluence.onResponse = (rec, body) => {
      seen?.(rec, body);
      if (rec.path.startsWith(`/wiki/api/v2/footer-comments/${SEED.comments.footerRoot}/children`)) site.comments.delete(reply);
    };
    try {
      const r = ok(await page({ format: 'md', comments: true }));
      expect(r.report.some((e) => e.kind === 'comment-skipped' && e.detail.includes(reply))).toBe(true);
      expect(r.text).not.toContain('Short-lived reply');
    } finally {
      sb.confluence.onResponse = seen;
    }
  });

  it('exports a standalone sanitized HTML document', async () => {
    const r = ok(await page({ format: 'html' }));
    expect(r.fileName).toBe('Rich Page.html');
    expect(r.text).toMatch(/^<!doctype html>/);
    expect(r.text).toContain('<style>');
    expect(r.text).toContain('<table');
    expect(r.text).not.toMatch(/<script/i);
  });

  it('exports the JSON bundle with the raw ADF and the report', async () => {
    const r = ok(await page({ format: 'json', comments: true }));
    const bundle = JSON.parse(r.text) as { meta: { id: string; title: string }; adf: { type: string }; report: unknown[]; comments?: { inline: unknown[] } };
    expect(bundle.meta.id).toBe(SEED.pages.rich);
    expect(bundle.meta.title).toBe('Rich Page');
    expect(bundle.adf.type).toBe('doc');
    expect(bundle.report.length).toBe(r.report.length);
    expect(bundle.comments?.inline.length).toBeGreaterThan(0);
  });

  it('exports the storage XHTML as it is, in a text file', async () => {
    const r = ok(await page({ format: 'storage' }));
    expect(r.fileName).toBe('Rich Page.txt');
    expect(r.mediaType).toBe('text/plain; charset=utf-8');
    expect(r.text).toContain('<h1>');
    expect(r.text).toContain('ac:structured-macro');
  });

  it('saves the storage of an HTML macro holding a script as text a browser does not run (issue 21)', async () => {
    const script = '<script xmlns="http://www.w3.org/1999/xhtml">alert(document.domain)</script>';
    const storage = `<p>Before</p>${script}<ac:structured-macro ac:name="html" ac:schema-version="1"><ac:plain-text-body><![CDATA[<script>alert(1)</script>]]></ac:plain-text-body></ac:structured-macro>`;
    const id = sb.confluence.site.nextId();
    sb.confluence.site.addPage({ id, parentId: SEED.pages.home, title: 'Html Macro', spaceId: SEED.space.id, authorId: alice, storage });
    const r = ok(await page({ format: 'storage' }, { id, type: 'page' }));
    // The storage is kept (it is the lossless copy), one top-level block per line (issue 23) ...
    expect(r.text.split('\n').join('')).toBe(storage);
    // ... under a name and type that browsers display as text: no (X)HTML, XML or SVG type or extension.
    expect(r.fileName).toMatch(/\.txt$/);
    expect(r.mediaType).toMatch(/^text\/plain\b/);
    expect(r.fileName.split('.').pop()).not.toMatch(/^(x?html?|xml|svg)$/i);
    expect(r.mediaType).not.toMatch(/html|xml|svg/i);
  });

  it('refuses bad options and children', async () => {
    const bad = await page({ format: 'pdf' });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.error.code).toBe('BAD_REQUEST');
    const extra = await page({ format: 'md', pageId: '1' });
    expect(extra.ok).toBe(false);
    const kids = await page({ format: 'md', children: true });
    expect(kids.ok).toBe(false);
    if (!kids.ok) expect(kids.error.code).toBe('USE_TREE_EXPORT');
  });

  it('answers TOO_LARGE, pointing to "Attach to page", above 5 MB, and the attachment then works', async () => {
    const big = sb.confluence.site.addPage({
      parentId: SEED.pages.home, title: 'Huge', spaceId: SEED.space.id, authorId: alice,
      adf: { type: 'doc', version: 1, content: Array.from({ length: 60 }, (_, i) => ({ type: 'paragraph', content: [{ type: 'text', text: `${i} ${'x'.repeat(100_000)}` }] })) },
    });
    const r = await page({ format: 'md' }, { id: big.id, type: 'page' });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe('TOO_LARGE');
      expect(r.error.hint).toMatch(/Attach to page/);
    }
    const attached = ok(await sb.invoke<Envelope<ExportAttachResult>>('export/attach', { accountId: alice, content: { id: big.id, type: 'page' }, payload: { format: 'md' } }));
    expect(attached.fileName).toMatch(/\.md$/);
  });

  it('measures the whole JSON answer: 3 MB of quotes is 6 MB once escaped, so it is TOO_LARGE, not a platform failure', async () => {
    const quotes = sb.confluence.site.addPage({
      parentId: SEED.pages.home, title: 'Quotes', spaceId: SEED.space.id, authorId: alice,
      adf: { type: 'doc', version: 1, content: Array.from({ length: 30 }, () => ({ type: 'paragraph', content: [{ type: 'text', text: '"'.repeat(100_000) }] })) },
    });
    // Before: the raw text (about 3 MB) passed a 5,000,000-byte check and the platform then refused the answer.
    const r = await page({ format: 'md', frontMatter: false }, { id: quotes.id, type: 'page' });
    expect(r).toMatchObject({ ok: false, error: { code: 'TOO_LARGE' } });
  });

  it('returns an answer of exactly 5,000,000 bytes, and refuses one byte more', async () => {
    // Size the page so the whole answer lands on the limit: each extra character adds one byte.
    // One title length for every size: the title is in the answer twice (title and file name).
    const make = (n: number) => sb.confluence.site.addPage({
      parentId: SEED.pages.home, title: `Edge ${String(n).padStart(8, '0')}`, spaceId: SEED.space.id, authorId: alice,
      adf: { type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text', text: 'x'.repeat(n) }] }] },
    });
    const payload = { format: 'md', frontMatter: false, comments: false };
    const probe = make(1000);
    const base = JSON.stringify(ok(await page(payload, { id: probe.id, type: 'page' }))).length + JSON.stringify({ ok: true, data: null }).length - 4;
    const atLimit = make(1000 + 5_000_000 - base);
    const fits = await page(payload, { id: atLimit.id, type: 'page' });
    expect(fits.ok && Buffer.byteLength(JSON.stringify(fits))).toBe(5_000_000);
    const over = make(1000 + 5_000_000 - base + 1);
    expect(await page(payload, { id: over.id, type: 'page' })).toMatchObject({ ok: false, error: { code: 'TOO_LARGE' } });
  });

  it('answers UNREADABLE_BODY (not INTERNAL) for a body that is not an ADF document', async () => {
    const odd = sb.confluence.site.addPage({
      parentId: SEED.pages.home, title: 'Odd body', spaceId: SEED.space.id, authorId: alice,
      adf: { type: 'paragraph', content: [] } as never,
    });
    const r = await page({ format: 'md' }, { id: odd.id, type: 'page' });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe('UNREADABLE_BODY');
      expect(r.error.hint).toMatch(/storage/);
    }
    // The storage format does not convert ADF, so it still works for that page.
    expect((await page({ format: 'storage' }, { id: odd.id, type: 'page' })).ok).toBe(true);
  });

  it('does not show Bob a page he cannot see', async () => {
    const { value: r, warnings } = await withWarnings(() => page({ format: 'md' }, { id: SEED.pages.restricted, type: 'page' }, SEED.users.bob));
    expect(warnings).toEqual(['[export/page] Confluence 404 NOT_FOUND']);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe('NOT_FOUND');
  });
});

describe('export/attach', () => {
  it('creates the attachment, then a new version of it', async () => {
    const content = { id: SEED.pages.guide, type: 'page' as const };
    const first = ok(await sb.invoke<Envelope<ExportAttachResult>>('export/attach', { accountId: alice, content, payload: { format: 'md' } }));
    expect(first.fileName).toBe('User Guide.md');
    expect(first.attachmentVersion).toBe(1);
    const second = ok(await sb.invoke<Envelope<ExportAttachResult>>('export/attach', { accountId: alice, content, payload: { format: 'md' } }));
    expect(second.attachmentId).toBe(first.attachmentId);
    expect(second.attachmentVersion).toBe(2);
    const stored = sb.confluence.site.attachments.get(first.attachmentId);
    expect(stored?.title).toBe('User Guide.md');
    expect(Buffer.from(stored!.bytes).toString('utf8')).toContain('title: User Guide');
    const upload = sb.confluence.requests.filter((q) => q.method === 'PUT' && q.path.includes('/child/attachment'));
    expect(upload.every((q) => q.principal === `user:${alice}`)).toBe(true);
  });
});
