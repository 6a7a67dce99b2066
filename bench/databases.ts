/**
 * Databases at scale, through the real resolvers on the sandbox: discovery in a 2,000-item tree with
 * 40 databases, and the inspection of a database with 600 content properties and 300 descendants.
 * Reports requests (by kind) and wall time, with no latency and at 50 ms per request.
 * `npx tsx bench/databases.ts` prints one JSON line.
 */
import { performance } from 'node:perf_hooks';
import { SEED, seedSite } from '../sandbox/confluence/seed';
import { startSandbox } from '../sandbox/harness';
import type { DatabaseInspection, DatabaseList } from '../src/shared/databases';
import type { Envelope } from '../src/shared/envelope';
import { pointsOf } from './points';

const ROOT = '700000';
const BIG_DB = '700001';
const TREE = 2_000;
const DATABASES = 40;
const PROPERTIES = 600;
const DB_DESCENDANTS = 300;

function buildSite() {
  const site = seedSite();
  const { alice, bob } = SEED.users;
  const sp = SEED.space.id;
  site.addPage({ id: ROOT, parentId: SEED.pages.home, title: 'Bench root', spaceId: sp, authorId: alice });
  site.addContent({ id: BIG_DB, type: 'database', parentId: ROOT, title: 'Big database', spaceId: sp, authorId: alice });
  for (let n = 0; n < PROPERTIES; n++) site.addProperty(BIG_DB, `field.${n}`, { name: `Field ${n}`, order: n, options: ['a', 'b', 'c'] }, n % 2 ? alice : bob);
  for (let n = 0; n < DB_DESCENDANTS; n++) site.addContent({ type: 'whiteboard', parentId: BIG_DB, title: `Board ${n}`, spaceId: sp, authorId: bob });
  // A tree 5 wide and deep enough to hold TREE pages; every 50th item is a database.
  const parents = [ROOT];
  for (let n = 0; n < TREE; n++) {
    const parentId = parents[Math.floor(n / 5)] ?? ROOT;
    const isDb = n % (TREE / DATABASES) === 0;
    const c = site.addContent({ type: isDb ? 'database' : 'page', parentId, title: `${isDb ? 'DB' : 'Page'} ${n}`, spaceId: sp, authorId: n % 2 ? alice : bob });
    if (!isDb) parents.push(c.id);
  }
  return site;
}

async function measure(latencyMs: number) {
  const sb = await startSandbox({ site: buildSite() });
  try {
    sb.confluence.setLatency(latencyMs);
    const run = async <T>(key: string, payload: unknown) => {
      sb.confluence.resetRequests();
      const t0 = performance.now();
      const out = await sb.invoke<Envelope<T>>(key, { accountId: SEED.users.alice, content: { id: ROOT, type: 'page' }, payload });
      const ms = Math.round(performance.now() - t0);
      if (!out.ok) throw new Error(`${key}: ${out.error.code} ${out.error.message}`);
      const kinds: Record<string, number> = {};
      for (const r of sb.confluence.requests) {
        const kind = r.path.split('?')[0]!.replace(/\/\d+/g, '/{id}').replace('/wiki/api/v2', '');
        kinds[kind] = (kinds[kind] ?? 0) + 1;
      }
      return { out: out.data, ms, requests: sb.confluence.requests.length, points: pointsOf(sb.confluence.requests), kinds, bytes: JSON.stringify(out.data).length };
    };
    const list = await run<DatabaseList>('databases/list', {});
    const inspect = await run<DatabaseInspection>('databases/inspect', { database: BIG_DB });
    const props = inspect.out.properties.ok ? inspect.out.properties.data.total : -1;
    const desc = inspect.out.descendants.ok ? inspect.out.descendants.data : undefined;
    return {
      latencyMs,
      list: { found: list.out.databases.length + list.out.more, scanned: list.out.scanned, requests: list.requests, points: list.points, ms: list.ms, kinds: list.kinds },
      inspect: { properties: props, descendants: desc?.total, returned: desc?.items.length, requests: inspect.requests, points: inspect.points, ms: inspect.ms, responseBytes: inspect.bytes, kinds: inspect.kinds },
    };
  } finally {
    await sb.close();
  }
}

export async function benchDatabases(): Promise<Record<string, unknown>> {
  const fast = await measure(0);
  const slow = await measure(50);
  // Points do not depend on latency: the fast run's are the line's.
  return { bench: 'databases', tree: TREE + DATABASES, databases: DATABASES + 1, properties: PROPERTIES, points: fast.list.points + fast.inspect.points, runs: [fast, slow] };
}

if (require.main === module) {
  benchDatabases().then((r) => console.log(JSON.stringify(r)), (e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
}
