/**
 * The key-value port domain code uses (activity log, job state, settings). `forgeKv` backs it with
 * Forge KVS; tests of pure code can pass a Map-backed fake instead.
 */
import { kvs, WhereConditions } from '@forge/kvs';

export interface KeyValue {
  get<T>(key: string): Promise<T | undefined>;
  set(key: string, value: unknown): Promise<void>;
  delete(key: string): Promise<void>;
  /** Every entry whose key starts with `prefix`, in key order. */
  list<T>(prefix: string): Promise<Array<{ key: string; value: T }>>;
}

/** The most a KVS query returns per call (storage-api-query: "up to a maximum of 100"). */
const QUERY_PAGE = 100;

export const forgeKv: KeyValue = {
  get: <T>(key: string) => kvs.get<T>(key) as Promise<T | undefined>,
  set: (key, value) => kvs.set(key, value as never),
  delete: (key) => kvs.delete(key),
  async list<T>(prefix: string) {
    const out: Array<{ key: string; value: T }> = [];
    let cursor: string | undefined;
    do {
      const base = kvs.query().where('key', WhereConditions.beginsWith(prefix)).limit(QUERY_PAGE);
      const page = await (cursor ? base.cursor(cursor) : base).getMany<T>();
      out.push(...page.results.map((r) => ({ key: r.key, value: r.value })));
      cursor = page.nextCursor;
    } while (cursor);
    return out;
  },
};

/** A Map-backed KeyValue for unit tests of pure domain code. */
export function memoryKv(): KeyValue & { data: Map<string, unknown> } {
  const data = new Map<string, unknown>();
  return {
    data,
    get: async <T>(key: string) => structuredClone(data.get(key)) as T | undefined,
    set: async (key, value) => void data.set(key, structuredClone(value)),
    delete: async (key) => void data.delete(key),
    list: async <T>(prefix: string) =>
      [...data.keys()].filter((k) => k.startsWith(prefix)).sort().map((key) => ({ key, value: structuredClone(data.get(key)) as T })),
  };
}
