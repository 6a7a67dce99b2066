/**
 * `npm start`: the sandbox Confluence (seed site) and the preview of the real panel, offline.
 * The panel is bundled by esbuild on every page load, so an edited view shows on reload.
 * `npm start -- --bundle` serves the UI Kit build of the Forge bundler instead (dist/forge/ui/panel,
 * rebuilt first when stale, ~30 s): exactly what `forge deploy` uploads.
 * `npm start -- --site large` starts with the seed site plus a generated space of 5,000 pages
 * (sandbox/confluence/sites.ts), for trying progress, Cancel and pacing.
 *   SANDBOX_PORT  port of the sandbox Confluence (default: a random free port)
 *   PREVIEW_PORT  port of the preview (default: 3000, or a random free port when 3000 is taken)
 *   CONTROL_PORT  loopback port `npm run invoke -- --url` talks to (default: a random free port)
 *   SANDBOX_TZ    the site's time zone, an IANA name CQL reads dates in (default America/Los_Angeles)
 * Runs until Ctrl-C.
 */
import { startSandbox } from './harness';
import { startControl } from './forge/control';
import { startPreview } from './preview/server';
import { ensureBundle, uiDir } from './forge/artifact';
import { siteNamed } from './confluence/sites';

/** `--site <name>` or `--site=<name>` (default: the seed site). */
function siteArg(argv: readonly string[]): string | undefined {
  const i = argv.findIndex((x) => x === '--site' || x.startsWith('--site='));
  if (i < 0) return undefined;
  const arg = argv[i] ?? '';
  const name = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[i + 1];
  if (!name) throw new Error('--site needs a name, e.g. --site large');
  return name;
}

/** SANDBOX_TZ, checked: an unknown zone would make every CQL date a 500. */
function timeZone(): string | undefined {
  const raw = process.env.SANDBOX_TZ;
  if (!raw) return undefined;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: raw });
  } catch {
    throw new Error(`SANDBOX_TZ must be an IANA time zone such as Pacific/Kiritimati, not "${raw}"`);
  }
  return raw;
}

function port(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`${name} must be a port number, not "${raw}"`);
  return n;
}

async function main(): Promise<void> {
  const sandboxPort = port('SANDBOX_PORT');
  const previewPort = port('PREVIEW_PORT');
  const forgeUi = process.argv.includes('--bundle');
  if (forgeUi) await ensureBundle((line) => console.log(line));
  const tz = timeZone();
  const name = siteArg(process.argv.slice(2));
  const sandbox = await startSandbox({ port: sandboxPort ?? 0, ...(tz ? { timeZone: tz } : {}), ...(name ? { site: siteNamed(name) } : {}) });
  const preview = await startPreview({
    sandbox, port: previewPort ?? 3000, fallbackToRandomPort: previewPort === undefined, forgeUi: forgeUi ? uiDir('panel') : undefined,
  });
  const control = await startControl(sandbox, port('CONTROL_PORT') ?? 0);

  if (name) console.log(`Site: ${name}`);
  console.log('Sandbox Confluence (REST v2 under /wiki/api/v2; send x-sandbox-principal: user:<accountId> or app):');
  console.log(sandbox.confluence.url);
  console.log(`Preview: ${preview.url}${forgeUi ? ' (the panel as the Forge bundler built it)' : ''}`);
  console.log(`Control: ${control.url}   (npm run invoke -- --url ${control.url} ...)`);
  console.log('Press Ctrl-C to stop.');

  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    Promise.all([control.close(), preview.close(), sandbox.close()])
      .then(() => process.exit(0))
      .catch((e: unknown) => {
        console.error(e);
        process.exit(1);
      });
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
