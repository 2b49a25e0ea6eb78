/** The card messages `cards.ts` and the `npm start` demo both post. */
import { actionCard, feedCard, link, type Message } from '@dingbot/sdk';

/** The pictures the cards show, one URL each. */
export interface Pictures {
  chart: string;
  server: string;
  banner: string;
  avatar: string;
}

/** The sample pictures an emulator serves at `<url>/samples/*.png`. */
export function emulatorPictures(emulatorUrl: string): Pictures {
  const at = (name: string) => `${emulatorUrl}/samples/${name}.png`;
  return { chart: at('chart'), server: at('server'), banner: at('banner'), avatar: at('avatar') };
}

/**
 * Pictures for a real DingTalk group, which cannot load a local emulator's: the sample images of
 * DingTalk's own robot guide.
 */
export const dingtalkPictures: Pictures = {
  chart: 'https://gw.alicdn.com/tfs/TB1ut3xxbsrBKNjSZFpXXcXhFXa-846-786.png',
  server: 'https://gw.alicdn.com/tfs/TB1ut3xxbsrBKNjSZFpXXcXhFXa-846-786.png',
  banner: 'https://gw.alicdn.com/tfs/TB1ut3xxbsrBKNjSZFpXXcXhFXa-846-786.png',
  avatar: 'https://gw.alicdn.com/tfs/TB1ayl9mpYqK1RjSZLeXXbXppXa-170-62.png',
};

/** One link card, two action cards (one button; two side by side) and a feed card. */
export function cards(pictures: Pictures): Message[] {
  return [
    link({
      title: 'Release 1.4.2',
      text: 'Faster builds, fewer surprises: read what changed.',
      url: 'https://example.com/releases/1.4.2',
      picUrl: `${pictures.banner}`,
    }),
    actionCard({
      title: 'Incident 311',
      text: `![eu-west servers](${pictures.server})\n\n### Incident 311\n\nThe API answers slowly in eu-west.`,
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
        picUrl: `${pictures.chart}`,
      },
      {
        title: 'Postmortem: incident 311',
        url: 'https://example.com/pm/311',
        picUrl: `${pictures.server}`,
      },
    ]),
  ];
}
