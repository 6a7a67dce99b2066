/**
 * Bundles, in memory, the two scripts the preview page loads:
 * - `host.js`: the bridge host and ForgeDoc renderer (sandbox/preview/client);
 * - `app.js`: the REAL panel, src/frontend/index.tsx, with @forge/react and @forge/bridge.
 *
 * Browser build notes: @forge/react, @forge/bridge and their dependencies (react-reconciler,
 * uuid, lodash, react-hook-form, iframe-resizer, @forge/i18n, @forge/egress) bundle for the
 * browser as they are: no aliases or shims are needed. The only Node-isms are
 * `process.env.NODE_ENV` (defined) and `global` (mapped to globalThis, for older CommonJS deps).
 * The app bundle is rebuilt incrementally on every request, so an edited view shows on reload.
 */
import * as esbuild from 'esbuild';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');

export interface Bundle {
  js: string;
  map?: string;
  /** Build errors, formatted; empty when the build succeeded. */
  errors: string[];
}

export interface Bundler {
  app(): Promise<Bundle>;
  host(): Promise<Bundle>;
  dispose(): Promise<void>;
}

const common = (entry: string, name: string): esbuild.BuildOptions => ({
  entryPoints: { [name]: join(root, entry) },
  bundle: true,
  write: false,
  outdir: '/preview',
  platform: 'browser',
  format: 'iife',
  target: 'es2022',
  jsx: 'automatic',
  sourcemap: 'linked',
  absWorkingDir: root,
  logLevel: 'silent',
  define: { 'process.env.NODE_ENV': '"development"', global: 'globalThis' },
});

async function build(ctx: esbuild.BuildContext): Promise<Bundle> {
  try {
    const out = await ctx.rebuild();
    const files = out.outputFiles ?? [];
    const js = files.find((f) => f.path.endsWith('.js'))?.text ?? '';
    const map = files.find((f) => f.path.endsWith('.js.map'))?.text;
    return { js, map, errors: [] };
  } catch (e) {
    const failure = e as esbuild.BuildFailure;
    const errors = failure.errors?.length
      ? await esbuild.formatMessages(failure.errors, { kind: 'error', color: false })
      : [String(e)];
    return { js: '', errors };
  }
}

export async function createBundler(): Promise<Bundler> {
  const [app, host] = await Promise.all([
    esbuild.context(common('src/frontend/index.tsx', 'app')),
    esbuild.context(common('sandbox/preview/client/host.ts', 'host')),
  ]);
  let hostBundle: Promise<Bundle> | undefined;
  return {
    app: () => build(app),
    // The host does not change while the preview runs; build it once.
    host: () => (hostBundle ??= build(host)),
    async dispose() {
      await Promise.all([app.dispose(), host.dispose()]);
    },
  };
}
