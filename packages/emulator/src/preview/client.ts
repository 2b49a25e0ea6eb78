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
    kind: 'message' | 'attempt' | 'chat';
    record: unknown;
  }
  /** A group, or a 1:1 chat with one robot (`direct`): where the chat box writes. */
  interface Group {
    /** The option's value: `g:<group id>` or `d:<robot name>`. */
    value: string;
    direct: boolean;
    id: string;
    title: string;
    members: { staffId: string; name: string }[];
    robots: string[];
  }
  interface AppInfo {
    name: string;
    mode: string;
    connections: number;
    withholdAcks: boolean;
    duplicate: boolean;
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
  const chatbox = byId<HTMLElement>('chatbox');
  const chatGroup = byId<HTMLSelectElement>('chat-group');
  const chatMember = byId<HTMLSelectElement>('chat-member');
  const chatText = byId<HTMLInputElement>('chat-text');
  const chatComplete = byId<HTMLUListElement>('chat-complete');
  const chatSend = byId<HTMLButtonElement>('chat-send');
  const chatHint = byId<HTMLElement>('chat-hint');
  const chaosRobot = byId<HTMLSelectElement>('chaos-robot');
  const chaosInfo = byId<HTMLElement>('chaos-info');

  const robots = new Map<string, Robot>();
  const entries = new Map<string, Entry>();
  const groups: Group[] = [];
  const apps = new Map<string, AppInfo>();
  /** Chat records by msgId, for the details of an exchange (a reply names the msgId it answers). */
  const chats = new Map<string, unknown>();
  /** Entries (by key) whose exchange details are open. */
  const openDetails = new Set<string>();
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
    copy.disabled = !robot || robot.webhookUrl === '';
    const parts: string[] = [];
    const app = apps.get(selected);
    if (robot && app && robot.webhookUrl === '') {
      // An app robot has no webhook to post to: it listens, and people write to it.
      webhook.placeholder = 'an app robot has no webhook URL: write to it in the chat box below';
      parts.push(`app robot (${app.mode === 'http' ? 'HTTP callback' : 'Stream mode'})`);
    } else if (robot) {
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
        entry.kind === 'message'
          ? render.renderMessage(entry.record)
          : entry.kind === 'chat'
            ? render.renderChat(entry.record)
            : render.renderAttempt(entry.record)
      ) as HTMLElement;
      node.setAttribute('data-key', entry.key);
      const toggle = node.querySelector('button.details-toggle');
      if (toggle && openDetails.has(entry.key)) {
        toggle.setAttribute('aria-expanded', 'true');
        const msgId = toggle.getAttribute('data-msgid') ?? '';
        const chat = chats.get(msgId);
        const panel = chat
          ? (render.renderExchange(chat) as HTMLElement)
          : (render.renderSystemLine('this exchange is no longer recorded') as HTMLElement);
        (node.querySelector('.msg-body') ?? node).appendChild(panel);
      }
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
    const key = (kind === 'message' ? 'm' : kind === 'chat' ? 'c' : 'a') + id;
    if (kind === 'chat') chats.set(String(record['msgId']), value);
    if (entries.has(key)) {
      if (kind === 'chat') updateChat(key, value);
      else if (kind === 'message') updateMessage(key, value);
      return;
    }
    const robot = typeof record['robot'] === 'string' ? record['robot'] : null;
    const entry: Entry = { key, id, robot, kind, record: value };
    entries.set(key, entry);
    if (robot !== null && !robots.has(robot) && kind !== 'attempt') {
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

  /** A chat record changed (delivered, acked, replied): redraw it, and open details that show it. */
  function updateChat(key: string, value: unknown): void {
    const entry = entries.get(key);
    if (!entry) return;
    entry.record = value;
    const msgId = String(asRecord(value)['msgId']);
    if (bulk) return;
    for (const other of entries.values()) {
      const answers = other.kind === 'message' && asRecord(other.record)['inReplyTo'] === msgId;
      if (other === entry || (answers && openDetails.has(other.key))) redraw(other);
    }
  }

  /** A message record changed (an AI card streamed more text): redraw it. */
  function updateMessage(key: string, value: unknown): void {
    const entry = entries.get(key);
    if (!entry) return;
    entry.record = value;
    if (!bulk) redraw(entry);
  }

  /** Replaces an entry's node in the timeline, if it is shown. */
  function redraw(entry: Entry): void {
    for (const child of timeline.children) {
      if (child.getAttribute('data-key') === entry.key) {
        child.replaceWith(renderEntry(entry));
        return;
      }
    }
  }

  timeline.addEventListener('click', (event) => {
    const target = event.target instanceof Element ? event.target : null;
    const toggle = target?.closest('button.details-toggle');
    const node = toggle?.closest('[data-key]');
    const entry = entries.get(node?.getAttribute('data-key') ?? '');
    if (!entry) return;
    if (openDetails.has(entry.key)) openDetails.delete(entry.key);
    else openDetails.add(entry.key);
    redraw(entry);
  });

  function clearAll(): void {
    entries.clear();
    chats.clear();
    openDetails.clear();
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

  // ---- chat box: a member writes to an app robot --------------------------------------------------

  function strings(value: unknown): string[] {
    return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
  }

  function setGroups(value: unknown): void {
    groups.length = 0;
    for (const raw of Array.isArray(value) ? value : []) {
      const group = asRecord(raw);
      if (typeof group['id'] !== 'string') continue;
      const members = (Array.isArray(group['members']) ? group['members'] : [])
        .map(asRecord)
        .filter((m) => typeof m['staffId'] === 'string')
        .map((m) => ({
          staffId: String(m['staffId']),
          name: typeof m['name'] === 'string' ? m['name'] : String(m['staffId']),
        }));
      groups.push({
        value: 'g:' + group['id'],
        direct: false,
        id: group['id'],
        title: typeof group['title'] === 'string' ? group['title'] : group['id'],
        members,
        robots: strings(group['robots']),
      });
    }
    renderTargets();
  }

  /** The groups, then a 1:1 chat with each app robot (whose members are everyone in a group). */
  function targets(): Group[] {
    const everyone: Group['members'] = [];
    for (const member of groups.flatMap((g) => g.members))
      if (!everyone.some((m) => m.staffId === member.staffId)) everyone.push(member);
    const direct = [...apps.keys()].sort().map((name) => ({
      value: 'd:' + name,
      direct: true,
      id: '',
      title: '1:1 with ' + name,
      members: everyone,
      robots: [name],
    }));
    return groups.concat(direct);
  }

  function renderTargets(): void {
    const all = targets();
    chatbox.hidden = all.length === 0;
    empty.textContent =
      all.length === 0
        ? "No messages yet. POST a message to a robot's webhook URL and it shows up here."
        : "No messages yet. POST a message to a robot's webhook URL, or write to an app robot in the chat box below.";
    document.body.classList.toggle('with-chatbox', all.length > 0);
    const current = chatGroup.value;
    chatGroup.replaceChildren(...all.map((g) => new Option(g.title, g.value)));
    if (all.some((g) => g.value === current)) chatGroup.value = current;
    renderGroup();
  }

  function currentGroup(): Group | undefined {
    const all = targets();
    return all.find((g) => g.value === chatGroup.value) ?? all[0];
  }

  function renderGroup(): void {
    const group = currentGroup();
    const member = chatMember.value;
    chatMember.replaceChildren(...(group?.members ?? []).map((m) => new Option(m.name, m.staffId)));
    if (group?.members.some((m) => m.staffId === member)) chatMember.value = member;
    const robotNames = group?.robots ?? [];
    chatText.placeholder = group?.direct
      ? 'ping (a 1:1 chat: no @ needed)'
      : robotNames[0]
        ? `@${robotNames[0]} ping`
        : 'this group has no app robot';
    const chaosCurrent = chaosRobot.value;
    chaosRobot.replaceChildren(...robotNames.map((name) => new Option(name, name)));
    if (robotNames.includes(chaosCurrent)) chaosRobot.value = chaosCurrent;
    renderChaos();
    hint('');
  }

  function upsertApp(value: unknown): void {
    const app = asRecord(value);
    if (typeof app['name'] !== 'string') return;
    const chaos = asRecord(app['chaos']);
    const known = apps.has(app['name']);
    apps.set(app['name'], {
      name: app['name'],
      mode: typeof app['mode'] === 'string' ? app['mode'] : 'stream',
      connections: Array.isArray(app['connections']) ? app['connections'].length : 0,
      withholdAcks: chaos['withholdAcks'] === true,
      duplicate: chaos['duplicate'] === true,
    });
    if (!robots.has(app['name'])) {
      robots.set(app['name'], {
        name: app['name'],
        token: '',
        webhookUrl: '',
        state: 'active',
        signed: false,
        keywords: [],
        open: false,
      });
      renderRobotOptions();
    }
    renderRobotInfo();
    if (known) renderChaos();
    else renderTargets();
  }

  function renderChaos(): void {
    const app = apps.get(chaosRobot.value);
    chaosInfo.textContent = app
      ? app.mode === 'http'
        ? 'HTTP callback robot'
        : `Stream · ${app.connections === 1 ? '1 connection' : app.connections + ' connections'}`
      : '';
    for (const button of chatbox.querySelectorAll<HTMLButtonElement>('button[data-chaos]')) {
      const action = button.getAttribute('data-chaos');
      button.disabled = !app;
      if (action === 'withholdAcks') button.setAttribute('aria-pressed', String(app?.withholdAcks === true));
      if (action === 'duplicate') button.setAttribute('aria-pressed', String(app?.duplicate === true));
    }
  }

  function hint(text: string, error = false): void {
    chatHint.textContent = text;
    chatHint.className = error ? 'error' : '';
  }

  /** The robot a text is for: the longest `@name` of a robot of the group, first in the text. */
  function mentionedRobot(text: string, group: Group): string | undefined {
    const names = [...group.robots].sort((a, b) => b.length - a.length);
    for (let i = text.indexOf('@'); i !== -1; i = text.indexOf('@', i + 1)) {
      const name = names.find((n) => text.startsWith(n, i + 1));
      if (name !== undefined) return name;
    }
    return undefined;
  }

  async function postJson(url: string, body: unknown): Promise<Record<string, unknown>> {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(body),
    });
    let answer: Record<string, unknown> = {};
    try {
      answer = asRecord(await response.json());
    } catch {
      // An answer that is not JSON: only the status says something.
    }
    if (!response.ok)
      throw new Error(typeof answer['error'] === 'string' ? answer['error'] : `HTTP ${response.status}`);
    return answer;
  }

  function send(): void {
    const group = currentGroup();
    const text = chatText.value;
    if (!group || text.trim() === '') return;
    const robot = group.direct ? group.robots[0] : mentionedRobot(text, group);
    if (robot === undefined) {
      const names = group.robots.map((name) => '@' + name).join(', ');
      hint(
        names === ''
          ? 'this group has no app robot'
          : `mention a robot of this group (${names}): DingTalk delivers a group message to a robot only when it is @-mentioned`,
        true,
      );
      return;
    }
    chatSend.disabled = true;
    const where = group.direct ? { direct: true } : { conversation: group.id };
    postJson('/api/chat', { robot, text, ...where, sender: chatMember.value })
      .then((answer) => {
        chatText.value = '';
        closeCompletion();
        const delivery = answer['delivery'];
        hint(
          delivery === 'pending'
            ? `sent to ${robot}: waiting for a Stream connection`
            : `sent to ${robot} over ${delivery === 'http' ? 'HTTP callback' : 'Stream'}`,
        );
        scrollToBottom();
      })
      .catch((error: unknown) => hint(error instanceof Error ? error.message : String(error), true))
      .finally(() => {
        chatSend.disabled = false;
        chatText.focus();
      });
  }

  // @-completion: robots of the group first, then its members.
  let choices: string[] = [];
  let active = 0;

  function mentionAtCaret(): { start: number; query: string } | null {
    const caret = chatText.selectionStart ?? chatText.value.length;
    const match = /@([^\s@]*)$/.exec(chatText.value.slice(0, caret));
    return match ? { start: caret - match[0].length, query: match[1] ?? '' } : null;
  }

  function closeCompletion(): void {
    choices = [];
    chatComplete.hidden = true;
    chatComplete.replaceChildren();
    chatText.removeAttribute('aria-activedescendant');
  }

  function renderCompletion(): void {
    chatComplete.replaceChildren(
      ...choices.map((choice, index) => {
        const item = document.createElement('li');
        item.id = 'chat-choice-' + index;
        item.setAttribute('role', 'option');
        item.setAttribute('aria-selected', String(index === active));
        item.className = index === active ? 'active' : '';
        const group = currentGroup();
        const isRobot = group?.robots.includes(choice) === true;
        item.append(
          document.createTextNode('@' + choice),
          Object.assign(document.createElement('small'), { textContent: isRobot ? 'robot' : 'member' }),
        );
        item.addEventListener('mousedown', (event) => {
          event.preventDefault();
          accept(index);
        });
        return item;
      }),
    );
    chatComplete.hidden = choices.length === 0;
    if (choices.length > 0) chatText.setAttribute('aria-activedescendant', 'chat-choice-' + active);
  }

  function updateCompletion(): void {
    const group = currentGroup();
    const at = mentionAtCaret();
    if (!group || !at) {
      closeCompletion();
      return;
    }
    const query = at.query.toLowerCase();
    const names = group.robots.concat(group.members.map((m) => m.name));
    choices = names
      .filter((name, index) => names.indexOf(name) === index && name.toLowerCase().startsWith(query))
      .slice(0, 8);
    active = 0;
    renderCompletion();
  }

  function accept(index: number): void {
    const choice = choices[index];
    const at = mentionAtCaret();
    if (choice === undefined || !at) return;
    const caret = chatText.selectionStart ?? chatText.value.length;
    const before = chatText.value.slice(0, at.start) + '@' + choice + ' ';
    chatText.value = before + chatText.value.slice(caret).replace(/^ /, '');
    chatText.setSelectionRange(before.length, before.length);
    closeCompletion();
    chatText.focus();
  }

  // The fixed chat box must never hide the newest message: the page ends where the box begins.
  if (typeof ResizeObserver === 'function') {
    new ResizeObserver(() => {
      document.body.style.setProperty(
        'padding-bottom',
        chatbox.hidden ? '' : `${chatbox.offsetHeight + 16}px`,
      );
    }).observe(chatbox);
  }

  chatText.addEventListener('input', updateCompletion);
  chatText.addEventListener('blur', () => setTimeout(closeCompletion, 150));
  chatText.addEventListener('keydown', (event) => {
    if (choices.length > 0) {
      if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
        event.preventDefault();
        active = (active + (event.key === 'ArrowDown' ? 1 : choices.length - 1)) % choices.length;
        renderCompletion();
        return;
      }
      if (event.key === 'Enter' || event.key === 'Tab') {
        event.preventDefault();
        accept(active);
        return;
      }
      if (event.key === 'Escape') {
        closeCompletion();
        return;
      }
    }
    if (event.key === 'Enter' && !event.isComposing) {
      event.preventDefault();
      send();
    }
  });
  chatSend.addEventListener('click', send);
  chatGroup.addEventListener('change', renderGroup);
  chaosRobot.addEventListener('change', renderChaos);

  chatbox.addEventListener('click', (event) => {
    const target = event.target instanceof Element ? event.target : null;
    const button = target?.closest('button[data-chaos]');
    const action = button?.getAttribute('data-chaos');
    const robot = chaosRobot.value;
    if (!button || !action || robot === '') return;
    const body: Record<string, unknown> = { action };
    if (action === 'withholdAcks' || action === 'duplicate')
      body['on'] = button.getAttribute('aria-pressed') !== 'true';
    postJson('/api/apps/' + encodeURIComponent(robot) + '/chaos', body)
      .then((answer) => {
        const affected = typeof answer['affected'] === 'number' ? answer['affected'] : 0;
        const label = button.textContent ?? action;
        hint(
          'on' in body
            ? `${label}: ${body['on'] ? 'on' : 'off'} for ${robot}`
            : `${label} on ${robot}: ${affected} affected`,
        );
      })
      .catch((error: unknown) => hint(error instanceof Error ? error.message : String(error), true));
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
    chats.clear();
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
    const [robotList, messages, attempts, groupList, appList, chatList] = await Promise.all([
      getJson('/api/robots'),
      getJson('/api/messages'),
      getJson('/api/attempts'),
      getJson('/api/groups'),
      getJson('/api/apps'),
      getJson('/api/chats'),
    ]);
    setGroups(groupList);
    for (const info of Array.isArray(appList) ? appList : []) upsertApp(info);
    for (const chat of listOf(chatList, 'chats')) addEntry('chat', chat);
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
    source.addEventListener('chat', (event) => addEntry('chat', parseData(event)));
    source.addEventListener('app', (event) => upsertApp(parseData(event)));
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
