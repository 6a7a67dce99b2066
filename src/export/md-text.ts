import type * as Md from 'mdast';
import { defaultHandlers, type Handle, type Info, type State, type Unsafe } from 'mdast-util-to-markdown';

/**
 * A `text` handler for mdast-util-to-markdown that skips the library's escaping pass (`safe`)
 * when it provably cannot change the text, and otherwise runs it over fewer patterns.
 *
 * Why: `safe` runs the regex of every unsafe pattern in scope (91 patterns with GFM, ≈35 in
 * scope in a paragraph) over every text node, and the phrasing serializer runs the next
 * sibling's handler a second time just to learn its first character. On ordinary prose nothing
 * is escaped, yet this was over a third of all Markdown export time.
 *
 * Why the output is the library's: `safe` only changes its input at positions an unsafe pattern
 * marks (every compiled pattern puts the pattern's `character` at the marked position), and where
 * the input has a backslash (doubled before punctuation). So when the input has no backslash and
 * no candidate pattern's regex — the library's own compiled regex, run over the same
 * `before + value + after` string — marks a position inside the value, `safe` would return the
 * input unchanged. Otherwise `safe` itself runs, over just the patterns that matched somewhere:
 * one that matches nowhere marks nothing. Candidates are a superset of the patterns in scope
 * (`notInConstruct` is ignored; `safe` checks scope itself again), so a mistake about scope can
 * only cost time. Patterns tied to neighbouring nodes (`beforeNode`, `afterNode`) match on a
 * different string, so with any of those in scope the library's handler runs unchanged.
 * test/export/md-text.test.ts compares both serializers on escaping-heavy input.
 */
export const text: Handle = textHandler([]);

/**
 * The same handler for a dialect that writes some escaped characters as character references
 * (../escape): `safe` takes them as `encode`, which changes how it escapes, never where.
 */
export function textHandler(encode: readonly string[]): Handle {
  // `safe` reads `encode` from the info it is given (the library's text handler passes its info on).
  return (node: Md.Text, parent, state, info) => fastText(node, parent, state, encode.length > 0 ? ({ ...info, encode: [...encode] } as Info) : info);
}

const fastText: Handle = (node: Md.Text, parent, state, info) => {
  const value = node.value ?? '';
  const groups = candidatesFor(state);
  if (groups === undefined) return defaultHandlers.text(node, parent, state, info);
  const before = info.before || '';
  const whole = before + value + (info.after || '');
  const start = before.length;
  const end = start + value.length;
  let changes = value.includes('\\');
  const matching: Unsafe[] = [];
  for (const { character, patterns } of groups) {
    if (!whole.includes(character)) continue;
    for (const pattern of patterns) {
      const found = find(state.compilePattern(pattern), pattern, whole, start, end);
      if (found === 'none') continue;
      matching.push(pattern);
      if (found === 'inside') changes = true;
    }
  }
  if (!changes) return value;
  // Patterns that match nowhere mark no position, so `safe` over only the matching ones gives the
  // same result without running every other regex again.
  const narrowed = Object.create(state) as State;
  narrowed.unsafe = matching;
  return state.safe.call(narrowed, value, info);
};

/**
 * Where a pattern marks positions: none, only on the neighbours' characters (`before`/`after`,
 * e.g. the `|` around a table cell: context, `safe` escapes nothing there), or inside the text.
 * Positions are found as `safe` finds them: after the captured `before` part, at the character.
 */
function find(expression: RegExp, pattern: Unsafe, whole: string, start: number, end: number): 'none' | 'outside' | 'inside' {
  const lead = Boolean(pattern.before || pattern.atBreak);
  let found: 'none' | 'outside' = 'none';
  expression.lastIndex = 0;
  let match: RegExpExecArray | null;
  try {
    while ((match = expression.exec(whole))) {
      const position = match.index + (lead ? (match[1] ?? '').length : 0);
      if (position >= start && position < end) return 'inside';
      found = 'outside';
    }
    return found;
  } finally {
    expression.lastIndex = 0;
  }
}

/** Candidate patterns grouped by their character, so each character is looked for once. */
interface Group {
  character: string;
  patterns: Unsafe[];
}

/** Per construct stack, as a trie walked name by name (no key string built per text node). */
interface Scope {
  next: Map<string, Scope>;
  /** Undefined until computed; null when node-conditioned patterns rule the shortcut out. */
  groups?: Group[] | null;
}

/**
 * One trie per unsafe list. Every serialization copies the list into a new array, but with shared
 * options its patterns are the same objects each time, so a trie is reused while they are.
 */
const scopes = new WeakMap<readonly Unsafe[], Scope>();
let last: { patterns: readonly Unsafe[]; scope: Scope } | undefined;

function rootFor(unsafe: readonly Unsafe[]): Scope {
  const known = scopes.get(unsafe);
  if (known) return known;
  const same = last !== undefined && last.patterns.length === unsafe.length && last.patterns.every((p, i) => p === unsafe[i]);
  const scope: Scope = same && last ? last.scope : { next: new Map() };
  // A copy, so the next serialization's list is compared with what this one held.
  last = { patterns: [...unsafe], scope };
  scopes.set(unsafe, scope);
  return scope;
}

function candidatesFor(state: State): Group[] | undefined {
  let scope = rootFor(state.unsafe);
  for (const name of state.stack) {
    let next: Scope | undefined = scope.next.get(name);
    if (!next) {
      next = { next: new Map() };
      scope.next.set(name, next);
    }
    scope = next;
  }
  if (scope.groups === undefined) scope.groups = group(state.unsafe, state.stack);
  return scope.groups ?? undefined;
}

function group(unsafe: readonly Unsafe[], stack: readonly string[]): Group[] | null {
  const byCharacter = new Map<string, Unsafe[]>();
  for (const pattern of unsafe) {
    const list = pattern.inConstruct;
    const inConstruct: readonly string[] = list === undefined || list === null ? [] : typeof list === 'string' ? [list] : list;
    if (inConstruct.length > 0 && !inConstruct.some((name) => stack.includes(name))) continue;
    if (pattern.beforeNode !== undefined || pattern.afterNode !== undefined) return null;
    const same = byCharacter.get(pattern.character);
    if (same) same.push(pattern);
    else byCharacter.set(pattern.character, [pattern]);
  }
  return [...byCharacter].map(([character, patterns]) => ({ character, patterns }));
}
