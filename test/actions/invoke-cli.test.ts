/** `npm run invoke -- action:<key>`: calls a Rovo action as Rovo does and prints its answer. */
import { SEED } from '../../sandbox/confluence/seed';
import { readManifest } from '../../sandbox/harness';
import { run } from '../../sandbox/forge/invoke-cli';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { stdout: (t: string) => out.push(t), stderr: (t: string) => err.push(t) }, out, err };
}

describe('invoke-cli with action:<key>', () => {
  it('--help lists every action key of manifest.yml', async () => {
    const help = capture();
    expect(await run(['--help'], help.io)).toBe(0);
    const keys = (readManifest().modules?.action ?? []).map((a) => a.key);
    expect(keys.length).toBe(5);
    for (const k of keys) expect(help.out.join('\n')).toContain(`  action:${k}\n`);
  });

  it('prints the answer (exit 0), and the error object with exit 1 for a page the user cannot read', async () => {
    const alice = capture();
    expect(await run(['action:get-comment-threads', '--content', SEED.pages.rich, '--payload', '{"status":"resolved"}'], alice.io)).toBe(0);
    const answer = JSON.parse(alice.out.join('\n')) as { threads: Array<{ id: string }> };
    expect(answer.threads.map((t) => t.id)).toEqual([SEED.comments.inlineResolved]);

    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const bob = capture();
      expect(await run(['action:get-page-markdown', '--user', 'bob', '--payload', `{"page":"${SEED.pages.restricted}"}`], bob.io)).toBe(1);
      expect(JSON.parse(bob.out.join('\n'))).toMatchObject({ error: { code: 'NOT_FOUND' } });
    } finally {
      warn.mockRestore();
    }
  });

  it('refuses an unknown action with exit 2', async () => {
    const bad = capture();
    expect(await run(['action:no-such-action'], bad.io)).toBe(2);
    expect(bad.err.join('\n')).toContain('Unknown action "no-such-action"');
  });
});
