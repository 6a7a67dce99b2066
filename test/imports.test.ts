// No import circles in src/ (issue 24.5): a module that imports one that imports it back cannot be
// read top-down, and its load order decides which side sees `undefined`. Type-only imports count
// too: they tie the two modules' meaning together just the same.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    return e.isDirectory() ? sources(p) : /\.tsx?$/.test(e.name) ? [p] : [];
  });
}

function target(from: string, spec: string): string | undefined {
  const base = resolve(dirname(from), spec);
  return [`${base}.ts`, `${base}.tsx`, join(base, 'index.ts')].find((c) => {
    try {
      return statSync(c).isFile();
    } catch {
      return false;
    }
  });
}

/** Each cycle once, as "a -> b -> a", found by a depth-first walk over relative imports. */
function cycles(files: readonly string[]): string[] {
  const graph = new Map<string, string[]>();
  for (const f of files) {
    const specs = [...readFileSync(f, 'utf8').matchAll(/(?:^|\n)\s*(?:import|export)\s[^'";]*?from\s+['"](\.[^'"]+)['"]/g)].map((m) => m[1] ?? '');
    graph.set(f, specs.map((s) => target(f, s)).filter((t): t is string => t !== undefined));
  }
  const found = new Set<string>();
  const done = new Set<string>();
  const path: string[] = [];
  const visit = (n: string): void => {
    path.push(n);
    for (const d of graph.get(n) ?? []) {
      const at = path.indexOf(d);
      if (at >= 0) found.add([...path.slice(at), d].map((p) => relative(ROOT, p)).join(' -> '));
      else if (!done.has(d)) visit(d);
    }
    path.pop();
    done.add(n);
  };
  for (const n of graph.keys()) if (!done.has(n)) visit(n);
  return [...found];
}

describe('imports', () => {
  it('src/ has no import circles', () => {
    expect(cycles(sources(join(ROOT, 'src')))).toEqual([]);
  });
});
