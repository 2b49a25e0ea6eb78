/**
 * prometheus-webhook-dingtalk compatibility: its `message: {title, text}` are Go templates, which the
 * relay does not run. This explains that in one message and points at the equivalent.
 */

/** Whether a string contains Go template actions (`{{ … }}` without liquid's `{%`). */
export function isGoTemplate(text: string): boolean {
  return /\{\{-?\s*(template|range|end|if|else|with|define|\.)[^}]*\}\}/.test(text);
}

/** Go template constructs and their liquid equivalents, shown when the template uses them. */
const EQUIVALENTS: [RegExp, string, string][] = [
  [/\{\{-?\s*range\s+\.Alerts\.Firing/, '{{ range .Alerts.Firing }}', '{% for alert in firing %}'],
  [/\{\{-?\s*range\s+\.Alerts\.Resolved/, '{{ range .Alerts.Resolved }}', '{% for alert in resolved %}'],
  [/\{\{-?\s*range\s+\.Alerts\b(?!\.)/, '{{ range .Alerts }}', '{% for alert in alerts %}'],
  [/\{\{-?\s*if\b/, '{{ if … }} … {{ end }}', '{% if … %} … {% endif %}'],
  [/\.Labels\.\w+/, '.Labels.instance', 'alert.labels.instance'],
  [/\.Annotations\.\w+/, '.Annotations.summary', 'alert.annotations.summary'],
  [/\.CommonLabels\.\w+/, '.CommonLabels.alertname', 'commonLabels.alertname'],
  [/\.CommonAnnotations\.\w+/, '.CommonAnnotations.summary', 'commonAnnotations.summary'],
  [/\.GroupLabels/, '.GroupLabels', 'groupLabels'],
  [/\.ExternalURL/, '.ExternalURL', 'externalURL'],
  [
    /\.StartsAt|\.EndsAt|dateInZone/,
    '.StartsAt.Format "…" / dateInZone',
    "alert.startsAt | local_time (in the route's timeZone)",
  ],
  [/\.GeneratorURL/, '.GeneratorURL', 'alert.generatorURL'],
  [/\.Status\b/, '.Status', 'status (or alert.status)'],
  [/len\s+\.Alerts\.Firing|\.Alerts\.Firing\s*\|\s*len/, 'len .Alerts.Firing', 'firing.size'],
];

/** The names prometheus-webhook-dingtalk's own default templates use. */
const DEFAULT_TEMPLATES =
  /\{\{-?\s*template\s+"(ding\.link\.(title|content)|__text_alert_list|__text_[a-z_]+|default\.[a-z_.]+)"/;

const EXAMPLE = [
  '{% capture title %}[{{ status | upcase }}] {{ commonLabels.alertname }}{% endcapture %}',
  '### {{ commonLabels.alertname | escape_markdown }}',
  '{% for alert in alerts %}',
  '- {{ alert.annotations.summary | escape_markdown }} ({{ alert.startsAt | local_time }}, {{ alert | duration }})',
  '{% endfor %}',
].join('\n');

/**
 * Explains, for a prometheus-webhook-dingtalk `message:` template, that Go templates are not
 * supported, and what to use instead: nothing (the built-in template) when it is that tool's default
 * template, otherwise a liquid template, with the liquid form of each Go construct it uses.
 * @example throw new ConfigError(`targets.ops.message.text: ${describeGoTemplate(text)}`)
 */
export function describeGoTemplate(text: string): string {
  const lines: string[] = [
    "Go templates (prometheus-webhook-dingtalk's message: title/text) are not supported by the relay.",
  ];
  if (DEFAULT_TEMPLATES.test(text)) {
    lines.push(
      "This is that tool's default template: delete message: and the relay's built-in template sends the same alerts, better (Chinese or English, local time, silence links, @-mentions that ping).",
    );
    return lines.join(' ');
  }
  lines.push(
    'Delete message: to use the built-in template, or give the route a liquid template (template: with inline text or { file: path }).',
  );
  const used = EQUIVALENTS.filter(([re]) => re.test(text));
  if (used.length > 0) {
    lines.push(`In liquid: ${used.map(([, go, liquid]) => `${go} → ${liquid}`).join('; ')}.`);
  }
  lines.push(`Example:\n${EXAMPLE}`);
  return lines.join(' ');
}
