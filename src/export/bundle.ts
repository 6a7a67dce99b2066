/**
 * The zip of a tree export, built with fflate's streaming `Zip` so entries are compressed as they are
 * added and only the compressed bytes stay in memory. Every entry gets the same timestamp, so the same
 * input always gives the same bytes (a resumed job and a single run produce identical zips).
 */
import { Zip, ZipDeflate, ZipPassThrough, strToU8 } from 'fflate';

/** Longest entry name in bytes (zip allows 65,535; unzip tools and file systems choke far earlier). */
export const ENTRY_MAX_BYTES = 1024;

/** Throws when a name could escape the extraction folder or confuse unzip tools. */
export function assertSafeEntry(name: string): void {
  // eslint-disable-next-line no-control-regex
  const bad =
    name === '' ||
    name.startsWith('/') ||
    name.includes('\\') ||
    /^[a-z]:/i.test(name) ||
    /[\u0000-\u001f\u007f]/.test(name) ||
    name.split('/').some((s) => s === '' || s === '.' || s === '..') ||
    new TextEncoder().encode(name).length > ENTRY_MAX_BYTES;
  if (bad) throw new Error(`Unsafe zip entry name refused: ${JSON.stringify(name.slice(0, 80))}`);
}

/** Media types that are already compressed: stored, not deflated again. */
const PACKED = /^(image\/(png|jpe?g|gif|webp)|video\/|audio\/|application\/(zip|gzip|pdf|x-7z|x-rar|vnd\.openxmlformats))/;

export class ZipBuilder {
  private readonly chunks: Uint8Array[] = [];
  private readonly names = new Set<string>();
  private readonly zip: Zip;
  private size = 0;
  private error: Error | undefined;
  private finished = false;

  constructor(private readonly mtime: Date = new Date('2024-01-01T00:00:00Z')) {
    this.zip = new Zip((err, data, final) => {
      if (err) this.error = err;
      else {
        this.chunks.push(data);
        this.size += data.byteLength;
      }
      if (final) this.finished = true;
    });
  }

  /** Adds a file. Text is UTF-8 encoded; `mediaType` decides whether to compress. */
  add(name: string, content: string | Uint8Array, mediaType = 'text/plain'): void {
    assertSafeEntry(name);
    if (this.names.has(name)) throw new Error(`Duplicate zip entry: ${name}`);
    this.names.add(name);
    const bytes = typeof content === 'string' ? strToU8(content) : content;
    const entry = PACKED.test(mediaType) ? new ZipPassThrough(name) : new ZipDeflate(name, { level: 6 });
    entry.mtime = this.mtime;
    this.zip.add(entry);
    entry.push(bytes, true);
    if (this.error) throw this.error;
  }

  has(name: string): boolean {
    return this.names.has(name);
  }

  /** Bytes so far (compressed). */
  get bytes(): number {
    return this.size;
  }

  finish(): Uint8Array {
    this.zip.end();
    if (this.error) throw this.error;
    if (!this.finished) throw new Error('zip did not finish');
    const out = new Uint8Array(this.size);
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.byteLength;
    }
    this.chunks.length = 0;
    return out;
  }
}
