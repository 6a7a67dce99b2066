// The incremental export plan (src/export/incremental.ts): unchanged / changed / new / deleted /
// moved from the previous manifest and the tree now, decided by versions; and the manifest reader
// that sends a bad previous export back to a full one.
import { planIncremental, readManifest, type ListedPage, type ManifestEntry } from '../../src/export/incremental';

/** A test naming: the titles from the root down, e.g. "Root/Guide/Setup.md". */
function namer(pages: readonly ListedPage[]): (id: string) => string {
  const byId = new Map(pages.map((p) => [p.id, p]));
  return (id) => {
    const parts: string[] = [];
    for (let p = byId.get(id); p; p = p.parentId ? byId.get(p.parentId) : undefined) parts.unshift(p.title);
    return `${parts.join('/')}.md`;
  };
}

const tree: ListedPage[] = [
  { id: '1', version: 3, parentId: null, title: 'Root' },
  { id: '2', version: 1, parentId: '1', title: 'Guide' },
  { id: '3', version: 5, parentId: '2', title: 'Setup' },
  { id: '4', version: 2, parentId: '1', title: 'FAQ' },
  { id: '5', version: 1, parentId: '4', title: 'Old' },
];
const manifestOf = (pages: readonly ListedPage[]): ManifestEntry[] => pages.map((p) => ({ id: p.id, version: p.version, path: namer(pages)(p.id) }));

describe('planIncremental', () => {
  it('carries everything over when nothing changed', () => {
    const plan = planIncremental(manifestOf(tree), tree, namer(tree));
    expect(plan.counts).toEqual({ unchanged: 5, changed: 0, new: 0, moved: 0, deleted: 0 });
    expect(plan.fetch).toEqual([]);
    expect(plan.renames.size).toBe(0);
  });

  it('sorts edits, new pages, deletions, moves and renames', () => {
    const now: ListedPage[] = [
      { id: '1', version: 3, parentId: null, title: 'Root' },
      { id: '2', version: 2, parentId: '1', title: 'User Guide' }, // renamed: a new version, so changed
      { id: '3', version: 5, parentId: '2', title: 'Setup' }, // unchanged, but its parent was renamed
      { id: '4', version: 3, parentId: '1', title: 'FAQ' }, // edited
      { id: '6', version: 1, parentId: '4', title: 'New' }, // new; '5' is gone
    ];
    const plan = planIncremental(manifestOf(tree), now, namer(now));
    expect(plan.pages).toEqual([
      { id: '1', change: 'unchanged', path: 'Root.md' },
      { id: '2', change: 'changed', path: 'Root/User Guide.md', from: 'Root/Guide.md' },
      { id: '3', change: 'moved', path: 'Root/User Guide/Setup.md', from: 'Root/Guide/Setup.md' },
      { id: '4', change: 'changed', path: 'Root/FAQ.md' },
      { id: '6', change: 'new', path: 'Root/FAQ/New.md' },
    ]);
    expect(plan.deleted).toEqual([{ id: '5', version: 1, path: 'Root/FAQ/Old.md' }]);
    expect(plan.fetch).toEqual(['2', '4', '6']);
    expect([...plan.renames]).toEqual([['Root/Guide.md', 'Root/User Guide.md'], ['Root/Guide/Setup.md', 'Root/User Guide/Setup.md']]);
    expect(plan.counts).toEqual({ unchanged: 1, changed: 2, new: 1, moved: 1, deleted: 1 });
  });

  it('treats any version difference as a change, even a lower number (versions, not clocks)', () => {
    const prev = manifestOf(tree).map((e) => (e.id === '3' ? { ...e, version: 9 } : e));
    expect(planIncremental(prev, tree, namer(tree)).fetch).toEqual(['3']);
  });

  it('moves a page whose parent changed without a new version', () => {
    const now = tree.map((p) => (p.id === '5' ? { ...p, parentId: '2' } : p));
    const plan = planIncremental(manifestOf(tree), now, namer(now));
    expect(plan.pages.find((p) => p.id === '5')).toEqual({ id: '5', change: 'moved', path: 'Root/Guide/Old.md', from: 'Root/FAQ/Old.md' });
    expect(plan.fetch).toEqual([]);
  });

  it('refuses duplicate ids in either input', () => {
    const first = tree[0] as ListedPage;
    expect(() => planIncremental(manifestOf(tree), [...tree, first], namer(tree))).toThrow(/twice/);
    const dup = manifestOf(tree);
    expect(() => planIncremental([...dup, dup[0] as ManifestEntry], tree, namer(tree))).toThrow(/twice/);
  });
});

describe('readManifest', () => {
  const good = { format: 1, pages: manifestOf(tree) };

  it('reads a current manifest', () => {
    expect(readManifest(good)).toEqual({ ok: true, entries: manifestOf(tree) });
  });

  it.each([
    ['missing', undefined],
    ['an older format', { ...good, format: 0 }],
    ['no page list', { format: 1 }],
    ['a bad id', { format: 1, pages: [{ id: 'x', version: 1, path: 'a.md' }] }],
    ['a bad version', { format: 1, pages: [{ id: '1', version: 0, path: 'a.md' }] }],
    ['an escaping path', { format: 1, pages: [{ id: '1', version: 1, path: '../a.md' }] }],
    ['an absolute path', { format: 1, pages: [{ id: '1', version: 1, path: '/a.md' }] }],
    ['a repeated path', { format: 1, pages: [{ id: '1', version: 1, path: 'a.md' }, { id: '2', version: 1, path: 'a.md' }] }],
    ['a null entry', { format: 1, pages: [null] }],
  ])('refuses %s, with a reason', (_name, json) => {
    const r = readManifest(json);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason.length).toBeGreaterThan(0);
  });
});
