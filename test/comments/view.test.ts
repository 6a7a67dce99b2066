import { clipThreads, countComments, filterThreads, flatten, sortThreads } from '../../src/comments/view';
import type { CommentView, InlineInfo } from '../../src/shared/comments';

let seq = 0;
function c(o: Partial<CommentView> & { replies?: CommentView[] }): CommentView {
  seq += 1;
  const id = o.id ?? String(100 + seq);
  return {
    id, kind: 'footer', threadId: id, parentId: null, depth: 0, authorId: 'acc-a', author: 'Alice Author',
    created: `2024-01-${String(seq).padStart(2, '0')}T00:00:00Z`, updated: `2024-01-${String(seq).padStart(2, '0')}T00:00:00Z`,
    version: 1, markdown: 'body', text: 'body', clipped: false, replies: [], ...o,
  };
}
const inline = (i: Partial<InlineInfo>): InlineInfo => ({ markerRef: 'm', selection: 'sel', status: 'open', anchor: 'ok', ...i });

describe('counts, filters and sort', () => {
  const reply = c({ id: '2', authorId: 'acc-b', author: 'Bob Builder', text: 'Needle in a reply', markdown: 'Needle in a reply', depth: 1, parentId: '1', threadId: '1' });
  const footer = c({ id: '1', created: '2024-01-05T00:00:00Z', replies: [reply] });
  const open = c({ id: '3', kind: 'inline', created: '2024-01-03T00:00:00Z', inline: inline({ status: 'open', position: 2, selection: 'alpha' }) });
  const resolved = c({ id: '4', kind: 'inline', created: '2024-01-01T00:00:00Z', inline: inline({ status: 'resolved', position: 1 }) });
  const reopened = c({ id: '5', kind: 'inline', created: '2024-01-02T00:00:00Z', inline: inline({ status: 'reopened', anchor: 'changed', position: 0 }) });
  const dangling = c({ id: '6', kind: 'inline', created: '2024-01-04T00:00:00Z', inline: inline({ status: 'dangling', anchor: 'missing' }) });
  const all = [footer, open, resolved, reopened, dangling];

  it('counts comments per kind and inline threads per status', () => {
    expect(countComments(all)).toEqual({
      total: 6, threads: 5, footer: 2, inline: 4, open: 2, resolved: 1,
      byStatus: { open: 1, reopened: 1, resolved: 1, dangling: 1 }, anchorIssues: 2,
    });
    expect(countComments([])).toMatchObject({ total: 0, threads: 0, open: 0 });
  });

  it('filters by kind, status, author (id or name) and text (bodies and anchors)', () => {
    const ids = (ts: CommentView[]) => ts.map((t) => t.id);
    expect(ids(filterThreads(all, { kind: 'footer' }))).toEqual(['1']);
    expect(ids(filterThreads(all, { status: ['resolved', 'reopened'] }))).toEqual(['4', '5']);
    expect(ids(filterThreads(all, { author: 'acc-b' }))).toEqual(['1']);
    expect(ids(filterThreads(all, { author: 'bob' }))).toEqual(['1']);
    expect(ids(filterThreads(all, { text: 'NEEDLE' }))).toEqual(['1']);
    expect(ids(filterThreads(all, { text: 'alpha' }))).toEqual(['3']);
    expect(ids(filterThreads(all, { kind: 'inline', text: 'needle' }))).toEqual([]);
    expect(ids(filterThreads(all))).toEqual(['1', '3', '4', '5', '6']);
  });

  it('sorts by date either way, or by position in the page', () => {
    expect(sortThreads(all, 'date').map((t) => t.id)).toEqual(['4', '5', '3', '6', '1']);
    expect(sortThreads(all, 'date-desc').map((t) => t.id)).toEqual(['1', '6', '3', '5', '4']);
    // Highlights in page order, then the inline thread whose highlight is gone, then footer comments.
    expect(sortThreads(all, 'position').map((t) => t.id)).toEqual(['5', '4', '3', '6', '1']);
  });

  it('orders replies oldest first at every depth, by id when dates tie', () => {
    const r2 = c({ id: '12', created: '2024-02-01T00:00:00Z', depth: 1 });
    const r1 = c({ id: '9', created: '2024-02-01T00:00:00Z', depth: 1 });
    const r0 = c({ id: '15', created: '2024-01-31T00:00:00Z', depth: 1, replies: [c({ id: '30', created: '2024-03-02T00:00:00Z' }), c({ id: '31', created: '2024-03-01T00:00:00Z' })] });
    const [t] = sortThreads([c({ id: '8', replies: [r2, r1, r0] })]);
    expect(flatten(t ? [t] : []).map((x) => x.id)).toEqual(['8', '15', '31', '30', '9', '12']);
  });

  it('cuts bodies to the cap and marks them', () => {
    const long = c({ id: '7', markdown: 'x'.repeat(500), text: 'short', replies: [c({ id: '70', text: 'y'.repeat(500) })] });
    const { threads, count } = clipThreads([long], 100);
    expect(count).toBe(2);
    expect(threads[0]?.clipped).toBe(true);
    expect(threads[0]?.markdown.length).toBeLessThanOrEqual(100);
    expect(threads[0]?.text).toBe('short');
    expect(threads[0]?.replies[0]?.clipped).toBe(true);
  });
});
