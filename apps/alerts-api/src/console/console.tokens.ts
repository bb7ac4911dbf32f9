/** Nest injection token of the ConsoleAssets (the built console on disk). */
export const CONSOLE_ASSETS = Symbol('console assets');
