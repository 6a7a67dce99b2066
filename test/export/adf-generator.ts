/**
 * Random ADF documents generated from Atlassian's ADF JSON schema
 * (`@atlaskit/adf-schema/json-schema/v1/full.json`), checked with ajv, for property tests of the
 * converter. Deterministic for a seed. Texts are made of numbered words (`w17x`), so a lost text
 * cannot hide behind a repeated one.
 */
import { readFileSync } from 'node:fs';
import Ajv from 'ajv';

type Schema = Record<string, unknown>;

export interface AdfSchema {
  definitions: Record<string, Schema>;
  $ref: string;
}

export function loadAdfSchema(): AdfSchema {
  const file = require.resolve('@atlaskit/adf-schema/json-schema/v1/full.json');
  return JSON.parse(readFileSync(file, 'utf8')) as AdfSchema;
}

/** ajv validator for whole documents (the schema is draft-04; its keywords mean the same in ajv 8). */
export function adfValidator(schema: AdfSchema): (doc: unknown) => boolean {
  const { $schema: _draft, ...rest } = schema as AdfSchema & { $schema?: string };
  const ajv = new Ajv({ strict: false, allErrors: false, validateSchema: false });
  const validate = ajv.compile(rest);
  return (doc) => validate(doc) as boolean;
}

/** mulberry32: small, fast, deterministic. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Macro keys worth meeting: the ones the exporter knows (their bodies must survive too) and some it does not. */
const extensionKeys = ['jira', 'toc', 'children', 'info', 'note', 'panel', 'expand', 'status', 'code', 'anchor', 'excerpt', 'excerpt-include', 'drawio', 'gliffy', 'mystery-box', 'nested-table'];
const languages = ['javascript', 'python', 'none', 'java', 'sql'];

export interface GeneratorOptions {
  /** Nesting budget in schema objects (a paragraph in a list item in a list is 3). */
  maxDepth?: number;
  /** Soft cap on generated objects per document. */
  maxNodes?: number;
}

export function createGenerator(schema: AdfSchema, seed: number, options: GeneratorOptions = {}): (ref?: string) => unknown {
  const rand = rng(seed);
  const maxDepth = options.maxDepth ?? 9;
  const maxNodes = options.maxNodes ?? 120;
  const defs = schema.definitions;
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  let word = 0;
  let nodes = 0;
  const words = (n = 1 + Math.floor(rand() * 3)): string => Array.from({ length: n }, () => `w${(word += 1)}x`).join(' ');

  const deref = (s: Schema): Schema => {
    let out = s;
    while (typeof out.$ref === 'string') out = defs[out.$ref.replace('#/definitions/', '')] ?? {};
    return out;
  };

  // Least nesting needed to finish a schema, so that deep branches can close the document.
  const cost = new Map<Schema, number>();
  const costOf = (s: Schema, seen: Set<Schema>): number => {
    const d = deref(s);
    const known = cost.get(d);
    if (known !== undefined) return known;
    if (seen.has(d)) return Infinity;
    seen.add(d);
    let c = 0;
    if (Array.isArray(d.anyOf)) c = Math.min(...(d.anyOf as Schema[]).map((o) => costOf(o, seen)));
    else if (Array.isArray(d.allOf)) c = Math.max(...(d.allOf as Schema[]).map((o) => costOf(o, seen)));
    else if (d.type === 'object' || d.properties) {
      const props = (d.properties ?? {}) as Record<string, Schema>;
      c = 1 + Math.max(0, ...((d.required ?? []) as string[]).map((k) => (props[k] ? costOf(props[k], seen) : 0)));
    } else if (d.type === 'array' && d.items && ((d.minItems as number | undefined) ?? 0) > 0) {
      c = Array.isArray(d.items) ? costOf((d.items as Schema[])[0] ?? {}, seen) : costOf(d.items as Schema, seen);
    }
    seen.delete(d);
    if (Number.isFinite(c)) cost.set(d, c);
    return c;
  };
  for (let round = 0; round < 4; round += 1) for (const d of Object.values(defs)) costOf(d, new Set());

  const merge = (parts: Schema[]): Schema => {
    const out: Schema = { type: 'object', properties: {}, required: [] };
    for (const p of parts.map(deref)) {
      Object.assign(out.properties as Schema, p.properties ?? {});
      out.required = [...new Set([...(out.required as string[]), ...((p.required ?? []) as string[])])];
    }
    return out;
  };

  const stringFor = (key: string, s: Schema): string => {
    if (Array.isArray(s.enum)) return String(pick(s.enum));
    if (typeof s.pattern === 'string') return `#${Math.floor(rand() * 0xffffff).toString(16).padStart(6, '0')}`;
    switch (key) {
      case 'url':
      case 'href':
        return `https://example.com/p${(word += 1)}`;
      case 'timestamp':
        return String(1_600_000_000_000 + Math.floor(rand() * 1000) * 86_400_000);
      case 'extensionKey':
        return pick(extensionKeys);
      case 'extensionType':
        return 'com.atlassian.confluence.macro.core';
      case 'language':
        return pick(languages);
      case 'shortName':
        return `:${words(1)}:`;
      case 'id':
      case 'localId':
      case 'collection':
      case 'occurrenceKey':
        return `id${(word += 1)}`;
      default:
        return words();
    }
  };

  const parameters = (): Schema => {
    const r = rand();
    if (r < 0.3) return {};
    if (r < 0.45) {
      const inner = gen({ $ref: '#/definitions/table_node' }, 'table', Math.max(4, maxDepth - 3));
      return { adf: JSON.stringify({ type: 'doc', version: 1, content: [inner] }) };
    }
    return { macroParams: { title: { value: words() }, key: { value: `PROJ-${(word += 1)}` } }, macroMetadata: { title: words() } };
  };

  function gen(schema0: Schema, key: string, depth: number): unknown {
    let s = deref(schema0);
    if (Array.isArray(s.allOf)) s = merge(s.allOf as Schema[]);
    if (Array.isArray(s.anyOf)) {
      const options = s.anyOf as Schema[];
      const fits = options.filter((o) => (cost.get(deref(o)) ?? 0) <= depth);
      const pool = fits.length > 0 && nodes < maxNodes ? fits : [options.reduce((a, b) => ((cost.get(deref(a)) ?? 0) <= (cost.get(deref(b)) ?? 0) ? a : b))];
      return gen(pick(pool), key, depth);
    }
    if (Array.isArray(s.enum)) return pick(s.enum);
    if (key === 'parameters' && !s.type) return parameters();
    switch (s.type) {
      case 'object': {
        nodes += 1;
        const out: Record<string, unknown> = {};
        const props = (s.properties ?? {}) as Record<string, Schema>;
        const required = new Set((s.required ?? []) as string[]);
        for (const [k, p] of Object.entries(props)) {
          const optional = !required.has(k);
          if (optional && (k === 'marks' ? rand() < 0.6 : rand() < 0.4)) continue;
          if (optional && depth <= 1 && (deref(p).type === 'array' || deref(p).type === 'object')) continue;
          out[k] = gen(p, k, depth - 1);
        }
        return out;
      }
      case 'array': {
        const min = (s.minItems as number | undefined) ?? 0;
        if (Array.isArray(s.items)) {
          // A tuple (mediaSingle: media then caption): its first `n` positions, n within the bounds.
          const tuple = s.items as Schema[];
          const n = Math.min(tuple.length, (s.maxItems as number | undefined) ?? tuple.length, min + Math.floor(rand() * (tuple.length - min + 1)));
          return tuple.slice(0, n).map((item) => gen(item, key, depth));
        }
        const max = (s.maxItems as number | undefined) ?? min + 3;
        const n = depth <= 1 || nodes >= maxNodes ? min : min + Math.floor(rand() * (Math.min(max, min + 3) - min + 1));
        return Array.from({ length: n }, () => gen((s.items ?? {}) as Schema, key, depth));
      }
      case 'string':
        return stringFor(key, s);
      case 'number':
      case 'integer': {
        const lo = (s.minimum as number | undefined) ?? 0;
        const hi = (s.maximum as number | undefined) ?? lo + 100;
        return lo + Math.floor(rand() * (hi - lo + 1));
      }
      case 'boolean':
        return rand() < 0.5;
      default:
        return key === 'parameters' ? parameters() : {};
    }
  }

  return (ref = schema.$ref) => {
    nodes = 0;
    return gen({ $ref: ref }, 'doc', maxDepth);
  };
}
