/**
 * Events without a new version: restrictions changed, pages moved, restored (issue 21 item 4), and
 * `updated:page` payloads without `content.version` (issue 22 item 6). The sandbox delivers the first
 * kind itself when the site changes, as Confluence does; the real trigger records them.
 */
import * as a from '../../sandbox/confluence/adf';
import { SEED } from '../../sandbox/confluence/seed';
import { pageUpdatedEvent } from '../../sandbox/forge/events';
import { startSandbox, type Sandbox } from '../../sandbox/harness';
import { readLog } from '../../src/activity/log';
import type { Touch } from '../../src/activity/touches';
import type { AutoExportView } from '../../src/shared/activity';
import type { Envelope } from '../../src/shared/envelope';
import { forgeKv } from '../../src/storage/kv';

const { alice, bob } = SEED.users;
const { guide, install, section, home } = SEED.pages;

let sb: Sandbox;
beforeEach(async () => {
  sb = await startSandbox();
});
afterEach(async () => {
  await sb.close();
});

const touches = () =>
  sb.platform.kvs
    .keys()
    .filter((k) => k.startsWith('touch:'))
    .map((k) => ({ key: k, value: sb.platform.kvs.peek(k) as Touch }));

describe('restriction, move and restore events', () => {
  it('the sandbox delivers them when the site changes, and the trigger records one key per event in the space', async () => {
    const site = sb.confluence.site;
    site.restrict(install, [bob], alice);
    site.movePage(section, install, alice);
    site.setTrashed(SEED.pages.faq, true, alice);
    site.setTrashed(SEED.pages.faq, false, alice);
    await sb.platform.drain();
    const got = touches();
    expect(got.map((t) => t.value.type).sort()).toEqual(['avi:confluence:moved:page', 'avi:confluence:permissions_updated:page', 'avi:confluence:restored:page']);
    for (const t of got) expect(t.key.startsWith(`touch:${SEED.space.id}:${t.value.at}:`)).toBe(true);
    expect(got.find((t) => t.value.type.includes('permissions'))?.value.id).toBe(install);
    // Not subscribed (Forge asks for write:confluence-content): the sandbox delivers nothing for it.
    expect(got.some((t) => t.value.type.includes('trashed'))).toBe(false);
    // No activity entries: touches are no page activity.
    expect(await sb.platform.run({ moduleKey: 'test' }, () => readLog(forgeKv, install))).toEqual([]);
  });

  it('a move across spaces touches both spaces', async () => {
    const site = sb.confluence.site;
    site.movePage(section, SEED.pages.opsHome, alice);
    await sb.platform.drain();
    const spaces = touches().map((t) => t.key.split(':')[1]).sort();
    expect(spaces).toEqual([SEED.space.id, site.content(SEED.pages.opsHome)!.spaceId].sort());
    expect(new Set(spaces).size).toBe(2);
  });

  it('a repeated delivery writes the same key again', async () => {
    sb.confluence.site.restrict(home, null, alice);
    await sb.platform.drain();
    const once = touches();
    expect(once).toHaveLength(1);
    const { contentChangeEvent } = await import('../../sandbox/forge/events');
    const again = contentChangeEvent(sb.confluence.site, { kind: 'permissions_updated', id: home, by: alice }, { eventCreatedDate: once[0]!.value.at });
    await sb.trigger(again);
    expect(touches().map((t) => t.key)).toEqual(once.map((t) => t.key));
    expect(touches()[0]?.value).toMatchObject({ id: home, at: once[0]!.value.at, type: 'avi:confluence:permissions_updated:page' });
  });
});

describe('updated:page without content.version', () => {
  it('is accepted: the version is read from the API and auto-export runs', async () => {
    const site = sb.confluence.site;
    const env = await sb.invoke<Envelope<AutoExportView>>('autoexport/set', { accountId: alice, content: { id: guide, type: 'page' }, payload: { enabled: true, format: 'md', frontMatter: true, comments: false } });
    expect(env.ok).toBe(true);
    await sb.platform.drain();
    const v2 = site.updatePage(guide, { adf: a.doc(a.p('Edited without a version in the event.')) }, bob);
    const event = pageUpdatedEvent(site, guide, bob);
    delete (event.content as Record<string, unknown>).version;
    await sb.trigger(event);
    await sb.platform.drain();
    const copies = site.attachmentsOf(guide).filter((x) => x.title.endsWith('.md'));
    expect(copies).toHaveLength(1);
    expect(copies[0]!.version.number).toBe(2);
    expect(new TextDecoder().decode(copies[0]!.bytes)).toContain('Edited without a version in the event.');
    const log = await sb.platform.run({ moduleKey: 'test' }, () => readLog(forgeKv, guide));
    expect(log.find((e) => e.type === 'avi:confluence:updated:page')?.version).toBe(v2);
  });
});
