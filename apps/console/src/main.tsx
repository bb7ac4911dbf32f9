import { render } from 'preact';
import { App } from './app';
import { keepReadingDisplaySettings, readDisplaySettings } from './display-settings';
import './styles.css';

// The deployment's display settings (the time zone times are shown in) are read before the first
// render; the PC's zone when they cannot be read within 3 s. Unreachable then (the API not up yet),
// they are read again until they come, and the page reloads once in their zone: times on screen and
// a report's "today" must not stay in the PC's zone for the session.
void readDisplaySettings().then((read) => {
  if (read === 'unreachable') keepReadingDisplaySettings(() => location.reload());
  render(<App />, document.getElementById('app') as HTMLElement);
});
