// A camera's site as the console shows and edits it (screens/site-card.tsx, screens/site-editor.tsx).
import type { Site } from './types';

/** `tel:` wants the digits (and a leading +) only; ", 12" / "ext 12" become a pause and the extension. */
export function telHref(phone: string): string {
  const [main, ext] = phone.split(/,|ext\.?/);
  const digits = main.replace(/[^0-9+]/g, '');
  return `tel:${digits}${ext ? `,${ext.replace(/[^0-9]/g, '')}` : ''}`;
}

/** "30.27410° N, 120.15510° E": five decimals is ~1 m, what a GPS fix is worth. */
export function formatLocation(location: { lat: number; lon: number }): string {
  const lat = `${Math.abs(location.lat).toFixed(5)}° ${location.lat < 0 ? 'S' : 'N'}`;
  const lon = `${Math.abs(location.lon).toFixed(5)}° ${location.lon < 0 ? 'W' : 'E'}`;
  return `${lat}, ${lon}`;
}

export type ContactRow = { name: string; role: string; phone: string };

/** The form's text → the API's site (null when nothing is filled in); numbers are checked by the API. */
export function siteFromForm(form: { address: string; directions: string; lat: string; lon: string; rescueEquipment: string; contacts: ContactRow[] }): Site | null {
  const text = (s: string) => s.trim() || undefined;
  const contacts = form.contacts
    .map((c) => ({ name: c.name.trim(), role: text(c.role), phone: c.phone.trim() }))
    .filter((c) => c.name || c.phone)
    .map((c) => (c.role ? c : { name: c.name, phone: c.phone }));
  const site: Site = { contacts };
  if (text(form.address)) site.address = text(form.address);
  if (text(form.directions)) site.directions = text(form.directions);
  if (text(form.rescueEquipment)) site.rescueEquipment = text(form.rescueEquipment);
  // One coordinate without the other is sent as it is, so the API names the missing one.
  if (form.lat.trim() || form.lon.trim()) site.location = { lat: Number(form.lat.trim() || NaN), lon: Number(form.lon.trim() || NaN) } as Site['location'];
  const empty = !site.address && !site.directions && !site.rescueEquipment && !site.location && !contacts.length;
  return empty ? null : site;
}

