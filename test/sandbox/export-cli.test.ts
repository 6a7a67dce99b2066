/**
 * `npm run export:sandbox` argument validation (the export itself is what test/jobs/presets.test.ts
 * covers; .ci/real-tools runs the script end to end).
 */
import { parseArgs, run } from '../../sandbox/export-cli';
import { SEED } from '../../sandbox/confluence/seed';

describe('export:sandbox arguments', () => {
  it('takes a page tree (--page, or --root by its older name) or a space, as Alice unless told', () => {
    expect(parseArgs(['--page', SEED.pages.home, '--preset', 'mkdocs', '--out', '/tmp/x'])).toEqual({ preset: 'mkdocs', out: '/tmp/x', target: { page: SEED.pages.home }, user: SEED.users.alice, site: 'seed' });
    expect(parseArgs(['--out', 'o', '--user', 'bob', '--root', SEED.pages.guide, '--preset', 'docusaurus'])).toEqual({ preset: 'docusaurus', out: 'o', target: { page: SEED.pages.guide }, user: SEED.users.bob, site: 'seed' });
    expect(parseArgs(['--space', 'DEMO', '--preset', 'obsidian', '--out', 'o'])).toEqual({ preset: 'obsidian', out: 'o', target: { space: 'DEMO' }, user: SEED.users.alice, site: 'seed' });
    expect(parseArgs(['--site', 'hostile', '--space', 'HOSTILE', '--preset', 'docusaurus', '--out', 'o'])).toEqual({ preset: 'docusaurus', out: 'o', target: { space: 'HOSTILE' }, user: SEED.users.alice, site: 'hostile' });
  });

  it.each([
    [['--preset', 'gfm', '--out', 'o'], 'name what to export: --space <key> or --page <id>'],
    [['--page', '1', '--out', 'o'], '--preset is required'],
    [['--space', 'DEMO', '--preset', 'mkdocs'], '--out is required'],
    [['--page', '1', '--preset', 'hugo', '--out', 'o'], '--preset must be one of gfm, obsidian, mkdocs, docusaurus'],
    [['--page', '1', '--preset', 'gfm', '--out', 'o', '--user', 'carol'], '--user must be one of alice, bob'],
    [['--preset', 'gfm', '--out', 'o', '--root', '../1'], '--page must be a page id (digits)'],
    [['--preset', 'gfm', '--out', 'o', '--space', 'DE MO'], '--space must be a space key (e.g. DEMO)'],
    [['--preset', 'gfm', '--out', 'o', '--space', 'DEMO', '--page', '1'], '--space and --page exclude each other: export a space or a page tree'],
    [['--preset', 'gfm', '--out', 'o', '--root', '1', '--page', '2'], '--page (or --root) given twice'],
    [['--preset', 'gfm', '--out'], '--out needs a value'],
    [['--preset', '--out', 'o'], '--preset needs a value'],
    [['--preset', 'gfm', '--preset', 'mkdocs', '--out', 'o'], '--preset given twice'],
    [['--preset', 'gfm', '--out', 'o', '--tree', '1'], 'unknown argument --tree'],
    [['--preset', 'gfm', '--out', 'o', '--page', '1', '--site', 'evil'], '--site must be one of seed, hostile'],
  ])('%j is refused: %s', (argv, error) => {
    expect(parseArgs(argv)).toEqual({ error });
  });

  it('prints usage on --help and exits 2 with the reason on bad input, without starting a sandbox', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const io = { stdout: (t: string) => out.push(t), stderr: (t: string) => err.push(t) };
    expect(await run(['--help'], io)).toBe(0);
    expect(out.join('')).toMatch(/^Usage: npm run export:sandbox/);
    expect(await run(['--page', '1', '--preset', 'gfm'], io)).toBe(2);
    expect(err.join('')).toMatch(/^--out is required\n\nUsage:/);
  });
});
