import type { FetchLike } from './transport.js';

/**
 * The transport a Robot uses when no `fetch` is given, everywhere but Node (Deno, Bun, workers,
 * browsers): the global `fetch`, looked up at each call so a polyfill installed later is seen.
 * On Node, `#default-fetch` resolves to `transport-node/default.ts` instead (see package.json "imports").
 */
export const defaultFetch: FetchLike = (url, init) => (globalThis.fetch as unknown as FetchLike)(url, init);
