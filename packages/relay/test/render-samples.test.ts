import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { validateMessage } from '@dingbot/sdk';
import { parseAlertmanager } from '../src/inputs/alertmanager.js';
import { parseGrafana } from '../src/inputs/grafana.js';
import { createRenderer } from '../src/render/renderer.js';
import { samplePayloads } from '../src/render/samples.js';

const fixtureOf: Record<string, string> = {
  'alertmanager-firing': 'alertmanager/alertmanager-firing.json',
  'alertmanager-resolved': 'alertmanager/alertmanager-resolved.json',
  'alertmanager-group': 'alertmanager/alertmanager-group-mixed.json',
  'grafana-firing': 'grafana/grafana-firing.json',
  'grafana-resolved': 'grafana/grafana-resolved.json',
};

test('the sample payloads are the fixtures, parse with their input and render', async () => {
  assert.deepEqual(Object.keys(samplePayloads).sort(), Object.keys(fixtureOf).sort());
  const renderer = createRenderer({ locale: 'zh-CN', timeZone: 'Asia/Shanghai' });
  for (const [name, sample] of Object.entries(samplePayloads)) {
    const fixture = JSON.parse(
      readFileSync(new URL(`./fixtures/${fixtureOf[name]}`, import.meta.url), 'utf8'),
    );
    assert.deepEqual(sample.body, fixture, name);
    const n = sample.source === 'alertmanager' ? parseAlertmanager(sample.body) : parseGrafana(sample.body);
    const { message, fallback } = await renderer.renderAlerts(
      n,
      { name: 'r', robot: 'r' },
      { mobiles: [], userIds: [], all: false },
    );
    assert.equal(fallback, undefined);
    validateMessage(message);
  }
});
