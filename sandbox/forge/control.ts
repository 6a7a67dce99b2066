/**
 * Commands that drive a sandbox from outside: run a resolver, or deliver a product event as the
 * platform would (optionally after the edit or comment that causes it). `npm run invoke` runs them
 * on a fresh sandbox, or, with `--url`, on the one `npm start` is running, through the loopback
 * control endpoint below, so successive calls share one site, its KVS and its queue.
 *
 *   POST /control  {command}  -> {result}     (127.0.0.1 only; browser requests are refused)
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { needsConsent } from '../../src/confluence/errors';
import * as adf from '../confluence/adf';
import type { Sandbox } from '../harness';
import { readManifest } from '../harness';
import {
  commentCreatedEvent,
  commentDeletedEvent,
  commentUpdatedEvent,
  databaseCreatedEvent,
  pageCreatedEvent,
  pageUpdatedEvent,
  type ProductEventPayload,
} from './events';

export type Command =
  | { kind: 'invoke'; key: string; accountId: string; contentId: string; payload: unknown; wait: boolean }
  | {
      kind: 'event';
      eventType: string;
      accountId: string;
      /** The page (or database) the event is about; for comment events, the page commented on. */
      contentId: string;
      /** Comment events: the comment; absent with `text` on created:comment = a new comment. */
      commentId?: string;
      /** updated:page: the paragraph the user appends first; created:comment: the new comment's text. */
      text?: string;
      /** Deliveries at once: the same event again (duplicates), or that many new comments. */
      times: number;
      wait: boolean;
    };

export interface CommandResult {
  /** Process exit code the CLI should use: 0 ok, 1 the app said no (`ok:false`), 2 bad command. */
  exit: number;
  output: unknown;
}

export const MAX_TIMES = 100;

export async function perform(sandbox: Sandbox, cmd: Command): Promise<CommandResult> {
  const problem = checkCommand(cmd);
  if (problem) return bad(problem);
  const site = sandbox.confluence.site;
  const content = site.content(cmd.contentId);
  if (cmd.kind === 'invoke' && cmd.key.startsWith('action:')) {
    // Rovo actions answer a string or JSON (an `error` object on failure), not an envelope.
    const inputs = (cmd.payload && typeof cmd.payload === 'object' ? cmd.payload : {}) as Record<string, unknown>;
    const answer = await sandbox.callAction(cmd.key.slice(7), { accountId: cmd.accountId, content: content ? cmd.contentId : undefined, inputs });
    if (cmd.wait) await sandbox.platform.drain();
    return { exit: answer && typeof answer === 'object' && 'error' in answer ? 1 : 0, output: answer };
  }
  if (cmd.kind === 'invoke') {
    if (!content || (content.type !== 'page' && content.type !== 'blogpost')) return bad(`Content ${cmd.contentId} is not a page or blog post of the site. Run with --help for the list.`);
    let envelope: { ok?: boolean };
    try {
      envelope = (await sandbox.invoke(cmd.key, { accountId: cmd.accountId, content: { id: cmd.contentId, type: content.type }, payload: cmd.payload })) as { ok?: boolean };
    } catch (e) {
      // What escapes the function reaches the platform: for consent, Forge shows "Allow access".
      if (!needsConsent(e)) throw e;
      return { exit: 1, output: { error: `${(e as Error).name}: this user has not allowed the app to act for them; Forge would show its "Allow access" prompt.` } };
    }
    if (cmd.wait) await sandbox.platform.drain();
    return { exit: envelope.ok === false ? 1 : 0, output: envelope };
  }

  if (!content) return bad(`No content ${cmd.contentId} on the site.`);
  if (!site.user(cmd.accountId)) return bad(`Unknown user ${cmd.accountId}.`);
  if (!(readManifest().modules?.trigger ?? []).some((t) => t.events.includes(cmd.eventType))) return bad(`No trigger in manifest.yml subscribes to ${cmd.eventType}.`);
  const user = { kind: 'user' as const, accountId: cmd.accountId };
  // Confluence only sends events for what the user could do.
  if (!site.canSee(user, cmd.contentId)) return bad(`${cmd.accountId} cannot see ${cmd.contentId}.`);

  const events: ProductEventPayload[] = [];
  const made: Record<string, unknown> = {};
  switch (cmd.eventType) {
    case 'avi:confluence:created:page':
      events.push(pageCreatedEvent(site, cmd.contentId, cmd.accountId));
      break;
    case 'avi:confluence:updated:page': {
      if (cmd.text !== undefined) {
        if (!site.canEdit(user, cmd.contentId)) return bad(`${cmd.accountId} may not edit ${cmd.contentId}.`);
        made.version = site.updatePage(cmd.contentId, { adf: { ...content.adf, content: [...content.adf.content, adf.p(cmd.text)] } }, cmd.accountId);
      }
      events.push(pageUpdatedEvent(site, cmd.contentId, cmd.accountId));
      break;
    }
    case 'avi:confluence:created:comment': {
      if (cmd.commentId) events.push(commentCreatedEvent(site, cmd.commentId, cmd.accountId));
      else if (cmd.text !== undefined) {
        const ids: string[] = [];
        for (let i = 0; i < cmd.times; i++) {
          const c = site.addComment({ kind: 'footer', pageId: cmd.contentId, authorId: cmd.accountId, adf: adf.doc(adf.p(cmd.times > 1 ? `${cmd.text} (${i + 1})` : cmd.text)) });
          ids.push(c.id);
          events.push(commentCreatedEvent(site, c.id, cmd.accountId));
        }
        made.commentIds = ids;
      } else return bad('created:comment needs --comment <id> or --text <comment text>.');
      break;
    }
    case 'avi:confluence:updated:comment':
    case 'avi:confluence:deleted:comment': {
      if (!cmd.commentId) return bad(`${cmd.eventType} needs --comment <id>.`);
      events.push((cmd.eventType.includes('updated') ? commentUpdatedEvent : commentDeletedEvent)(site, cmd.commentId, cmd.accountId));
      break;
    }
    case 'avi:confluence:created:database':
      events.push(databaseCreatedEvent(site, cmd.contentId, cmd.accountId));
      break;
    default:
      return bad(`The sandbox cannot build ${cmd.eventType}.`);
  }
  // One event repeated = the platform delivering it more than once, all at the same time.
  const deliveries = events.length === 1 ? Array.from({ length: cmd.times }, () => events[0]!) : events;
  await Promise.all(deliveries.map((e) => sandbox.trigger(e)));
  if (cmd.wait) await sandbox.platform.drain();
  return { exit: 0, output: { eventType: cmd.eventType, delivered: deliveries.length, ...made, queued: sandbox.platform.pushed.length } };
}

/** Commands also arrive over HTTP: check the shape before acting on it. */
function checkCommand(cmd: Command): string | undefined {
  const c = cmd as Partial<Record<string, unknown>>;
  if (typeof c !== 'object' || c === null) return 'A command is an object.';
  if (typeof c.accountId !== 'string' || typeof c.contentId !== 'string' || !/^\d{1,20}$/.test(c.contentId)) return 'A command needs accountId and a numeric contentId.';
  if (c.kind === 'invoke') return typeof c.key === 'string' ? undefined : 'invoke needs a resolver key.';
  if (c.kind !== 'event') return 'kind is invoke or event.';
  if (typeof c.eventType !== 'string') return 'event needs an eventType.';
  if (!Number.isInteger(c.times) || (c.times as number) < 1 || (c.times as number) > MAX_TIMES) return `times is 1 to ${MAX_TIMES}.`;
  if (c.commentId !== undefined && (typeof c.commentId !== 'string' || !/^\d{1,20}$/.test(c.commentId))) return 'commentId is numeric.';
  if (c.text !== undefined && (typeof c.text !== 'string' || c.text.length > 10_000)) return 'text is at most 10,000 characters.';
  return undefined;
}

function bad(message: string): CommandResult {
  return { exit: 2, output: { error: message } };
}

export interface Control {
  url: string;
  close(): Promise<void>;
}

const MAX_BODY = 1024 * 1024;

/** The control endpoint, on 127.0.0.1 only. */
export async function startControl(sandbox: Sandbox, port = 0): Promise<Control> {
  const server: Server = createServer((req, res) => {
    const reply = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    // A web page could reach a loopback port too; browsers always say where they come from.
    if (req.headers.origin !== undefined || req.method !== 'POST' || req.url !== '/control') return reply(404, { error: 'POST /control only' });
    readBody(req)
      .then((text) => perform(sandbox, JSON.parse(text) as Command))
      .then((r) => reply(200, r))
      .catch((e: unknown) => reply(400, { exit: 2, output: { error: e instanceof Error ? e.message : String(e) } }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error('Command too large'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Sends a command to a running sandbox's control endpoint. */
export async function send(url: string, cmd: Command): Promise<CommandResult> {
  const res = await fetch(`${url.replace(/\/$/, '')}/control`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(cmd) });
  const body = (await res.json()) as CommandResult;
  return body;
}
