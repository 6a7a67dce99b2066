/**
 * The key-value port domain code uses (activity log, job state, settings). `forgeKv` backs it with
 * Forge KVS; tests of pure code can pass a Map-backed fake instead.
 */
import { kvs } from '@forge/kvs';

export interface KeyValue {
  get<T>(key: string): Promise<T | undefined>;
  set(key: string, value: unknown): Promise<void>;
  delete(key: string): Promise<void>;
}

export const forgeKv: KeyValue = {
  get: <T>(key: string) => kvs.get<T>(key) as Promise<T | undefined>,
  set: (key, value) => kvs.set(key, value as never),
  delete: (key) => kvs.delete(key),
};

/** A Map-backed KeyValue for unit tests of pure domain code. */
export function memoryKv(): KeyValue & { data: Map<string, unknown> } {
  const data = new Map<string, unknown>();
  return {
    data,
    get: async <T>(key: string) => structuredClone(data.get(key)) as T | undefined,
    set: async (key, value) => void data.set(key, structuredClone(value)),
    delete: async (key) => void data.delete(key),
  };
}
