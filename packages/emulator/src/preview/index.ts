/**
 * The live preview page: `GET /` shows each robot's group chat the way DingTalk would render it.
 *
 * No bundler and no assets on disk (tsc copies none into `dist/`): the browser script is assembled
 * at startup from the very functions the node tests exercise, serialised with `toString()`.
 */
import type { Env, Hono, Schema } from 'hono';
import { startPreview } from './client.js';
import { createMarkdownSubset } from './markdown.js';
import { createRenderer, type Renderer } from './render.js';
import { previewCss } from './styles.js';

export type { BlockNode, InlineNode, LinkKind, MarkdownSubset, ParsedMarkdown } from './markdown.js';
export { createMarkdownSubset } from './markdown.js';
export type { MiniDocument, MiniElement, Renderer } from './render.js';
export { createRenderer } from './render.js';
export { previewCss } from './styles.js';

/** The Content-Security-Policy of the page and its assets: nothing inline, nothing foreign but images. */
export const previewCsp = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  'img-src http: https: data:',
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const securityHeaders: Record<string, string> = {
  'Content-Security-Policy': previewCsp,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cache-Control': 'no-cache',
};

/**
 * A handler answering a static page asset with the preview's headers ({@link previewCsp}, no
 * sniffing, no referrer, no framing, no caching). The relay's page serves its assets with it too.
 */
export function pageAsset(body: string, type: string): () => Response {
  return () => new Response(body, { headers: { ...securityHeaders, 'Content-Type': type } });
}

/**
 * A browser script that defines the markdown subset and the preview's renderer, then calls
 * `start(renderer)` once the DOM is ready: the preview's own script, and any page that draws
 * messages as the preview does (the relay's). Each function is serialised with `toString()`, so
 * `start` must be self-contained. Under tsx, esbuild's `keepNames` wraps functions in
 * `__name(fn, "name")` calls, so the script defines a no-op `__name`; the compiled `dist/` output
 * needs none.
 */
export function rendererScript(start: (renderer: Renderer) => void): string {
  return `"use strict";
(function () {
var __name = function (target) { return target; };
var createMarkdownSubset = ${createMarkdownSubset.toString()};
var createRenderer = ${createRenderer.toString()};
var startPage = ${start.toString()};
var start = function () { startPage(createRenderer(createMarkdownSubset(), document)); };
if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
})();
`;
}

/** The preview's browser script. */
export const previewJs = rendererScript(startPreview);

/** The page shell: static markup only; every message is added by the script with DOM calls. */
export const previewHtml = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>dingbot emulator · preview</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/preview.css">
<script src="/preview.js" defer></script>
</head>
<body>
<header class="top">
  <div class="brand">dingbot<small>emulator</small></div>
  <label>Robot <select id="robot" aria-label="Robot filter"><option value="">All robots</option></select></label>
  <div class="webhook">
    <input id="webhook" readonly aria-label="Webhook URL" placeholder="choose a robot to see its webhook URL">
    <button id="copy" type="button" disabled>Copy</button>
  </div>
  <span id="robot-info"></span>
  <button id="clear" type="button" title="Delete every message and refused attempt">Clear</button>
  <span id="status" class="status connecting" role="status">connecting…</span>
</header>
<div id="older" hidden><button id="load-older" type="button">Load older messages</button></div>
<main id="timeline" aria-live="polite"></main>
<div id="empty">No messages yet. POST a message to a robot's webhook URL and it shows up here.</div>
<footer id="chatbox" hidden>
  <div class="chat-row">
    <label>Chat <select id="chat-group" aria-label="Group or 1:1 chat"></select></label>
    <label>As <select id="chat-member" aria-label="Member who writes"></select></label>
    <div class="chat-input">
      <input id="chat-text" type="text" autocomplete="off" spellcheck="false" aria-label="Message"
        aria-autocomplete="list" aria-controls="chat-complete" placeholder="@bot ping">
      <ul id="chat-complete" role="listbox" aria-label="Mention" hidden></ul>
    </div>
    <button id="chat-send" type="button">Send</button>
  </div>
  <div class="chat-row chat-foot">
    <span id="chat-hint" role="status"></span>
    <details id="chaos">
      <summary>Chaos</summary>
      <div class="chaos-panel">
        <label>Robot <select id="chaos-robot" aria-label="Chaos robot"></select></label>
        <span id="chaos-info"></span>
        <div class="chaos-buttons">
          <button type="button" data-chaos="drop" title="Cut the robot's Stream sockets without a close frame (1006)">Drop connection</button>
          <button type="button" data-chaos="disconnect" title="Send SYSTEM disconnect; the socket closes 10 s later">Disconnect</button>
          <button type="button" data-chaos="withholdAcks" aria-pressed="false" title="Record acks but ignore them, so callbacks come again">Withhold acks</button>
          <button type="button" data-chaos="duplicate" aria-pressed="false" title="Push every delivery twice at once">Deliver twice</button>
          <button type="button" data-chaos="expireSessions" title="Every sessionWebhook of the robot expires now">Expire sessions now</button>
          <button type="button" data-chaos="throttleOpenApi" title="OpenAPI sends answer send.too.fast for one window">Throttle OpenAPI</button>
        </div>
      </div>
    </details>
  </div>
</footer>
<noscript><p>The live preview needs JavaScript.</p></noscript>
</body>
</html>
`;

/**
 * Registers the preview page on `app`: `GET /`, `GET /preview.js` and `GET /preview.css`,
 * each with a strict CSP and no-sniff headers.
 */
export function mountPreview<E extends Env, S extends Schema, B extends string>(app: Hono<E, S, B>): void {
  app.get('/', pageAsset(previewHtml, 'text/html; charset=utf-8'));
  app.get('/preview.js', pageAsset(previewJs, 'text/javascript; charset=utf-8'));
  app.get('/preview.css', pageAsset(previewCss, 'text/css; charset=utf-8'));
}
