import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { parseAlertmanager } from '../src/inputs/alertmanager.js';
import { anchoredRegex, MatcherError, parseMatcher, quoteValue } from '../src/routing/matchers.js';
import {
  compileRoutes,
  defaultRouteSchema,
  type RouteConfig,
  RouteConfigError,
  routeConfigSchema,
  routingLabels,
} from '../src/routing/routes.js';

describe('parseMatcher (Alertmanager syntax)', () => {
  const cases: [string, Record<string, string>, boolean][] = [
    ['severity="critical"', { severity: 'critical' }, true],
    ['severity="critical"', { severity: 'warning' }, false],
    ['env!="dev"', { env: 'prod' }, true],
    ['env!="dev"', { env: 'dev' }, false],
    ['env!="dev"', {}, true],
    ['env=""', {}, true],
    ['severity=~"critical|page"', { severity: 'page' }, true],
    ['severity=~"critical|page"', { severity: 'pager' }, false],
    ['instance=~"web-.*"', { instance: 'db-web-1' }, false],
    ['instance!~"web-.*"', { instance: 'db-1' }, true],
    ['instance!~"web-.*"', { instance: 'web-1' }, false],
    ['team=db', { team: 'db' }, true],
    ['  team = "db"  ', { team: 'db' }, true],
    ['{team="db"}', { team: 'db' }, true],
    ['"label.with.dots"="x"', { 'label.with.dots': 'x' }, true],
    ['msg="say \\"hi\\""', { msg: 'say "hi"' }, true],
    ['severity=~"(?i)CRITICAL"', { severity: 'critical' }, true],
  ];
  for (const [text, labels, expected] of cases) {
    test(`${text} on ${JSON.stringify(labels)} → ${expected}`, () => {
      assert.equal(parseMatcher(text).matches(labels), expected);
    });
  }

  test('bad matchers say what is wrong and show the form', () => {
    for (const [text, why] of [
      ['severity', /expected one of = != =~ !~/],
      ['="x"', /missing label name/],
      ['sev-erity="x"', /label name "sev-erity"/],
      ['a="x', /unterminated/],
      ['a="x",b="y"', /one matcher per list item/],
      ['a=~"("', /invalid regular expression/],
    ] as const) {
      assert.throws(
        () => parseMatcher(text),
        (e: unknown) => e instanceof MatcherError && why.test(e.message),
      );
    }
  });

  test('any text either parses or throws a MatcherError; a parsed matcher never throws when applied', () => {
    const unit = fc.constantFrom(...'ab_=!~"\\ ,{}().*|[]-'.split(''), '=~', '!~', '!=');
    fc.assert(
      fc.property(
        fc.string({ unit, maxLength: 20 }),
        fc.dictionary(fc.string(), fc.string()),
        (text, labels) => {
          let matcher: ReturnType<typeof parseMatcher> | undefined;
          try {
            matcher = parseMatcher(text);
          } catch (error) {
            assert.ok(error instanceof MatcherError, String(error));
          }
          if (matcher) assert.equal(typeof matcher.matches(labels), 'boolean');
        },
      ),
      { numRuns: 1000 },
    );
  });

  test('toString round-trips any value', () => {
    fc.assert(
      fc.property(fc.string(), fc.constantFrom('=', '!=') as fc.Arbitrary<'=' | '!='>, (value, op) => {
        const m = parseMatcher(`name${op}${quoteValue(value)}`);
        assert.equal(m.value, value);
        assert.equal(parseMatcher(m.toString()).value, value);
        assert.equal(m.matches({ name: value }), op === '=');
      }),
    );
  });

  test('regexes are anchored: a regex matching the whole of a string matches, a part does not', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z]{1,8}$/), fc.stringMatching(/^[a-z]{1,8}$/), (a, b) => {
        const re = anchoredRegex(a);
        assert.equal(re.test(a), true);
        assert.equal(re.test(`${a}${b}`), false);
        assert.equal(re.test(`${b}${a}`), false);
      }),
    );
  });
});

const route = (over: Partial<RouteConfig> & { name: string }): RouteConfig => ({ robot: 'ops', ...over });
const fallback = defaultRouteSchema.parse({ robot: 'catch-all' });

describe('compileRoutes', () => {
  const routes = [
    route({ name: 'db-critical', robot: 'dba', matchers: ['team="db"', 'severity=~"critical|page"'] }),
    route({ name: 'audit', robot: 'audit', match_re: { severity: 'critical|page' }, continue: true }),
    route({ name: 'web', robot: 'web', match: { team: 'web' } }),
    route({ name: 'not-dev', robot: 'ops', matchers: ['env!="dev"'] }),
  ];
  const pick = compileRoutes(routes, fallback);
  const names = (labels: Record<string, string>) => pick(labels).map((r) => r.name);

  test('first match wins', () => {
    assert.deepEqual(names({ team: 'db', severity: 'critical', env: 'dev' }), ['db-critical']);
  });
  test('continue keeps looking, and stops at the next match without continue', () => {
    assert.deepEqual(names({ team: 'web', severity: 'page' }), ['audit', 'web']);
  });
  test('a negative matcher takes labels without the label', () => {
    assert.deepEqual(names({ team: 'mobile' }), ['not-dev']);
  });
  test('default when nothing matches', () => {
    assert.deepEqual(names({ team: 'mobile', env: 'dev' }), ['default']);
    assert.equal(pick({ env: 'dev' })[0]?.robot, 'catch-all');
  });
  test('a continue route that matched alone does not also take the default', () => {
    const only = compileRoutes([route({ name: 'a', continue: true, match: { x: '1' } })], fallback);
    assert.deepEqual(
      only({ x: '1' }).map((r) => r.name),
      ['a'],
    );
  });
  test('a route without conditions matches everything', () => {
    assert.deepEqual(
      compileRoutes([route({ name: 'all' })], fallback)({}).map((r) => r.name),
      ['all'],
    );
  });

  test('a bad regex names the route and the field', () => {
    assert.throws(
      () => compileRoutes([route({ name: 'broken', match_re: { severity: 'crit(' } })], fallback),
      (e: unknown) =>
        e instanceof RouteConfigError &&
        e.route === 'broken' &&
        e.field === 'match_re.severity' &&
        /route "broken": match_re.severity: invalid regular expression/.test(e.message),
    );
    assert.throws(
      () => compileRoutes([route({ name: 'm', matchers: ['a="1"', 'b=~"["'] })], fallback),
      (e: unknown) => e instanceof RouteConfigError && e.field === 'matchers[1]',
    );
  });

  test('the default route refuses conditions', () => {
    assert.throws(
      () => compileRoutes([], route({ name: 'default', match: { a: 'b' } })),
      (e: unknown) => e instanceof RouteConfigError && e.field === 'match',
    );
  });
});

describe('routeConfigSchema', () => {
  test('reports a bad regex or matcher at its path', () => {
    const r = routeConfigSchema.safeParse({
      name: 'x',
      robot: 'ops',
      match_re: { severity: '(' },
      matchers: ['ok="1"', 'nope'],
    });
    assert.equal(r.success, false);
    const paths = r.error?.issues.map((i) => i.path.join('.'));
    assert.deepEqual(paths, ['match_re.severity', 'matchers.1']);
  });

  test('arbitrary JSON never makes the schema throw', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        routeConfigSchema.safeParse(value);
      }),
    );
  });

  test('unknown keys, types and time zones are refused', () => {
    assert.equal(routeConfigSchema.safeParse({ name: 'x', robot: 'r', mach: {} }).success, false);
    assert.equal(routeConfigSchema.safeParse({ name: 'x', robot: 'r', type: 'link' }).success, false);
    assert.equal(
      routeConfigSchema.safeParse({ name: 'x', robot: 'r', timeZone: 'Mars/Olympus' }).success,
      false,
    );
    const ok = routeConfigSchema.parse({
      name: 'x',
      robot: 'r',
      type: 'actionCard',
      timeZone: 'Europe/Berlin',
      locale: 'en',
      mention: ['alice', 'all'],
      template: { file: 'x.liquid' },
    });
    assert.equal(ok.type, 'actionCard');
  });

  test('the default route: name defaults, conditions refused', () => {
    assert.equal(defaultRouteSchema.parse({ robot: 'r' }).name, 'default');
    assert.equal(defaultRouteSchema.safeParse({ robot: 'r', matchers: ['a="b"'] }).success, false);
  });
});

describe('routingLabels', () => {
  test('routes a group on the labels its alerts share', () => {
    const n = parseAlertmanager(
      JSON.parse(
        readFileSync(new URL('./fixtures/alertmanager/alertmanager-group.json', import.meta.url), 'utf8'),
      ),
    );
    const labels = routingLabels(n);
    assert.equal(labels.service, 'checkout');
    assert.equal(labels.instance, undefined);
  });
});
