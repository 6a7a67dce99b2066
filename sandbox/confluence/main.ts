// Entry for `npm start` wiring: starts the sandbox on SANDBOX_PORT (default: a random port) with
// the seed site and prints the base URL on its own line, then the seed ids as JSON.
import { startConfluence, type ConfluenceSandbox } from './server';
import { SEED } from './seed';

export async function main(): Promise<ConfluenceSandbox> {
  const port = Number(process.env['SANDBOX_PORT'] ?? 0);
  const sandbox = await startConfluence({ port: Number.isFinite(port) ? port : 0 });
  process.stdout.write(`${sandbox.url}\n`);
  process.stdout.write(`${JSON.stringify({ seed: SEED }, null, 2)}\n`);
  return sandbox;
}

if (require.main === module) {
  main().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
