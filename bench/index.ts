/**
 * `npm run bench [-- <name> ...]`: runs the benchmarks and prints one JSON object per line, so runs
 * can be compared over time. Targets are ratios measured in the same run (the machines are shared
 * and noisy), never absolute timings in tests.
 *
 * Each benchmark runs in its own child process, so one benchmark's heap does not inflate the next
 * one's peak memory figure.
 */
import { fork } from 'node:child_process';
import { meterWithoutLimit } from './points';

type Result = Record<string, unknown> | Array<Record<string, unknown>>;

const benches: Record<string, () => Promise<Result>> = {
  'adf-to-markdown': async () => (await import('./adf-to-markdown')).benchAdfToMarkdown(),
  'tree-export': async () => (await import('./tree-export')).benchTreeExport(),
  'space-export': async () => (await import('./space-export')).benchSpaceExport(),
  comments: async () => (await import('./comments')).benchComments(),
  databases: async () => (await import('./databases')).benchDatabases(),
  activity: async () => (await import('./activity')).benchActivity(),
  deploy: async () => (await import('./deploy')).benchDeploy(),
  audience: async () => (await import('./audience')).benchAudience(),
  rovo: async () => (await import('./rovo')).benchRovo(),
  'change-detection': async () => (await import('./change-detection')).benchChangeDetection(),
  corpus: async () => (await import('./corpus')).benchCorpus(),
  pacing: async () => (await import('./pacing')).benchPacing(),
  'fair-share': async () => (await import('./fair-share')).benchFairShare(),
  incremental: async () => (await import('./incremental')).benchIncremental(),
  jobs: async () => (await import('./jobs')).benchJobs(),
};

const CHILD_FLAG = '--bench-child';

/** Runs one benchmark here and prints its lines, each starting with its `bench` name. */
async function runOne(name: string): Promise<void> {
  const run = benches[name];
  if (!run) throw new Error(`Unknown benchmark ${name}`);
  meterWithoutLimit();
  const result = await run();
  for (const line of Array.isArray(result) ? result : [result]) {
    const { bench, name: _name, ...rest } = line;
    console.log(JSON.stringify({ bench: typeof bench === 'string' ? bench : name, ...rest }));
  }
}

function runChild(name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    // Same runtime flags (tsx's loader) as this process; stdout is shared so lines stream through.
    const child = fork(__filename, [CHILD_FLAG, name], { stdio: 'inherit' });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`benchmark ${name} exited with ${code}`))));
  });
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === CHILD_FLAG) return runOne(args[1] ?? '');
  const unknown = args.filter((n) => !(n in benches));
  if (unknown.length > 0) {
    console.error(`Unknown benchmark ${unknown.join(', ')}. Known: ${Object.keys(benches).join(', ')}`);
    process.exit(2);
  }
  for (const name of args.length > 0 ? args : Object.keys(benches)) await runChild(name);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
