/**
 * `npm run invoke -- <resolver-key> [--content <id>] [--user <accountId|alice|bob>] [--payload '<json>']`
 * Runs one resolver against the seed sandbox exactly as the platform would (real handler, real
 * @forge packages, the user's identity) and prints the envelope as JSON. Exit 1 on `ok:false`.
 */
import { API_KEYS } from '../../src/shared/api';
import { SEED } from '../confluence/seed';
import { readManifest, startSandbox } from '../harness';

/** Rovo action keys from manifest.yml, called as `action:<key>`. */
const ACTION_KEYS = (readManifest().modules?.action ?? []).map((x) => x.key);

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

const USERS: Record<string, string> = { alice: SEED.users.alice, bob: SEED.users.bob };

export function usage(): string {
  const pages = Object.entries(SEED.pages).map(([name, id]) => `  ${id.padEnd(8)} page     ${name}`);
  const users = Object.entries(USERS).map(([name, id]) => `  ${name.padEnd(6)} ${id}`);
  return [
    'Usage: npm run invoke -- <resolver-key> [--content <id>] [--user <name|accountId>] [--payload <json>] [--wait]',
    '',
    'Runs a resolver against the offline seed site as the Forge platform would and prints its envelope.',
    '  --content  page or blog post id the panel is on (default: the rich demo page)',
    '  --user     alice (default) or bob, or an account id',
    '  --payload  JSON payload (default: {})',
    '  --wait     after the call, wait for queued background jobs (tree exports) to finish',
    '',
    'Resolver keys:',
    ...API_KEYS.map((k) => `  ${k}`),
    '',
    'Rovo actions (called as Rovo does: --payload holds the inputs, --content the page the user is on):',
    ...ACTION_KEYS.map((k) => `  action:${k}`),
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
  if (out.key.startsWith('action:')) {
    return ACTION_KEYS.includes(out.key.slice(7)) ? out : { error: `Unknown action "${out.key.slice(7)}". Run with --help for the list.` };
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
    if (args.key.startsWith('action:')) {
      // Actions answer a string or JSON (an `error` object on failure), not an envelope.
      const inputs = (args.payload && typeof args.payload === 'object' ? args.payload : {}) as Record<string, unknown>;
      const answer = await sandbox.callAction(args.key.slice(7), { accountId: args.user, content: site.content(args.content) ? args.content : undefined, inputs });
      if (args.wait) await sandbox.platform.drain();
      io.stdout(typeof answer === 'string' ? answer : JSON.stringify(answer, null, 2));
      return answer && typeof answer === 'object' && 'error' in answer ? 1 : 0;
    }
    const content = site.content(args.content);
    if (!content || (content.type !== 'page' && content.type !== 'blogpost')) {
      io.stderr(`Content ${args.content} is not a page or blog post of the seed site. Run with --help for the list.`);
      return 2;
    }
    const envelope = (await sandbox.invoke(args.key, { accountId: args.user, content: { id: args.content, type: content.type }, payload: args.payload })) as { ok?: boolean };
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
