/** The card messages `cards.ts` and the `npm start` demo both post. */
import { actionCard, feedCard, link, type Message } from '@dingbot/sdk';

export const cards: Message[] = [
  link({
    title: 'Release 1.4.2',
    text: 'Faster builds, fewer surprises: read what changed.',
    url: 'https://example.com/releases/1.4.2',
    picUrl: 'https://example.com/release.png',
  }),
  actionCard({
    title: 'Incident 311',
    text: '### Incident 311\n\nThe API answers slowly in eu-west.',
    button: { title: 'Open the runbook', url: 'https://example.com/runbooks/api-latency' },
  }),
  actionCard({
    title: 'Deploy api 1.4.2 to production?',
    text: '### Deploy api 1.4.2\n\nStaging has been green for 2 hours.',
    buttons: [
      { title: 'Approve', url: 'https://ci.example.com/approve/42' },
      { title: 'Reject', url: 'https://ci.example.com/reject/42' },
    ],
    orientation: 'horizontal',
  }),
  feedCard([
    {
      title: 'Weekly report: availability 99.98%',
      url: 'https://example.com/w/47',
      picUrl: 'https://example.com/w.png',
    },
    {
      title: 'Postmortem: incident 311',
      url: 'https://example.com/pm/311',
      picUrl: 'https://example.com/pm.png',
    },
  ]),
];
