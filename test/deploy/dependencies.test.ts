/**
 * What ships must find its packages on a real site: every package the app's code imports at run
 * time is in package.json `dependencies` (a devDependency is bundled only by luck), and the code
 * shipped to Forge reads no file at run time (the deploy archive holds the bundle, manifest.yml and
 * the package files only). Read with TypeScript's parser, so `import type` (erased) is told apart.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';
import ts from 'typescript';

const root = join(__dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : /\.tsx?$/.test(e.name) ? [join(dir, e.name)] : []);
}

/** Module specifiers a file imports at run time (type-only imports and exports are erased). */
function runtimeImports(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, false);
  const out: string[] = [];
  for (const s of source.statements) {
    if (ts.isImportDeclaration(s) && !s.importClause?.isTypeOnly && ts.isStringLiteral(s.moduleSpecifier)) out.push(s.moduleSpecifier.text);
    if (ts.isExportDeclaration(s) && !s.isTypeOnly && s.moduleSpecifier && ts.isStringLiteral(s.moduleSpecifier)) out.push(s.moduleSpecifier.text);
  }
  return out;
}

const packageOf = (spec: string): string => (spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : (spec.split('/')[0] ?? spec));
const builtin = (spec: string): boolean => spec.startsWith('node:') || builtinModules.includes(spec);

// src/cli is `npm run convert`, a developer tool that never ships to Forge.
const shipped = files(join(root, 'src')).filter((f) => !relative(root, f).startsWith('src/cli/'));

describe('what the deploy bundle is built from', () => {
  test('every package imported at run time is a dependency, not a devDependency', () => {
    const used = new Set(shipped.flatMap(runtimeImports).filter((s) => !s.startsWith('.') && !builtin(s)).map(packageOf));
    expect(used.size).toBeGreaterThan(5);
    expect([...used].filter((p) => !(p in pkg.dependencies)).sort()).toEqual([]);
  });

  test('shipped code touches no file system (nothing read from the working directory)', () => {
    const readers = shipped.filter((f) => runtimeImports(f).some((s) => ['fs', 'node:fs', 'fs/promises', 'node:fs/promises'].includes(s)));
    expect(readers.map((f) => relative(root, f))).toEqual([]);
  });
});
