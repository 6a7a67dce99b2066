// @forge/bridge captures globalThis.__bridge when it is first imported, so a host bridge must exist
// before any test file imports it. Tests install their handler with sandbox/forge/bridge.ts.
import { installBridge } from '../sandbox/forge/bridge';

installBridge();
