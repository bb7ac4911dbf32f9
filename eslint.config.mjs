// Layering is enforced here: pure libs (geometry, vision, tracking, rules, contracts, config) may
// import only other pure libs and no I/O package; adapters wrap one I/O concern each; apps wire.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import nx from '@nx/eslint-plugin';
import prettier from 'eslint-config-prettier';

const ioPackages = [
  'bullmq', 'ioredis', 'onnxruntime-node', '@nestjs/*', 'fluent-ffmpeg', 'sharp', 'pg', 'better-sqlite3',
  'kysely', 'mqtt', 'ws', 'pino', 'prom-client', 'node-rtsp-stream', 'playwright-core',
];
const nodeIo = ['fs', 'fs/promises', 'child_process', 'net', 'http', 'https', 'dgram', 'worker_threads', 'cluster']
  .flatMap((m) => [m, `node:${m}`]);

export default [
  // var/: run-time output (the demo's recordings are MPEG-TS segments named *.ts)
  { ignores: ['node_modules/**', 'dist/**', 'coverage/**', 'var/**', 'test-artifacts/**', 'apps/console/dist/**', '**/*.mjs', '**/*.cjs', '**/*.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    files: ['**/*.ts'],
    plugins: { '@nx': nx },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@nx/enforce-module-boundaries': [
        'error',
        {
          allow: [],
          depConstraints: [
            { sourceTag: 'type:pure', onlyDependOnLibsWithTags: ['type:pure'], bannedExternalImports: ioPackages },
            { sourceTag: 'type:adapter', onlyDependOnLibsWithTags: ['type:pure', 'type:adapter'] },
            { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:pure', 'type:adapter'] },
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:pure', 'type:adapter', 'type:testing'] },
          ],
        },
      ],
    },
  },
  {
    // Tests may use the test kit (camera simulator, shared test data) and read files; the layering
    // they must not break is that of the code they test, which the rule above checks.
    files: ['**/*.spec.ts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          allow: [],
          depConstraints: [{ sourceTag: '*', onlyDependOnLibsWithTags: ['type:pure', 'type:adapter', 'type:testing'] }],
        },
      ],
    },
  },
  {
    files: ['libs/{contracts,geometry,vision,tracking,rules,config}/src/**/*.ts'],
    ignores: ['**/*.spec.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: nodeIo.map((name) => ({ name, message: 'pure libs do no I/O' })) }] },
  },
];
