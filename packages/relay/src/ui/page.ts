/**
 * The relay's web page: `GET /` with robots and queues, dead letters (replay), recent deliveries and
 * the template playground. No build step and no assets on disk: like the emulator's preview, the
 * browser script is assembled at startup from functions serialised with `toString()`, and messages
 * are drawn by the emulator's own preview renderer, so the page shows them as the emulator does.
 */
import { pageAsset, previewCss, rendererScript } from '@dingbot/emulator';
import type { Env, Hono, Schema } from 'hono';
import { startRelayPage } from './client.js';
import { relayCss } from './styles.js';

/** The browser script: the emulator's markdown subset and renderer, then the relay page's client. */
export const pageJs = rendererScript(startRelayPage);

/** The page shell: static markup only, no data; everything shown comes from `/api/*`. */
export const pageHtml = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>dingbot relay</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/relay.css">
<script src="/relay.js" defer></script>
</head>
<body>
<header class="top">
  <div class="brand">dingbot<small>relay</small></div>
  <nav class="tabs">
    <a href="#overview" data-i18n="tab.overview">Queues</a>
    <a href="#playground" data-i18n="tab.playground">Template playground</a>
  </nav>
  <span id="status" class="status connecting" role="status">…</span>
  <button id="lang" type="button">中文</button>
</header>
<main>
<form id="signin" hidden>
  <p data-i18n="signin.title">The relay's inputs require credentials, and so does this page.</p>
  <p id="signin-wrong" class="signin-wrong" data-i18n="signin.wrong" hidden>Those credentials were refused.</p>
  <label class="signin-bearer"><span data-i18n="signin.token">Bearer token</span>
    <input name="token" type="password" autocomplete="off"></label>
  <span class="signin-basic">
    <label><span data-i18n="signin.user">User</span> <input name="user" autocomplete="username"></label>
    <label><span data-i18n="signin.password">Password</span>
      <input name="password" type="password" autocomplete="current-password"></label>
  </span>
  <button type="submit" data-i18n="signin.submit">Sign in</button>
</form>
<section id="overview">
  <h2 class="title" data-i18n="robots.title">Robots and queues</h2>
  <div class="table-wrap">
  <table id="robots">
    <thead><tr>
      <th data-i18n="col.robot">Robot</th><th data-i18n="col.webhook">Webhook</th>
      <th class="n" data-i18n="col.queued">Queued</th><th class="n" data-i18n="col.sending">Sending</th>
      <th class="n" data-i18n="col.oldest">Oldest waiting</th><th class="n" data-i18n="col.dead">Dead</th>
      <th data-i18n="col.paused">Paused until</th><th data-i18n="col.last">Last send</th>
      <th class="col-replica" data-i18n="col.replica" hidden>Replica</th>
    </tr></thead>
    <tbody id="robots-body"></tbody>
  </table>
  </div>
  <p id="robots-empty" class="empty" data-i18n="robots.empty" hidden>No robots in the config.</p>
  <div class="columns">
    <div class="column">
      <div class="column-head">
        <h2 class="title"><span data-i18n="dead.title">Dead letters</span> <span id="dead-count" class="count"></span></h2>
        <button id="replay-all" type="button" data-i18n="dead.replayAll" hidden>Replay all</button>
      </div>
      <div id="dead-list" class="rows"></div>
      <p id="dead-empty" class="empty" data-i18n="dead.empty" hidden>No dead letters.</p>
    </div>
    <div class="column">
      <div class="column-head"><h2 class="title" data-i18n="recent.title">Recent deliveries</h2></div>
      <div id="recent-list" class="rows"></div>
      <p id="recent-empty" class="empty" data-i18n="recent.empty" hidden>Nothing delivered yet.</p>
    </div>
  </div>
</section>
<section id="playground" hidden>
  <div class="pg-controls">
    <label><span data-i18n="pg.route">Route</span> <select id="pg-route"></select></label>
    <label><span data-i18n="pg.type">Type</span> <select id="pg-type">
      <option value="">(the route's)</option><option value="markdown">markdown</option>
      <option value="text">text</option><option value="actionCard">actionCard</option>
    </select></label>
    <label><span data-i18n="pg.sample">Sample</span> <select id="pg-sample"></select></label>
    <label><span data-i18n="pg.source">Payload from</span> <select id="pg-source">
      <option value="alertmanager">Alertmanager</option><option value="grafana">Grafana</option>
    </select></label>
  </div>
  <div class="pg-grid">
    <div class="pg-editors">
      <div class="pg-label"><span data-i18n="pg.template">Template (liquid)</span>
        <button id="pg-builtin" type="button" data-i18n="pg.builtin">Use the built-in template</button></div>
      <div class="editor">
        <div id="pg-lines" class="lines" aria-hidden="true"></div>
        <textarea id="pg-template" spellcheck="false" autocomplete="off" aria-label="Template"></textarea>
      </div>
      <div class="pg-label"><span data-i18n="pg.payload">Payload (JSON)</span></div>
      <textarea id="pg-payload" spellcheck="false" autocomplete="off" aria-label="Payload"></textarea>
    </div>
    <div class="pg-result">
      <h2 class="title" data-i18n="pg.result">What the relay would send</h2>
      <div id="pg-error" class="pg-error" role="alert" hidden></div>
      <div id="pg-messages" class="rows"></div>
    </div>
  </div>
</section>
</main>
<noscript><p>The relay's page needs JavaScript.</p></noscript>
</body>
</html>
`;

/**
 * Registers the page on `app`: `GET /`, `GET /relay.js` and `GET /relay.css`, each with a strict CSP.
 * They carry no data (everything comes from `/api/*`, which takes the inputs' credentials), so they
 * are served to anyone: a browser cannot send a bearer token with a page load, but the page can ask
 * for it and send it with its API calls.
 */
export function mountPage<E extends Env, S extends Schema, B extends string>(app: Hono<E, S, B>): void {
  app.get('/', pageAsset(pageHtml, 'text/html; charset=utf-8'));
  app.get('/relay.js', pageAsset(pageJs, 'text/javascript; charset=utf-8'));
  app.get('/relay.css', pageAsset(`${previewCss}\n${relayCss}`, 'text/css; charset=utf-8'));
}
