/**
 * Files attached to a page hold only what every viewer of the page may read (issue 13): the
 * auto-export copy (written as the app) and `export/attach` (as the user) leave out child pages
 * some viewers cannot see, and count them in the report without their titles.
 */
import * as a from '../../sandbox/confluence/adf';
import { SEED } from '../../sandbox/confluence/seed';
import { pageUpdatedEvent } from '../../sandbox/forge/events';
import { startSandbox, type Sandbox } from '../../sandbox/harness';
import type { AutoExportView } from '../../src/shared/activity';
import type { Envelope } from '../../src/shared/envelope';
import type { ExportAttachResult, ExportPageResult } from '../../src/shared/export';

const { alice, bob } = SEED.users;
const P = SEED.pages;
const page = (id: string) => ({ id, type: 'page' as const });
const md = { format: 'md', frontMatter: false, comments: false } as const;

let sb: Sandbox;
let warn: jest.SpyInstance;
beforeEach(async () => {
  warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
  sb = await startSandbox();
});
afterEach(async () => {
  warn.mockRestore();
  await sb.close();
});

const site = () => sb.confluence.site;
const text = (id: string, name: string): string => {
  const att = site().attachmentsOf(id).find((x) => x.title === name);
  if (!att) throw new Error(`no ${name} on ${id}`);
  return Buffer.from(att.bytes).toString('utf8');
};

describe('a copy attached to a page', () => {
  it('auto-export: Bob edits home; the copy lists no restricted child and says how many were left out', async () => {
    const on = await sb.invoke<Envelope<AutoExportView>>('autoexport/set', { accountId: bob, content: page(P.home), payload: { enabled: true, ...md } });
    expect(on.ok).toBe(true);
    await sb.platform.drain();
    site().updatePage(P.home, { adf: a.doc(a.p('Edited by Bob.'), a.macro('children', {}, 'kids')) }, bob);
    await sb.trigger(pageUpdatedEvent(site(), P.home, bob));
    await sb.platform.drain();

    const copy = text(P.home, 'Demo Home.md');
    expect(copy).toContain('Edited by Bob.');
    expect(copy).toContain('[User Guide]');
    expect(copy).not.toMatch(/Secret/);
    const view = await sb.invoke<Envelope<AutoExportView>>('autoexport/get', { accountId: bob, content: page(P.home) });
    expect(view.ok && view.data.withheld).toBe(1);
  });

  it('export/attach as Alice: her download lists the secret child, the attached file does not', async () => {
    const download = await sb.invoke<Envelope<ExportPageResult>>('export/page', { accountId: alice, content: page(P.home), payload: md });
    expect(download.ok && download.data.text).toContain('Secret Plans');

    const attached = await sb.invoke<Envelope<ExportAttachResult>>('export/attach', { accountId: alice, content: page(P.home), payload: md });
    if (!attached.ok) throw new Error(JSON.stringify(attached.error));
    const copy = text(P.home, attached.data.fileName);
    expect(copy).toContain('[Installation]');
    expect(copy).not.toMatch(/Secret/);
    const withheld = attached.data.report.filter((e) => e.kind === 'withheld');
    expect(withheld).toHaveLength(1);
    expect(JSON.stringify(attached.data.report)).not.toMatch(/Secret|65800/);
  });

  it('keeps children that sit under the same restriction as the page', async () => {
    site().updatePage(P.restricted, { adf: a.doc(a.p('Plans.'), a.macro('children', {}, 'kids')) }, alice);
    const attached = await sb.invoke<Envelope<ExportAttachResult>>('export/attach', { accountId: alice, content: page(P.restricted), payload: md });
    if (!attached.ok) throw new Error(JSON.stringify(attached.error));
    expect(text(P.restricted, attached.data.fileName)).toContain('[Secret Appendix]');
    expect(attached.data.report.some((e) => e.kind === 'withheld')).toBe(false);
  });

  it('withholds a child restricted to only some of the page viewers', async () => {
    site().restrict(P.guide, [alice, bob]);
    const attached = await sb.invoke<Envelope<ExportAttachResult>>('export/attach', { accountId: alice, content: page(P.home), payload: md });
    if (!attached.ok) throw new Error(JSON.stringify(attached.error));
    expect(text(P.home, attached.data.fileName)).not.toContain('User Guide');
    expect(attached.data.report.filter((e) => e.kind === 'withheld')).toHaveLength(2);
  });
});
