export { createNodeFetch, type NodeFetchOptions, nodeFetch } from './fetch.js';
