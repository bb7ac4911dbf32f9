// Jest on Node < 24.9 cannot require() ES modules, and @nestjs/* 12 and jose 6 ship only ESM. Node
// itself can (require(esm), Node 20.19+), so test files import this module FIRST: it makes jest
// hand out the host's natively loaded copies of those packages, and shares the host's
// reflect-metadata store so that decorator metadata written by jest-compiled code (constructor
// parameter types) is what Nest reads. Production code never loads this file.
//
//   import '../testing/nest-esm'; // first import of a spec that touches Nest or jose
import vm from 'node:vm';

type HostRequire = (id: string) => unknown;

function hostRequire(): HostRequire {
  const host = vm.runInThisContext('process') as NodeJS.Process & { getBuiltinModule?: (id: string) => unknown };
  const Module = (host.mainModule?.constructor ?? host.getBuiltinModule?.('module')) as unknown as { createRequire(path: string): HostRequire } | undefined;
  if (!Module?.createRequire) throw new Error('nest-esm: cannot reach the host module loader');
  return Module.createRequire(__filename);
}

const load = hostRequire();
load('reflect-metadata');
const hostReflect = vm.runInThisContext('Reflect') as Record<string, unknown>;
for (const key of Object.getOwnPropertyNames(hostReflect)) {
  if (!(key in Reflect)) (Reflect as unknown as Record<string, unknown>)[key] = hostReflect[key];
}
(globalThis as { __xlHostRequire?: HostRequire }).__xlHostRequire = load;

function native(id: string): unknown {
  return (globalThis as unknown as { __xlHostRequire: HostRequire }).__xlHostRequire(id);
}

jest.mock('@nestjs/common', () => native('@nestjs/common'));
jest.mock('@nestjs/core', () => native('@nestjs/core'));
jest.mock('@nestjs/testing', () => native('@nestjs/testing'));
jest.mock('@nestjs/swagger', () => native('@nestjs/swagger'));
jest.mock('@nestjs/platform-express', () => native('@nestjs/platform-express'));
jest.mock('@nestjs/websockets', () => native('@nestjs/websockets'));
jest.mock('@nestjs/platform-ws', () => native('@nestjs/platform-ws'));
jest.mock('jose', () => native('jose'));
