// A stand-in for preact/hooks (useRef, useState, useEffect) that runs one console hook in node,
// without a DOM: `render` calls the hook as a component render would, and effects wait for
// `flushEffects`, as preact runs them after the paint — so a test can act between a render and its
// effects (a token already replaced, the old socket not yet stopped). Use in a spec:
//   jest.mock('preact/hooks', () => jest.requireActual('./hook-harness').hooks);

interface Slot {
  ref?: { current: unknown };
  state?: [unknown, (next: unknown) => void];
  deps?: readonly unknown[];
  cleanup?: () => void;
}

let slots: Slot[] = [];
let cursor = 0;
let pending: (() => void)[] = [];

function slot(): Slot {
  return (slots[cursor++] ??= {});
}

export const hooks = {
  useRef<T>(initial: T): { current: T } {
    const s = slot();
    s.ref ??= { current: initial };
    return s.ref as { current: T };
  },
  useState<T>(initial: T | (() => T)): [T, (next: T | ((prev: T) => T)) => void] {
    const s = slot();
    if (!s.state) {
      const state: [unknown, (next: unknown) => void] = [
        typeof initial === 'function' ? (initial as () => T)() : initial,
        (next) => (state[0] = typeof next === 'function' ? (next as (prev: unknown) => unknown)(state[0]) : next),
      ];
      s.state = state;
    }
    return [s.state[0] as T, s.state[1] as (next: T | ((prev: T) => T)) => void];
  },
  useEffect(effect: () => void | (() => void), deps?: readonly unknown[]): void {
    const s = slot();
    if (deps && s.deps && deps.length === s.deps.length && deps.every((d, i) => Object.is(d, s.deps![i]))) return;
    s.deps = deps;
    pending.push(() => {
      s.cleanup?.();
      const cleanup = effect();
      s.cleanup = typeof cleanup === 'function' ? cleanup : undefined;
    });
  },
};

/** One render of the component `hook` stands for; its effects are pending until flushEffects(). */
export function render<T>(hook: () => T): T {
  cursor = 0;
  return hook();
}

/** Runs the effects the renders so far scheduled (the previous ones' cleanups first). */
export function flushEffects(): void {
  const due = pending;
  pending = [];
  for (const run of due) run();
}

/** Unmounts: every effect's cleanup runs, and the next render starts afresh. */
export function unmount(): void {
  for (const s of slots) s.cleanup?.();
  slots = [];
  pending = [];
  cursor = 0;
}

/** A tab's sessionStorage, kept in a Map: it survives unmount() as it survives a reload. */
export class FakeStorage {
  readonly items = new Map<string, string>();
  getItem(key: string): string | null {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.items.set(key, String(value));
  }
  removeItem(key: string): void {
    this.items.delete(key);
  }
  clear(): void {
    this.items.clear();
  }
}

/** Installs the browser globals the console's hooks use (sessionStorage, location, window); returns the undo. */
export function installBrowserGlobals(storage = new FakeStorage()): () => void {
  const g = globalThis as unknown as Record<string, unknown>;
  const saved = { sessionStorage: g.sessionStorage, location: g.location, window: g.window };
  g.sessionStorage = storage;
  g.location = { protocol: 'http:', host: 'console.test' };
  g.window = globalThis;
  return () => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete g[name];
      else g[name] = value;
    }
  };
}

const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A token as alerts-api issues it at `issuedAt` (server clock), valid `lifetimeMs`. */
export function issuedToken(issuedAt: number, lifetimeMs: number, signature: string): { token: string; expiresAt: number } {
  const iat = Math.floor(issuedAt / 1000);
  const exp = iat + lifetimeMs / 1000;
  return { token: `${base64url({ alg: 'HS256' })}.${base64url({ sub: 'u1', typ: 'access', iat, exp })}.${signature}`, expiresAt: exp * 1000 };
}

/**
 * For a describe block: the global fetch, put back after each test, and `stub(status, body)`, which
 * replaces it by one answering every request with that JSON.
 */
export function useStubbedFetch(): (status: number, body: unknown) => jest.Mock {
  const g = globalThis as Record<string, unknown>;
  const saved = g.fetch;
  afterEach(() => (g.fetch = saved));
  return (status, body) => {
    const fetch = jest.fn(async () => ({ ok: status >= 200 && status < 300, status, headers: new Map(), json: async () => body }));
    g.fetch = fetch;
    return fetch;
  };
}
