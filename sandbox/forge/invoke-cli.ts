/**
 * `npm run invoke -- <resolver-key> [--content <id>] [--user <accountId|alice|bob|carol>] [--payload '<json>']`
 * Runs one resolver against the seed sandbox exactly as the platform would (real handler, real
 * @forge packages, the user's identity) and prints the envelope as JSON. Exit 1 on `ok:false`,
 * and when the function throws (Carol has not allowed the app access: NeedsAuthenticationError).
 *
 * `--event <eventType>` delivers a product event to the app's trigger instead (after the edit or
 * comment that causes it, with `--text`). `--url <control url>` sends the command to the sandbox
 * `npm start` is running, so successive calls share its site, KVS and queue.
 */
import { API_KEYS } from '../../src/shared/api';
import { SEED } from '../confluence/seed';
import { readManifest, startSandbox } from '../harness';
import { MAX_TIMES, perform, send, type Command } from './control';

/** Rovo action keys from manifest.yml, called as `action:<key>`. */
const ACTION_KEYS = (readManifest().modules?.action ?? []).map((x) => x.key);

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

interface Args {
  command: Command;
  url?: string;
}

const USERS: Record<string, string> = { alice: SEED.users.alice, bob: SEED.users.bob, carol: SEED.users.carol };

export function usage(): string {
  const pages = Object.entries(SEED.pages).map(([name, id]) => `  ${id.padEnd(8)} page     ${name}`);
  const users = Object.entries(USERS).map(([name, id]) => `  ${name.padEnd(6)} ${id}`);
  return [
    'Usage: npm run invoke -- <resolver-key> [--content <id>] [--user <name|accountId>] [--payload <json>] [--wait] [--url <url>]',
    '       npm run invoke -- --event <eventType> [--content <id>] [--user <name>] [--comment <id>] [--text <text>] [--times <n>] [--wait] [--url <url>]',
    '',
    'Runs a resolver against the offline seed site as the Forge platform would and prints its envelope,',
    'or delivers a product event to the app\'s trigger as the platform would.',
    '  --content  page or blog post id the panel is on, or the event is about (default: the rich demo page)',
    '  --user     alice (default), bob, carol (has not granted the app consent), or an account id',
    '  --payload  JSON payload (default: {})',
    '  --wait     after the call, wait for queued background jobs (tree exports, auto-export) to finish',
    '  --url      the control URL `npm start` prints: run on that sandbox (shared site, KVS, queue)',
    '  --event    avi:confluence:{created,updated}:page, avi:confluence:{created,updated,deleted}:comment,',
    '             avi:confluence:created:database',
    '  --text     updated:page: the user first appends this paragraph (a new version);',
    '             created:comment: the user first adds a footer comment with this text',
    '  --comment  comment id for comment events',
    `  --times    deliver at once: the same event n times (duplicates), or n new comments (1-${MAX_TIMES}, default 1)`,
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
    `Example: npm run invoke -- --url http://127.0.0.1:4100 --event avi:confluence:updated:page --content ${SEED.pages.home} --user bob --text "Edited." --wait`,
  ].join('\n');
}

export function parseArgs(argv: readonly string[]): Args | { help: true } | { error: string } {
  if (argv.length === 0 || argv.includes('--help') || argv.includes('-h')) return { help: true };
  let key = '';
  let eventType: string | undefined;
  let content: string = SEED.pages.rich;
  let user: string = SEED.users.alice;
  let payload: unknown = {};
  let wait = false;
  let url: string | undefined;
  let commentId: string | undefined;
  let text: string | undefined;
  let times = 1;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const value = (): string | undefined => argv[++i];
    if (arg === '--content') {
      const v = value();
      if (!v || !/^\d+$/.test(v)) return { error: '--content needs a numeric content id' };
      content = v;
    } else if (arg === '--user') {
      const v = value();
      if (!v) return { error: '--user needs a name or account id' };
      user = USERS[v] ?? v;
    } else if (arg === '--payload') {
      const v = value();
      try {
        payload = JSON.parse(v ?? '');
      } catch {
        return { error: '--payload must be valid JSON, e.g. \'{"format":"md"}\'' };
      }
    } else if (arg === '--wait') {
      wait = true;
    } else if (arg === '--url') {
      const v = value();
      if (!v || !/^http:\/\/(127\.0\.0\.1|localhost)(:\d+)?\/?$/.test(v)) return { error: '--url needs the loopback control URL `npm start` prints, e.g. http://127.0.0.1:4100' };
      url = v;
    } else if (arg === '--event') {
      const v = value();
      if (!v || !/^avi:confluence:[a-z]+:[a-z]+$/.test(v)) return { error: '--event needs an event type, e.g. avi:confluence:updated:page' };
      eventType = v;
    } else if (arg === '--comment') {
      const v = value();
      if (!v || !/^\d+$/.test(v)) return { error: '--comment needs a numeric comment id' };
      commentId = v;
    } else if (arg === '--text') {
      const v = value();
      if (v === undefined) return { error: '--text needs the text' };
      text = v;
    } else if (arg === '--times') {
      const n = Number(value());
      if (!Number.isInteger(n) || n < 1 || n > MAX_TIMES) return { error: `--times needs a number from 1 to ${MAX_TIMES}` };
      times = n;
    } else if (arg.startsWith('--')) {
      return { error: `Unknown option ${arg}` };
    } else if (!key) {
      key = arg;
    } else {
      return { error: `Unexpected argument ${arg}` };
    }
  }
  if (eventType) {
    if (key) return { error: 'Give a resolver key or --event, not both' };
    return { command: { kind: 'event', eventType, accountId: user, contentId: content, ...(commentId ? { commentId } : {}), ...(text !== undefined ? { text } : {}), times, wait }, ...(url ? { url } : {}) };
  }
  if (key.startsWith('action:')) {
    if (!ACTION_KEYS.includes(key.slice(7))) return { error: `Unknown action "${key.slice(7)}". Run with --help for the list.` };
  } else if (!(API_KEYS as readonly string[]).includes(key)) return { error: `Unknown resolver key "${key}". Run with --help for the list.` };
  return { command: { kind: 'invoke', key, accountId: user, contentId: content, payload, wait }, ...(url ? { url } : {}) };
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
  const result = args.url ? await send(args.url, args.command) : await once(args.command);
  const output = result.output as { error?: unknown } | undefined;
  if (result.exit !== 0 && typeof output?.error === 'string') io.stderr(output.error);
  else io.stdout(typeof result.output === 'string' ? result.output : JSON.stringify(result.output, null, 2));
  return result.exit;
}

/** A fresh seed sandbox for one command. */
async function once(command: Command) {
  const sandbox = await startSandbox();
  try {
    return await perform(sandbox, command);
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
