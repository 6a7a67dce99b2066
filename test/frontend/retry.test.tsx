/** Every failed action offers a retry: the exports and the auto-export save, drawn with real resolver data. */
import React from 'react';
import { SEED } from '../../sandbox/confluence/seed';
import { setBridgeHandler } from '../../sandbox/forge/bridge';
import { createHost } from '../../sandbox/forge/host';
import { startSandbox, type Sandbox } from '../../sandbox/harness';
import { initialState, reducer, type Action, type Slot, type SlotData, type State } from '../../src/frontend/state';
import type { Envelope } from '../../src/shared/envelope';
import { by, byTestId, within } from './helpers';

let sandbox: Sandbox;
let render!: (el: React.ReactElement) => void;
let views!: {
  CommentsTab: typeof import('../../src/frontend/views/CommentsTab').CommentsTab;
  DatabasesTab: typeof import('../../src/frontend/views/DatabasesTab').DatabasesTab;
  ActivityTab: typeof import('../../src/frontend/views/ActivityTab').ActivityTab;
};
let host: ReturnType<typeof createHost>;

const alice = SEED.users.alice;
const error = { code: 'UPSTREAM', message: 'Confluence had a problem.', hint: 'Try again in a moment.' };

async function data<S extends Slot>(key: string, content: { id: string; type: 'page' }, payload: Record<string, unknown> = {}): Promise<SlotData[S]> {
  const env = await sandbox.invoke<Envelope<SlotData[S]>>(key, { accountId: alice, content, payload });
  if (!env.ok) throw new Error(`${key}: ${env.error.message}`);
  return env.data;
}
const loaded = <S extends Slot>(state: State, slot: S, value: SlotData[S], seq: number): State =>
  [{ type: 'start', slot, seq } as Action, { type: 'done', slot, seq, data: value } as Action].reduce(reducer, state);
const failed = (state: State, slot: Slot, seq: number): State =>
  [{ type: 'start', slot, seq } as Action, { type: 'fail', slot, seq, error } as Action].reduce(reducer, state);

beforeAll(async () => {
  sandbox = await startSandbox();
  host = createHost(sandbox, { accountId: alice, content: { id: SEED.pages.rich, type: 'page' } });
  setBridgeHandler(host.handler);
  jest.isolateModules(() => {
    render = require('@forge/react').default.render;
    views = {
      CommentsTab: require('../../src/frontend/views/CommentsTab').CommentsTab,
      DatabasesTab: require('../../src/frontend/views/DatabasesTab').DatabasesTab,
      ActivityTab: require('../../src/frontend/views/ActivityTab').ActivityTab,
    };
  });
});
afterAll(async () => {
  await sandbox.close();
});

const noop = () => {};
const blob = () => new Blob([]);

async function clickRetry(boxId: string): Promise<void> {
  const box = await host.waitFor((h) => h.find(by.testId(boxId))[0]);
  expect(host.text(box)).toContain(error.hint);
  await host.click(within(host, box, by.testId('retry')));
}

it('a failed comment export can be retried', async () => {
  const list = await data<'comments'>('comments/list', { id: SEED.pages.rich, type: 'page' });
  const retry = jest.fn();
  const on = { onForm: noop, onApply: noop, onClear: noop, onReload: noop, onExport: noop, onRetryExport: retry, onDownload: blob, onFold: noop, onPage: noop };
  render(<views.CommentsTab state={failed(loaded(initialState, 'comments', list, 1), 'commentsExport', 2)} now={Date.now()} on={on} />);
  await clickRetry('comments-export-error');
  expect(retry).toHaveBeenCalledTimes(1);
});

it('a failed database export can be retried', async () => {
  const inspection = await data<'inspect'>('databases/inspect', { id: SEED.pages.dbHost, type: 'page' }, { database: SEED.database });
  const retry = jest.fn();
  const on = { onRef: noop, onInspect: noop, onReload: noop, onExport: noop, onRetryExport: retry, onDownload: blob, onPage: noop };
  render(<views.DatabasesTab state={failed(loaded(initialState, 'inspect', inspection, 1), 'databaseExport', 2)} now={Date.now()} on={on} />);
  await clickRetry('database-export-error');
  expect(retry).toHaveBeenCalledTimes(1);
});

it('a failed auto-export save can be retried', async () => {
  const auto = await data<'autoexport'>('autoexport/get', { id: SEED.pages.rich, type: 'page' });
  const retry = jest.fn();
  const on = { onReload: noop, onAuto: noop, onRetryAuto: retry, onReloadAuto: noop, onPage: noop };
  render(<views.ActivityTab state={failed(loaded(initialState, 'autoexport', auto, 1), 'autoexportSave', 2)} now={Date.now()} on={on} />);
  await clickRetry('auto-save-error');
  expect(retry).toHaveBeenCalledTimes(1);
  expect(byTestId(host, 'auto-toggle').props.isDisabled).toBe(false);
});
