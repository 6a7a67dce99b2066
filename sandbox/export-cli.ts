/**
 * `npm run export:sandbox -- (--space <key> | --page <id>) --preset <gfm|obsidian|mkdocs|docusaurus> [--user alice|bob] [--site seed|hostile] --out <dir>`
 * Runs a real export against the seed site (or the hostile site, space HOSTILE) as that user: a page tree from the panel on that page
 * (resolver `export/tree/start`), or a whole space from the global page (`export/space/start`); the
 * queue is drained, `export/tree/download` slices reassembled, and the zip unpacked into <dir>. The
 * real-tool checks (.ci/real-tools) build its output with MkDocs and Docusaurus. `--root` is the
 * older name of `--page`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve, sep } from 'node:path';
import { unzipSync } from 'fflate';
import { EXPORT_PRESETS, type ExportPreset, type TreeDownloadResult, type TreeStartResult, type TreeStatus } from '../src/shared/export';
import type { Envelope } from '../src/shared/envelope';
import { SEED } from './confluence/seed';
import { SITES, startSandbox, type SiteName } from './harness';
import { downloadZip } from './forge/download';

const USERS: Record<string, string> = { alice: SEED.users.alice, bob: SEED.users.bob };

/** What to export: a page's tree, or a whole space by key. */
export type ExportTarget = { page: string } | { space: string };

export interface ExportArgs {
  preset: ExportPreset;
  out: string;
  target: ExportTarget;
  user: string;
  /** Which sandbox site to export from (default: the seed site). */
  site: SiteName;
}

const USAGE = 'Usage: npm run export:sandbox -- (--space <key> | --page <id>) --preset <gfm|obsidian|mkdocs|docusaurus> [--user alice|bob] [--site seed|hostile] --out <dir>';

export function usage(): string {
  return [
    USAGE,
    '',
    'Exports a page tree (--page, alias --root) or a whole space (--space, e.g. DEMO) of the offline seed site',
    'as Markdown with the preset, through the real resolvers and queue consumer, as the user (default: alice),',
    'and unzips it into <dir>. --site hostile exports from the hostile site (space HOSTILE: payloads in every field).',
  ].join('\n');
}

const FLAGS = ['--preset', '--out', '--page', '--root', '--space', '--user', '--site'];

export function parseArgs(argv: readonly string[]): ExportArgs | { help: true } | { error: string } {
  if (argv.includes('--help') || argv.includes('-h')) return { help: true };
  const got: Record<string, string> = {};
  for (let i = 0; i < argv.length; i += 2) {
    const flag = argv[i] ?? '';
    const value = argv[i + 1];
    if (!FLAGS.includes(flag)) return { error: `unknown argument ${flag}` };
    if (value === undefined || value.startsWith('--')) return { error: `${flag} needs a value` };
    // `--root` is `--page` by its older name: giving both is giving the page twice.
    const key = flag === '--root' ? '--page' : flag;
    if (key in got) return { error: `${key === '--page' ? '--page (or --root)' : flag} given twice` };
    got[key] = value;
  }
  const page = got['--page'];
  const space = got['--space'];
  if (page === undefined && space === undefined) return { error: 'name what to export: --space <key> or --page <id>' };
  if (page !== undefined && space !== undefined) return { error: '--space and --page exclude each other: export a space or a page tree' };
  if (page !== undefined && !/^\d+$/.test(page)) return { error: '--page must be a page id (digits)' };
  if (space !== undefined && !/^~?[A-Za-z0-9][A-Za-z0-9_:-]*$/.test(space)) return { error: '--space must be a space key (e.g. DEMO)' };
  const preset = got['--preset'];
  if (!preset) return { error: '--preset is required' };
  if (!(EXPORT_PRESETS as readonly string[]).includes(preset)) return { error: `--preset must be one of ${EXPORT_PRESETS.join(', ')}` };
  const out = got['--out'];
  if (!out) return { error: '--out is required' };
  const user = USERS[got['--user'] ?? 'alice'];
  if (!user) return { error: `--user must be one of ${Object.keys(USERS).join(', ')}` };
  const site = got['--site'] ?? 'seed';
  if (!(site in SITES)) return { error: `--site must be one of ${Object.keys(SITES).join(', ')}` };
  return { preset: preset as ExportPreset, out, target: page !== undefined ? { page } : { space: space ?? '' }, user, site: site as SiteName };
}

function ok<T>(env: Envelope<T>): T {
  if (!env.ok) throw new Error(`${env.error.code}: ${env.error.message}`);
  return env.data;
}

/** Runs the export and writes every zip entry under `out`; returns the entry names and the job's status. */
export async function exportToDir(args: ExportArgs): Promise<{ files: string[]; status: TreeStatus }> {
  const sb = await startSandbox({ site: SITES[args.site]() });
  try {
    const payload = { format: 'md', preset: args.preset, attachments: true, frontMatter: true };
    // A page tree from the panel on its root page; a space from the global page, by key.
    const who = 'page' in args.target
      ? { accountId: args.user, content: { id: args.target.page, type: 'page' as const } }
      : { accountId: args.user, module: { key: 'database-inspector', type: 'confluence:globalPage' } };
    const started = ok(
      'page' in args.target
        ? await sb.invoke<Envelope<TreeStartResult>>('export/tree/start', { ...who, payload })
        : await sb.invoke<Envelope<TreeStartResult>>('export/space/start', { ...who, payload: { ...payload, space: args.target.space } }),
    );
    await sb.platform.drain();
    const status = ok(await sb.invoke<Envelope<TreeStatus>>('export/tree/status', { ...who, payload: { jobId: started.jobId } }));
    if (status.phase !== 'done') throw new Error(`export ended in phase ${status.phase}`);
    const { zip } = await downloadZip((part) => sb.invoke<Envelope<TreeDownloadResult>>('export/tree/download', { ...who, payload: { jobId: started.jobId, part } }));
    const base = resolve(args.out);
    const entries = unzipSync(zip);
    for (const [name, bytes] of Object.entries(entries)) {
      if (name.endsWith('/')) continue;
      const target = resolve(base, name);
      // Entry names come from page titles: never write outside <dir>.
      if (!target.startsWith(base + sep)) throw new Error(`zip entry outside the output folder: ${name}`);
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, bytes);
    }
    return { files: Object.keys(entries).filter((n) => !n.endsWith('/')), status };
  } finally {
    await sb.close();
  }
}

export async function run(argv: readonly string[], io: { stdout: (t: string) => void; stderr: (t: string) => void }): Promise<number> {
  const args = parseArgs(argv);
  if ('help' in args) {
    io.stdout(usage());
    return 0;
  }
  if ('error' in args) {
    io.stderr(`${args.error}\n\n${usage()}`);
    return 2;
  }
  const { files, status } = await exportToDir(args);
  io.stdout(JSON.stringify({ out: resolve(args.out), ...args.target, preset: args.preset, files: files.length, report: status.report.length }));
  return 0;
}

if (process.argv[1] && /export-cli\.ts$/.test(process.argv[1])) {
  run(process.argv.slice(2), { stdout: (t) => console.log(t), stderr: (t) => console.error(t) })
    .then((code) => process.exit(code))
    .catch((e: unknown) => {
      console.error(e instanceof Error ? e.message : e);
      process.exit(1);
    });
}
