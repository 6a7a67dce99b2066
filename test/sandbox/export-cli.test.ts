/**
 * `npm run export:sandbox` argument validation (the export itself is what test/jobs/presets.test.ts
 * covers; .ci/real-tools runs the script end to end).
 */
import { parseArgs, run } from '../../sandbox/export-cli';
import { SEED } from '../../sandbox/confluence/seed';

describe('export:sandbox arguments', () => {
  it('defaults to the seed home page as Alice', () => {
    expect(parseArgs(['--preset', 'mkdocs', '--out', '/tmp/x'])).toEqual({ preset: 'mkdocs', out: '/tmp/x', root: SEED.pages.home, user: SEED.users.alice });
    expect(parseArgs(['--out', 'o', '--user', 'bob', '--root', SEED.pages.guide, '--preset', 'docusaurus'])).toEqual({ preset: 'docusaurus', out: 'o', root: SEED.pages.guide, user: SEED.users.bob });
  });

  it.each([
    [['--out', 'o'], '--preset is required'],
    [['--preset', 'mkdocs'], '--out is required'],
    [['--preset', 'hugo', '--out', 'o'], '--preset must be one of gfm, obsidian, mkdocs, docusaurus'],
    [['--preset', 'gfm', '--out', 'o', '--user', 'carol'], '--user must be one of alice, bob'],
    [['--preset', 'gfm', '--out', 'o', '--root', '../1'], '--root must be a page id'],
    [['--preset', 'gfm', '--out'], '--out needs a value'],
    [['--preset', '--out', 'o'], '--preset needs a value'],
    [['--preset', 'gfm', '--preset', 'mkdocs', '--out', 'o'], '--preset given twice'],
    [['--preset', 'gfm', '--out', 'o', '--space', 'DEMO'], 'unknown argument --space'],
  ])('%j is refused: %s', (argv, error) => {
    expect(parseArgs(argv)).toEqual({ error });
  });

  it('prints usage on --help and exits 2 with the reason on bad input, without starting a sandbox', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const io = { stdout: (t: string) => out.push(t), stderr: (t: string) => err.push(t) };
    expect(await run(['--help'], io)).toBe(0);
    expect(out.join('')).toMatch(/^Usage: npm run export:sandbox/);
    expect(await run(['--preset', 'gfm'], io)).toBe(2);
    expect(err.join('')).toMatch(/^--out is required\n\nUsage:/);
  });
});
