// A markdown report using only what DingTalk renders, with user text escaped and breaks that break.
import { escapeMarkdown, lintMarkdown, markdownBreaks, Robot } from '@dingbot/sdk';
import { exampleTarget } from './_target.js';

const branch = 'feature/*fast*_path'; // user input: must not turn into emphasis
const body = markdownBreaks(
  [
    '### Deploy finished',
    `- **branch**: ${escapeMarkdown(branch)}`,
    '- **version**: 1.4.2',
    '- **duration**: 3 min 12 s',
    '',
    '> all checks passed',
    'see [the pipeline](https://ci.example.com/pipelines/42)',
  ].join('\n'),
);
for (const warning of lintMarkdown(body)) console.warn(`line ${warning.line}: ${warning.message}`);

const target = await exampleTarget();
await new Robot(target.options).markdown('Deploy finished: api 1.4.2', body);
console.log(`delivered to ${target.where}`);
await target.close();
