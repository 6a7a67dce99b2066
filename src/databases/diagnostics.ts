/**
 * Reachability of a database's rows. The public REST API has no row endpoint; the paths where rows
 * live answer apps with 401 `FAILURE_CLIENT_SCOPE_CHECK` whatever scopes they hold. We ask once per
 * inspection, report each answer verbatim, and say plainly what to do instead. A probe that fails
 * becomes part of the report; it never fails the inspection, and rows are never claimed as read.
 */
import type { Confluence } from '../confluence/client';
import type { RowDiagnostics, RowProbe } from '../shared/databases';
import { sectionError } from './errors';

export const ROWS_EXPLANATION =
  'Rows are not available to apps through the public Confluence REST API. It exposes a database\'s ' +
  'metadata, hierarchy, properties and permissions, but no endpoint returns its rows, and the paths ' +
  'where rows live refuse apps whatever permissions (scopes) the app holds. No admin setting changes this.';

export const ROWS_WHAT_TO_DO =
  'To get the rows, open the database in Confluence and use its own export to CSV from the database\'s menu.';

export async function diagnoseRows(client: Pick<Confluence, 'probeDatabaseRows'>, id: string): Promise<RowDiagnostics> {
  let probes: RowProbe[];
  try {
    probes = await client.probeDatabaseRows(id);
  } catch (e) {
    return {
      rowsRead: false,
      probes: [],
      summary: 'The row paths could not be probed this time; rows were not read.',
      explanation: ROWS_EXPLANATION,
      whatToDo: ROWS_WHAT_TO_DO,
      error: sectionError(e, `the row paths of database ${id}`),
    };
  }
  return { rowsRead: false, probes, summary: summarize(probes), explanation: ROWS_EXPLANATION, whatToDo: ROWS_WHAT_TO_DO };
}

/** One line on what came back, grouped by answer, e.g. "4 of 4 row paths answered 401 FAILURE_CLIENT_SCOPE_CHECK." */
export function summarize(probes: RowProbe[]): string {
  if (probes.length === 0) return 'No row paths were probed; rows were not read.';
  const groups = new Map<string, number>();
  for (const p of probes) {
    const answer = p.status === 0 ? 'no answer (network failure)' : `${p.status}${p.failureCategory ? ` ${p.failureCategory}` : ''}`;
    groups.set(answer, (groups.get(answer) ?? 0) + 1);
  }
  const parts = [...groups].map(([answer, n]) => `${n} of ${probes.length} row paths answered ${answer}`);
  const opened = probes.filter((p) => p.status >= 200 && p.status < 300).length;
  // A 2xx on an undocumented path is reported, but nothing from it is read or shown as rows.
  const tail = opened > 0 ? ' The app does not read rows from paths outside the public API, so none are shown.' : ' Rows were not read.';
  return `${parts.join('; ')}.${tail}`;
}
