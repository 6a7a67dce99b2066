/**
 * In-memory Forge KVS answering the HTTP calls @forge/kvs makes (`/api/v1/<op>`), with the documented
 * limits enforced so tests fail the way production would (mirror/limits-kvs-ce/index.md, "Key and
 * object size limits" and "Transactions"): keys up to 500 characters matching the documented regex,
 * values up to 240 KiB of JSON, at most 25 operations per transaction.
 */
export const KEY_MAX = 500;
/**
 * The documented key format, verbatim: letters, digits, `:` `.` `_` `-` `#` and white space, not
 * only white space. (Without the `u` flag, `\s-#` in a class is `\s`, `-` and `#`.) No `/`.
 */
export const KEY_PATTERN = /^(?!\s+$)[a-zA-Z0-9:._\s-#]+$/;
export const VALUE_MAX_BYTES = 240 * 1024;
export const TRANSACTION_MAX = 25;

interface Entry {
  value: unknown;
  createdAt: number;
  updatedAt: number;
}

interface KvsError {
  status: number;
  code: string;
  message: string;
}

type Body = Record<string, unknown>;

export class MemoryKvs {
  private readonly data = new Map<string, Entry>();
  /** Operations served, by name; tests use it to check access patterns. */
  readonly ops: string[] = [];

  keys(): string[] {
    return [...this.data.keys()].sort();
  }

  peek(key: string): unknown {
    return this.data.get(key)?.value;
  }

  clear(): void {
    this.data.clear();
  }

  /** Serves one @forge/kvs request; returns the HTTP status and JSON body. */
  handle(path: string, body: Body): { status: number; body?: unknown } {
    const op = path.replace(/^\/api\/v1\//, '');
    this.ops.push(op);
    try {
      switch (op) {
        case 'get':
        case 'secret/get':
          return this.get(String(body.key));
        case 'set':
        case 'secret/set':
          // keyPolicy FAIL_IF_EXISTS: create only (runtime-reference/storage-api-basic-api, "Change
          // write conflict strategy"). The docs do not give the refusal's code; this one is ours.
          if ((body.options as { keyPolicy?: unknown } | undefined)?.keyPolicy === 'FAIL_IF_EXISTS' && this.data.has(String(body.key))) {
            return fail({ status: 409, code: 'KEY_ALREADY_EXISTS', message: `Key ${String(body.key)} already exists` });
          }
          this.set(String(body.key), body.value);
          return { status: 204 };
        case 'delete':
        case 'secret/delete':
          return this.remove(String(body.key));
        case 'query':
          return { status: 200, body: this.query(body) };
        case 'batch/get':
          return { status: 200, body: this.batchGet(body) };
        case 'batch/set':
          return { status: 200, body: this.batchSet(body) };
        case 'batch/delete':
          return { status: 200, body: this.batchDelete(body) };
        case 'transaction':
          this.transact(body);
          return { status: 204 };
        default:
          return fail({ status: 400, code: 'UNSUPPORTED_OPERATION', message: `The sandbox KVS does not support ${op}` });
      }
    } catch (e) {
      if (isKvsError(e)) return fail(e);
      throw e;
    }
  }

  private get(key: string) {
    checkKey(key);
    const entry = this.data.get(key);
    if (!entry) return fail({ status: 404, code: 'KEY_NOT_FOUND', message: `Key ${key} not found` });
    return { status: 200, body: { key, value: clone(entry.value), createdAt: entry.createdAt, updatedAt: entry.updatedAt } };
  }

  private set(key: string, value: unknown): void {
    checkKey(key);
    checkValue(key, value);
    const now = Date.now();
    const old = this.data.get(key);
    this.data.set(key, { value: clone(value), createdAt: old?.createdAt ?? now, updatedAt: now });
  }

  private remove(key: string) {
    checkKey(key);
    this.data.delete(key);
    return { status: 204 };
  }

  private query(body: Body) {
    const where = Array.isArray(body.where) ? (body.where as Array<{ condition?: string; values?: unknown[] }>) : [];
    const prefix = where.find((w) => w.condition === 'BEGINS_WITH' || w.condition === 'STARTS_WITH')?.values?.[0];
    const limit = typeof body.limit === 'number' ? Math.min(body.limit, 100) : 10;
    const after = typeof body.after === 'string' ? body.after : undefined;
    const keys = this.keys().filter((k) => (typeof prefix === 'string' ? k.startsWith(prefix) : true));
    const start = after ? keys.findIndex((k) => k > after) : 0;
    const page = start < 0 ? [] : keys.slice(start, start + limit);
    const data = page.map((key) => ({ key, value: clone(this.data.get(key)?.value) }));
    const more = start >= 0 && start + limit < keys.length;
    return { data, cursor: more ? page[page.length - 1] : undefined };
  }

  private batchGet(body: Body) {
    const items = Array.isArray(body) ? body : [];
    const successfulKeys = [];
    const failedKeys = [];
    for (const item of items as Array<{ key: string }>) {
      const entry = this.data.get(item.key);
      if (entry) successfulKeys.push({ key: item.key, value: clone(entry.value) });
      else failedKeys.push({ key: item.key, error: { code: 'KEY_NOT_FOUND', message: 'Key not found' } });
    }
    return { successfulKeys, failedKeys };
  }

  private batchSet(body: Body) {
    const items = (Array.isArray(body) ? body : []) as Array<{ key: string; value: unknown }>;
    const successfulKeys = [];
    const failedKeys = [];
    for (const item of items) {
      try {
        this.set(item.key, item.value);
        successfulKeys.push({ key: item.key });
      } catch (e) {
        if (!isKvsError(e)) throw e;
        failedKeys.push({ key: item.key, error: { code: e.code, message: e.message } });
      }
    }
    return { successfulKeys, failedKeys };
  }

  private batchDelete(body: Body) {
    const items = (Array.isArray(body) ? body : []) as Array<{ key: string }>;
    for (const item of items) this.data.delete(item.key);
    return { successfulKeys: items.map((i) => ({ key: i.key })), failedKeys: [] };
  }

  private transact(body: Body): void {
    const sets = (body.set ?? []) as Array<{ key: string; value: unknown }>;
    const deletes = (body.delete ?? []) as Array<{ key: string }>;
    if (sets.length + deletes.length > TRANSACTION_MAX) {
      throw kvsError(400, 'TOO_MANY_OPERATIONS', `A transaction holds at most ${TRANSACTION_MAX} operations`);
    }
    // Validate everything first so the transaction is all-or-nothing.
    for (const s of sets) {
      checkKey(s.key);
      checkValue(s.key, s.value);
    }
    for (const s of sets) this.set(s.key, s.value);
    for (const d of deletes) this.data.delete(d.key);
  }
}

function checkKey(key: string): void {
  if (!key) throw kvsError(400, 'INVALID_KEY', 'A key must not be empty');
  if (key.length > KEY_MAX) throw kvsError(400, 'KEY_TOO_LONG', `Key is ${key.length} characters; the limit is ${KEY_MAX}`);
  if (!KEY_PATTERN.test(key)) throw kvsError(400, 'INVALID_KEY', `Key ${JSON.stringify(key.slice(0, 80))} does not match ${KEY_PATTERN.source}`);
}

function checkValue(key: string, value: unknown): void {
  const bytes = Buffer.byteLength(JSON.stringify(value ?? null));
  if (bytes > VALUE_MAX_BYTES) {
    throw kvsError(413, 'VALUE_TOO_LARGE', `Value for ${key} is ${bytes} bytes; the limit is ${VALUE_MAX_BYTES}`);
  }
}

function kvsError(status: number, code: string, message: string): KvsError {
  return { status, code, message };
}

function isKvsError(e: unknown): e is KvsError {
  return typeof e === 'object' && e !== null && 'code' in e && 'status' in e && 'message' in e;
}

function fail(e: KvsError) {
  return { status: e.status, body: { code: e.code, message: e.message } };
}

function clone<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
}
