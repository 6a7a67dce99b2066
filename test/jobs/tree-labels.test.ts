/**
 * Issue 23.5: a tree's labels cost a few requests per label of its space, not one per page, and
 * never more than about twice the per-page route (plain data in, no Confluence needed).
 */
import { labelIndex, type LabelReads } from '../../src/jobs/tree-labels';
import type { Label, Page } from '../../src/confluence/types';

function reads(labelsOf: Record<string, string[]>): Pick<LabelReads, 'spaceLabels' | 'labelled'> & { asked: string[] } {
  const asked: string[] = [];
  const names = [...new Set(Object.values(labelsOf).flat())];
  return {
    asked,
    async *spaceLabels(spaceId: string): AsyncGenerator<Label> {
      asked.push(`space ${spaceId}`);
      for (const name of names) yield { id: `L-${name}`, name, prefix: 'global' };
    },
    async *labelled(labelId: string, type: string): AsyncGenerator<Page> {
      asked.push(`${labelId} ${type}`);
      for (const [id, labels] of Object.entries(labelsOf)) if (labels.some((l) => `L-${l}` === labelId)) yield { id } as Page;
    },
  };
}

test('labels by page, for the wanted pages only, sorted', async () => {
  const r = reads({ 1: ['b', 'a'], 2: ['a'], 99: ['a', 'c'] });
  const got = await labelIndex(r, ['S'], new Set(['1', '2', '3']), ['page'], 100);
  expect(got).toEqual(new Map([['1', ['a', 'b']], ['2', ['a']]]));
  expect(r.asked).toEqual(['space S', 'L-b page', 'L-a page', 'L-c page']);
});

test('blog posts are asked for only when the tree has some', async () => {
  const r = reads({ 1: ['a'] });
  await labelIndex(r, ['S'], new Set(['1']), ['page', 'blogpost'], 100);
  expect(r.asked).toEqual(['space S', 'L-a page', 'L-a blogpost']);
});

test('gives up once it costs more than the per-page route would', async () => {
  // 300 labelled pages outside a 10-page tree: more than 10 requests + objects.
  const many: Record<string, string[]> = {};
  for (let i = 100; i < 400; i++) many[i] = ['x'];
  const r = reads(many);
  expect(await labelIndex(r, ['S'], new Set(Array.from({ length: 10 }, (_, i) => String(i))), ['page'], 10)).toBeUndefined();
});
