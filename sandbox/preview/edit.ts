/**
 * The preview's "Edit page" action: a person edits the page in Confluence (a paragraph appended,
 * a new version), and Confluence delivers `avi:confluence:updated:page` to the app's trigger. The
 * event goes through `sandbox.trigger`, i.e. the REAL trigger handler from manifest.yml, and the
 * queue consumers it feeds (auto-export) are drained before answering, so the next panel load sees
 * the result.
 */
import { readManifest, type Sandbox } from '../harness';
import * as adf from '../confluence/adf';
import type { Content, Site } from '../confluence/site';
import { pageUpdatedEvent } from '../forge/events';

export interface EditResult {
  version: number;
  triggered: boolean;
  note: string;
}

export class EditError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

function appendParagraph(doc: adf.AdfDoc, text: string): adf.AdfDoc {
  return { ...doc, content: [...doc.content, adf.p(text)] };
}

function editable(site: Site, id: string, accountId: string): Content {
  const c = site.content(id);
  if (!c || (c.type !== 'page' && c.type !== 'blogpost')) throw new EditError(404, `No page or blog post ${id}`);
  if (!site.user(accountId)) throw new EditError(400, `Unknown user ${accountId}`);
  // Confluence would not even show the page to someone outside its restriction.
  if (!site.canSee({ kind: 'user', accountId }, id)) throw new EditError(403, `${site.user(accountId)?.displayName ?? accountId} cannot see this page, so cannot edit it`);
  return c;
}

export async function editPage(sandbox: Sandbox, id: string, accountId: string): Promise<EditResult> {
  const site = sandbox.confluence.site;
  const c = editable(site, id, accountId);
  const who = site.user(accountId)?.displayName ?? accountId;
  const version = site.updatePage(id, {
    adf: appendParagraph(c.adf, `Edited in the preview by ${who} (version ${c.version.number + 1}).`),
    message: 'Edited in the preview',
  }, accountId);

  // Confluence has a blog post event too, but the app does not subscribe to it (nor can the
  // sandbox build it yet): say so rather than pretend.
  const eventType = `avi:confluence:updated:${c.type}`;
  if (c.type !== 'page' || !subscribed(eventType)) {
    return { version, triggered: false, note: `No trigger in manifest.yml subscribes to ${eventType}.` };
  }
  const event = pageUpdatedEvent(site, id, accountId);
  await sandbox.trigger(event);
  // Auto-export runs in a queue consumer; wait for it so the panel shows the fresh copy.
  await sandbox.platform.drain();
  return { version, triggered: true, note: `${eventType} delivered to the app's trigger.` };
}

function subscribed(eventType: string): boolean {
  return (readManifest().modules?.trigger ?? []).some((t) => t.events.includes(eventType));
}
