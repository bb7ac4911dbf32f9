#!/usr/bin/env node
// Container health check without curl in the image: exit 0 when the URL answers 2xx within 2 s.
// usage: node docker/healthcheck.mjs http://127.0.0.1:9101/healthz
const url = process.argv[2];
if (!url) {
  console.error('usage: healthcheck.mjs URL');
  process.exit(2);
}
fetch(url, { signal: AbortSignal.timeout(2000) }).then(
  (res) => process.exit(res.ok ? 0 : 1),
  (err) => {
    console.error(`${url}: ${err.message}`);
    process.exit(1);
  },
);
