// A small subset of CQL: clauses joined by AND, with =, !=, ~, !~, IN and NOT IN over the fields
// type, space (space.key), ancestor, parent, id, title, label and text, the date fields lastmodified
// and created (=, !=, >, >=, <, <=), plus ORDER BY. Anything else is a 400, as Confluence answers
// queries it cannot parse.
// Date values follow the CQL field reference (https://developer.atlassian.com/cloud/confluence/cql-fields/,
// "Last modified" / "Created"): "yyyy/MM/dd HH:mm", "yyyy-MM-dd HH:mm", "yyyy/MM/dd" or "yyyy-MM-dd".
// Real sites read them in the site's (or the searcher's) time zone, not UTC, while every timestamp in
// an answer is UTC: Atlassian issue CONFCLOUD-70966 (date clauses use the instance's zone);
// opensearch-project/data-prepper PR #5500 formats its `lastmodified >=` literal in
// `/wiki/rest/api/settings/systemInfo` `defaultTimeZone` for that reason; onyx's connector notes the
// same (../shared/real-responses/FINDINGS.md §1). So the sandbox reads them in its site's zone
// (`Site.timeZone`, default America/Los_Angeles). Dates have minute precision, so a change search
// must overlap its window and dedupe by version.
import { HttpError } from './paging';

export type CqlOp = '=' | '!=' | '~' | '!~' | 'in' | 'not in' | '>' | '>=' | '<' | '<=';
export interface CqlClause { field: string; op: CqlOp; values: string[] }
export interface CqlQuery { clauses: CqlClause[]; orderBy?: { field: string; desc: boolean } }

const FIELDS = new Set(['type', 'space', 'space.key', 'ancestor', 'parent', 'id', 'content', 'title', 'label', 'text', 'lastmodified', 'created']);
const DATE_FIELDS = new Set(['lastmodified', 'created']);

/** The zone's offset from UTC (ms, east positive) at instant `t`. */
export function zoneOffsetMs(timeZone: string, t: number): number {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' }).formatToParts(new Date(t));
  const n = (type: string): number => Number(parts.find((x) => x.type === type)?.value ?? 0);
  return Date.UTC(n('year'), n('month') - 1, n('day'), n('hour'), n('minute'), n('second')) - Math.floor(t / 1000) * 1000;
}

/** A CQL date value (a wall clock in `timeZone`) as epoch ms, or a 400. */
export function parseCqlDate(v: string, timeZone = 'UTC'): number {
  const m = /^(\d{4})[/-](\d{2})[/-](\d{2})(?: (\d{2}):(\d{2}))?$/.exec(v.trim());
  if (!m) throw new HttpError(400, `CQL: invalid date '${v}' (expected yyyy/MM/dd HH:mm, yyyy-MM-dd HH:mm, yyyy/MM/dd or yyyy-MM-dd)`);
  const [, y, mo, d, h, mi] = m;
  const t = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h ?? 0), Number(mi ?? 0));
  if (new Date(t).getUTCDate() !== Number(d)) throw new HttpError(400, `CQL: invalid date '${v}'`);
  // The wall clock's instant: its offset is taken at the guess, then again at the result (DST edges).
  const first = t - zoneOffsetMs(timeZone, t);
  return t - zoneOffsetMs(timeZone, first);
}

type Tok = { t: 'word' | 'str' | 'op' | '(' | ')' | ','; v: string };

function lex(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const ch = src.charAt(i);
    if (/\s/.test(ch)) { i++; continue; }
    if (ch === '"' || ch === "'") {
      let j = i + 1;
      let s = '';
      while (j < src.length && src.charAt(j) !== ch) {
        if (src.charAt(j) === '\\' && j + 1 < src.length) j++;
        s += src.charAt(j);
        j++;
      }
      if (j >= src.length) throw new HttpError(400, 'CQL: unterminated string');
      out.push({ t: 'str', v: s });
      i = j + 1;
      continue;
    }
    const two = src.slice(i, i + 2);
    if (two === '!=' || two === '!~' || two === '>=' || two === '<=') { out.push({ t: 'op', v: two }); i += 2; continue; }
    if (ch === '=' || ch === '~' || ch === '<' || ch === '>') { out.push({ t: 'op', v: ch }); i++; continue; }
    if (ch === '(' || ch === ')' || ch === ',') { out.push({ t: ch, v: ch }); i++; continue; }
    const m = /^[^\s()=,~!<>"']+/.exec(src.slice(i));
    if (!m) throw new HttpError(400, `CQL: unexpected '${ch}'`);
    out.push({ t: 'word', v: m[0] });
    i += m[0].length;
  }
  return out;
}

export function parseCql(src: string): CqlQuery {
  const toks = lex(src);
  let i = 0;
  const peek = (): Tok | undefined => toks[i];
  const word = (w: string): boolean => peek()?.t === 'word' && peek()?.v.toLowerCase() === w;
  const value = (): string => {
    const t = toks[i++];
    if (!t || (t.t !== 'word' && t.t !== 'str')) throw new HttpError(400, 'CQL: value expected');
    return t.v;
  };
  const q: CqlQuery = { clauses: [] };
  while (i < toks.length) {
    if (word('order')) {
      i++;
      if (!word('by')) throw new HttpError(400, 'CQL: BY expected after ORDER');
      i++;
      const field = value().toLowerCase();
      let desc = false;
      if (word('desc')) { desc = true; i++; } else if (word('asc')) i++;
      q.orderBy = { field, desc };
      if (i < toks.length) throw new HttpError(400, 'CQL: unexpected input after ORDER BY');
      break;
    }
    const field = value().toLowerCase();
    if (!FIELDS.has(field)) throw new HttpError(400, `CQL: unsupported field '${field}'`);
    let op: CqlOp;
    if (word('in')) { op = 'in'; i++; } else if (word('not')) {
      i++;
      if (!word('in')) throw new HttpError(400, 'CQL: IN expected after NOT');
      op = 'not in'; i++;
    } else {
      const t = toks[i++];
      const ordered = ['>', '>=', '<', '<='];
      if (!t || t.t !== 'op' || !['=', '!=', '~', '!~', ...ordered].includes(t.v)) throw new HttpError(400, 'CQL: operator expected');
      if (DATE_FIELDS.has(field) ? t.v === '~' || t.v === '!~' : ordered.includes(t.v)) throw new HttpError(400, `CQL: operator ${t.v} is not supported by '${field}'`);
      op = t.v as CqlOp;
    }
    const values: string[] = [];
    if (op === 'in' || op === 'not in') {
      if (peek()?.t !== '(') throw new HttpError(400, 'CQL: ( expected');
      i++;
      for (;;) {
        values.push(value());
        const t = toks[i++];
        if (t?.t === ')') break;
        if (t?.t !== ',') throw new HttpError(400, 'CQL: , or ) expected');
      }
    } else values.push(value());
    if (DATE_FIELDS.has(field)) values.forEach((v) => parseCqlDate(v)); // a bad date is a 400 before any match
    q.clauses.push({ field, op, values });
    if (i >= toks.length) break;
    if (word('and')) { i++; continue; }
    if (word('order')) continue;
    throw new HttpError(400, `CQL: only AND is supported, got '${peek()?.v ?? ''}'`);
  }
  if (!q.clauses.length) throw new HttpError(400, 'CQL: empty query');
  return q;
}

/** Field values of one item, as the evaluator sees them. */
export interface CqlItem {
  type: string; space: string; ancestors: string[]; parent: string; id: string; title: string; labels: string[]; text: string;
  /** ISO instants: when the current version was made, and when the item was created. */
  lastmodified?: string; created?: string;
}

const contains = (hay: string, needle: string): boolean =>
  hay.toLowerCase().includes(needle.toLowerCase().replace(/[*?]/g, ''));

export function matches(q: CqlQuery, it: CqlItem, timeZone = 'UTC'): boolean {
  return q.clauses.every((c) => {
    if (DATE_FIELDS.has(c.field)) {
      const at = Date.parse((c.field === 'created' ? it.created : it.lastmodified) ?? '');
      if (Number.isNaN(at)) return false;
      const hit = c.values.some((v) => {
        const t = parseCqlDate(v, timeZone);
        switch (c.op) {
          case '>': return at > t;
          case '>=': return at >= t;
          case '<': return at < t;
          case '<=': return at <= t;
          default: return at >= t && at < t + 60_000; // = matches within the value's minute
        }
      });
      return c.op === '!=' || c.op === 'not in' ? !hit : hit;
    }
    const one = (v: string): boolean => {
      switch (c.field) {
        case 'type': return it.type === v;
        case 'space': case 'space.key': return it.space === v;
        case 'ancestor': return it.ancestors.includes(v);
        case 'parent': return it.parent === v;
        case 'id': case 'content': return it.id === v;
        case 'label': return it.labels.includes(v);
        case 'title': return c.op === '~' || c.op === '!~' ? contains(it.title, v) : it.title === v;
        case 'text': return contains(`${it.title}\n${it.text}`, v);
        default: return false;
      }
    };
    const any = c.values.some(one);
    return c.op === '!=' || c.op === '!~' || c.op === 'not in' ? !any : any;
  });
}
