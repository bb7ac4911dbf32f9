/** The console's address: every screen is a route under it (/console/alerts/<id>, /console/reports, …). */
export const CONSOLE_BASE = '/console/';
