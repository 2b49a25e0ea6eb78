/**
 * Which `Host` names the emulator answers. Its API lists every robot's token, so a web page the
 * developer visits must not be able to read it by pointing its own domain at 127.0.0.1 (DNS
 * rebinding): by default only loopback names are served.
 */

/** `true` answers any host; a list adds names to the loopback ones. */
export type AllowedHosts = true | readonly string[];

const LOOPBACK = /^(?:localhost|[a-z0-9-]+\.localhost|127(?:\.\d{1,3}){3}|\[::1\]|::1)$/i;
const HOST_OF_URL = /^[a-z][a-z0-9+.-]*:\/\/(\[[^\]]*\]|[^:/?#]*)/i;

/** Whether an address or name is loopback (the emulator then guards its Host names by default). */
export function isLoopback(host: string): boolean {
  return LOOPBACK.test(host);
}

/** Returns a check of a request URL's host against the allowed names. */
export function hostGuard(allowed: AllowedHosts | undefined): (url: string) => boolean {
  if (allowed === true) return () => true;
  const extra = new Set((allowed ?? []).map((h) => h.toLowerCase()));
  return (url) => {
    const host = HOST_OF_URL.exec(url)?.[1]?.toLowerCase() ?? '';
    return LOOPBACK.test(host) || extra.has(host);
  };
}
