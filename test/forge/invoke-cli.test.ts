/** `npm run invoke`: runs one real resolver against the seed sandbox and prints its envelope. */
import { SEED } from '../../sandbox/confluence/seed';
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

describe('invoke-cli and consent', () => {
  it('exits 1 and says why when the user has not allowed the app access (Carol)', async () => {
    const carol = capture();
    expect(await run(['page/info', '--user', 'carol'], carol.io)).toBe(1);
    expect(carol.out).toEqual([]);
    expect(carol.err.join('\n')).toMatch(/^NEEDS_AUTHENTICATION_ERR: .*"Allow access"/);
  });
});
