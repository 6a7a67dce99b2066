/** `npm run invoke`: runs one real resolver against the seed sandbox and prints its envelope. */
import { SEED } from '../../sandbox/confluence/seed';
import { startSandbox } from '../../sandbox/harness';
import { startControl, type Control } from '../../sandbox/forge/control';
import { run } from '../../sandbox/forge/invoke-cli';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { stdout: (t: string) => out.push(t), stderr: (t: string) => err.push(t) }, out, err };
}

describe('invoke-cli run()', () => {
  it('prints the envelope of page/info as the chosen user, exit 0; exit 1 when the user cannot see it', async () => {
    const alice = capture();
    expect(await run(['page/info', '--content', SEED.pages.restricted, '--user', 'alice'], alice.io)).toBe(0);
    const ok = JSON.parse(alice.out.join('\n')) as { ok: boolean; data: { id: string; type: string } };
    expect(ok).toMatchObject({ ok: true, data: { id: SEED.pages.restricted, type: 'page' } });
    expect(alice.err).toEqual([]);

    const bob = capture();
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      expect(await run(['page/info', '--content', SEED.pages.restricted, '--user', 'bob'], bob.io)).toBe(1);
      // The resolver logs the status, never the body.
      expect(warn.mock.calls).toEqual([['[page/info] Confluence 404 NOT_FOUND']]);
    } finally {
      warn.mockRestore();
    }
    const refused = JSON.parse(bob.out.join('\n')) as { ok: boolean; error: { code: string } };
    expect(refused.ok).toBe(false);
    expect(refused.error.code).toBe('NOT_FOUND');
  });

  it('refuses bad arguments with exit 2 and prints usage for --help', async () => {
    const unknown = capture();
    expect(await run(['no/such-key'], unknown.io)).toBe(2);
    expect(unknown.err.join('\n')).toContain('Unknown resolver key "no/such-key"');
    expect(unknown.out).toEqual([]);

    const badPayload = capture();
    expect(await run(['page/info', '--payload', '{nope'], badPayload.io)).toBe(2);
    expect(badPayload.err.join('\n')).toContain('--payload must be valid JSON');

    const help = capture();
    expect(await run(['--help'], help.io)).toBe(0);
    expect(help.out.join('\n')).toContain('page/info');
    expect(help.out.join('\n')).toContain(SEED.users.bob);
  });
});

describe('invoke-cli against a running sandbox (--url)', () => {
  let sb: Awaited<ReturnType<typeof startSandbox>>;
  let control: Control;
  beforeAll(async () => {
    sb = await startSandbox();
    control = await startControl(sb);
  });
  afterAll(async () => {
    await control.close();
    await sb.close();
  });
  const home = SEED.pages.home;

  it('shares one site, KVS and queue across calls, and delivers events as the platform would', async () => {
    const on = capture();
    expect(await run(['autoexport/set', '--url', control.url, '--content', home, '--user', 'bob', '--payload', '{"enabled":true,"format":"md","frontMatter":false,"comments":false}', '--wait'], on.io)).toBe(0);
    const edit = capture();
    expect(await run(['--url', control.url, '--event', 'avi:confluence:updated:page', '--content', home, '--user', 'bob', '--text', 'Edited by Bob.', '--times', '3', '--wait'], edit.io)).toBe(0);
    expect(JSON.parse(edit.out.join('\n'))).toMatchObject({ eventType: 'avi:confluence:updated:page', delivered: 3, version: 2 });

    // The same sandbox saw both calls: the copy of version 2 is attached, once.
    const view = capture();
    expect(await run(['autoexport/get', '--url', control.url, '--content', home, '--user', 'bob'], view.io)).toBe(0);
    expect(JSON.parse(view.out.join('\n'))).toMatchObject({ ok: true, data: { lastVersion: 2, withheld: 1 } });
    const copy = sb.confluence.site.attachmentsOf(home).find((a) => a.title === 'Demo Home.md');
    expect(copy?.history).toHaveLength(2);
    expect(Buffer.from(copy!.bytes).toString('utf8')).toContain('Edited by Bob.');

    const comments = capture();
    expect(await run(['--url', control.url, '--event', 'avi:confluence:created:comment', '--content', home, '--user', 'bob', '--text', 'Hi', '--times', '5'], comments.io)).toBe(0);
    expect((JSON.parse(comments.out.join('\n')) as { commentIds: string[] }).commentIds).toHaveLength(5);
  });

  it('refuses what the user could not do, and browser requests', async () => {
    const faq = capture();
    expect(await run(['--url', control.url, '--event', 'avi:confluence:updated:page', '--content', SEED.pages.faq, '--user', 'bob', '--text', 'x'], faq.io)).toBe(2);
    expect(faq.err.join('\n')).toContain('may not edit');
    const hidden = capture();
    expect(await run(['--url', control.url, '--event', 'avi:confluence:created:page', '--content', SEED.pages.restricted, '--user', 'bob'], hidden.io)).toBe(2);
    const res = await fetch(`${control.url}/control`, { method: 'POST', headers: { origin: 'http://evil.example' }, body: '{}' });
    expect(res.status).toBe(404);
  });
});

describe('invoke-cli and consent', () => {
  it('exits 1 and says why when the user has not allowed the app access (Carol)', async () => {
    const carol = capture();
    expect(await run(['page/info', '--user', 'carol'], carol.io)).toBe(1);
    expect(carol.out).toEqual([]);
    expect(carol.err.join('\n')).toMatch(/^NEEDS_AUTHENTICATION_ERR: .*"Allow access"/);
  });
});
