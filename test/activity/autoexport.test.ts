/** The auto-export job with plain fakes: idempotent per page version, failures recorded. */
import { parseJob, readState, recordFailure, runAutoExport, wantsExport, writeSetting, type RunDeps } from '../../src/activity/autoexport';
import { lastExport } from '../../src/activity/freshness';
import { readLog } from '../../src/activity/log';
import { memoryKv } from '../../src/storage/kv';

function fakes(pageVersion: { n: number }) {
  const kv = memoryKv();
  const uploads: Array<{ contentId: string; name: string; text: string; comment: string }> = [];
  const deps: RunDeps = {
    kv,
    exportPage: async (ref, options) => ({
      text: `# Page ${ref.id} v${pageVersion.n} (${options.format}, fm=${options.frontMatter})`,
      fileName: 'Guide.md',
      mediaType: 'text/markdown; charset=utf-8',
      version: pageVersion.n,
    }),
    upload: async (contentId, file) => {
      uploads.push({ contentId, name: file.name, text: new TextDecoder().decode(file.bytes), comment: file.comment });
      return { id: 'att1' };
    },
    now: () => '2024-06-01T00:00:00.000Z',
  };
  return { kv, uploads, deps };
}

const on = { enabled: true, format: 'md' as const, frontMatter: true, comments: false };

describe('runAutoExport', () => {
  it('does nothing while auto-export is off', async () => {
    const { deps, uploads } = fakes({ n: 3 });
    expect(await runAutoExport(deps, { contentId: '7', version: 3, reason: 'updated' })).toEqual({ status: 'skipped', reason: 'disabled' });
    expect(uploads).toHaveLength(0);
  });

  it('writes one copy per page version', async () => {
    const page = { n: 3 };
    const { deps, kv, uploads } = fakes(page);
    await writeSetting(kv, '7', on);
    expect((await runAutoExport(deps, { contentId: '7', version: 3, reason: 'updated' })).status).toBe('exported');
    // The same version again (a repeated delivery or retry): skipped before exporting.
    expect(await runAutoExport(deps, { contentId: '7', version: 3, reason: 'updated' })).toEqual({ status: 'skipped', reason: 'up-to-date' });
    page.n = 4;
    expect(await runAutoExport(deps, { contentId: '7', version: 4, reason: 'updated' })).toMatchObject({ status: 'exported', version: 4 });
    expect(uploads.map((u) => u.text)).toEqual(['# Page 7 v3 (md, fm=true)', '# Page 7 v4 (md, fm=true)']);
    expect(uploads[1]?.comment).toContain('version 4');
    expect(await readState(kv, '7')).toMatchObject({ lastVersion: 4, fileName: 'Guide.md', attachmentId: 'att1' });
    expect(await lastExport(kv, '7')).toMatchObject({ version: 4, kind: 'attachment', format: 'md' });
    expect((await readLog(kv, '7')).map((e) => [e.type, e.version])).toEqual([['app:autoexport', 3], ['app:autoexport', 4]]);
  });

  it('skips the upload when the page had not changed past the last copy (job queued late)', async () => {
    const page = { n: 5 };
    const { deps, kv, uploads } = fakes(page);
    await writeSetting(kv, '7', on);
    await runAutoExport(deps, { contentId: '7', version: 5, reason: 'updated' });
    // A job for v4, queued before v5 was exported, exports the page as it is now (v5): no new copy.
    expect(await runAutoExport(deps, { contentId: '7', version: 4, reason: 'updated' })).toEqual({ status: 'skipped', reason: 'up-to-date' });
    expect(await runAutoExport(deps, { contentId: '7', reason: 'enabled' })).toEqual({ status: 'skipped', reason: 'up-to-date' });
    expect(uploads).toHaveLength(1);
  });

  it('wantsExport: only enabled pages with a version not written yet', async () => {
    const { deps, kv } = fakes({ n: 2 });
    expect(await wantsExport(kv, '7', 2)).toBe(false);
    await writeSetting(kv, '7', on);
    expect(await wantsExport(kv, '7', 2)).toBe(true);
    await runAutoExport(deps, { contentId: '7', version: 2, reason: 'updated' });
    expect(await wantsExport(kv, '7', 2)).toBe(false);
    expect(await wantsExport(kv, '7', 3)).toBe(true);
  });

  it('records a failure in the state and the activity log, and a success clears it', async () => {
    const { deps, kv } = fakes({ n: 2 });
    await writeSetting(kv, '7', on);
    await recordFailure(kv, { contentId: '7', version: 2, reason: 'updated' }, 'UPSTREAM (503)', '2024-06-01T00:00:00.000Z');
    expect((await readState(kv, '7')).lastError).toBe('UPSTREAM (503)');
    expect((await readLog(kv, '7'))[0]).toMatchObject({ type: 'app:autoexport-failed', version: 2, detail: 'UPSTREAM (503)' });
    await runAutoExport(deps, { contentId: '7', version: 2, reason: 'updated' });
    expect((await readState(kv, '7')).lastError).toBeUndefined();
  });
});

describe('parseJob', () => {
  it('accepts the jobs the app pushes', () => {
    expect(parseJob({ contentId: '65600', version: 3, reason: 'updated' })).toEqual({ contentId: '65600', version: 3, reason: 'updated' });
    expect(parseJob({ contentId: '65600', reason: 'enabled' })).toEqual({ contentId: '65600', reason: 'enabled' });
  });
  it.each([null, 'x', {}, { contentId: '../x', reason: 'updated' }, { contentId: '1', reason: 'other' }, { contentId: '1', reason: 'updated', version: 0 }, { contentId: '1', reason: 'updated', version: '2' }])(
    'refuses %p',
    (body) => expect(parseJob(body)).toBeUndefined(),
  );
});
