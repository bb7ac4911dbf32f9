// A rendered console component as a plain tree, without a DOM: function components are called in
// place (their hooks served by hook-harness), host elements keep their props and children.
import { flushEffects, render } from './hook-harness';

/** An element of the rendered tree, function components already called. */
export interface El {
  type: string;
  props: Record<string, unknown>;
  children: (El | string)[];
}

interface VNode {
  type: string | ((props: unknown) => unknown);
  props: Record<string, unknown>;
}

export function expand(v: unknown): (El | string)[] {
  if (v === null || v === undefined || typeof v === 'boolean') return [];
  if (Array.isArray(v)) return v.flatMap(expand);
  if (typeof v !== 'object') return [String(v)];
  const node = v as VNode;
  if (typeof node.type === 'function') return expand(node.type(node.props));
  return [{ type: node.type, props: node.props, children: expand(node.props.children) }];
}

/** The first element with this data-testid, depth first. */
export function find(nodes: (El | string)[], testId: string): El | undefined {
  for (const n of nodes) {
    if (typeof n === 'string') continue;
    if (n.props['data-testid'] === testId) return n;
    const inner = find(n.children, testId);
    if (inner) return inner;
  }
  return undefined;
}

/** Every element with this data-testid (not looking inside one found). */
export function findAll(nodes: (El | string)[], testId: string): El[] {
  return nodes.flatMap((n) => (typeof n === 'string' ? [] : n.props['data-testid'] === testId ? [n] : findAll(n.children, testId)));
}

/** The text an element shows. */
export const text = (n: El | string | undefined): string => (n === undefined ? '' : typeof n === 'string' ? n : n.children.map(text).join(''));

/**
 * `view` as a tree once its effects have run and the answers they wait for have come, `rounds`
 * renders over (hook-harness does not re-render by itself, as preact does after a state change).
 */
export async function renderSettled(view: () => unknown, rounds = 3): Promise<(El | string)[]> {
  for (let round = 0; round < rounds; round++) {
    expand(render(view));
    flushEffects();
    await new Promise((resolve) => setImmediate(resolve));
  }
  return expand(render(view));
}
