/**
 * The browser side of the preview page: state, API calls, the live stream and the header controls.
 *
 * Serialised into `/preview.js` with `toString()`, so it must not reference anything outside its
 * own body except browser globals and its argument.
 */
import type { Renderer } from './render.js';

/** Runs in the page. `render` is the renderer built in the page from the serialised factories. */
export function startPreview(render: Renderer): void {
  interface Robot {
    name: string;
    token: string;
    webhookUrl: string;
    state: string;
    signed: boolean;
    keywords: string[];
    open: boolean;
  }
  interface Entry {
    key: string;
    id: number;
    robot: string | null;
    kind: 'message' | 'attempt';
    record: unknown;
  }

  const byId = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
  const timeline = byId<HTMLElement>('timeline');
  const select = byId<HTMLSelectElement>('robot');
  const webhook = byId<HTMLInputElement>('webhook');
  const copy = byId<HTMLButtonElement>('copy');
  const clear = byId<HTMLButtonElement>('clear');
  const status = byId<HTMLElement>('status');
  const info = byId<HTMLElement>('robot-info');
  const empty = byId<HTMLElement>('empty');
  const older = byId<HTMLElement>('older');
  const loadOlder = byId<HTMLButtonElement>('load-older');

  const robots = new Map<string, Robot>();
  const entries = new Map<string, Entry>();
  /** While a sync loads, records are only collected; the timeline is rebuilt once at the end. */
  let bulk = false;
  let selected = readHash();
  /** The `before` cursors of the next older pages (`null`: nothing older on the emulator). */
  let olderMessages: number | null = null;
  let olderAttempts: number | null = null;

  function readHash(): string {
    const match = /^#robot=(.*)$/.exec(location.hash);
    if (!match) return '';
    try {
      return decodeURIComponent(match[1] ?? '');
    } catch {
      return '';
    }
  }

  function asRecord(value: unknown): Record<string, unknown> {
    return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : {};
  }

  function toRobot(value: unknown): Robot | null {
    const r = asRecord(value);
    if (typeof r['name'] !== 'string') return null;
    return {
      name: r['name'],
      token: typeof r['token'] === 'string' ? r['token'] : '',
      webhookUrl: typeof r['webhookUrl'] === 'string' ? r['webhookUrl'] : '',
      state: typeof r['state'] === 'string' ? r['state'] : 'active',
      signed: r['signed'] === true,
      keywords: Array.isArray(r['keywords'])
        ? r['keywords'].filter((k): k is string => typeof k === 'string')
        : [],
      open: r['open'] === true,
    };
  }

  // ---- robots and header ----------------------------------------------------------------------

  function upsertRobot(value: unknown): void {
    const robot = toRobot(value);
    if (!robot) return;
    robots.set(robot.name, robot);
    renderRobotOptions();
  }

  function renderRobotOptions(): void {
    const names = [...robots.keys()].sort();
    if (selected !== '' && !robots.has(selected)) names.push(selected);
    const options: HTMLOptionElement[] = [new Option('All robots', '')];
    for (const name of names) {
      const robot = robots.get(name);
      const suffix = robot && robot.state !== 'active' ? ` (${robot.state})` : '';
      options.push(new Option(name + suffix, name));
    }
    select.replaceChildren(...options);
    select.value = selected;
    renderRobotInfo();
  }

  function renderRobotInfo(): void {
    const robot = robots.get(selected);
    webhook.value = robot ? robot.webhookUrl : '';
    webhook.placeholder = selected === '' ? 'choose a robot to see its webhook URL' : 'unknown robot';
    copy.disabled = !robot;
    const parts: string[] = [];
    if (robot) {
      if (robot.state !== 'active') parts.push(robot.state);
      parts.push(robot.signed ? 'signed' : 'not signed');
      if (robot.keywords.length > 0) parts.push('keywords: ' + robot.keywords.join(', '));
      if (robot.open) parts.push('open mode');
    } else if (selected === '') {
      parts.push(robots.size === 1 ? '1 robot' : `${robots.size} robots`);
    }
    info.textContent = parts.join(' · ');
  }

  select.addEventListener('change', () => {
    selected = select.value;
    history.replaceState(
      null,
      '',
      selected === '' ? location.pathname : '#robot=' + encodeURIComponent(selected),
    );
    renderRobotInfo();
    renderTimeline();
  });

  copy.addEventListener('click', () => {
    const value = webhook.value;
    if (!value) return;
    const done = (): void => {
      copy.textContent = 'Copied';
      setTimeout(() => {
        copy.textContent = 'Copy';
      }, 1200);
    };
    const fallback = (): void => {
      webhook.select();
      document.execCommand('copy');
      done();
    };
    if (navigator.clipboard) navigator.clipboard.writeText(value).then(done, fallback);
    else fallback();
  });

  clear.addEventListener('click', () => {
    clear.disabled = true;
    fetch('/api/messages', { method: 'DELETE' })
      .then((response) => {
        if (response.ok) clearAll();
      })
      .catch(() => setStatus('offline', 'clear failed: emulator unreachable'))
      .finally(() => {
        clear.disabled = false;
      });
  });

  // ---- timeline -------------------------------------------------------------------------------

  function visible(entry: Entry): boolean {
    // Refusals without a robot (unknown token) cannot be attributed, so every view shows them.
    return selected === '' || entry.robot === selected || entry.robot === null;
  }

  function nearBottom(): boolean {
    const root = document.scrollingElement ?? document.documentElement;
    return root.scrollHeight - root.scrollTop - root.clientHeight < 160;
  }

  function scrollToBottom(): void {
    const root = document.scrollingElement ?? document.documentElement;
    root.scrollTop = root.scrollHeight;
  }

  function renderEntry(entry: Entry): HTMLElement {
    try {
      const node = (
        entry.kind === 'message' ? render.renderMessage(entry.record) : render.renderAttempt(entry.record)
      ) as HTMLElement;
      node.setAttribute('data-key', entry.key);
      return node;
    } catch {
      // A record the renderer cannot handle must never take the page down.
      return render.renderSystemLine(`could not render ${entry.kind} #${entry.id}`) as HTMLElement;
    }
  }

  function sorted(): Entry[] {
    return [...entries.values()].sort((a, b) => a.id - b.id);
  }

  function renderTimeline(stick = true): void {
    const nodes = sorted().filter(visible).map(renderEntry);
    timeline.replaceChildren(...nodes);
    empty.hidden = nodes.length > 0;
    if (stick) scrollToBottom();
  }

  function addEntry(kind: Entry['kind'], value: unknown): void {
    const record = asRecord(value);
    const id = typeof record['id'] === 'number' ? record['id'] : Number.NaN;
    if (!Number.isFinite(id)) return;
    const key = (kind === 'message' ? 'm' : 'a') + id;
    if (entries.has(key)) return;
    const robot = typeof record['robot'] === 'string' ? record['robot'] : null;
    const entry: Entry = { key, id, robot, kind, record: value };
    entries.set(key, entry);
    if (robot !== null && !robots.has(robot) && kind === 'message') {
      robots.set(robot, {
        name: robot,
        token: '',
        webhookUrl: '',
        state: 'active',
        signed: false,
        keywords: [],
        open: true,
      });
      renderRobotOptions();
    }
    if (bulk || !visible(entry)) return;
    const stick = nearBottom();
    const node = renderEntry(entry);
    // Usually the newest: append. Otherwise (a resync after reconnect) insert in id order.
    let after: Element | null = null;
    for (let child = timeline.lastElementChild; child; child = child.previousElementSibling) {
      const other = entries.get(child.getAttribute('data-key') ?? '');
      if (other && other.id < id) {
        after = child;
        break;
      }
    }
    if (after) after.after(node);
    else timeline.prepend(node);
    empty.hidden = true;
    if (stick) scrollToBottom();
  }

  function clearAll(): void {
    entries.clear();
    setCursors(null, null);
    renderTimeline();
  }

  function setCursors(messages: unknown, attempts: unknown): void {
    olderMessages = typeof messages === 'number' ? messages : null;
    olderAttempts = typeof attempts === 'number' ? attempts : null;
    older.hidden = olderMessages === null && olderAttempts === null;
  }

  function listOf(page: unknown, key: string): unknown[] {
    const list = asRecord(page)[key];
    return Array.isArray(list) ? list : [];
  }

  loadOlder.addEventListener('click', () => {
    loadOlder.disabled = true;
    const none = Promise.resolve({});
    Promise.all([
      olderMessages === null ? none : getJson('/api/messages?before=' + olderMessages),
      olderAttempts === null ? none : getJson('/api/attempts?before=' + olderAttempts),
    ])
      .then(([messages, attempts]) => {
        bulk = true;
        for (const message of listOf(messages, 'messages')) addEntry('message', message);
        for (const attempt of listOf(attempts, 'attempts')) addEntry('attempt', attempt);
        bulk = false;
        setCursors(
          olderMessages === null ? null : asRecord(messages)['nextBefore'],
          olderAttempts === null ? null : asRecord(attempts)['nextBefore'],
        );
        renderTimeline(false);
      })
      .catch(() => setStatus('offline', 'emulator API unreachable'))
      .finally(() => {
        bulk = false;
        loadOlder.disabled = false;
      });
  });

  // ---- data -------------------------------------------------------------------------------------

  async function getJson(url: string): Promise<unknown> {
    const response = await fetch(url, { headers: { accept: 'application/json' } });
    if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
    return response.json();
  }

  /**
   * Replaces the local state with the emulator's. Called on every (re)connect: events sent while we
   * were away are not replayed, and a restarted emulator numbers its records from 1 again, so the
   * server is the truth. Events that arrive during the fetch are kept (deduplicated by id).
   */
  async function sync(): Promise<void> {
    entries.clear();
    const stick = nearBottom();
    bulk = true;
    try {
      await load();
    } finally {
      bulk = false;
      renderTimeline(stick);
    }
  }

  /** The robots and the latest page of each kind of record; older pages load on request. */
  async function load(): Promise<void> {
    const [robotList, messages, attempts] = await Promise.all([
      getJson('/api/robots'),
      getJson('/api/messages'),
      getJson('/api/attempts'),
    ]);
    for (const robot of Array.isArray(robotList) ? robotList : []) {
      const parsed = toRobot(robot);
      if (parsed) robots.set(parsed.name, parsed);
    }
    renderRobotOptions();
    for (const message of listOf(messages, 'messages')) addEntry('message', message);
    for (const attempt of listOf(attempts, 'attempts')) addEntry('attempt', attempt);
    setCursors(asRecord(messages)['nextBefore'], asRecord(attempts)['nextBefore']);
  }

  // ---- live stream --------------------------------------------------------------------------------

  function setStatus(state: 'live' | 'connecting' | 'offline', label: string): void {
    status.className = 'status ' + state;
    status.textContent = label;
  }

  function parseData(event: Event): unknown {
    try {
      return JSON.parse((event as MessageEvent<string>).data);
    } catch {
      return null;
    }
  }

  let retryMs = 1000;
  function connect(): void {
    setStatus('connecting', 'connecting…');
    const source = new EventSource('/api/events');
    source.addEventListener('open', () => {
      retryMs = 1000;
      setStatus('live', 'live');
      sync().catch(() => setStatus('offline', 'emulator API unreachable'));
    });
    source.addEventListener('message', (event) => addEntry('message', parseData(event)));
    source.addEventListener('attempt', (event) => addEntry('attempt', parseData(event)));
    source.addEventListener('robot', (event) => upsertRobot(parseData(event)));
    source.addEventListener('clear', () => clearAll());
    source.addEventListener('error', () => {
      if (source.readyState === EventSource.CONNECTING) {
        setStatus('connecting', 'reconnecting…');
        return;
      }
      // The browser gave up (e.g. a non-stream answer): retry ourselves, backing off.
      source.close();
      setStatus('offline', `offline, retrying in ${Math.round(retryMs / 1000)} s`);
      setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, 30_000);
    });
  }

  renderRobotOptions();
  empty.hidden = false;
  connect();
}
