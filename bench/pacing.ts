/**
 * The pacer on Confluence's real budget (issue 24), on a simulated clock (sandbox/pacing-sim.ts), so
 * hours of Tier 1 take milliseconds:
 *   - `pacing-tier1`: a lone 1,000-page and a lone 10,000-page export on Tier 1's app-wide hourly
 *     budget, paced (PACING) against the same export unpaced; target ratio ≤ 1.25;
 *   - `fair-share` with `tier: 2`: 20 sites, each with its own quota (Tier 2), export 10,000 pages
 *     each, a minute apart: sites must not slow each other (makespanRatio and spread ≈ 1);
 *   - `fair-share` with `tier: 1`, `clock: simulated`: the same 20 sites on Tier 1's one budget;
 *   - the same with `starts: together`: 20 sites of 1,000 pages that start in the same second.
 * The 20-site Tier 1 fair share runs through the real resolvers and queue in bench/fair-share.ts.
 * Parameters: TIER1 in sandbox/pacing-sim.ts, each marked documented or assumed (and the README's
 * "Fair use of the app-wide points budget").
 */
import { simulate, TIER1, type SimJob, type SimParams } from '../sandbox/pacing-sim';
import { PACING } from '../src/jobs/pacing';

const round = (n: number, d = 2) => Math.round(n * 10 ** d) / 10 ** d;
const unpaced = { ...PACING, enabled: false };

/** ASSUMED for Confluence: the per-tenant quota recorded on Jira (`"tenant-app-quota";q=100100;w=3600`). */
export const TIER2_QUOTA = 100_100;

function lone(pages: number): Record<string, unknown> {
  const jobs: SimJob[] = [{ site: 0, pages, startAt: 0 }];
  const paced = simulate(jobs, TIER1, PACING);
  const flat = simulate(jobs, TIER1, unpaced);
  return {
    bench: 'pacing-tier1',
    pages,
    sites: 1,
    pacedSeconds: round(paced.makespan, 1),
    unpacedSeconds: round(flat.makespan, 1),
    ratio: round(paced.makespan / flat.makespan),
    points: paced.points,
    refused429: paced.refused,
  };
}

/** Many sites at once; the ideal is the budget-bound time or the unpaced makespan, whichever is longer. */
export function fairShare(p: SimParams, jobs: SimJob[]): Record<string, unknown> {
  const paced = simulate(jobs, p, PACING);
  const flat = simulate(jobs, p, unpaced);
  const usableRate = (p.quota * (1 - PACING.reserveFraction)) / p.windowSeconds;
  const pointsOf = (j: SimJob) => j.pages * p.pointsPerPage;
  // Tier 2: each site's own budget, whose first window's usable part is there at once (a bucket).
  const usable = p.quota * (1 - PACING.reserveFraction);
  const bound = p.perSite
    ? Math.max(...jobs.map((j) => j.startAt + Math.max(0, pointsOf(j) - usable) / usableRate))
    : jobs.reduce((s, j) => s + pointsOf(j), 0) / usableRate;
  const ideal = Math.max(bound, flat.makespan);
  return {
    bench: 'fair-share',
    tier: p.perSite ? 2 : 1,
    clock: 'simulated',
    sites: new Set(jobs.map((j) => j.site)).size,
    pagesPerSite: jobs[0]?.pages,
    lostPages: jobs.reduce((s, j, i) => s + Math.abs(j.pages - (paced.pagesDone[i] ?? 0)), 0),
    makespanRatio: round(paced.makespan / ideal),
    maxCompletionSpreadRatio: round(Math.max(...paced.seconds) / Math.min(...paced.seconds)),
    makespanSeconds: round(paced.makespan, 1),
    idealSeconds: round(ideal, 1),
    unpacedMakespanSeconds: round(flat.makespan, 1),
    refused429: paced.refused,
    quota: p.quota,
  };
}

export async function benchPacing(): Promise<Array<Record<string, unknown>>> {
  const sites = Array.from({ length: 20 }, (_, i): SimJob => ({ site: i, pages: 10_000, startAt: i * 60 }));
  // The same 20 sites on Tier 1's one budget, for comparison (the Tier 1 fair share with panels and
  // the real queue is bench/fair-share.ts).
  // 20 sites that start in the same second: nobody starts first, so who finishes first is down to
  // the pacing alone (the "independent of who started first"). 1,000 pages each is 40,000
  // points, inside one hour's usable budget.
  const together = Array.from({ length: 20 }, (_, i): SimJob => ({ site: i, pages: 1_000, startAt: 0 }));
  return [
    lone(1_000),
    lone(10_000),
    fairShare({ ...TIER1, quota: TIER2_QUOTA, perSite: true }, sites),
    fairShare(TIER1, sites),
    { ...fairShare(TIER1, together), starts: 'together' },
  ];
}
