/**
 * Live-site shapes the specs do not show, made plain once at the edge (real-responses/FINDINGS.md §8).
 */

/** An ISO 8601 time from a `createdAt` that may be epoch milliseconds (a folder's: go-atlassian #447/#448, md2conf PR #290). */
export function isoTime(v: string | number | null | undefined): string | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? new Date(v).toISOString() : undefined;
  return v ?? undefined;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", '#39': "'" };

/**
 * A v1 search row's title as a person reads it: live rows are HTML-escaped and carry highlight
 * markup, `@@@hl@@@Apple@@@endhl@@@ - 15&quot; …` (real-responses/v1/search-cql.schrodinger.json).
 */
export function plainSearchTitle(title: string): string {
  return title
    .replace(/@@@(?:end)?hl@@@/g, '')
    .replace(/&(amp|lt|gt|quot|apos|#39|#(\d+)|#x([0-9a-f]+));/gi, (all, name: string, dec?: string, hex?: string) => {
      if (dec) return String.fromCodePoint(Number(dec));
      if (hex) return String.fromCodePoint(parseInt(hex, 16));
      return ENTITIES[name.toLowerCase()] ?? all;
    });
}
