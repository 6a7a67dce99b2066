/**
 * Attachment bytes and links against the sandbox's default (live-like) behaviour: the servlet
 * answers API callers 401, the REST download redirects to the media host, another origin
 * (../shared/real-responses/v1/attachment-download.redirect.txt).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startSandbox, type Sandbox } from '../../sandbox/harness';
import { SEED } from '../../sandbox/confluence/seed';
import { SESSION_COOKIE } from '../../sandbox/confluence/server';
import { createClient } from '../../src/confluence/client';
import { isMediaUrl } from '../../src/confluence/media';
import type { Envelope } from '../../src/shared/envelope';
import type { ExportAttachResult } from '../../src/shared/export';
import { ok } from '../envelope';

const alice = SEED.users.alice;
const image = SEED.attachments.image;

let sb: Sandbox;
beforeEach(async () => {
  sb = await startSandbox();
});
afterEach(async () => {
  await sb.close();
});

const download = () => sb.platform.run({ moduleKey: 'test', accountId: alice }, () => createClient('user').downloadAttachment(SEED.pages.rich, image));

describe('downloadAttachment', () => {
  it.each([true, false])('gets the bytes across the redirect to the media host, with no credentials there (proxy follows: %s)', async (follows) => {
    sb.platform.followMediaRedirects = follows;
    const bytes = await download();
    expect(Buffer.from(bytes)).toEqual(Buffer.from(sb.confluence.site.attachments.get(image)!.bytes));
    expect(sb.confluence.requests.map((r) => [r.path.split('?')[0], r.status])).toEqual([[`/wiki/rest/api/content/${SEED.pages.rich}/child/attachment/${image}/download`, 302]]);
    expect(sb.confluence.media.requests).toEqual([expect.objectContaining({ status: 200, credentials: false })]);
  });

  it.each([true, false])('does not follow a redirect to any other host (proxy follows media redirects: %s)', async (follows) => {
    sb.platform.followMediaRedirects = follows;
    const seen: string[] = [];
    const foreign: Server = createServer((req, res) => {
      seen.push(req.url ?? '');
      res.end('stolen');
    });
    await new Promise<void>((r) => foreign.listen(0, '127.0.0.1', () => r()));
    try {
      sb.confluence.redirectDownloadsTo = `http://127.0.0.1:${(foreign.address() as AddressInfo).port}`;
      await expect(download()).rejects.toMatchObject({ code: 'UNEXPECTED_REDIRECT', status: 302 });
      expect(seen).toEqual([]);
    } finally {
      await new Promise<void>((r) => foreign.close(() => r()));
    }
  });

  it("trusts only Atlassian's media host over https, and the origins the sandbox publishes", () => {
    expect(isMediaUrl(new URL('https://api.media.atlassian.com/file/x/binary?token=t'), [])).toBe(true);
    expect(isMediaUrl(new URL('http://api.media.atlassian.com/file/x/binary'), [])).toBe(false);
    expect(isMediaUrl(new URL('https://api.media.atlassian.com.evil.test/file/x'), [])).toBe(false);
    expect(isMediaUrl(new URL('https://evil.test/?u=api.media.atlassian.com'), [])).toBe(false);
    expect(isMediaUrl(new URL(`${sb.confluence.media.url}/file/x/binary`))).toBe(true);
  });
});

describe('the panel link to an attached export', () => {
  it('is an absolute URL a logged-in browser opens (not an API path)', async () => {
    const r = ok(await sb.invoke<Envelope<ExportAttachResult>>('export/attach', { accountId: alice, content: { id: SEED.pages.guide, type: 'page' }, payload: { format: 'md' } }));
    const link = r.downloadLink ?? '';
    expect(link.startsWith(`${sb.confluence.url}/wiki/download/attachments/${SEED.pages.guide}/`)).toBe(true);
    const att = sb.confluence.site.attachments.get(r.attachmentId)!;
    // A browser with Alice's Confluence session downloads the version just attached.
    const inBrowser = await fetch(link, { headers: { cookie: `${SESSION_COOKIE}=${alice}` } });
    expect(inBrowser.status).toBe(200);
    expect(Buffer.from(await inBrowser.arrayBuffer())).toEqual(Buffer.from(att.bytes));
  });
});
