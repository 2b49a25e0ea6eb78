import type { CliIO } from './io.js';

/** The `fetch` signature the SDK accepts (structurally). */
type Fetch = (url: string, init: RequestInit) => Promise<{ status: number; text(): Promise<string> }>;

/**
 * A `fetch` that honours `HTTPS_PROXY` / `HTTP_PROXY` / `NO_PROXY` (Node's own `fetch` ignores them),
 * or `undefined` when no proxy is set. undici loads only then, so startup stays fast.
 */
export async function proxyFetch(env: CliIO['env']): Promise<Fetch | undefined> {
  const httpProxy = env.HTTP_PROXY || env.http_proxy || undefined;
  const httpsProxy = env.HTTPS_PROXY || env.https_proxy || undefined;
  if (!httpProxy && !httpsProxy) return undefined;
  const { EnvHttpProxyAgent, fetch } = await import('undici');
  const dispatcher = new EnvHttpProxyAgent({
    httpProxy: httpProxy ?? '',
    httpsProxy: httpsProxy ?? httpProxy ?? '',
    noProxy: env.NO_PROXY ?? env.no_proxy ?? '',
  });
  return (url, init) => fetch(url, { ...(init as Parameters<typeof fetch>[1]), dispatcher });
}
