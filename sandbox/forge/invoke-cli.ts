/**
 * `npm run invoke -- <resolver-key> [--content <id>] [--user <accountId|alice|bob|carol>] [--payload '<json>']`
 * Runs one resolver against the seed sandbox exactly as the platform would (real handler, real
 * @forge packages, the user's identity) and prints the envelope as JSON. Exit 1 on `ok:false`, and
 * when the function throws (Carol has not allowed the app access: NeedsAuthenticationError).
 */
import { needsConsent } from '../../src/confluence/errors';
import { API_KEYS } from '../../src/shared/api';
import { SEED } from '../confluence/seed';
import { startSandbox } from '../harness';

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

interface Args {
  key: string;
  content: string;
  user: string;
  payload: unknown;
  wait: boolean;
}

const USERS: Record<string, string> = { alice: SEED.users.alice, bob: SEED.users.bob, carol: SEED.users.carol };

export function usage(): string {
  const pages = Object.entries(SEED.pages).map(([name, id]) => `  ${id.padEnd(8)} page     ${name}`);
  const users = Object.entries(USERS).map(([name, id]) => `  ${name.padEnd(6)} ${id}`);
  return [
    'Usage: npm run invoke -- <resolver-key> [--content <id>] [--user <name|accountId>] [--payload <json>] [--wait]',
    '',
    'Runs a resolver against the offline seed site as the Forge platform would and prints its envelope.',
    '  --content  page or blog post id the panel is on (default: the rich demo page)',
    '  --user     alice (default), bob, carol (has not granted the app consent), or an account id',
    '  --payload  JSON payload (default: {})',
    '  --wait     after the call, wait for queued background jobs (tree exports) to finish',
    '',
    'Resolver keys:',
    ...API_KEYS.map((k) => `  ${k}`),
    '',
    'Seed content:',
    ...pages,
    `  ${SEED.blog.padEnd(8)} blogpost blog`,
    `  ${SEED.database.padEnd(8)} database (paste into databases/inspect: {"database":"${SEED.database}"})`,
    '',
    'Users:',
    ...users,
    '',
    'Example: npm run invoke -- export/page --payload \'{"format":"md"}\'',
  ].join('\n');
}

export function parseArgs(argv: readonly string[]): Args | { help: true } | { error: string } {
  if (argv.length === 0 || argv.includes('--help') || argv.includes('-h')) return { help: true };
  const out: Args = { key: '', content: SEED.pages.rich, user: SEED.users.alice, payload: {}, wait: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const value = (): string | undefined => argv[++i];
    if (arg === '--content') {
      const v = value();
      if (!v || !/^\d+$/.test(v)) return { error: '--content needs a numeric content id' };
      out.content = v;
    } else if (arg === '--user') {
      const v = value();
      if (!v) return { error: '--user needs a name or account id' };
      out.user = USERS[v] ?? v;
    } else if (arg === '--payload') {
      const v = value();
      try {
        out.payload = JSON.parse(v ?? '');
      } catch {
        return { error: '--payload must be valid JSON, e.g. \'{"format":"md"}\'' };
      }
    } else if (arg === '--wait') {
      out.wait = true;
    } else if (arg.startsWith('--')) {
      return { error: `Unknown option ${arg}` };
    } else if (!out.key) {
      out.key = arg;
    } else {
      return { error: `Unexpected argument ${arg}` };
    }
  }
  if (!(API_KEYS as readonly string[]).includes(out.key)) return { error: `Unknown resolver key "${out.key}". Run with --help for the list.` };
  return out;
}

export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv);
  if ('help' in args) {
    io.stdout(usage());
    return 0;
  }
  if ('error' in args) {
    io.stderr(args.error);
    return 2;
  }
  const sandbox = await startSandbox();
  try {
    const site = sandbox.confluence.site;
    const content = site.content(args.content);
    if (!content || (content.type !== 'page' && content.type !== 'blogpost')) {
      io.stderr(`Content ${args.content} is not a page or blog post of the seed site. Run with --help for the list.`);
      return 2;
    }
    let envelope: { ok?: boolean };
    try {
      envelope = (await sandbox.invoke(args.key, { accountId: args.user, content: { id: args.content, type: content.type }, payload: args.payload })) as { ok?: boolean };
    } catch (e) {
      // What escapes the function reaches the platform: for consent, Forge shows "Allow access".
      if (!needsConsent(e)) throw e;
      io.stderr(`${(e as Error).name}: this user has not allowed the app to act for them; Forge would show its "Allow access" prompt.`);
      return 1;
    }
    if (args.wait) await sandbox.platform.drain();
    io.stdout(JSON.stringify(envelope, null, 2));
    return envelope.ok === false ? 1 : 0;
  } finally {
    await sandbox.close();
  }
}

if (process.argv[1] && /invoke-cli\.ts$/.test(process.argv[1])) {
  run(process.argv.slice(2), { stdout: (t) => console.log(t), stderr: (t) => console.error(t) })
    .then((code) => process.exit(code))
    .catch((e: unknown) => {
      console.error(e instanceof Error ? e.message : e);
      process.exit(1);
    });
}
