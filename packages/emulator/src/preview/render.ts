/**
 * Turns message and attempt records into DOM, the way DingTalk would show them.
 *
 * Like the parser, everything is inside {@link createRenderer} so the server can serialise it into
 * the browser script; node tests run it against a tiny fake document. The DOM is built only with
 * `createElement`, `createTextNode`, `setAttribute` (on an allow-list of attributes, with sanitised
 * values) and CSSOM `style.setProperty` for `<font color>`: message data never reaches `innerHTML`.
 */
import type { BlockNode, InlineNode, MarkdownSubset } from './markdown.js';

/** The part of the DOM the renderer uses; `document` satisfies it, and so does a test fake. */
export interface MiniDocument {
  createElement(tag: string): MiniElement;
  createTextNode(text: string): MiniNode;
}

/** A DOM node as far as the renderer cares. */
export type MiniNode = object;

/** A DOM element as far as the renderer cares. */
export interface MiniElement {
  setAttribute(name: string, value: string): void;
  appendChild(child: MiniNode): unknown;
  style: { setProperty(name: string, value: string): void };
}

/** What the renderer produces. */
export interface Renderer {
  /** One accepted message: avatar, name, time, notification line, bubble, notes. */
  renderMessage(record: unknown): MiniElement;
  /** One refused send: a red system line. */
  renderAttempt(record: unknown): MiniElement;
  /** Markdown into a container element; returns the distinct "won't render" reasons. */
  renderMarkdown(text: unknown, into: MiniElement): string[];
  /** A small grey system line (date separators, "cleared"…). */
  renderSystemLine(text: string): MiniElement;
  /** What a member wrote to an app robot (a `/api/chats` record), as the group shows it. */
  renderChat(record: unknown): MiniElement;
  /** The details of an exchange (a chat record): delivery, acks, redeliveries, session webhook, replies. */
  renderExchange(record: unknown): MiniElement;
}

/** Builds the renderer. Self-contained: serialised into the browser script as it is. */
export function createRenderer(md: MarkdownSubset, doc: MiniDocument): Renderer {
  /** Caps on rendered repeats, so a hostile card cannot freeze the page. */
  const MAX_BUTTONS = 50;
  const MAX_FEED_LINKS = 50;

  type Dict = Record<string, unknown>;
  const obj = (value: unknown): Dict =>
    value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Dict) : {};
  const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
  const str = (value: unknown): string =>
    typeof value === 'string'
      ? value
      : typeof value === 'number' && Number.isFinite(value)
        ? String(value)
        : '';
  const strings = (value: unknown): string[] =>
    list(value)
      .map(str)
      .filter((item) => item !== '');

  function el(tag: string, className?: string, text?: string): MiniElement {
    const element = doc.createElement(tag);
    if (className) element.setAttribute('class', className);
    if (text !== undefined && text !== '') element.appendChild(doc.createTextNode(text));
    return element;
  }

  function add(parent: MiniElement, ...children: MiniNode[]): MiniElement {
    for (const child of children) parent.appendChild(child);
    return parent;
  }

  function text(value: string): MiniNode {
    return doc.createTextNode(value);
  }

  /** An element that opens `url` in a new tab when it is http(s); otherwise inert, saying why. */
  function linkish(url: unknown, className: string, fallbackTag = 'span'): MiniElement {
    const href = md.safeUrl(url);
    if (href !== null) {
      const anchor = el('a', className);
      anchor.setAttribute('href', href);
      anchor.setAttribute('target', '_blank');
      anchor.setAttribute('rel', 'noopener noreferrer');
      return anchor;
    }
    const inert = el(fallbackTag, className + ' inert');
    inert.setAttribute('title', inertReason(url));
    return inert;
  }

  function inertReason(url: unknown): string {
    const raw = str(url);
    const kind = md.linkKind(raw);
    if (raw === '') return 'no URL';
    if (kind === 'dtmd') return 'dtmd link: in DingTalk, clicking sends a message to the robot: ' + raw;
    if (kind === 'dingtalk') return 'DingTalk client link (not opened by the preview): ' + raw;
    return 'blocked: not an http(s) URL: ' + raw;
  }

  function image(url: unknown, className: string, alt = ''): MiniElement {
    const src = md.safeUrl(url);
    if (src === null) {
      const missing = el('span', className + ' img-missing', str(url) === '' ? '' : 'image not shown');
      missing.setAttribute('title', str(url) === '' ? 'no picture' : 'not an http(s) image URL: ' + str(url));
      return missing;
    }
    const img = el('img', className);
    img.setAttribute('src', src);
    img.setAttribute('alt', alt);
    img.setAttribute('loading', 'lazy');
    img.setAttribute('referrerpolicy', 'no-referrer');
    return img;
  }

  // ---- markdown tree → DOM ------------------------------------------------------------------

  function renderInline(nodes: InlineNode[], into: MiniElement): void {
    for (const node of nodes) {
      switch (node.type) {
        case 'text':
          into.appendChild(text(node.text));
          break;
        case 'br':
          into.appendChild(el('br'));
          break;
        case 'strong':
        case 'em': {
          const child = el(node.type);
          renderInline(node.children, child);
          into.appendChild(child);
          break;
        }
        case 'a': {
          const anchor =
            node.href !== null ? linkish(node.href, 'md-link') : el('span', `md-link inert ${node.kind}`);
          if (node.href === null) anchor.setAttribute('title', inertReason(node.url));
          renderInline(node.children, anchor);
          into.appendChild(anchor);
          break;
        }
        case 'img':
          into.appendChild(image(node.src, 'md-img', node.alt));
          break;
        case 'font': {
          const span = el('span', 'md-font');
          if (node.color !== null) span.style.setProperty('color', node.color);
          renderInline(node.children, span);
          into.appendChild(span);
          break;
        }
        case 'raw':
          into.appendChild(el('span', 'md-raw', node.text));
          break;
      }
    }
  }

  function renderBlocks(nodes: BlockNode[], into: MiniElement): void {
    for (const node of nodes) {
      switch (node.type) {
        case 'p':
        case 'h': {
          const block = el(node.type === 'p' ? 'p' : `h${Math.min(6, Math.max(1, node.level))}`);
          renderInline(node.children, block);
          into.appendChild(block);
          break;
        }
        case 'quote': {
          const quote = el('blockquote');
          renderBlocks(node.children, quote);
          into.appendChild(quote);
          break;
        }
        case 'ul':
        case 'ol': {
          const listElement = el(node.type);
          if (node.type === 'ol' && node.start !== 1) listElement.setAttribute('start', String(node.start));
          for (const item of node.children) {
            // A nested item keeps its level, drawn indented, and the message is badged for it.
            const li = item.depth > 0 ? el('li', `md-nested md-depth-${Math.min(item.depth, 4)}`) : el('li');
            renderInline(item.children, li);
            listElement.appendChild(li);
          }
          into.appendChild(listElement);
          break;
        }
        case 'raw':
          into.appendChild(el('pre', 'md-raw', node.text));
          break;
      }
    }
  }

  function renderMarkdown(source: unknown, into: MiniElement): string[] {
    const parsed = md.parse(str(source));
    renderBlocks(parsed.nodes, into);
    return parsed.warnings;
  }

  // ---- text messages --------------------------------------------------------------------------

  /** Text with real mentions highlighted and http(s) URLs clickable, as DingTalk does. */
  function renderText(content: string, pinged: string[], all: boolean, into: MiniElement): void {
    const targets = pinged
      .filter((value) => value !== '')
      .map((value) => '@' + value)
      .concat(all ? ['@all', '@所有人'] : [])
      .sort((a, b) => b.length - a.length);
    let buffer = '';
    const flush = (): void => {
      if (buffer !== '') linkify(buffer, into);
      buffer = '';
    };
    let i = 0;
    outer: while (i < content.length) {
      if (content[i] === '@') {
        for (const target of targets) {
          if (content.startsWith(target, i)) {
            flush();
            into.appendChild(el('span', 'mention', target));
            i += target.length;
            continue outer;
          }
        }
      }
      buffer += content[i];
      i++;
    }
    flush();
  }

  function linkify(value: string, into: MiniElement): void {
    const pattern = /https?:\/\/[^\s<>"'，。）]+/g;
    let last = 0;
    for (let match = pattern.exec(value); match; match = pattern.exec(value)) {
      // Trailing punctuation ends the sentence, not the URL.
      const url = match[0].replace(/[.,;:!?)\]]+$/, '');
      if (match.index > last) into.appendChild(text(value.slice(last, match.index)));
      const anchor = linkish(url, 'md-link');
      anchor.appendChild(text(url));
      into.appendChild(anchor);
      last = match.index + url.length;
      pattern.lastIndex = last;
    }
    if (last < value.length) into.appendChild(text(value.slice(last)));
  }

  // ---- cards ------------------------------------------------------------------------------------

  function linkCard(body: Dict): MiniElement {
    const card = linkish(body['messageUrl'], 'card link-card', 'div');
    add(card, el('div', 'card-title', str(body['title']) || '(no title)'));
    const row = el('div', 'link-row');
    add(row, el('div', 'link-text', str(body['text'])));
    add(
      row,
      str(body['picUrl']) ? image(body['picUrl'], 'link-pic') : el('span', 'link-pic link-icon', '🔗'),
    );
    return add(card, row);
  }

  function actionCard(body: Dict, warnings: string[]): MiniElement {
    const card = el('div', 'card action-card');
    const content = el('div', 'card-md markdown');
    for (const warning of renderMarkdown(body['text'], content)) warnings.push(warning);
    card.appendChild(content);
    const orientation = str(body['btnOrientation']) === '1' ? 'horizontal' : 'vertical';
    // DingTalk: a complete single button (title and URL) wins over btns; half of one does not.
    const btns = list(body['btns']);
    const singleTitle = str(body['singleTitle']);
    const singleURL = str(body['singleURL']);
    if (
      (singleTitle !== '' && singleURL !== '') ||
      (btns.length === 0 && (singleTitle !== '' || singleURL !== ''))
    ) {
      const buttons = el('div', 'btns single');
      const button = linkish(body['singleURL'], 'btn btn-single');
      add(
        button,
        el('span', 'btn-label', str(body['singleTitle']) || '(no title)'),
        el('span', 'chevron', '›'),
      );
      return add(card, add(buttons, button));
    }
    if (btns.length > 0) {
      const buttons = el('div', `btns ${orientation}`);
      for (const entry of btns.slice(0, MAX_BUTTONS)) {
        const btn = obj(entry);
        add(buttons, add(linkish(btn['actionURL'], 'btn'), text(str(btn['title']) || '(no title)')));
      }
      card.appendChild(buttons);
    }
    return card;
  }

  function feedCard(body: Dict): MiniElement {
    const card = el('div', 'card feed-card');
    const links = list(body['links']).slice(0, MAX_FEED_LINKS);
    if (links.length === 0) card.appendChild(el('div', 'feed-empty', '(empty feed card)'));
    links.forEach((entry, index) => {
      const link = obj(entry);
      const row = linkish(link['messageURL'], index === 0 ? 'feed-row feed-first' : 'feed-row', 'div');
      if (index === 0) {
        add(row, image(link['picURL'], 'feed-banner'), el('div', 'feed-title', str(link['title'])));
      } else {
        add(row, el('div', 'feed-title', str(link['title'])), image(link['picURL'], 'feed-thumb'));
      }
      card.appendChild(row);
    });
    return card;
  }

  // ---- records ----------------------------------------------------------------------------------

  function pad(value: number): string {
    return value < 10 ? '0' + value : String(value);
  }

  function clock(ms: unknown): string {
    const date = new Date(typeof ms === 'number' ? ms : Number.NaN);
    if (Number.isNaN(date.getTime())) return '';
    return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
  }

  function avatar(name: string): MiniElement {
    let hash = 0;
    for (let i = 0; i < name.length; i++) hash = (hash * 31 + name.charCodeAt(i)) >>> 0;
    const initial = Array.from(name.trim())[0] ?? '?';
    const element = el('div', `avatar hue-${hash % 8}`, initial.toUpperCase());
    element.setAttribute('aria-hidden', 'true');
    return element;
  }

  function meta(name: string, receivedAt: unknown, extra: string): MiniElement {
    const line = el('div', 'meta');
    add(line, el('span', 'robot-name', name));
    const time = el('time', 'time', clock(receivedAt));
    if (typeof receivedAt === 'number' && Number.isFinite(receivedAt)) {
      const date = new Date(receivedAt);
      if (!Number.isNaN(date.getTime())) time.setAttribute('datetime', date.toISOString());
    }
    add(line, time);
    if (extra) add(line, el('span', 'msgtype', extra));
    return line;
  }

  function renderMessage(input: unknown): MiniElement {
    const record = obj(input);
    const payload = obj(record['payload']);
    const msgtype = str(record['msgtype']) || str(payload['msgtype']);
    const robot = str(record['robot']) || '(unknown robot)';
    const mentions = obj(record['mentions']);
    const missing = obj(mentions['missing']);
    const body = obj(payload[msgtype]);
    const warnings: string[] = [];

    const item = el('article', `msg msg-${/^[A-Za-z]+$/.test(msgtype) ? msgtype : 'unknown'}`);
    item.setAttribute('data-robot', robot);
    item.setAttribute('data-id', str(record['id']));
    const column = el('div', 'msg-body');
    const hideAvatar = msgtype === 'actionCard' && str(body['hideAvatar']) === '1';
    add(item, hideAvatar ? el('div', 'avatar avatar-hidden') : avatar(robot), column);
    // An AI card is drawn from its markdown equivalent; it has no notification title of its own.
    const isCard = str(record['via']) === 'card';
    column.appendChild(meta(robot, record['receivedAt'], isCard ? 'AI card' : msgtype));

    if (!isCard && (msgtype === 'markdown' || msgtype === 'actionCard')) {
      // DingTalk never shows these titles in the bubble: only in the notification and chat list.
      const notify = el('div', 'notify');
      add(notify, el('span', 'notify-label', 'notification'), text(str(body['title']) || '(no title)'));
      column.appendChild(notify);
    }

    let bubble: MiniElement;
    switch (msgtype) {
      case 'text': {
        bubble = el('div', 'bubble text');
        renderText(
          str(body['content']),
          strings(mentions['mobiles']).concat(strings(mentions['userIds'])),
          mentions['all'] === true,
          bubble,
        );
        break;
      }
      case 'markdown':
        bubble = el('div', 'bubble markdown');
        for (const warning of renderMarkdown(body['text'], bubble)) warnings.push(warning);
        break;
      case 'link':
        bubble = linkCard(body);
        break;
      case 'actionCard':
        bubble = actionCard(body, warnings);
        break;
      case 'feedCard':
        bubble = feedCard(body);
        break;
      default:
        bubble = el(
          'div',
          'bubble unsupported',
          `unsupported msgtype "${msgtype}": DingTalk would refuse it`,
        );
    }
    column.appendChild(bubble);

    const distinct = warnings.filter((warning, index) => warnings.indexOf(warning) === index);
    if (distinct.length > 0) {
      const badges = el('div', 'warnings');
      for (const warning of distinct)
        add(
          badges,
          el(
            'span',
            'warn-badge',
            // Nothing says how DingTalk draws a nested list; everything else is known not to render.
            (warning === 'nested list'
              ? 'DingTalk may draw it flat (undocumented): '
              : "DingTalk won't render: ") + warning,
          ),
        );
      column.appendChild(badges);
    }
    const pinged = strings(mentions['mobiles']).concat(strings(mentions['userIds']));
    if (msgtype === 'markdown' && (pinged.length > 0 || mentions['all'] === true)) {
      const names = pinged.map((value) => '@' + value).concat(mentions['all'] === true ? ['@all'] : []);
      column.appendChild(el('div', 'note', 'pings (not highlighted in markdown): ' + names.join(' ')));
    } else if (msgtype === 'text' && mentions['all'] === true) {
      column.appendChild(el('div', 'note', 'pings everyone (isAtAll)'));
    }
    const notPinged = strings(missing['mobiles']).concat(strings(missing['userIds']));
    if (notPinged.length > 0) {
      const note = el('div', 'note note-missing', "listed in at but not in the text: won't ping ");
      add(note, el('span', 'missing', notPinged.map((value) => '@' + value).join(' ')));
      column.appendChild(note);
    }
    const atAll = obj(payload['at'])['isAtAll'];
    if (atAll !== undefined && typeof atAll !== 'boolean') {
      // DingTalk documents a boolean; the emulator takes the stricter reading (see its README).
      column.appendChild(
        el(
          'div',
          'note note-missing',
          'isAtAll is ' + JSON.stringify(atAll) + ', not true: nobody is @all-ed',
        ),
      );
    }
    const via = str(record['via']);
    const card = obj(record['card']);
    if (via === 'card') {
      const status = str(card['status']);
      const label =
        status === 'finished'
          ? 'finished'
          : status === 'failed'
            ? 'failed'
            : status === 'inputing'
              ? 'streaming…'
              : 'waiting for text…';
      const updates = Number(card['updates']) || 0;
      const line = el('div', 'exchange-line', 'via card/streaming ·');
      add(line, el('span', `card-status card-${/^[a-z]+$/.test(status) ? status : 'unknown'}`, label));
      add(line, text(`· ${updates} ${updates === 1 ? 'update' : 'updates'}`));
      column.appendChild(line);
    } else if (via !== '') {
      const line = el('div', 'exchange-line', 'via ' + via);
      const answered = str(record['inReplyTo']);
      if (answered !== '') add(line, text(' · reply'), detailsButton(answered));
      column.appendChild(line);
    }
    return item;
  }

  // ---- app robot exchanges ----------------------------------------------------------------------

  /** The button that opens an exchange's details; the page handles its clicks by `data-msgid`. */
  function detailsButton(msgId: string): MiniElement {
    const button = el('button', 'details-toggle', 'details');
    button.setAttribute('type', 'button');
    button.setAttribute('data-msgid', msgId);
    button.setAttribute('aria-expanded', 'false');
    return button;
  }

  function duration(ms: number): string {
    if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
    return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  }

  /** Where the exchange stands, in a few words: the line under a member's message. */
  function exchangeSummary(chat: Dict): string {
    const deliveries = list(chat['deliveries']).map(obj);
    const first = deliveries[0];
    if (chat['pending'] === true && !first) return 'waiting for a Stream connection';
    if (!first) return 'not delivered yet';
    const parts: string[] = [];
    if (str(first['transport']) === 'http') {
      const status = first['status'];
      parts.push(
        status === undefined
          ? 'HTTP callback…'
          : status === 0
            ? 'HTTP callback failed'
            : `HTTP ${str(status)}`,
      );
    } else {
      parts.push('Stream');
      const ackedAt = chat['ackedAt'];
      const at = first['at'];
      if (typeof ackedAt === 'number' && typeof at === 'number')
        parts.push('acked ' + duration(ackedAt - at));
      else if (list(chat['acks']).length > 0) parts.push('acks withheld');
      else parts.push('not acked');
    }
    const again = deliveries.length - 1;
    if (again > 0) parts.push(again === 1 ? 'delivered twice' : `delivered ${again + 1}×`);
    const replies = list(chat['replies']).length;
    parts.push(replies === 0 ? 'no reply yet' : replies === 1 ? '1 reply' : `${replies} replies`);
    return parts.join(' · ');
  }

  function renderChat(input: unknown): MiniElement {
    const chat = obj(input);
    const message = obj(chat['message']);
    const robot = str(chat['robot']);
    const sender = str(message['senderNick']) || str(chat['sender']) || '(unknown member)';
    const item = el('article', 'msg msg-chat');
    item.setAttribute('data-robot', robot);
    item.setAttribute('data-id', str(chat['id']));
    const column = el('div', 'msg-body');
    add(item, avatar(sender), column);
    const where =
      chat['direct'] === true
        ? '1:1 with ' + robot
        : str(message['conversationTitle']) || str(chat['conversationId']);
    column.appendChild(meta(sender, chat['createdAt'], where));
    const bubble = el('div', 'bubble text member');
    // The robot's own @name is what DingTalk highlights; members @-ed by name are in atUsers.
    renderText(str(chat['text']), robot === '' ? [] : [robot], false, bubble);
    column.appendChild(bubble);
    const line = el('div', 'exchange-line', exchangeSummary(chat));
    line.appendChild(detailsButton(str(chat['msgId'])));
    column.appendChild(line);
    return item;
  }

  function row(into: MiniElement, label: string, ...values: (string | MiniElement)[]): void {
    const term = el('dt', '', label);
    const value = el('dd');
    for (const part of values) value.appendChild(typeof part === 'string' ? text(part) : part);
    add(into, term, value);
  }

  /** A sessionWebhook as the page shows it: the path and the first characters of the session. */
  function sessionLabel(url: string): string {
    const match = /[?&]session=([^&]*)/.exec(url);
    const session = match ? (match[1] ?? '') : '';
    return '/robot/sendBySession?session=' + session.slice(0, 6) + (session.length > 6 ? '…' : '');
  }

  function renderExchange(input: unknown): MiniElement {
    const chat = obj(input);
    const message = obj(chat['message']);
    const panel = el('div', 'exchange');
    panel.setAttribute('data-msgid', str(chat['msgId']));
    const details = el('dl', 'exchange-facts');
    row(details, 'message', str(chat['msgId']));
    const deliveries = list(chat['deliveries']).map(obj);
    if (deliveries.length === 0)
      row(details, 'delivered', chat['pending'] === true ? 'waiting for a Stream connection' : 'not yet');
    deliveries.forEach((delivery, index) => {
      const reason = str(delivery['reason']);
      const label = index === 0 ? 'delivered' : reason === 'duplicate' ? 'duplicate' : 'redelivered';
      const parts: string[] = [];
      if (str(delivery['transport']) === 'http') {
        parts.push('over HTTP callback');
        const status = delivery['status'];
        if (status !== undefined)
          parts.push(status === 0 ? 'failed: ' + str(delivery['error']) : 'HTTP ' + str(status));
      } else {
        parts.push('over Stream');
        if (str(delivery['connectionId'])) parts.push('connection ' + str(delivery['connectionId']));
        if (str(delivery['messageId'])) parts.push('messageId ' + str(delivery['messageId']));
      }
      if (reason === 'redelivery') parts.push('no ack in time');
      if (reason === 'duplicate') parts.push('chaos: deliver twice');
      parts.push('at ' + clock(delivery['at']));
      row(details, label, parts.join(' · '));
      const body = str(delivery['body']);
      if (body !== '') row(details, 'answer body', el('code', 'exchange-body', body));
    });
    if (deliveries.some((delivery) => str(delivery['transport']) !== 'http')) {
      const acks = list(chat['acks']).map(obj);
      const ackedAt = chat['ackedAt'];
      const firstAt = deliveries[0]?.['at'];
      if (typeof ackedAt === 'number' && typeof firstAt === 'number') {
        row(details, 'ack', `acked after ${duration(ackedAt - firstAt)} (code 200)`);
      } else {
        row(details, 'ack', 'not acked');
      }
      const withheld = acks.filter((ack) => ack['withheld'] === true).length;
      if (withheld > 0)
        row(
          details,
          'withheld',
          `${withheld} ack${withheld === 1 ? '' : 's'} ignored (chaos: withhold acks)`,
        );
      const failed = acks.filter((ack) => ack['withheld'] !== true && ack['code'] !== 200).length;
      if (failed > 0) row(details, 'failed acks', `${failed} with a code other than 200`);
    }
    const webhook = str(message['sessionWebhook']);
    if (webhook !== '') {
      const expires = message['sessionWebhookExpiredTime'];
      row(
        details,
        'session webhook',
        el('code', 'exchange-session', sessionLabel(webhook)),
        typeof expires === 'number' ? ' · expires ' + clock(expires) : '',
      );
    }
    const replies = list(chat['replies'])
      .map(str)
      .filter((id) => id !== '');
    row(details, 'replies', replies.length === 0 ? 'none yet' : replies.map((id) => '#' + id).join(', '));
    return add(panel, details);
  }

  function renderAttempt(input: unknown): MiniElement {
    const record = obj(input);
    const line = el('div', 'system refused');
    line.setAttribute('data-id', str(record['id']));
    line.setAttribute('data-robot', str(record['robot']));
    const head = el('div', 'refused-head');
    add(
      head,
      el('span', 'refused-label', 'refused'),
      el('span', 'refused-robot', str(record['robot']) || 'unknown token'),
      el('time', 'time', clock(record['receivedAt'])),
    );
    if (str(record['msgtype'])) add(head, el('span', 'msgtype', str(record['msgtype'])));
    const code = el('div', 'refused-code');
    add(
      code,
      el('code', 'errcode', 'errcode ' + str(record['errcode'])),
      el('span', 'errmsg', str(record['errmsg'])),
    );
    return add(line, head, code, el('div', 'explanation', str(record['explanation'])));
  }

  function renderSystemLine(value: string): MiniElement {
    return el('div', 'system', value);
  }

  return { renderMessage, renderAttempt, renderMarkdown, renderSystemLine, renderChat, renderExchange };
}
