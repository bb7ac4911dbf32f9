import { z } from 'zod';
import { displayNameSchema } from './primitives';

/** Free text shown to people on one screen: no control characters except line breaks. */
function siteText(max: number) {
  return (
    z
      .string()
      .trim()
      .min(1)
      .max(max)
      // eslint-disable-next-line no-control-regex
      .regex(/^[^\u0000-\u0009\u000b-\u001f\u007f]*$/, 'must not contain control characters other than line breaks')
  );
}

/**
 * What people dial: an optional leading +, digits, spaces, dashes, parentheses; an extension after
 * ',' or 'ext'. (No lookahead for the digit count: the API's fuzz tests generate strings from it.)
 */
export const PHONE_PATTERN = /^\+?[0-9(][0-9 ()-]{1,22}(?:(?:,|ext\.?) ?[0-9]{1,6})?$/;
/** The shortest number people call (110, 120). */
export const MIN_PHONE_DIGITS = 3;

export function isPhoneNumber(text: string): boolean {
  return PHONE_PATTERN.test(text) && (text.match(/[0-9]/g)?.length ?? 0) >= MIN_PHONE_DIGITS;
}

export const siteContactSchema = z.strictObject({
  name: displayNameSchema.trim().min(1).max(40).describe('who: "王建国", "村网格员", "鱼塘承包人"'),
  role: displayNameSchema.trim().min(1).max(40).optional().describe('what they are to this place: "网格员", "塘主", "村医", "救援队"'),
  phone: z
    .string()
    .trim()
    .regex(PHONE_PATTERN, 'must be a phone number: digits, optionally a leading +, spaces, dashes or parentheses (e.g. 138 0013 8000, 0571-8888 6666)')
    .refine(isPhoneNumber, `must be a phone number of at least ${MIN_PHONE_DIGITS} digits`)
    .describe('a number that is answered at any hour; the console dials it (tel: link)'),
});

export const siteLocationSchema = z
  .strictObject({
    lat: z.number().min(-90).max(90).describe('latitude, degrees, WGS-84 (what a GPS receiver reports)'),
    lon: z.number().min(-180).max(180).describe('longitude, degrees, WGS-84'),
  })
  .describe('where the watched place is (not the pole the camera hangs on, when they differ), WGS-84 degrees');

/**
 * Where the camera's scene is and who can be there first. In a drowning, the minutes an operator
 * spends finding out where "camera pond-3" is and whom to call are the ones that count, so this
 * travels with every alert of the camera (alert detail, school warning, dispatch).
 */
export const siteSchema = z
  .strictObject({
    address: siteText(200).optional().describe('address or place name of the scene: "青山村东鱼塘（村委会东 300 米）"'),
    directions: siteText(500).optional().describe('how a person on foot or by car gets to the water fastest: gate, path, where to park'),
    location: siteLocationSchema.optional(),
    contacts: z
      .array(siteContactSchema)
      .max(10)
      .default([])
      .describe('people to call first, in order: grid worker, owner of the pond, village doctor, rescue team (up to 10)'),
    rescueEquipment: siteText(300).optional().describe('where the lifebuoys, poles and ropes are: "救生圈 2 个在南岸凉亭柱上"'),
  })
  .describe("the camera's scene on the ground: address, directions, coordinates, people to call, rescue equipment; shown with its alerts, kept by alerts-api and not published to ingest and the analyzer");

export type SiteConfig = z.infer<typeof siteSchema>;

/**
 * What the camera search matches in a site: its values, one per line, lower-cased (never its keys),
 * each phone number also as bare digits ("13800138000" finds "138 0013 8000").
 */
export function siteSearchText(site: SiteConfig): string {
  const phones = site.contacts.flatMap((c) => [c.phone, c.phone.replace(/[^0-9]/g, '')]);
  const values = [site.address, site.directions, site.rescueEquipment, ...site.contacts.flatMap((c) => [c.name, c.role]), ...phones];
  return values.filter((v): v is string => Boolean(v)).join('\n').toLowerCase();
}
export type SiteContact = z.infer<typeof siteContactSchema>;
