/**
 * The entry point mirrors the manifest, and every key the panel invokes has a resolver: checked
 * both ways, from the files themselves, so a renamed export or a typo in a key fails here.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import * as app from '../src/index';
import { handler as resolverHandler } from '../src/resolvers/index';
import { MODULE_KEYS } from '../sandbox/forge/host';

const root = join(__dirname, '..');

interface Manifest {
  modules: Record<string, Array<{ key: string; handler?: string; function?: string; resource?: string; render?: string; resolver?: { function: string } }>>;
  resources?: Array<{ key: string; path: string }>;
}

const manifest = parse(readFileSync(join(root, 'manifest.yml'), 'utf8')) as Manifest;
const functions = manifest.modules.function ?? [];

/** Keys the frontend invokes: every `call('<key>'` in its typed wrappers. */
function frontendKeys(): string[] {
  const src = readFileSync(join(root, 'src/frontend/api.ts'), 'utf8');
  return [...src.matchAll(/\bcall\(\s*'([^']+)'/g)].map((m) => m[1] as string);
}

/** Keys passed to `defineResolver(resolver, '<key>'` in src/resolvers/*.ts. */
function definedKeys(): string[] {
  const dir = join(root, 'src/resolvers');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.ts'))
    .flatMap((f) => [...readFileSync(join(dir, f), 'utf8').matchAll(/defineResolver\(\s*resolver\s*,\s*'([^']+)'/g)].map((m) => m[1] as string));
}

describe('manifest ↔ src/index.ts', () => {
  const exported = Object.keys(app).filter((k) => k !== '__esModule');
  const named = functions.map((f) => (f.handler ?? '').replace(/^index\./, ''));

  it('names handlers only as index.<export>', () => {
    expect(functions.length).toBeGreaterThan(0);
    for (const f of functions) expect(f.handler).toMatch(/^index\.[A-Za-z_$][\w$]*$/);
  });

  it('every manifest handler is a function exported by src/index.ts', () => {
    for (const name of named) expect(typeof (app as Record<string, unknown>)[name]).toBe('function');
  });

  it('src/index.ts exports exactly the manifest handlers', () => {
    expect([...exported].sort()).toEqual([...new Set(named)].sort());
  });

  it('every module that names a function names one the manifest defines', () => {
    const keys = new Set(functions.map((f) => f.key));
    for (const [kind, modules] of Object.entries(manifest.modules)) {
      if (kind === 'function') continue;
      for (const m of modules) {
        const fn = m.function ?? m.resolver?.function;
        if (fn) expect({ module: m.key, fn, known: keys.has(fn) }).toEqual({ module: m.key, fn, known: true });
      }
    }
  });

  it('the panel resource points at the frontend entry', () => {
    const byline = manifest.modules['confluence:contentBylineItem']?.[0];
    const resource = manifest.resources?.find((r) => r.key === byline?.resource);
    expect(resource?.path).toBe('src/frontend/index.tsx');
  });

  it('every UI module (byline, ••• action, global page) renders the panel with UI Kit and its resolver', () => {
    const ui = ['confluence:contentBylineItem', 'confluence:contentAction', 'confluence:globalPage'];
    for (const kind of ui) {
      const modules = manifest.modules[kind] ?? [];
      expect({ kind, count: modules.length }).toEqual({ kind, count: 1 });
      for (const m of modules) {
        const path = manifest.resources?.find((r) => r.key === m.resource)?.path;
        expect({ kind, path, render: m.render, resolver: m.resolver?.function }).toEqual({ kind, path: 'src/frontend/index.tsx', render: 'native', resolver: 'resolver' });
      }
    }
    // The modules the sandbox host can pose as are the ones declared, under the same keys.
    for (const [kind, key] of Object.entries(MODULE_KEYS)) expect({ kind, key: manifest.modules[kind]?.[0]?.key }).toEqual({ kind, key });
  });
});

describe('frontend invoke keys ↔ resolver definitions', () => {
  const used = frontendKeys();
  const defined = definedKeys();

  it('finds the keys on both sides', () => {
    expect(used.length).toBeGreaterThanOrEqual(14);
    expect(new Set(used).size).toBe(used.length);
  });

  it('every key the panel invokes has a defineResolver', () => {
    expect(used.filter((k) => !defined.includes(k))).toEqual([]);
  });

  it('every defined resolver is used by the panel', () => {
    expect(defined.filter((k) => !used.includes(k))).toEqual([]);
  });

  it('the registered resolver answers every key (no "has no definition")', async () => {
    // @forge/resolver's getDefinitions() dispatches on call.functionKey; an unknown key throws.
    const call = resolverHandler as unknown as (req: unknown, rt: unknown) => Promise<unknown>;
    const request = (key: string) => ({ call: { functionKey: key, payload: { unknownField: true } }, context: { accountId: 'nobody' } });
    await expect(call(request('no/such-key'), { principal: { accountId: 'nobody' } })).rejects.toThrow(/definition/i);
    for (const key of used) {
      // Unknown payload fields are refused before any platform call, so this needs no sandbox.
      const answer = (await call(request(key), { principal: { accountId: 'nobody' } })) as { ok: boolean; error?: { code: string } };
      expect({ key, ok: answer.ok, code: answer.error?.code }).toEqual({ key, ok: false, code: 'BAD_REQUEST' });
    }
  });
});
