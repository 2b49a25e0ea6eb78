// Link cards, action cards (one button, several buttons side by side) and feed cards.
import { Robot } from 'dingbot';
import { exampleTarget } from './_target.js';

const target = await exampleTarget();
const robot = new Robot(target.options);
await robot.link({
  title: 'Release 1.4.2',
  text: 'Faster builds, fewer surprises: read what changed.',
  url: 'https://example.com/releases/1.4.2',
  picUrl: 'https://example.com/release.png',
});
await robot.actionCard({
  title: 'Incident 311',
  text: '### Incident 311\n\nThe API answers slowly in eu-west.',
  button: { title: 'Open the runbook', url: 'https://example.com/runbooks/api-latency' },
});
await robot.actionCard({
  title: 'Deploy api 1.4.2 to production?',
  text: '### Deploy api 1.4.2\n\nStaging has been green for 2 hours.',
  buttons: [
    { title: 'Approve', url: 'https://ci.example.com/approve/42' },
    { title: 'Reject', url: 'https://ci.example.com/reject/42' },
  ],
  orientation: 'horizontal',
});
await robot.feedCard([
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
]);
console.log(`4 cards delivered to ${target.where}`);
await target.close();
