/**
 * The browser side of the relay's page: robots and queues, dead letters with replay, recent
 * deliveries, and the template playground. Messages are drawn by the emulator's preview renderer.
 *
 * Serialised into `/relay.js` with `toString()`, so it must not reference anything outside its own
 * body except browser globals and its argument.
 */
import type { PreviewRenderer } from '@dingbot/emulator';

/** Runs in the page. `render` is the emulator's renderer, built in the page from its serialised factory. */
export function startRelayPage(render: PreviewRenderer): void {
  type Dict = Record<string, unknown>;
  type Lang = 'en' | 'zh';

  const words: Record<string, [string, string]> = {
    'tab.overview': ['Queues', '队列'],
    'tab.playground': ['Template playground', '模板试验场'],
    'robots.title': ['Robots and queues', '机器人与队列'],
    'col.robot': ['Robot', '机器人'],
    'col.webhook': ['Webhook', 'Webhook'],
    'col.queued': ['Queued', '排队'],
    'col.sending': ['Sending', '发送中'],
    'col.oldest': ['Oldest waiting', '最久等待'],
    'col.dead': ['Dead', '死信'],
    'col.paused': ['Paused until', '暂停至'],
    'col.last': ['Last send', '上次发送'],
    'col.replica': ['Replica', '副本'],
    'dead.title': ['Dead letters', '死信'],
    'dead.replayAll': ['Replay all', '全部重发'],
    'dead.replay': ['Replay', '重发'],
    'dead.empty': [
      'No dead letters: DingTalk accepted everything so far.',
      '没有死信：钉钉目前接受了所有消息。',
    ],
    'recent.title': ['Recent deliveries', '最近送达'],
    'recent.empty': ['Nothing delivered yet.', '还没有送达的消息。'],
    'robots.empty': ['No robots in the config.', '配置中没有机器人。'],
    'status.live': ['live', '在线'],
    'status.offline': ['relay unreachable', '无法连接 relay'],
    'status.signin': ['sign in', '需要登录'],
    'signin.title': [
      "The relay's inputs require credentials, and so does this page.",
      'relay 的输入需要认证，本页面也一样。',
    ],
    'signin.token': ['Bearer token', 'Bearer 令牌'],
    'signin.user': ['User', '用户名'],
    'signin.password': ['Password', '密码'],
    'signin.submit': ['Sign in', '登录'],
    'signin.wrong': ['Those credentials were refused.', '认证被拒绝。'],
    'pg.route': ['Route', '路由'],
    'pg.byLabels': ['(routed by the labels, as the input would)', '（按标签路由，与输入相同）'],
    'pg.type': ['Type', '类型'],
    'pg.routeType': ["(the route's)", '（路由的）'],
    'pg.source': ['Payload from', '负载来源'],
    'pg.sample': ['Sample', '示例'],
    'pg.pasted': ['(pasted JSON)', '（粘贴的 JSON）'],
    'pg.template': ['Template (liquid)', '模板（liquid）'],
    'pg.builtin': ['Use the built-in template', '使用内置模板'],
    'pg.builtinHint': [
      'Empty: the built-in template. Type liquid here to try your own.',
      '留空即使用内置模板。在此输入 liquid 试写自己的模板。',
    ],
    'pg.routesOwn': ["Each route's own template.", '各路由自己的模板。'],
    'pg.hooks': ['Hooks (any JSON)', 'Hooks（任意 JSON）'],
    'pg.hookHint': ["The hook's liquid template.", 'hook 的 liquid 模板。'],
    'pg.payload': ['Payload (JSON)', '负载（JSON）'],
    'pg.result': ['What the relay would send', 'relay 将发送的消息'],
    'pg.badJson': ['The payload is not JSON', '负载不是合法 JSON'],
    'pg.fallback': [
      'The template failed; the relay would send the built-in template instead:',
      '模板出错；relay 会改用内置模板发送：',
    ],
    'lang.switch': ['中文', 'English'],
    attempts: ['attempts', '尝试次数'],
    'pg.tplBuiltin': ['built-in template', '内置模板'],
    'pg.tplEdited': ['the template edited here', '此处编辑的模板'],
    'pg.tplInline': ['the inline template of the config', '配置中的内联模板'],
    'pg.tplFile': ['template file', '模板文件'],
  };

  const byId = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
  const status = byId<HTMLElement>('status');
  const langButton = byId<HTMLButtonElement>('lang');
  const signin = byId<HTMLFormElement>('signin');
  const robotsBody = byId<HTMLTableSectionElement>('robots-body');
  const robotsEmpty = byId<HTMLElement>('robots-empty');
  const replicaHeads = document.querySelectorAll<HTMLElement>('.col-replica');
  const deadList = byId<HTMLElement>('dead-list');
  const deadEmpty = byId<HTMLElement>('dead-empty');
  const deadCount = byId<HTMLElement>('dead-count');
  const replayAll = byId<HTMLButtonElement>('replay-all');
  const recentList = byId<HTMLElement>('recent-list');
  const recentEmpty = byId<HTMLElement>('recent-empty');
  const pgRoute = byId<HTMLSelectElement>('pg-route');
  const pgType = byId<HTMLSelectElement>('pg-type');
  const pgSource = byId<HTMLSelectElement>('pg-source');
  const pgSample = byId<HTMLSelectElement>('pg-sample');
  const pgTemplate = byId<HTMLTextAreaElement>('pg-template');
  const pgLines = byId<HTMLElement>('pg-lines');
  const pgBuiltin = byId<HTMLButtonElement>('pg-builtin');
  const pgPayload = byId<HTMLTextAreaElement>('pg-payload');
  const pgError = byId<HTMLElement>('pg-error');
  const pgMessages = byId<HTMLElement>('pg-messages');

  const stored = (key: string): string | null => {
    try {
      return localStorage.getItem(key);
    } catch {
      return null;
    }
  };
  let lang: Lang =
    stored('dingbot-relay-lang') === 'zh' || stored('dingbot-relay-lang') === 'en'
      ? (stored('dingbot-relay-lang') as Lang)
      : /^zh/i.test(navigator.language)
        ? 'zh'
        : 'en';
  const t = (key: string): string => {
    const pair = words[key];
    return pair ? pair[lang === 'zh' ? 1 : 0] : key;
  };

  let authorization = '';
  try {
    authorization = sessionStorage.getItem('dingbot-relay-auth') ?? '';
  } catch {
    // Storage blocked: the credentials last until the page is closed.
  }
  let needsSignin = false;
  /** The last data drawn, so a poll that changed nothing leaves the DOM (and a hovered button) alone. */
  const drawn: Record<string, string> = {};
  /** Whether data arrived once: until then no "nothing here" line is shown. */
  let loaded = false;
  let robotsData: Dict[] = [];
  let deadData: Dict[] = [];
  let recentData: Dict[] = [];

  const obj = (value: unknown): Dict =>
    value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Dict) : {};
  const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
  const str = (value: unknown): string =>
    typeof value === 'string' ? value : typeof value === 'number' ? String(value) : '';
  const num = (value: unknown): number | undefined =>
    typeof value === 'number' && Number.isFinite(value) ? value : undefined;

  function el(tag: string, className?: string, text?: string): HTMLElement {
    const element = document.createElement(tag);
    if (className) element.className = className;
    if (text !== undefined) element.textContent = text;
    return element;
  }

  // ---- API --------------------------------------------------------------------------------------

  class Unauthorised extends Error {}

  async function api(path: string, init: RequestInit = {}): Promise<unknown> {
    const headers = new Headers(init.headers);
    headers.set('accept', 'application/json');
    // Tells the relay this page asks for credentials itself (no browser login dialog).
    headers.set('x-dingbot-page', '1');
    if (authorization) headers.set('authorization', authorization);
    const response = await fetch(path, { ...init, headers });
    const body: unknown = await response.json().catch(() => null);
    if (response.status === 401) {
      showSignin(list(obj(body)['auth']).map(str));
      throw new Unauthorised('401');
    }
    if (!response.ok) {
      const error = new Error(str(obj(body)['error']) || `HTTP ${response.status}`);
      (error as Error & { body?: unknown }).body = body;
      throw error;
    }
    return body;
  }

  function showSignin(schemes: string[]): void {
    if (authorization !== '') {
      // Credentials were sent and refused: say so, and forget them.
      byId<HTMLElement>('signin-wrong').hidden = false;
      authorization = '';
      try {
        sessionStorage.removeItem('dingbot-relay-auth');
      } catch {
        // Nothing stored.
      }
    }
    needsSignin = true;
    signin.hidden = false;
    signin.querySelector<HTMLElement>('.signin-bearer')!.hidden = !schemes.includes('bearer');
    signin.querySelector<HTMLElement>('.signin-basic')!.hidden = !schemes.includes('basic');
    setStatus('offline', t('status.signin'));
  }

  signin.addEventListener('submit', (event) => {
    event.preventDefault();
    const token = (signin.elements.namedItem('token') as HTMLInputElement).value.trim();
    const user = (signin.elements.namedItem('user') as HTMLInputElement).value;
    const password = (signin.elements.namedItem('password') as HTMLInputElement).value;
    authorization = token
      ? `Bearer ${token}`
      : `Basic ${btoa(String.fromCharCode(...new TextEncoder().encode(`${user}:${password}`)))}`;
    try {
      sessionStorage.setItem('dingbot-relay-auth', authorization);
    } catch {
      // Kept in memory only.
    }
    needsSignin = false;
    signin.hidden = true;
    byId<HTMLElement>('signin-wrong').hidden = true;
    void refresh();
    void loadPlayground();
  });

  // ---- formatting -------------------------------------------------------------------------------

  const pad = (n: number): string => (n < 10 ? `0${n}` : String(n));
  function clock(ms: number | undefined): string {
    if (ms === undefined) return '–';
    const d = new Date(ms);
    return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  }
  function span(ms: number): string {
    const s = Math.max(0, Math.round(ms / 1000));
    const zh = lang === 'zh';
    if (s < 60) return zh ? `${s} 秒` : `${s} s`;
    const m = Math.floor(s / 60);
    if (m < 60) return zh ? `${m} 分 ${s % 60} 秒` : `${m} min ${s % 60} s`;
    const h = Math.floor(m / 60);
    return zh ? `${h} 小时 ${m % 60} 分` : `${h} h ${m % 60} min`;
  }

  function setStatus(state: 'live' | 'connecting' | 'offline', label: string): void {
    status.className = `status ${state}`;
    status.textContent = label;
  }

  /** An outbox row as the emulator's renderer expects a message record. */
  function asRecord(row: Dict): Dict {
    const message = obj(row['message']);
    const at = obj(message['at']);
    return {
      id: row['id'],
      robot: str(row['robot']),
      msgtype: str(message['msgtype']),
      payload: message,
      receivedAt: num(row['updatedAt']) ?? num(row['createdAt']),
      mentions: {
        mobiles: list(at['atMobiles']).map(str),
        userIds: list(at['atUserIds']).map(str),
        all: at['isAtAll'] === true,
      },
    };
  }

  // ---- overview -----------------------------------------------------------------------------------

  function drawRobots(): void {
    if (!loaded) return;
    const rows = robotsData;
    const withReplica = rows.some((row) => row['lease'] !== undefined || row['replica'] !== undefined);
    for (const head of replicaHeads) head.hidden = !withReplica;
    robotsEmpty.hidden = rows.length > 0;
    robotsBody.replaceChildren(
      ...rows.map((row) => {
        const tr = el('tr');
        tr.setAttribute('data-robot', str(row['name']));
        const cell = (text: string, className = ''): HTMLElement => tr.appendChild(el('td', className, text));
        const name = cell(str(row['name']), 'robot');
        const details: string[] = [];
        if (row['signed'] === true) details.push(lang === 'zh' ? '加签' : 'signed');
        const keywords = list(row['keywords']).map(str);
        if (keywords.length > 0)
          details.push((lang === 'zh' ? '关键词：' : 'keywords: ') + keywords.join(', '));
        if (details.length > 0) name.appendChild(el('small', 'robot-details', details.join(' · ')));
        const hooks = list(row['webhooks']).map(str);
        const webhook = cell(
          hooks.length > 1 ? `${hooks[0]} (+${hooks.length - 1})` : (hooks[0] ?? ''),
          'webhook-cell',
        );
        webhook.title = hooks.join('\n');
        const queued = num(row['queued']) ?? 0;
        cell(String(queued), queued > 0 ? 'n busy' : 'n');
        cell(String(num(row['sending']) ?? 0), 'n');
        const age = num(row['oldestAgeMs']);
        cell(age === undefined ? '–' : span(age), 'n');
        const dead = num(row['dead']) ?? 0;
        cell(String(dead), dead > 0 ? 'n bad' : 'n');
        const paused = num(row['pausedUntil']);
        cell(paused === undefined ? '–' : clock(paused), paused === undefined ? '' : 'paused');
        cell(clock(num(row['lastSendAt'])));
        if (withReplica) {
          const lease = obj(row['lease']);
          const parts: string[] = [];
          if (str(row['replica'])) parts.push(str(row['replica']));
          if (str(lease['holder']))
            parts.push(`lease ${str(lease['holder'])} → ${clock(num(lease['until']))}`);
          cell(parts.join(' · ') || '–', 'replica');
        }
        return tr;
      }),
    );
  }

  function rowMeta(row: Dict, extra: string[]): HTMLElement {
    const line = el('div', 'row-meta');
    line.appendChild(el('span', 'row-id', `#${str(row['id'])}`));
    const parts = [str(row['robot'])];
    if (str(row['route'])) parts.push(`route ${str(row['route'])}`);
    parts.push(str(row['source']));
    line.appendChild(el('span', '', parts.concat(extra).join(' · ')));
    return line;
  }

  function drawDead(): void {
    if (!loaded) return;
    deadCount.textContent = deadData.length > 0 ? String(deadData.length) : '';
    deadEmpty.hidden = deadData.length > 0;
    replayAll.hidden = deadData.length === 0;
    deadList.replaceChildren(
      ...deadData.map((row) => {
        const item = el('div', 'dead');
        item.setAttribute('data-id', str(row['id']));
        const head = el('div', 'dead-head');
        const extra = [`${t('attempts')} ${str(row['attempts'])}`];
        head.appendChild(rowMeta(row, extra));
        const button = el('button', 'replay', t('dead.replay')) as HTMLButtonElement;
        button.type = 'button';
        button.setAttribute('data-id', str(row['id']));
        head.appendChild(button);
        item.appendChild(head);
        const reason = el('div', 'dead-reason');
        if (row['errcode'] !== undefined && row['errcode'] !== null)
          reason.appendChild(el('code', 'errcode', `errcode ${str(row['errcode'])}`));
        reason.appendChild(el('span', '', str(row['reason']) || '–'));
        item.appendChild(reason);
        item.appendChild(render.renderMessage(asRecord(row)) as unknown as Node);
        return item;
      }),
    );
  }

  function drawRecent(): void {
    if (!loaded) return;
    recentEmpty.hidden = recentData.length > 0;
    recentList.replaceChildren(
      ...recentData.map((row) => {
        const item = el('div', 'delivered');
        item.setAttribute('data-id', str(row['id']));
        item.appendChild(rowMeta(row, []));
        item.appendChild(render.renderMessage(asRecord(row)) as unknown as Node);
        return item;
      }),
    );
  }

  function changed(key: string, value: unknown): boolean {
    const text = JSON.stringify(value);
    if (drawn[key] === text) return false;
    drawn[key] = text;
    return true;
  }

  let refreshing = false;
  async function refresh(): Promise<void> {
    if (refreshing || needsSignin) return;
    refreshing = true;
    try {
      const [robots, dead, recent] = await Promise.all([
        api('/api/robots'),
        api('/api/dead?limit=100'),
        api('/api/recent?limit=30'),
      ]);
      loaded = true;
      if (changed('robots', robots)) {
        robotsData = list(robots).map(obj);
        drawRobots();
      }
      if (changed('dead', dead)) {
        deadData = list(dead).map(obj);
        drawDead();
      }
      if (changed('recent', recent)) {
        recentData = list(recent).map(obj);
        drawRecent();
      }
      setStatus('live', `${t('status.live')} · ${clock(Date.now())}`);
    } catch (error) {
      if (!(error instanceof Unauthorised)) setStatus('offline', t('status.offline'));
    } finally {
      refreshing = false;
    }
  }

  deadList.addEventListener('click', (event) => {
    const button = (event.target as HTMLElement).closest<HTMLButtonElement>('button.replay');
    if (!button) return;
    button.disabled = true;
    api(`/api/dead/${encodeURIComponent(button.getAttribute('data-id') ?? '')}/replay`, { method: 'POST' })
      .catch(() => undefined)
      .finally(() => void refresh());
  });
  replayAll.addEventListener('click', () => {
    replayAll.disabled = true;
    api('/api/dead/replay', { method: 'POST' })
      .catch(() => undefined)
      .finally(() => {
        replayAll.disabled = false;
        void refresh();
      });
  });

  // ---- playground -------------------------------------------------------------------------------

  interface RouteInfo {
    name: string;
    robot: string;
    type: string;
    templateName: string;
    template: string | null;
  }
  let routes: RouteInfo[] = [];
  /** The `/hooks/<name>` inputs; their options in the route picker are `hook:<name>`. */
  let hooks: RouteInfo[] = [];
  let samples: { name: string; source: string; description: string; body: unknown }[] = [];
  let pgTimer: ReturnType<typeof setTimeout> | undefined;
  let pgSeq = 0;

  function option(value: string, label: string): HTMLOptionElement {
    return new Option(label, value);
  }

  async function loadPlayground(): Promise<void> {
    let info: Dict;
    try {
      info = obj(await api('/api/playground'));
    } catch {
      return;
    }
    const toInfo = (value: unknown): RouteInfo => {
      const r = obj(value);
      return {
        name: str(r['name']),
        robot: str(r['robot']),
        type: str(r['type']),
        templateName: str(r['templateName']),
        template: typeof r['template'] === 'string' ? r['template'] : null,
      };
    };
    routes = list(info['routes']).map(toInfo);
    hooks = list(info['hooks']).map(toInfo);
    samples = list(info['samples']).map((value) => {
      const s = obj(value);
      return {
        name: str(s['name']),
        source: str(s['source']),
        description: str(s['description']),
        body: s['body'],
      };
    });
    const keepRoute = pgRoute.value;
    const hookGroup = document.createElement('optgroup');
    hookGroup.label = t('pg.hooks');
    hookGroup.append(
      ...hooks.map((h) => option(`hook:${h.name}`, `/hooks/${h.name} → ${h.robot} (${h.templateName})`)),
    );
    pgRoute.replaceChildren(
      option('', t('pg.byLabels')),
      ...routes.map((r) => option(r.name, `${r.name} → ${r.robot} (${r.type}, ${r.templateName})`)),
      ...(hooks.length > 0 ? [hookGroup] : []),
    );
    pgRoute.value = [...pgRoute.options].some((o) => o.value === keepRoute && keepRoute !== '')
      ? keepRoute
      : (routes[0]?.name ?? '');
    pgSample.replaceChildren(
      ...samples.map((s) => option(s.name, s.description)),
      option('', t('pg.pasted')),
    );
    if (samples[0]) {
      pgSample.value = samples[0].name;
      useSample();
    }
    useRoute();
  }

  function selectedHook(): RouteInfo | undefined {
    return pgRoute.value.startsWith('hook:')
      ? hooks.find((h) => `hook:${h.name}` === pgRoute.value)
      : undefined;
  }

  function useRoute(): void {
    const hook = selectedHook();
    const route = hook ?? routes.find((r) => r.name === pgRoute.value);
    pgTemplate.disabled = route === undefined;
    // A hook has no built-in template, takes its route's type and any JSON.
    pgBuiltin.disabled = route === undefined || hook !== undefined;
    pgType.disabled = hook !== undefined;
    pgSource.disabled = hook !== undefined;
    pgTemplate.value = route?.template ?? '';
    pgTemplate.placeholder =
      route === undefined ? t('pg.routesOwn') : hook ? t('pg.hookHint') : t('pg.builtinHint');
    drawLines();
    schedule();
  }

  function useSample(): void {
    const sample = samples.find((s) => s.name === pgSample.value);
    if (!sample) return;
    pgSource.value = sample.source;
    pgPayload.value = JSON.stringify(sample.body, null, 2);
    schedule();
  }

  function drawLines(errorLine?: number): void {
    const count = Math.max(1, pgTemplate.value.split('\n').length);
    const lines: HTMLElement[] = [];
    for (let i = 1; i <= count; i++) lines.push(el('div', i === errorLine ? 'bad-line' : '', String(i)));
    pgLines.replaceChildren(...lines);
    pgLines.scrollTop = pgTemplate.scrollTop;
  }

  function schedule(): void {
    if (pgTimer !== undefined) clearTimeout(pgTimer);
    pgTimer = setTimeout(() => void renderPlayground(), 250);
  }

  async function renderPlayground(): Promise<void> {
    let payload: unknown;
    try {
      payload = JSON.parse(pgPayload.value);
    } catch (error) {
      pgError.textContent = `${t('pg.badJson')}: ${error instanceof Error ? error.message : String(error)}`;
      pgError.hidden = false;
      return;
    }
    const hook = selectedHook();
    const route = routes.find((r) => r.name === pgRoute.value);
    const body: Dict = hook
      ? { source: 'hook', hook: hook.name, payload }
      : { source: pgSource.value, payload };
    // The template as configured is left out, so the answer says where it came from.
    const own = (hook ?? route)?.template ?? null;
    if (hook && pgTemplate.value !== own) body['template'] = pgTemplate.value;
    if (route) {
      body['route'] = route.name;
      const edited = pgTemplate.value.trim() === '' ? null : pgTemplate.value;
      if (edited !== own) body['template'] = edited;
    }
    if (!hook && pgType.value !== '') body['type'] = pgType.value;
    const seq = ++pgSeq;
    let answer: Dict;
    try {
      answer = obj(await api('/api/playground', { method: 'POST', body: JSON.stringify(body) }));
    } catch (error) {
      if (seq !== pgSeq) return;
      const details = obj((error as { body?: unknown }).body);
      const field = str(details['field']);
      pgError.textContent =
        (error instanceof Error ? error.message : String(error)) + (field ? ` [${field}]` : '');
      pgError.hidden = false;
      pgMessages.replaceChildren();
      drawLines();
      return;
    }
    if (seq !== pgSeq) return;
    pgError.hidden = true;
    let errorLine: number | undefined;
    pgMessages.replaceChildren(
      ...list(answer['messages']).map((value) => {
        const m = obj(value);
        const box = el('div', 'pg-message');
        box.appendChild(
          el(
            'div',
            'row-meta',
            `${str(m['route'])} → ${str(m['robot'])} · ${str(m['type'])} · ${templateLabel(str(m['template']))}`,
          ),
        );
        const problem = obj(m['templateError']);
        if (str(problem['message'])) {
          const line = num(problem['line']);
          if (line !== undefined && errorLine === undefined) errorLine = line;
          const note = el('div', 'template-error');
          note.setAttribute('role', 'alert');
          note.appendChild(el('strong', '', t('pg.fallback')));
          note.appendChild(el('div', '', str(problem['message'])));
          box.appendChild(note);
        }
        for (const warning of list(m['warnings']).map(str)) box.appendChild(el('div', 'pg-warning', warning));
        const message = obj(m['message']);
        box.appendChild(
          render.renderMessage(
            asRecord({ id: 0, robot: m['robot'], message, updatedAt: Date.now() }),
          ) as unknown as Node,
        );
        return box;
      }),
    );
    drawLines(errorLine);
  }

  function templateLabel(name: string): string {
    if (name === 'built-in') return t('pg.tplBuiltin');
    if (name === 'playground') return t('pg.tplEdited');
    if (name === 'inline') return t('pg.tplInline');
    return `${t('pg.tplFile')} ${name}`;
  }

  pgRoute.addEventListener('change', useRoute);
  pgSample.addEventListener('change', useSample);
  pgType.addEventListener('change', schedule);
  pgSource.addEventListener('change', schedule);
  pgTemplate.addEventListener('input', () => {
    drawLines();
    schedule();
  });
  pgTemplate.addEventListener('scroll', () => {
    pgLines.scrollTop = pgTemplate.scrollTop;
  });
  pgPayload.addEventListener('input', () => {
    pgSample.value = '';
    schedule();
  });
  pgBuiltin.addEventListener('click', () => {
    pgTemplate.value = '';
    drawLines();
    schedule();
  });

  // ---- tabs and language --------------------------------------------------------------------------

  function showTab(): void {
    const tab = location.hash === '#playground' ? 'playground' : 'overview';
    for (const section of document.querySelectorAll<HTMLElement>('main > section'))
      section.hidden = section.id !== tab;
    for (const link of document.querySelectorAll<HTMLElement>('nav.tabs a'))
      link.setAttribute('aria-current', link.getAttribute('href') === `#${tab}` ? 'page' : 'false');
  }
  window.addEventListener('hashchange', showTab);

  function translate(): void {
    document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
    for (const node of document.querySelectorAll<HTMLElement>('[data-i18n]'))
      node.textContent = t(node.getAttribute('data-i18n') ?? '');
    langButton.textContent = t('lang.switch');
    const first = pgRoute.options[0];
    if (first && first.value === '') first.textContent = t('pg.byLabels');
    const pasted = [...pgSample.options].find((o) => o.value === '');
    if (pasted) pasted.textContent = t('pg.pasted');
    const own = pgType.options[0];
    if (own) own.textContent = t('pg.routeType');
    pgTemplate.placeholder = pgTemplate.disabled
      ? t('pg.routesOwn')
      : selectedHook()
        ? t('pg.hookHint')
        : t('pg.builtinHint');
    const group = pgRoute.querySelector('optgroup');
    if (group) group.label = t('pg.hooks');
    drawRobots();
    drawDead();
    drawRecent();
    if (status.classList.contains('live')) setStatus('live', t('status.live'));
    if (routes.length > 0) schedule();
  }
  langButton.addEventListener('click', () => {
    lang = lang === 'zh' ? 'en' : 'zh';
    try {
      localStorage.setItem('dingbot-relay-lang', lang);
    } catch {
      // Not remembered.
    }
    translate();
  });

  translate();
  showTab();
  setStatus('connecting', '…');
  void refresh();
  void loadPlayground();
  setInterval(() => void refresh(), 2000);
}
