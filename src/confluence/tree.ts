/**
 * Whole-tree listing over `/descendants`, which stops at depth 10: every item found at the depth
 * limit is listed again from itself, so trees of any depth come back complete.
 */
import { MAX_DEPTH, type Confluence } from './client';
import type { Descendant } from './types';

/** Yields every descendant of `rootId` with `depth` relative to the root (1 = direct child). */
export async function* allDescendants(client: Pick<Confluence, 'descendants'>, rootId: string): AsyncGenerator<Descendant, void, undefined> {
  const stack: Array<{ id: string; offset: number }> = [{ id: rootId, offset: 0 }];
  while (stack.length > 0) {
    const { id, offset } = stack.pop()!;
    for await (const d of client.descendants(id, MAX_DEPTH)) {
      const depth = (d.depth ?? 1) + offset;
      yield { ...d, depth };
      // Only these can have children that the depth cap hid from us.
      if ((d.depth ?? 1) === MAX_DEPTH) stack.push({ id: d.id, offset: depth });
    }
  }
}
