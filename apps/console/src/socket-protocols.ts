// How the console's sockets (the /ws feed, the /live player) carry the credential: a browser cannot
// set headers on a WebSocket, and a token in the URL lands in proxies' and servers' access logs,
// where it opens every camera of its holder until it expires. It goes among the offered
// subprotocols instead; the API answers with `xl.v1` (docs/realtime.md, "Handshake").
export const SOCKET_PROTOCOL = 'xl.v1';

export function socketProtocols(token: string): string[] {
  return [SOCKET_PROTOCOL, `xl.bearer.${token}`];
}
