/**
 * Payload validation for resolvers: tiny combinators that check type, range and enum and say which
 * field was wrong. Contracts only (no @forge imports) so the frontend can reuse the same rules.
 */
/** Field names come from the caller and go back in the error: at most this many characters shown. */
export const FIELD_SHOWN = 40;
/** The longest message a bad payload gets back, whatever it held. */
export const MESSAGE_MAX = 200;

export class BadInput extends Error {
  readonly field: string;
  constructor(field: string, message: string) {
    const shown = showField(field);
    const text = shown ? `${shown}: ${message}` : message;
    super(text.length > MESSAGE_MAX ? `${text.slice(0, MESSAGE_MAX - 1)}…` : text);
    this.field = shown;
    this.name = 'BadInput';
  }
}

/** A field name safe to echo: printable ASCII letters, digits and punctuation only, shortened. */
export function showField(field: string): string {
  const head = field.slice(0, FIELD_SHOWN + 1).replace(/[^\x21-\x7e]|[<>&"'`]/g, '?');
  return head.length > FIELD_SHOWN ? `${head.slice(0, FIELD_SHOWN)}…` : head;
}

export type Check<T> = (value: unknown, field: string) => T;

export const str = (o: { max?: number; min?: number; pattern?: RegExp } = {}): Check<string> => (v, f) => {
  if (typeof v !== 'string') throw new BadInput(f, `expected text, got ${kind(v)}`);
  if (o.min !== undefined && v.length < o.min) throw new BadInput(f, `must be at least ${o.min} characters`);
  if (o.max !== undefined && v.length > o.max) throw new BadInput(f, `must be at most ${o.max} characters`);
  if (o.pattern && !o.pattern.test(v)) throw new BadInput(f, 'has an invalid format');
  return v;
};

export const bool = (): Check<boolean> => (v, f) => {
  if (typeof v !== 'boolean') throw new BadInput(f, `expected true or false, got ${kind(v)}`);
  return v;
};

export const int = (o: { min?: number; max?: number } = {}): Check<number> => (v, f) => {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new BadInput(f, `expected a whole number, got ${kind(v)}`);
  if (o.min !== undefined && v < o.min) throw new BadInput(f, `must be ≥ ${o.min}`);
  if (o.max !== undefined && v > o.max) throw new BadInput(f, `must be ≤ ${o.max}`);
  return v;
};

export const oneOf = <T extends string>(values: readonly T[]): Check<T> => (v, f) => {
  if (typeof v !== 'string' || !(values as readonly string[]).includes(v)) {
    throw new BadInput(f, `must be one of ${values.join(', ')}`);
  }
  return v as T;
};

export const arrayOf = <T>(item: Check<T>, o: { max?: number } = {}): Check<T[]> => (v, f) => {
  if (!Array.isArray(v)) throw new BadInput(f, `expected a list, got ${kind(v)}`);
  if (o.max !== undefined && v.length > o.max) throw new BadInput(f, `must hold at most ${o.max} items`);
  return v.map((x, i) => item(x, `${f}[${i}]`));
};

export const optional = <T>(check: Check<T>): Check<T | undefined> => (v, f) => (v === undefined || v === null ? undefined : check(v, f));

type Shape = Record<string, Check<unknown>>;
type Out<S extends Shape> = { [K in keyof S]: ReturnType<S[K]> };

/** An object with exactly these fields; unknown fields are refused so typos don't pass silently. */
export const object = <S extends Shape>(shape: S): Check<Out<S>> => (v, f) => {
  const input = v === undefined || v === null ? {} : v;
  if (typeof input !== 'object' || Array.isArray(input)) throw new BadInput(f, `expected an object, got ${kind(v)}`);
  const record = input as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    // Own properties only: `in` would accept inherited names such as `constructor` or `toString`.
    if (!Object.prototype.hasOwnProperty.call(shape, key)) throw new BadInput(join(f, key), 'is not a known field');
  }
  const out: Record<string, unknown> = {};
  for (const [key, check] of Object.entries(shape)) out[key] = check(record[key], join(f, key));
  return out as Out<S>;
};

export function validate<T>(check: Check<T>, value: unknown): T {
  return check(value, '');
}

function join(parent: string, key: string): string {
  return parent ? `${parent}.${key}` : key;
}

function kind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  return typeof v;
}
