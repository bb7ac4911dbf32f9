// A console .tsx module compiled in node, for the specs that render screens without a DOM (jest's
// transform takes .ts only). Its imports go through the spec's own `require`, so that its jest.mock()s apply.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { transformSync } from '@swc/core';

/** The console's sources. */
export const SRC = path.join(__dirname, '../../apps/console/src');

/** preact/jsx-runtime as plain nodes (preact is ESM only, which jest's require cannot load); render-tree's expand() renders them. */
const jsxRuntime = { jsx: (type: unknown, props: unknown) => ({ type, props }), Fragment: (props: { children?: unknown }) => props.children };
Object.assign(jsxRuntime, { jsxs: jsxRuntime.jsx });

/** The exports of `${base}.tsx`; `req`: the spec's require (jest's, with the spec's mocks). */
export function loadTsx(base: string, req: (spec: string) => unknown): Record<string, unknown> {
  const file = `${base}.tsx`;
  const { code } = transformSync(readFileSync(file, 'utf8'), {
    filename: file,
    jsc: { parser: { syntax: 'typescript', tsx: true }, transform: { react: { runtime: 'automatic', importSource: 'preact' } }, target: 'es2022' },
    module: { type: 'commonjs' },
  });
  const mod = { exports: {} as Record<string, unknown> };
  const requireHere = (spec: string) => (spec === 'preact/jsx-runtime' ? jsxRuntime : req(spec.startsWith('.') ? path.resolve(path.dirname(file), spec) : spec));
  new Function('require', 'module', 'exports', code)(requireHere, mod, mod.exports);
  return mod.exports;
}

/** Every element of `nodes` (and below) that `pred` holds for, depth first. */
export function elements<E extends { children: (E | string)[] }>(nodes: (E | string)[], pred: (e: E) => boolean): E[] {
  return nodes.flatMap((n) => (typeof n === 'string' ? [] : [...(pred(n) ? [n] : []), ...elements(n.children, pred)]));
}
