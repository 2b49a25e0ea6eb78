import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { describeGoTemplate, isGoTemplate } from '../src/render/go-template.js';
import { TemplateEngine } from '../src/render/liquid.js';

describe('describeGoTemplate', () => {
  test("prometheus-webhook-dingtalk's default template: delete it, the built-in one replaces it", () => {
    const message = describeGoTemplate('{{ template "ding.link.content" . }}');
    assert.match(message, /Go templates .* are not supported/);
    assert.match(message, /default template: delete message:/);
    assert.doesNotMatch(message, /Example/);
  });

  test('a custom template: the liquid form of each construct it uses, and an example that parses', () => {
    const go =
      '{{ range .Alerts.Firing }}告警：{{ .Labels.alertname }} {{ .Annotations.summary }} {{ dateInZone "2006-01-02" .StartsAt "Asia/Shanghai" }}{{ end }}';
    const message = describeGoTemplate(go);
    assert.match(message, /\{\{ range \.Alerts\.Firing \}\} → \{% for alert in firing %\}/);
    assert.match(message, /\.Labels\.instance → alert\.labels\.instance/);
    assert.match(message, /alert\.startsAt \| local_time/);
    assert.doesNotMatch(message, /CommonLabels/);
    const example = message.slice(message.indexOf('Example:\n') + 'Example:\n'.length);
    assert.equal(new TemplateEngine().check(example), undefined);
  });

  test('isGoTemplate tells Go from liquid', () => {
    assert.equal(isGoTemplate('{{ template "ding.link.title" . }}'), true);
    assert.equal(isGoTemplate('{{ .CommonLabels.alertname }}'), true);
    assert.equal(isGoTemplate('{{ commonLabels.alertname }} {% for a in alerts %}{% endfor %}'), false);
  });
});
