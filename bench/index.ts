/**
 * `npm run bench [-- <name> ...]`: runs the benchmarks and prints one JSON object per line, so runs
 * can be compared over time. Targets are ratios measured in the same run (the machines are shared
 * and noisy), never absolute timings in tests.
 */
import { benchActivity } from './activity';
import { benchAdfToMarkdown } from './adf-to-markdown';
import { benchComments } from './comments';
import { benchDatabases } from './databases';
import { benchTreeExport } from './tree-export';

type Result = Record<string, unknown> | Array<Record<string, unknown>>;

const benches: Record<string, () => Promise<Result>> = {
  'adf-to-markdown': benchAdfToMarkdown,
  'tree-export': benchTreeExport,
  comments: benchComments,
  databases: benchDatabases,
  activity: benchActivity,
};

async function main(): Promise<void> {
  const names = process.argv.slice(2);
  const unknown = names.filter((n) => !(n in benches));
  if (unknown.length > 0) {
    console.error(`Unknown benchmark ${unknown.join(', ')}. Known: ${Object.keys(benches).join(', ')}`);
    process.exit(2);
  }
  for (const name of names.length > 0 ? names : Object.keys(benches)) {
    const run = benches[name];
    if (!run) continue;
    const result = await run();
    for (const line of Array.isArray(result) ? result : [result]) console.log(JSON.stringify(line));
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
