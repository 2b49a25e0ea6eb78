import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type Message, utf8Length, validateMessage } from '@dingbot/sdk';
import fc from 'fast-check';
import { renderHook, templateHeaders } from '../src/inputs/hooks.js';

function body(message: Message): string {
  if (message.msgtype === 'markdown') return message.markdown.text;
  if (message.msgtype === 'text') return message.text.content;
  assert.fail(`unexpected ${message.msgtype}`);
}

/** The start of a GitHub push event. */
const push = {
  ref: 'refs/heads/main',
  repository: { full_name: 'acme/api', html_url: 'https://github.com/acme/api' },
  pusher: { name: 'alice' },
  commits: [
    { id: 'a1b2c3d', message: 'Fix the *login* bug', author: { name: 'alice' } },
    { id: 'e4f5a6b', message: 'Bump deps', author: { name: 'bob' } },
  ],
};

const GITHUB = `{% capture title %}{{ payload.repository.full_name }}: {{ payload.commits.size }} commits{% endcapture -%}
### [{{ payload.repository.full_name }}]({{ payload.repository.html_url }}) {{ headers["x-github-event"] }} to {{ payload.ref | remove: "refs/heads/" }}
{% for c in payload.commits %}
- {{ c.id | slice: 0, 7 }} {{ c.message | escape_markdown }} ({{ c.author.name }})
{%- endfor %}`;

describe('renderHook', () => {
  test('a GitHub push through a template: title, body, headers', async () => {
    const { message, warnings, fallback } = await renderHook(GITHUB, push, {
      name: 'github',
      headers: { 'X-GitHub-Event': 'push', 'X-Hub-Signature-256': 'sha256=secret' },
    });
    assert.equal(fallback, undefined);
    assert.deepEqual(warnings, []);
    assert.equal(message.msgtype === 'markdown' && message.markdown.title, 'acme/api: 2 commits');
    const text = body(message);
    assert.match(text, /^### \[acme\/api\]\(https:\/\/github\.com\/acme\/api\) push to main/);
    assert.match(text, /- a1b2c3d Fix the \\\*login\\\* bug \(alice\)/);
  });

  test('signature, token and authorization headers are never visible to templates', () => {
    const seen = templateHeaders({
      Authorization: 'Bearer x',
      'X-Gitlab-Token': 't',
      'X-Hub-Signature-256': 's',
      'X-Grafana-Alerting-Signature': 'g',
      'X-My-Secret': 'm',
      'X-GitHub-Delivery': 'd-1',
    });
    assert.deepEqual(seen, { 'x-github-delivery': 'd-1' });
  });

  test('a text hook with mentions that ping', async () => {
    const { message } = await renderHook('{{ payload.pusher.name }} pushed', push, {
      name: 'github',
      type: 'text',
      mentions: { mobiles: ['13800000001'], userIds: [], all: false },
    });
    assert.equal(body(message), 'alice pushed\n@13800000001');
    assert.deepEqual(message.msgtype === 'text' && message.at, { atMobiles: ['13800000001'] });
  });

  test('a failing template falls back to a listing of the payload, with the line', async () => {
    const { message, fallback } = await renderHook('ok\n{{ payload.repo.name }}', push, { name: 'github' });
    assert.equal(fallback?.line, 2);
    assert.match(
      fallback?.reason ?? '',
      /of hook "github": line 2, column \d+: undefined variable: payload\.repo;/,
    );
    const text = body(message);
    assert.match(text, /^### 📨 github/);
    assert.match(text, /- \*\*ref\*\*: refs\/heads\/main/);
    assert.match(text, /- \*\*repository\.full\\_name\*\*: acme\/api/);
    assert.match(text, /- \*\*commits\*\*: \\\[2 items\\\]/);
  });

  test('any JSON and any template: never throws, always a valid message within 20000 bytes', async () => {
    const templates = fc.constantFrom(
      '{{ payload }}',
      '{{ payload.a.b.c }}',
      '{% for x in payload %}{{ x }}{% endfor %}',
      '{% for i in (1..100000) %}{{ payload | json }}{% endfor %}',
      '{{ payload | json }}',
      '{% if',
      '',
      'plain',
    );
    await fc.assert(
      fc.asyncProperty(
        fc.jsonValue(),
        templates,
        fc.constantFrom('markdown' as const, 'text' as const),
        async (payload, template, type) => {
          const { message } = await renderHook(template, payload, { name: 'any', type });
          validateMessage(message);
          assert.ok(utf8Length(JSON.stringify(message)) <= 20_000);
        },
      ),
      { numRuns: 150 },
    );
  });
});
