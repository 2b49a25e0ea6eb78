/**
 * Every help text, in one small module with no SDK import, so `dingbot --help` starts instantly. Each
 * command's help is short: examples first, then usage and options, then that command's own exit codes.
 */
import { readFileSync } from 'node:fs';
import { EXIT_CODE_TABLE } from './exit-codes.js';

/** The CLI's version, from its package.json (one level above both `src/` and `dist/`). */
export function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

/** The whole table, in the main help only. */
const EXIT_CODES = `Exit codes:\n${EXIT_CODE_TABLE.map(([code, text]) => `  ${code}  ${text}`).join('\n')}`;

/** What `send` can exit with: every code, in one line each type's help repeats. */
const SEND_EXIT_CODES =
  'Exit codes: 0 delivered · 2 usage or invalid message · 3 configuration or option value · 4 security (310000)\n            · 5 throttled · 6 token or robot · 7 network or not DingTalk · 1 other refusal or bug';

const ROBOT_OPTIONS = `Robot (first match wins: flags, then --profile, then environment, then the default profile):
  --webhook <url>         the whole webhook URL (…/robot/send?access_token=…)
  --token <token>         the access token alone (with --base-url for another host)
  --base-url <url>        API host for --token                     [default: https://oapi.dingtalk.com]
  --profile <name>        a profile of the config file (dingbot config --help)
  --secret <SEC…>         signing secret (加签); prefer DINGTALK_SECRET: flags show in \`ps\`
  --keyword <word>        the robot's keyword (自定义关键词), repeatable; added when missing`;

const SEND_OPTIONS = `Text: the argument as written ('@13800000000 disk full' and '@所有人 …' are texts), "-" for stdin,
or --file <path>; a text starting with "-" goes after "--": dingbot send text -- '-5 °C'

Mentions (text and markdown only; @<mobile> is written into the text for you):
  --at-mobile <mobile>    mention a phone number, repeatable
  --at-user <userId>      mention a DingTalk user id, repeatable
  --at-all                mention everyone

${ROBOT_OPTIONS}

Sending:
  --file <path>           the message's text from a file ("-": stdin)
  --dry-run               print the URL (token and sign masked) and the exact body; send nothing
  --json                  print the result or the error as one JSON object on stdout
  --quiet, -q             print nothing on success, no notes or markdown warnings (waiting
                          and retry lines stay: --no-progress silences them)
  --msg-uuid <id>         idempotency key: a retry with the same id is not posted twice
  --locale <zh-CN|en>     language of what dingbot writes into messages (part labels, digest headings)
  --timeout <duration>    per-attempt timeout                        [default: 10s]
  --retries <n>           retries on network errors and "busy"      [default: 3]

Throttling: after 20 messages a minute DingTalk pauses a robot for about 10 minutes. send waits it out
and posts once: it may wait up to --wait (default 11m). Bound it with --wait 2m, or --no-wait to exit 5
at once. On a terminal it counts down; without one (CI) it prints one line, with ISO timestamps, when
it starts waiting and one when it resumes.
  --wait <duration>       the longest pause accepted                 [default: 11m]
  --no-wait               fail at once with exit code 5 when throttled
  --penalty <duration>    how long DingTalk pauses a throttled robot [default: 10m]
  --no-progress           say nothing while waiting or retrying`;

const ENVIRONMENT = `Environment:
  DINGTALK_WEBHOOK, DINGTALK_ACCESS_TOKEN, DINGTALK_BASE_URL, DINGTALK_SECRET,
  DINGTALK_KEYWORDS (comma-separated)   the robot, when no flag or --profile gives one
  DINGBOT_CONFIG                        config file   [default: $XDG_CONFIG_HOME/dingbot/config.json,
                                        or ~/.config/dingbot/config.json]
  DINGBOT_LOCALE                        zh-CN or en, like --locale
  HTTPS_PROXY, HTTP_PROXY, NO_PROXY     proxy for requests to DingTalk
  NO_COLOR                              no colours`;

const MAIN = `dingbot — send DingTalk (钉钉) group-robot messages from scripts and CI

Examples:
  export DINGTALK_WEBHOOK='https://oapi.dingtalk.com/robot/send?access_token=…'
  export DINGTALK_SECRET='SEC…'
  dingbot send text 'Build #42 passed'
  dingbot send text '@13800000000 db-1 is down' --at-mobile 13800000000
  dingbot send markdown --title 'Deploy' --file release-notes.md
  df -h | dingbot send text -
  dingbot config add ops --webhook "$WEBHOOK"     # asks for the secret; then: dingbot send text --profile ops …

Usage:
  dingbot send text <content>                     a text message
  dingbot send markdown --title <t> <text>        a markdown message
  dingbot send link --title <t> --text <x> --url <u> [--pic <u>]
  dingbot send action-card --title <t> --text <x> (--single-title <t> --single-url <u> | --button <t>=<u>…)
  dingbot send feed-card --item "<title>|<url>|<pic>" …
  dingbot send --payload <file|->                 any JSON body
  dingbot sign [--secret <SEC…>] [--timestamp <ms>]   print a timestamp and its sign
  dingbot emulator [--port <n>] [--token <t> …]…  run a local DingTalk emulator with a live preview
  dingbot emulator --app-key <k> --app-secret <s>   … with an app robot (Stream or HTTP) to chat with
  dingbot config init | add <name> | remove <name> | list | path   named robots (profiles)
  dingbot relay --config relay.yml | relay check <config>   the gateway Alertmanager, Grafana and CI post to

Run "dingbot <command> --help" for a command's options and exit codes.

${EXIT_CODES}

${ENVIRONMENT}

Options:
  --help, -h       show help
  --version, -v    show the version`;

const SEND = `dingbot send — send a message to a DingTalk group robot

Examples:
  dingbot send text 'Build #42 passed'
  dingbot send text '@13800000000 db-1 is down' --at-mobile 13800000000
  dingbot send markdown --title 'Weekly report' --file report.md
  dingbot send --payload message.json --profile ops
  dingbot send text --json --no-wait 'hello' | jq .msgUuid

Usage:
  dingbot send text <content> [options]
  dingbot send markdown --title <title> <text> [options]
  dingbot send link --title <title> --text <text> --url <url> [--pic <url>] [options]
  dingbot send action-card --title <title> --text <text> (--single-title <t> --single-url <u> | --button <title>=<url>…) [--horizontal] [options]
  dingbot send feed-card --item "<title>|<url>|<pic>"… [options]
  dingbot send --payload <file|-> [options]

Run "dingbot send <type> --help" for each type's examples.

${SEND_OPTIONS}

${SEND_EXIT_CODES}

${ENVIRONMENT}`;

/** After each type's own text: where the shared options are, and the exit codes. */
const TYPE_FOOTER = `Robot, mentions, --file, --dry-run, --json, --wait and the other options: dingbot send --help

${SEND_EXIT_CODES}`;

const TYPES: Record<string, string> = {
  text: `dingbot send text — a plain text message (the only type whose mentions are highlighted)

Examples:
  dingbot send text 'Build #42 passed'
  dingbot send text '@13800000000 db-1 is down' --at-mobile 13800000000
  dingbot send text --at-all --keyword 告警 '@所有人 告警: 磁盘已满'
  journalctl -u api --since -5m | tail -20 | dingbot send text -
  dingbot send text --file message.txt

Usage:
  dingbot send text <content> [options]
  dingbot send text --file <path> [options]`,
  markdown: `dingbot send markdown — a markdown message (the title shows in the notification only)

Examples:
  dingbot send markdown --title 'Deploy done' $'### Deploy done\\n\\n- **api** 1.4.2'
  dingbot send markdown --title 'Weekly report' --file report.md
  ./render-report | dingbot send markdown --title 'Report' --at-user manager01 -

Usage:
  dingbot send markdown --title <title> <text> [options]
  dingbot send markdown --title <title> --file <path> [options]

Options:
  --title <title>         notification and chat-list title (required)

What DingTalk does not render (tables, code, strikethrough…) is sent with a warning on stderr.`,
  link: `dingbot send link — a link card

Examples:
  dingbot send link --title 'Release 1.4' --text 'What changed' --url https://example.com/r/1.4
  dingbot send link --title 'Dashboard' --file summary.txt --url https://grafana.example.com/d/1 --pic https://example.com/p.png

Usage:
  dingbot send link --title <title> (--text <text> | --file <path>) --url <url> [--pic <url>] [options]

Options:
  --title <title>         card title (required)
  --text <text>           card text, "-" for stdin (or --file <path>; DingTalk truncates long text)
  --url <url>             where a click goes (required)
  --pic <url>             picture on the card`,
  'action-card': `dingbot send action-card — a card with one button or several

Examples:
  dingbot send action-card --title 'Approve deploy?' --text '### Deploy api 1.4 to prod' \\
    --button 'Approve=https://ci.example.com/a?id=7' --button 'Reject=https://ci.example.com/r?id=7' --horizontal
  dingbot send action-card --title 'Incident 311' --file incident.md --single-title 'Open' --single-url https://status.example.com/311

Usage:
  dingbot send action-card --title <title> (--text <text> | --file <path>) --single-title <t> --single-url <u> [options]
  dingbot send action-card --title <title> (--text <text> | --file <path>) --button <title>=<url>… [--horizontal] [options]

Options:
  --title <title>         notification title (required)
  --text <text>           card body in markdown, "-" for stdin (or --file <path>)
  --single-title <t>      one button covering the card …
  --single-url <url>      … and where it goes
  --button <title>=<url>  a button, repeatable (split at the first "=", so URLs may hold "=")
  --horizontal            buttons side by side
  --hide-avatar           hide the robot's avatar (legacy)`,
  'feed-card': `dingbot send feed-card — a list of linked rows with pictures

Examples:
  dingbot send feed-card --item 'Incident 311 resolved|https://status.example.com/311|https://status.example.com/ok.png' \\
    --item 'Release 1.4|https://example.com/r/1.4|https://example.com/r.png'

Usage:
  dingbot send feed-card --item "<title>|<url>|<pic>"… [options]

Options:
  --item "<title>|<url>|<pic>"   a row, repeatable (split at the last two "|")`,
};

const SIGN = `dingbot sign — compute DingTalk's signature (加签), like the Python snippet of DingTalk's guide

Examples:
  dingbot sign --secret "$DINGTALK_SECRET"
  read -r ts sign < <(dingbot sign | paste -sd' ')
  curl "$WEBHOOK&timestamp=$ts&sign=$sign" -H 'Content-Type: application/json' -d '{"msgtype":"text","text":{"content":"hi"}}'

Prints the timestamp (ms) and the URL-encoded sign on two lines; append them to the webhook URL as
&timestamp=<timestamp>&sign=<sign>. The sign is already URL-encoded: do not encode it again.

Usage:
  dingbot sign [--secret <SEC…>] [--profile <name>] [--timestamp <ms>] [--json]

Options:
  --secret <SEC…>     the robot's secret; default: DINGTALK_SECRET, then the profile's
  --profile <name>    take the secret from this profile
  --timestamp <ms>    milliseconds since the epoch                    [default: now]
  --json              print {"timestamp": …, "sign": …}

Exit codes: 0 printed · 2 usage error · 3 no secret, or a secret or --timestamp dingbot cannot use`;

const EMULATOR = `dingbot emulator — a local DingTalk for robots that post (webhooks) and robots that answer (app robots)

Examples:
  dingbot emulator
  dingbot emulator --token test-token --secret SECtest --keyword alert
  dingbot emulator --token ops --secret SECops --token ci --keyword build --keyword 发布
  dingbot emulator --app-key dingdeploy --app-secret not-real --app-name deploy-bot
  dingbot emulator --app-key dingoncall --app-secret not-real --callback http://127.0.0.1:3000/dingtalk
  dingbot emulator --config emulator.json --rate-limit 5/10s --penalty 30s
  DINGTALK_WEBHOOK=http://127.0.0.1:8787/robot/send?access_token=test-token dingbot send text hi

Answers like DingTalk (errcodes, signing, keywords, rate limit, penalty); open the preview URL in a
browser to see each message rendered. With no robot configured any access_token is accepted.
App robots receive what people write (POST /api/chat) over Stream mode or an HTTP callback, and
answer through the sessionWebhook. With no app robot configured it offers one:
AppKey dingemulatorappkey, AppSecret emulator-app-secret-not-real, name bot, Stream mode.

Usage:
  dingbot emulator [--host <h>] [--port <n>] [--config <file>] [--token <t> [robot options]]…
                   [--app-key <AppKey> --app-secret <AppSecret> [app options]]… [options]

Robots: each --token starts one; the robot options after it describe it, up to the next --token.
  --token <token>        a robot with this access token
  --name <name>          its name
  --secret <SEC…>        it signs with this secret
  --keyword <word>       its keyword, repeatable
  --ip-allow <ip|cidr>   its IP allow-list, repeatable
  --state <state>        active | disabled | dissolved | gone         [default: active]

App robots: each --app-key starts one; the app options after it describe it, up to the next --app-key.
  --app-key <AppKey>     an app robot with this AppKey (clientId)
  --app-secret <secret>  its AppSecret (required)
  --robot-code <code>    its robotCode                                [default: the AppKey]
  --app-name <name>      the name people @                            [default: bot, then the robotCode]
  --callback <url>       HTTP mode: POST messages to this http(s) URL [default: Stream mode]

Options:
  --host <host>          interface to bind                           [default: 127.0.0.1]
                         on loopback it answers only loopback Host names (DNS-rebinding guard);
                         on another address (e.g. 0.0.0.0, for containers) it answers any name
  --port <port>          port; 0 picks a free one                     [default: 8787]
  --config <file>        JSON config: robots, apps, groups, rateLimit … (see @dingbot/emulator)
  --rate-limit <n/dur>   e.g. 20/60s (DingTalk), or "off"              [default: 20/60s]
  --penalty <duration>   how long a robot stays throttled              [default: 10m]
  --wording <w>          errmsg wording: legacy | modern               [default: legacy]
  --quiet, -q            no request log on stderr
  --json                 print the URLs and robots as one JSON line when ready

Exit codes: 0 stopped (Ctrl+C, SIGTERM) · 2 usage error · 3 bad option value or config file, port in use,
            or an address it cannot bind`;

const CONFIG = `dingbot config — named robots (profiles) in a config file

Examples:
  dingbot config add ops --webhook 'https://oapi.dingtalk.com/robot/send?access_token=…'   # asks for the secret
  printf %s "$SECRET" | dingbot config add ci --webhook "$WEBHOOK" --secret-stdin --keyword alert
  dingbot config list
  dingbot send text --profile ops 'deploy done'

Usage:
  dingbot config init                      create the file (mode 0600)
  dingbot config add <name> (--webhook <url> | --token <t> [--base-url <url>]) [--keyword <k>]… [--default] [--force]
  dingbot config remove <name>
  dingbot config list [--json]             the profiles: last 4 characters of each token, never a secret
  dingbot config path                      the file's path

The secret for "add": typed at a prompt on a terminal (not echoed), --secret-stdin, --secret-env NAME,
or none with --no-secret. Never --secret (it would stay in shell history); if you mean it,
--insecure-secret <SEC…>.

The file: $DINGBOT_CONFIG, else $XDG_CONFIG_HOME/dingbot/config.json (~/.config/dingbot/config.json),
written with mode 0600; dingbot warns when others can read it.
  {
    "defaultProfile": "ops",
    "profiles": {
      "ops":  { "webhook": "https://oapi.dingtalk.com/robot/send?access_token=…", "secret": "SEC…", "keywords": ["alert"] },
      "test": { "token": "…", "baseUrl": "http://127.0.0.1:8787" }
    }
  }

Exit codes: 0 done · 2 usage error · 3 a value or the config file is wrong (nothing written)`;

const RELAY = `dingbot relay — the gateway Alertmanager, Grafana, CI and scripts post to (@dingbot/relay)

Examples:
  dingbot relay --config relay.yml                 listen on 127.0.0.1:8060
  dingbot relay check relay.yml                    validate, and print what each route would send
  dingbot relay --config config.yml --dry-run      a prometheus-webhook-dingtalk file, used unchanged; post nothing

Usage:
  dingbot relay --config <file> [--host <h>] [--port <n>] [--dry-run]
  dingbot relay check <file>

Every request is stored (SQLite, fsync'd) before it is answered, then delivered paced, signed and never
twice. SIGHUP reloads the config (a bad one is refused, the running one stays); SIGTERM stops gracefully.
Open its address in a browser (http://127.0.0.1:8060/) for the queues, dead letters (replay) and the
template playground. Config reference: packages/relay/README.md.

Exit codes: 0 stopped cleanly or the config is valid · 2 usage error · 3 the config is wrong`;

/**
 * The help text for a command line, e.g. `['send', 'text']`; the main help for anything unknown.
 * @example helpFor(['send', 'link'])
 */
export function helpFor(words: readonly string[]): string {
  const [command, sub] = words;
  switch (command) {
    case 'send': {
      const typed = sub === undefined ? undefined : TYPES[sub];
      return typed === undefined ? SEND : `${typed}\n\n${TYPE_FOOTER}`;
    }
    case 'sign':
      return SIGN;
    case 'emulator':
      return EMULATOR;
    case 'config':
      return CONFIG;
    case 'relay':
      return RELAY;
    default:
      return MAIN;
  }
}

/** The commands `dingbot` knows (their modules load lazily in `run.ts`). */
export const COMMAND_NAMES = ['send', 'sign', 'emulator', 'config', 'relay'] as const;

/** An answer that needs no command module: help, version, or usage for no arguments. */
export interface QuickAnswer {
  text: string;
  stream: 'out' | 'err';
  exitCode: number;
}

/**
 * Answers `--version`, `--help`, `help <command>`, `<command> … --help` and an empty command line
 * without loading anything else, so they start as fast as Node itself. `undefined` for the rest.
 * @example quickAnswer(['send', 'text', '--help'])?.text
 */
export function quickAnswer(args: readonly string[]): QuickAnswer | undefined {
  const dashes = args.indexOf('--');
  const flags = dashes === -1 ? args : args.slice(0, dashes);
  const [first, ...rest] = args;
  if (first === '--version' || first === '-v' || first === 'version') {
    return { text: version(), stream: 'out', exitCode: 0 };
  }
  if (first === undefined) return { text: MAIN, stream: 'err', exitCode: 2 };
  if (first === '--help' || first === '-h' || first === 'help') {
    return { text: helpFor(first === 'help' ? rest : []), stream: 'out', exitCode: 0 };
  }
  if (
    (COMMAND_NAMES as readonly string[]).includes(first) &&
    (flags.includes('--help') || flags.includes('-h'))
  ) {
    return {
      text: helpFor([first, ...flags.slice(1).filter((word) => !word.startsWith('-'))]),
      stream: 'out',
      exitCode: 0,
    };
  }
  return undefined;
}
