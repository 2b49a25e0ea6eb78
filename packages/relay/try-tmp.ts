import { readFileSync } from 'node:fs';
import { parseAlertmanager } from '/work/wt/relay-render/packages/relay/src/inputs/alertmanager.ts';
import { parseGrafana } from '/work/wt/relay-render/packages/relay/src/inputs/grafana.ts';
import { createRenderer } from '/work/wt/relay-render/packages/relay/src/render/renderer.ts';

const dir = '/work/wt/relay-render/packages/relay/test/fixtures/';
const now = () => new Date('2026-11-29T17:25:00Z');
for (const locale of ['zh-CN', 'en'] as const) {
  const r = createRenderer({ locale, timeZone: 'Asia/Shanghai', now });
  for (const f of ['firing', 'group-mixed']) {
    const n = parseAlertmanager(
      JSON.parse(readFileSync(`${dir}alertmanager/alertmanager-${f}.json`, 'utf8')),
    );
    for (const type of ['markdown', 'text', 'actionCard'] as const) {
      const out = await r.renderAlerts(
        n,
        { name: 'r', robot: 'x', type },
        { mobiles: ['13800000001'], userIds: [], all: false },
      );
      console.log(`==== ${locale} ${f} ${type}`, JSON.stringify(out.warnings));
      console.log(JSON.stringify(out.message, null, 1));
    }
  }
  const g = parseGrafana(JSON.parse(readFileSync(`${dir}grafana/grafana-firing.json`, 'utf8')));
  const out = await r.renderAlerts(g, { name: 'r', robot: 'x' }, { mobiles: [], userIds: [], all: false });
  console.log(`==== grafana ${locale}`);
  console.log((out.message as any).markdown.text);
}
