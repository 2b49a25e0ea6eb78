// A markdown report using only what DingTalk renders, with user text escaped and breaks that break.
import { escapeMarkdown, lintMarkdown, markdownBreaks, Robot } from '@dingbot/sdk';
import { exampleTarget } from './_target.js';

const target = await exampleTarget();
const branch = 'feature/*fast*_path'; // user input: must not turn into emphasis
const body = markdownBreaks(
  [
    '### Deploy finished',
    `- **branch**: ${escapeMarkdown(branch)}`,
    '- **version**: 1.4.2',
    '- **duration**: 3 min 12 s',
    '',
    `![requests per second](${target.pictures.chart})`,
    '',
    '> all checks passed',
    'see [the pipeline](https://ci.example.com/pipelines/42)',
  ].join('\n'),
);
const warnings = lintMarkdown(body);
for (const warning of warnings) console.warn(`line ${warning.line}: ${warning.message}`);

const robot = new Robot(target.robots[0]!);
await robot.markdown('Deploy finished: api 1.4.2', body);
console.log(`sent a markdown message "Deploy finished: api 1.4.2" to ${target.where}`);
console.log(
  `  branch written as ${escapeMarkdown(branch)} so it shows literally; ${warnings.length} lint warnings`,
);
await robot.close();
await target.close();
