/**
 * The deploy artifact `npm run bundle` writes with the Forge CLI's own bundlers
 * (../shared/tools/forge-bundle-offline): dist/forge/node (index.cjs, what the functions run) and
 * dist/forge/ui/<resource> (index.html and its scripts, what the UI Kit modules load). Tests and the
 * bench use it through `ensureBundle()`, which rebuilds it when it is missing or older than the
 * sources, so a local `npm test` never runs a stale bundle. Parallel callers (jest workers) share one
 * build through a lock directory.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

export const ROOT = join(__dirname, '..', '..');
export const DIST = join(ROOT, 'dist', 'forge');
export const NODE_DIR = join(DIST, 'node');
export const uiDir = (resource: string): string => join(DIST, 'ui', resource);

/** What the bundle is built from: a change to any of these makes it stale. */
const INPUTS = ['src', 'manifest.yml', 'tsconfig.json', 'package.json', 'package-lock.json'];
const LOCK = join(ROOT, 'dist', '.bundle.lock');
const STALE_LOCK_MS = 15 * 60_000;

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  return readdirSync(path).reduce((max, name) => Math.max(max, newestMtime(join(path, name))), st.mtimeMs);
}

/**
 * The UI Kit resources of manifest.yml (each is bundled to dist/forge/ui/<key>): those a module
 * renders natively. Others (static/icons) are uploaded as they are, not bundled.
 */
export function uiResources(): string[] {
  const manifest = parse(readFileSync(join(ROOT, 'manifest.yml'), 'utf8')) as {
    modules?: Record<string, Array<{ resource?: unknown; render?: unknown }>>;
    resources?: Array<{ key: string }>;
  };
  const native = new Set(Object.values(manifest.modules ?? {}).flat().filter((m) => m.render === 'native').map((m) => m.resource));
  return (manifest.resources ?? []).map((r) => r.key).filter((key) => native.has(key));
}

/** Why the artifact cannot be used as is, or undefined when it is complete and newer than its inputs. */
export function staleness(): string | undefined {
  const outputs = [join(NODE_DIR, 'index.cjs'), ...uiResources().map((r) => join(uiDir(r), 'index.html'))];
  const missing = outputs.find((f) => !existsSync(f));
  if (missing) return `${missing} is missing`;
  const built = Math.min(...outputs.map((f) => statSync(f).mtimeMs));
  const changed = INPUTS.find((i) => newestMtime(join(ROOT, i)) > built);
  return changed ? `${changed} changed after the last bundle` : undefined;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** True when the lock's owner is gone (killed mid-build) or the lock is implausibly old. */
function abandoned(): boolean {
  const held = statSync(LOCK, { throwIfNoEntry: false });
  if (!held) return false;
  if (Date.now() - held.mtimeMs > STALE_LOCK_MS) return true;
  const pid = Number(readFileSync(join(LOCK, 'pid'), { encoding: 'utf8', flag: 'a+' }) || NaN);
  if (!Number.isInteger(pid)) return Date.now() - held.mtimeMs > 60_000; // owner not written yet
  try {
    process.kill(pid, 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

async function lock(): Promise<void> {
  mkdirSync(join(ROOT, 'dist'), { recursive: true });
  for (;;) {
    try {
      mkdirSync(LOCK);
      writeFileSync(join(LOCK, 'pid'), String(process.pid));
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      // Someone else is building: wait for it, or take over a lock its killed owner left behind.
      if (abandoned()) rmSync(LOCK, { recursive: true, force: true });
      else await sleep(1000);
    }
  }
}

/** Runs `npm run bundle`; rejects with the bundler's own output when a bundle fails. */
export function runBundle(): Promise<{ ms: number; output: string }> {
  const t = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['run', '--silent', 'bundle'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve({ ms: Date.now() - t, output });
      else reject(new Error(`npm run bundle failed (exit ${code}):\n${output}`));
    });
  });
}

/** Makes sure dist/forge is complete and fresh, building it if needed. */
export async function ensureBundle(log: (line: string) => void = () => undefined): Promise<{ built: boolean; ms?: number }> {
  if (!staleness()) return { built: false };
  await lock();
  try {
    const why = staleness(); // another process may have built it while we waited
    if (!why) return { built: false };
    log(`Building the Forge bundles (${why}): npm run bundle`);
    const { ms } = await runBundle();
    const still = staleness();
    if (still) throw new Error(`npm run bundle succeeded but ${still}`);
    return { built: true, ms };
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}
