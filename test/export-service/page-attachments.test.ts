/**
 * Issue 23.4: "Attachments" on a single-page export gives a zip of the page file and the
 * attachments it shows under `_attachments/`, its links pointing at them; one that cannot be
 * downloaded (refused, too large) keeps a link to Confluence and is reported; the export completes.
 * Through the real resolver, as the user, against the sandbox.
 */
import { strFromU8, unzipSync } from 'fflate';
import { startSandbox, type Sandbox } from '../../sandbox/harness';
import { SEED } from '../../sandbox/confluence/seed';
import * as a from '../../sandbox/confluence/adf';
import type { Envelope } from '../../src/shared/envelope';
import type { ExportPageResult } from '../../src/shared/export';
import { responseBytes, MAX_RESPONSE_BYTES } from '../../src/resolvers/limits';
import { ok } from '../envelope';

let sb: Sandbox;
beforeAll(async () => {
  sb = await startSandbox();
});
afterAll(async () => {
  await sb.close();
});

const alice = SEED.users.alice;
const rich = { id: SEED.pages.rich, type: 'page' as const };
const exportPage = async (payload: unknown, content: { id: string; type: 'page' } = rich): Promise<ExportPageResult> =>
  ok(await sb.invoke<Envelope<ExportPageResult>>('export/page', { accountId: alice, content, payload }));
const files = (r: ExportPageResult): Record<string, Uint8Array> => unzipSync(Buffer.from(r.bundle?.data ?? '', 'base64'));

test.each(['md', 'html'] as const)('%s: a zip with the page file and its attachments, links to the files', async (format) => {
  const r = await exportPage({ format, attachments: true });
  expect(r.bundle).toMatchObject({ fileName: 'Rich Page.zip', mediaType: 'application/zip' });
  const zip = files(r);
  const page = `Rich Page.${format}`;
  expect(Object.keys(zip).sort()).toEqual([page, '_attachments/diagram.png', '_attachments/notes.txt', '_attachments/spec.pdf']);
  expect(strFromU8(zip['_attachments/notes.txt'] ?? new Uint8Array())).toBe('Plain notes\nline 2 é\n');
  const text = strFromU8(zip[page] ?? new Uint8Array());
  expect(text).toBe(r.text);
  expect(text).toContain(format === 'md' ? '](_attachments/diagram.png)' : 'src="_attachments/diagram.png"');
  // No link needs a Confluence login any more.
  expect(text).not.toMatch(/download\/attachments/);
});

test('without the option: one file, links to Confluence', async () => {
  const r = await exportPage({ format: 'md', attachments: false });
  expect(r.bundle).toBeUndefined();
  expect(r.text).toMatch(/!\[diagram\.png\]\([^)]*\/download\/attachments\/[^)]*diagram\.png/);
});

test('a refused download keeps its Confluence link and is reported; the rest is packed', async () => {
  sb.confluence.injectFault({ match: new RegExp(`/child/attachment/${SEED.attachments.image}/download`), kind: 403, times: 1 });
  const r = await exportPage({ format: 'md', attachments: true });
  const zip = files(r);
  expect(Object.keys(zip)).not.toContain('_attachments/diagram.png');
  expect(Object.keys(zip)).toContain('_attachments/spec.pdf');
  expect(r.text).toMatch(/!\[diagram\.png\]\([^)]*\/download\/attachments\/[^)]*diagram\.png/);
  expect(r.report).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'attachment-missing', detail: expect.stringContaining('"diagram.png" could not be downloaded') })]));
});

test('attachments past the 5 MB answer stay links, reported; the answer fits', async () => {
  const site = sb.confluence.site;
  const big = site.addPage({ parentId: null, title: 'Big files', spaceId: SEED.space.id, authorId: alice, adf: a.doc(a.p('Files:')) });
  const add = (filename: string, size: number): a.MediaRef =>
    ({ fileId: site.addAttachment({ pageId: big.id, title: filename, mediaType: 'application/octet-stream', bytes: new Uint8Array(size).fill(7), authorId: alice }).fileId, pageId: big.id, filename });
  // Shown in the body, as files dropped on a page are: two of 2 MB fit together, not with 6 MB more.
  site.updatePage(big.id, { adf: a.doc(a.mediaGroup(add('one.bin', 2_000_000), add('two.bin', 2_000_000), add('huge.bin', 6_000_000))) }, alice);
  const r = await exportPage({ format: 'md', attachments: true }, { id: big.id, type: 'page' });
  expect(responseBytes({ ok: true, data: r })).toBeLessThan(MAX_RESPONSE_BYTES);
  const packed = Object.keys(files(r)).filter((n) => n.startsWith('_attachments/'));
  const missing = r.report.filter((e) => e.kind === 'attachment-missing');
  expect(packed.length).toBe(1);
  expect(missing.length).toBe(2);
  expect(missing.map((e) => e.detail)).toEqual(expect.arrayContaining([expect.stringContaining('"huge.bin" (6.0 MB) does not fit')]));
});
