import { ConfigError, parseCamera } from './parse';

/** For specs: the ConfigError message parsing `raw` ends in; any other outcome fails the test. */
export function configErrorMessage(raw: unknown): string {
  try {
    parseCamera(raw);
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
  throw new Error('expected a ConfigError');
}
