import type { FetchLike } from '../core/transport.js';
import { nodeFetch } from './fetch.js';

/**
 * The transport a Robot uses on Node when no `fetch` is given: `node:http`/`node:https` on a
 * keep-alive agent, faster per send than Node's global `fetch`. Chosen by the `node` condition of
 * `#default-fetch` in package.json, so the portable core never imports `node:`.
 */
export const defaultFetch: FetchLike = nodeFetch;
