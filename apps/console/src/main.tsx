import { render } from 'preact';
import { App } from './app';
import { setDisplayTimeZone } from './format';
import './styles.css';

/**
 * The deployment's display settings (GET /console/settings.json: the time zone times are shown in),
 * read before the first render; the PC's zone when they cannot be read within 3 s.
 */
async function loadDisplaySettings(): Promise<void> {
  try {
    const res = await fetch('/console/settings.json', { signal: AbortSignal.timeout(3000) });
    const body = (await res.json()) as { timeZone?: unknown };
    if (res.ok && typeof body.timeZone === 'string') setDisplayTimeZone(body.timeZone);
  } catch {
    // the PC's zone: an old API without the settings, or none reachable (the sign-in screen says so)
  }
}

void loadDisplaySettings().then(() => render(<App />, document.getElementById('app') as HTMLElement));
