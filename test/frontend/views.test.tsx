/** Presentational cases the seed site cannot produce (every seed user may edit every page). */
import React from 'react';
import { setBridgeHandler } from '../../sandbox/forge/bridge';
import { createHost } from '../../sandbox/forge/host';
import type { Sandbox } from '../../sandbox/harness';
import { initialState, reducer, type State } from '../../src/frontend/state';
import type { AutoExportView } from '../../src/shared/activity';
import { byTestId } from './helpers';

// No resolver is called here: the host only needs the platform's ids for getContext.
const host = createHost({ platform: { cloudId: 'c', confluenceUrl: 'http://x' } } as unknown as Sandbox, { accountId: 'a', content: { id: '1', type: 'page' } });
setBridgeHandler(host.handler);

const view = (canEdit: boolean): AutoExportView => ({ setting: { enabled: true, format: 'md', frontMatter: true, comments: false }, canEdit });
const withAuto = (v: AutoExportView): State =>
  [{ type: 'start', slot: 'autoexport', seq: 1 } as const, { type: 'done', slot: 'autoexport', seq: 1, data: v } as const].reduce(reducer, initialState);

it('the auto-export toggle is disabled, with the reason, for someone who cannot edit', async () => {
  let ActivityTab!: typeof import('../../src/frontend/views/ActivityTab').ActivityTab;
  let render!: (el: React.ReactElement) => void;
  jest.isolateModules(() => {
    ActivityTab = require('../../src/frontend/views/ActivityTab').ActivityTab;
    render = require('@forge/react').default.render;
  });
  const on = { onReload: () => {}, onAuto: () => {}, onRetryAuto: () => {}, onReloadAuto: () => {}, onPage: () => {} };
  render(<ActivityTab state={withAuto(view(false))} now={Date.now()} on={on} />);
  const toggle = await host.waitFor((h) => h.find((n) => n.props.testId === 'auto-toggle')[0]);
  expect(toggle.props.isDisabled).toBe(true);
  expect(toggle.props.isChecked).toBe(true);
  expect(host.text(byTestId(host, 'auto-reason'))).toMatch(/Only people who can edit this page/);

  render(<ActivityTab state={withAuto(view(true))} now={Date.now()} on={on} />);
  await host.waitFor((h) => h.find((n) => n.props.testId === 'auto-toggle' && n.props.isDisabled === false)[0]);
  expect(host.find((n) => n.props.testId === 'auto-reason')).toHaveLength(0);
});
