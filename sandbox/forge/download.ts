/**
 * A private tree or space export's zip, fetched the way the panel does: `export/tree/download`
 * slice by slice (each under the 5 MB invoke limit), then reassembled. `part` makes one call, so the
 * harness, the bundled app and the benchmarks can each use their own invoke.
 */
import type { Envelope } from '../../src/shared/envelope';
import type { TreeDownloadResult } from '../../src/shared/export';

export interface Downloaded {
  zip: Uint8Array;
  /** Invokes it took. */
  parts: number;
  /** The largest answer as JSON, which the 5 MB invoke limit applies to. */
  answerMaxBytes: number;
}

export async function downloadZip(part: (n: number) => Promise<Envelope<TreeDownloadResult>>): Promise<Downloaded> {
  const slices: Buffer[] = [];
  let answerMaxBytes = 0;
  let parts = 0;
  for (let n: number | undefined = 0; n !== undefined; parts++) {
    const got = await part(n);
    if (!got.ok) throw new Error(`export/tree/download part ${n}: ${got.error.code} ${got.error.message}`);
    answerMaxBytes = Math.max(answerMaxBytes, JSON.stringify(got).length);
    slices.push(Buffer.from(got.data.data, 'base64'));
    n = got.data.next;
  }
  return { zip: new Uint8Array(Buffer.concat(slices)), parts, answerMaxBytes };
}
