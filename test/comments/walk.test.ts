import { walkComments, type WalkApi } from '../../src/comments/walk';
import { ConfluenceError } from '../../src/confluence/errors';
import type { InlineComment } from '../../src/confluence/types';

/** A plain fake of the comment endpoints: `tree` maps a comment id to its replies. */
function fakeApi(o: {
  footer?: string[];
  inline?: Array<{ id: string; status?: InlineComment['resolutionStatus'] }>;
  tree?: Record<string, string[]>;
  failOn?: Record<string, number>;
  delayMs?: number;
  onChildren?: (id: string) => void;
}) {
  const calls: string[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const c = (id: string, extra: Partial<InlineComment> = {}): InlineComment => ({ id, version: { number: 1, createdAt: `2024-01-01T00:00:${id.padStart(2, '0').slice(-2)}Z` }, ...extra });
  async function* replies(id: string): AsyncGenerator<InlineComment> {
    calls.push(`children ${id}`);
    o.onChildren?.(id);
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    try {
      await new Promise((r) => setTimeout(r, o.delayMs ?? 1));
      const status = o.failOn?.[id];
      if (status) throw new ConfluenceError({ status, code: 'X', message: `HTTP ${status}`, hint: '' });
    } finally {
      inFlight -= 1;
    }
    for (const r of o.tree?.[id] ?? []) yield c(r);
  }
  const api: WalkApi = {
    async *footerComments() {
      calls.push('footer roots');
      for (const id of o.footer ?? []) yield c(id);
    },
    async *inlineComments(_ref, opts) {
      calls.push(`inline roots ${(opts?.status ?? []).join(',')}`);
      // As a live list gives them: resolved and reopened rows say who changed the state and when.
      for (const x of o.inline ?? []) {
        const who = x.status === 'resolved' || x.status === 'reopened' ? { resolutionLastModifierId: 'resolver', resolutionLastModifiedAt: '2024-02-02T00:00:00Z' } : {};
        yield c(x.id, { resolutionStatus: x.status ?? 'open', properties: { inlineMarkerRef: `m${x.id}` }, ...who });
      }
    },
    footerReplies: (id) => replies(id),
    inlineReplies: (id) => replies(id),
  };
  return { api, calls, maxInFlight: () => maxInFlight };
}

const ref = { id: '1', type: 'page' as const };

describe('walkComments', () => {
  it('reads replies at every depth with one children call per comment', async () => {
    const f = fakeApi({ footer: ['10', '20'], inline: [{ id: '30' }], tree: { '10': ['11'], '11': ['12'], '12': ['13'], '30': ['31'] } });
    const { threads, skipped } = await walkComments(f.api, ref);
    expect(skipped).toEqual([]);
    const chain: string[] = [];
    for (let n = threads[0]; n; n = n.replies[0]) chain.push(`${n.data.id}@${n.depth}/${n.threadId}/${n.parentId}`);
    expect(chain).toEqual(['10@0/10/null', '11@1/10/10', '12@2/10/11', '13@3/10/12']);
    expect(threads.map((t) => [t.kind, t.data.id])).toEqual([['footer', '10'], ['footer', '20'], ['inline', '30']]);
    expect(threads[2]?.replies[0]?.kind).toBe('inline');
    // 7 comments, 7 children calls: the API never says which comments have replies.
    expect(f.calls.filter((c) => c.startsWith('children')).length).toBe(7);
    expect(f.calls).toContain('inline roots open,reopened,resolved,dangling');
  });

  it('keeps requests in flight within the concurrency bound', async () => {
    const footer = Array.from({ length: 30 }, (_, i) => String(100 + i));
    const f = fakeApi({ footer, delayMs: 5 });
    await walkComments(f.api, ref, { concurrency: 3 });
    expect(f.maxInFlight()).toBe(3);
  });

  it('skips and reports a comment that answers 404 or 403 mid-walk, keeping its siblings', async () => {
    const f = fakeApi({ footer: ['10'], tree: { '10': ['11', '12', '14'], '12': ['13'] }, failOn: { '11': 404, '14': 403 } });
    const { threads, skipped } = await walkComments(f.api, ref);
    expect(threads[0]?.replies.map((r) => r.data.id)).toEqual(['12']);
    expect(threads[0]?.replies[0]?.replies.map((r) => r.data.id)).toEqual(['13']);
    expect(skipped.map((s) => [s.id, s.parentId, s.reason])).toEqual([['11', '10', 'not-found'], ['14', '10', 'forbidden']]);
  });

  it('lets other failures through (the client already retried 429 and 5xx)', async () => {
    const f = fakeApi({ footer: ['10'], failOn: { '10': 500 } });
    await expect(walkComments(f.api, ref)).rejects.toMatchObject({ status: 500 });
  });

  it('stops starting reply reads after the deadline and reports what it did not read', async () => {
    const f = fakeApi({ footer: ['10', '20'] });
    let t = 0;
    const { threads, skipped } = await walkComments(f.api, ref, { deadline: 5, now: () => (t += 10) });
    expect(threads).toHaveLength(2);
    expect(skipped.map((s) => [s.id, s.reason])).toEqual([['10', 'time-budget'], ['20', 'time-budget']]);
    expect(f.calls.some((c) => c.startsWith('children'))).toBe(false);
  });

  it('checks the deadline when a queued call would start, not when it was queued', async () => {
    let clock = 0;
    const f = fakeApi({ footer: ['10', '20'], tree: { '10': ['11'] }, onChildren: () => (clock += 100) });
    const { threads, skipped } = await walkComments(f.api, ref, { concurrency: 1, deadline: 50, now: () => clock });
    expect(f.calls.filter((c) => c.startsWith('children'))).toEqual(['children 10']);
    expect(threads[0]?.replies.map((r) => r.data.id)).toEqual(['11']);
    expect(skipped.map((s) => [s.id, s.reason]).sort()).toEqual([['11', 'time-budget'], ['20', 'time-budget']]);
  });

  it('keeps who resolved from the list itself, with no call per resolved thread', async () => {
    const f = fakeApi({ inline: [{ id: '1', status: 'open' }, { id: '2', status: 'resolved' }, { id: '3', status: 'reopened' }, { id: '4', status: 'dangling' }] });
    const { threads } = await walkComments(f.api, ref);
    expect(f.calls.filter((c) => !c.startsWith('children')).sort()).toEqual(['footer roots', 'inline roots open,reopened,resolved,dangling']);
    expect(threads.map((t) => t.data.resolutionLastModifierId ?? null)).toEqual([null, 'resolver', 'resolver', null]);
  });

  it('does not loop when a comment shows up as its own reply', async () => {
    const f = fakeApi({ footer: ['10'], tree: { '10': ['11'], '11': ['10'] } });
    const { threads } = await walkComments(f.api, ref);
    expect(threads[0]?.replies[0]?.replies).toEqual([]);
  });
});
