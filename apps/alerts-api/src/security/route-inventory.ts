import type { INestApplication } from '@nestjs/common';

// The routes the app really serves, read from Express's router after Nest mapped the controllers
// (and Swagger its pages). The security tests iterate this list instead of a hand-written one, so a
// route added later is fuzzed at once and fails the authorization matrix until it has an entry.

interface RouterLayer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
}

/** "METHOD /path" of every served route, in registration order, e.g. "GET /alerts/:id". */
export function servedRoutes(app: INestApplication): string[] {
  const express = app.getHttpAdapter().getInstance() as { router?: { stack: RouterLayer[] } };
  const stack = express.router?.stack;
  if (!stack) throw new Error('servedRoutes: the HTTP adapter is not Express 5 (no router.stack)');
  const routes: string[] = [];
  for (const layer of stack) {
    if (!layer.route) continue;
    const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
    for (const method of Object.keys(layer.route.methods)) {
      if (method === '_all') continue;
      for (const path of paths) routes.push(`${method.toUpperCase()} ${path}`);
    }
  }
  return [...new Set(routes)];
}

/** The method and path of "METHOD /path". */
export function splitRoute(route: string): { method: string; path: string } {
  const space = route.indexOf(' ');
  return { method: route.slice(0, space), path: route.slice(space + 1) };
}

/** Names of the `:params` of an Express path, e.g. ['id'] for "/alerts/:id/snapshot". */
export function routeParams(path: string): string[] {
  return [...path.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1]);
}
