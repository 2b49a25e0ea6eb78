/**
 * Sample payloads for the template playground and `dingbot relay check`: the Alertmanager ones were
 * captured from Alertmanager 0.25 (see test/fixtures/alertmanager/README.md), the Grafana ones written
 * from its documented webhook payload.
 */

/** One sample payload. */
export interface SamplePayload {
  /** Which input it belongs to. */
  source: 'alertmanager' | 'grafana';
  /** What it shows, for a picker. */
  description: string;
  /** The JSON body as the sender posts it. */
  body: unknown;
}

/** Alertmanager's notification of one firing alert, as captured. */
const diskFullFiring = {
  receiver: 'dingbot-relay',
  status: 'firing',
  alerts: [
    {
      status: 'firing',
      labels: { alertname: 'DiskFull', instance: 'db-1:9100', job: 'node', severity: 'critical' },
      annotations: {
        description: 'Only 2.1 GiB left on /data (ext4) on db-1.',
        runbook_url: 'https://runbooks.example.com/disk-full',
        summary: 'Disk /data on db-1 is 95% full',
      },
      startsAt: '2026-11-29T17:20:16.851728135Z',
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: 'http://prometheus.example.com:9090/graph?g0.expr=node_filesystem_avail_bytes',
      fingerprint: '8c77d5865e910658',
    },
  ],
  groupLabels: { alertname: 'DiskFull' },
  commonLabels: { alertname: 'DiskFull', instance: 'db-1:9100', job: 'node', severity: 'critical' },
  commonAnnotations: {
    description: 'Only 2.1 GiB left on /data (ext4) on db-1.',
    runbook_url: 'https://runbooks.example.com/disk-full',
    summary: 'Disk /data on db-1 is 95% full',
  },
  externalURL: 'http://127.0.0.1:37347',
  version: '4',
  groupKey: '{}:{alertname="DiskFull"}',
  truncatedAlerts: 0,
};

/** The same notification once the alert resolved: what Alertmanager sends with `send_resolved`. */
const diskFullResolved = {
  ...diskFullFiring,
  status: 'resolved',
  alerts: diskFullFiring.alerts.map((alert) => ({
    ...alert,
    status: 'resolved',
    endsAt: '2026-11-29T17:20:17.856Z',
  })),
};

/** The samples by name. */
export const samplePayloads: Readonly<Record<string, SamplePayload>> = {
  'alertmanager-firing': {
    source: 'alertmanager',
    description: 'Alertmanager: one alert firing (DiskFull, critical)',
    body: diskFullFiring,
  },
  'alertmanager-resolved': {
    source: 'alertmanager',
    description: 'Alertmanager: the same alert resolved',
    body: diskFullResolved,
  },
  'alertmanager-group': {
    source: 'alertmanager',
    description: 'Alertmanager: a group of three, one of them resolved',
    body: {
      receiver: 'dingbot-relay',
      status: 'firing',
      alerts: [
        {
          status: 'firing',
          labels: {
            alertname: 'HighRequestLatency',
            instance: 'web-1:8080',
            job: 'web',
            service: 'checkout',
            severity: 'warning',
          },
          annotations: {
            description: 'p99 request latency has been above 500 ms for 5 minutes.',
            summary: 'p99 latency on web-1 is 812 ms',
          },
          startsAt: '2026-11-29T17:19:48.869Z',
          endsAt: '0001-01-01T00:00:00Z',
          generatorURL: 'http://prometheus.example.com:9090/graph?g0.expr=histogram_quantile',
          fingerprint: 'e389438341d959ad',
        },
        {
          status: 'resolved',
          labels: {
            alertname: 'HighRequestLatency',
            instance: 'web-2:8080',
            job: 'web',
            service: 'checkout',
            severity: 'warning',
          },
          annotations: {
            description: 'p99 request latency has been above 500 ms for 5 minutes.',
            summary: 'p99 latency on web-2 is 1045 ms',
          },
          startsAt: '2026-11-29T17:19:18.869Z',
          endsAt: '2026-11-29T17:20:18.973Z',
          generatorURL: 'http://prometheus.example.com:9090/graph?g0.expr=histogram_quantile',
          fingerprint: 'f1c5e9d54d2aef20',
        },
        {
          status: 'firing',
          labels: {
            alertname: 'HighRequestLatency',
            instance: 'web-3:8080',
            job: 'web',
            service: 'checkout',
            severity: 'warning',
          },
          annotations: {
            description: 'p99 request latency has been above 500 ms for 5 minutes.',
            summary: 'p99 latency on web-3 is 677 ms',
          },
          startsAt: '2026-11-29T17:18:48.869Z',
          endsAt: '0001-01-01T00:00:00Z',
          generatorURL: 'http://prometheus.example.com:9090/graph?g0.expr=histogram_quantile',
          fingerprint: 'c8e9b9d53a8d997f',
        },
      ],
      groupLabels: { alertname: 'HighRequestLatency' },
      commonLabels: { alertname: 'HighRequestLatency', job: 'web', service: 'checkout', severity: 'warning' },
      commonAnnotations: { description: 'p99 request latency has been above 500 ms for 5 minutes.' },
      externalURL: 'http://127.0.0.1:37347',
      version: '4',
      groupKey: '{}:{alertname="HighRequestLatency"}',
      truncatedAlerts: 0,
    },
  },
  'grafana-firing': {
    source: 'grafana',
    description: 'Grafana: two alerts firing, with values and dashboard links',
    body: {
      receiver: 'dingbot-relay',
      status: 'firing',
      orgId: 1,
      alerts: [
        {
          status: 'firing',
          labels: {
            alertname: 'High memory usage',
            grafana_folder: 'Infra',
            team: 'blue',
            zone: 'us-1',
            severity: 'warning',
          },
          annotations: {
            description: 'The system has high memory usage',
            runbook_url: 'https://runbooks.example.com/memory',
            summary: 'This alert was triggered for zone us-1',
          },
          startsAt: '2026-11-29T09:51:03.157076+02:00',
          endsAt: '0001-01-01T00:00:00Z',
          generatorURL: 'https://grafana.example.com/alerting/grafana/1afz29v7z/view?orgId=1',
          fingerprint: 'c6eadffa33fcdf37',
          silenceURL:
            'https://grafana.example.com/alerting/silence/new?alertmanager=grafana&matcher=alertname%3DHigh+memory+usage&matcher=team%3Dblue&matcher=zone%3Dus-1&orgId=1',
          dashboardURL: 'https://grafana.example.com/d/mem01?orgId=1',
          panelURL: 'https://grafana.example.com/d/mem01?orgId=1&viewPanel=4',
          values: { B: 94.2394373754, C: 1 },
          valueString:
            "[ var='B' labels={zone=us-1} value=94.2394373754 ], [ var='C' labels={zone=us-1} value=1 ]",
        },
        {
          status: 'firing',
          labels: {
            alertname: 'High CPU usage',
            grafana_folder: 'Infra',
            team: 'blue',
            zone: 'eu-1',
            severity: 'critical',
          },
          annotations: {
            description: 'The system has high CPU usage',
            runbook_url: 'https://runbooks.example.com/cpu',
            summary: 'This alert was triggered for zone eu-1',
          },
          startsAt: '2026-11-29T09:56:03.157076+02:00',
          endsAt: '0001-01-01T00:00:00Z',
          generatorURL: 'https://grafana.example.com/alerting/grafana/d1rdpdv7k/view?orgId=1',
          fingerprint: 'bc97ff14869b13e3',
          silenceURL:
            'https://grafana.example.com/alerting/silence/new?alertmanager=grafana&matcher=alertname%3DHigh+CPU+usage&matcher=team%3Dblue&matcher=zone%3Deu-1&orgId=1',
          dashboardURL: '',
          panelURL: '',
          values: null,
          valueString: '',
        },
      ],
      groupLabels: { team: 'blue' },
      commonLabels: { grafana_folder: 'Infra', team: 'blue' },
      commonAnnotations: {},
      externalURL: 'https://grafana.example.com/',
      version: '1',
      groupKey: '{}/{__grafana_autogenerated__="true"}/{__grafana_receiver__="dingbot-relay"}:{team="blue"}',
      truncatedAlerts: 0,
      title: '[FIRING:2]  (Infra blue)',
      state: 'alerting',
      message:
        '**Firing**\n\nValue: B=94.2394373754, C=1\nLabels:\n - alertname = High memory usage\n - grafana_folder = Infra\n - team = blue\n - zone = us-1\n',
    },
  },
  'grafana-resolved': {
    source: 'grafana',
    description: 'Grafana: one alert resolved',
    body: {
      receiver: 'dingbot-relay',
      status: 'resolved',
      orgId: 1,
      alerts: [
        {
          status: 'resolved',
          labels: {
            alertname: 'High memory usage',
            grafana_folder: 'Infra',
            team: 'blue',
            zone: 'us-1',
            severity: 'warning',
          },
          annotations: {
            description: 'The system has high memory usage',
            runbook_url: 'https://runbooks.example.com/memory',
            summary: 'This alert was triggered for zone us-1',
          },
          startsAt: '2026-11-29T09:51:03.157076+02:00',
          endsAt: '2026-11-29T10:04:03.157076+02:00',
          generatorURL: 'https://grafana.example.com/alerting/grafana/1afz29v7z/view?orgId=1',
          fingerprint: 'c6eadffa33fcdf37',
          silenceURL:
            'https://grafana.example.com/alerting/silence/new?alertmanager=grafana&matcher=alertname%3DHigh+memory+usage&matcher=team%3Dblue&matcher=zone%3Dus-1&orgId=1',
          dashboardURL: 'https://grafana.example.com/d/mem01?orgId=1',
          panelURL: 'https://grafana.example.com/d/mem01?orgId=1&viewPanel=4',
          values: { B: 41.5, C: 0 },
          valueString: "[ var='B' labels={zone=us-1} value=41.5 ], [ var='C' labels={zone=us-1} value=0 ]",
        },
      ],
      groupLabels: { alertname: 'High memory usage' },
      commonLabels: {
        alertname: 'High memory usage',
        grafana_folder: 'Infra',
        severity: 'warning',
        team: 'blue',
        zone: 'us-1',
      },
      commonAnnotations: {
        description: 'The system has high memory usage',
        runbook_url: 'https://runbooks.example.com/memory',
        summary: 'This alert was triggered for zone us-1',
      },
      externalURL: 'https://grafana.example.com/',
      version: '1',
      groupKey:
        '{}/{__grafana_autogenerated__="true"}/{__grafana_receiver__="dingbot-relay"}:{alertname="High memory usage"}',
      truncatedAlerts: 0,
      title: '[RESOLVED] High memory usage Infra (blue us-1 warning)',
      state: 'ok',
      message: '**Resolved**\n\nValue: B=41.5, C=0\nLabels:\n - alertname = High memory usage\n',
    },
  },
};
