import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  type MentionConfig,
  mentionRulesSchema,
  onCallAt,
  parseWeekTime,
  peopleConfigSchema,
  resolveMentions,
  weekMinute,
} from '../src/people/people.js';

const people = peopleConfigSchema.parse({
  alice: { mobiles: ['13800000001'] },
  bob: { mobiles: ['13800000002'], userIds: ['bob-id'] },
  carol: { userIds: ['carol-id'] },
});
/** Monday 2026-11-30 09:00 in Shanghai (UTC+8). */
const MON_0900_CST = new Date('2026-11-30T01:00:00Z');
const route = { name: 'ops' };

describe('peopleConfigSchema and mentionRulesSchema', () => {
  test('a person needs a mobile or a user id; mobiles are checked', () => {
    assert.equal(peopleConfigSchema.safeParse({ dave: {} }).success, false);
    assert.equal(peopleConfigSchema.safeParse({ dave: { mobiles: ['call me'] } }).success, false);
    assert.equal(peopleConfigSchema.safeParse({ dave: { mobiles: ['+86-13800000000'] } }).success, true);
    assert.equal(peopleConfigSchema.safeParse({ dave: { phone: '1' } }).success, false);
  });

  test('"all" and "oncall" are reserved', () => {
    const r = peopleConfigSchema.safeParse({ all: { mobiles: ['13800000000'] } });
    assert.equal(r.success, false);
    assert.match(r.error?.issues[0]?.message ?? '', /reserved/);
  });

  test('schedule times are checked', () => {
    assert.equal(
      mentionRulesSchema.safeParse({ schedule: [{ name: 'a', from: 'Mon 9am', to: 'Tue 09:00' }] }).success,
      false,
    );
    assert.equal(
      mentionRulesSchema.safeParse({
        schedule: [{ name: 'a', from: 'Mon 09:00', to: 'Tue 09:00', tz: 'Nowhere' }],
      }).success,
      false,
    );
    assert.deepEqual(mentionRulesSchema.parse({}).labels, ['owner', 'oncall']);
  });

  test('parseWeekTime', () => {
    assert.equal(parseWeekTime('Mon 00:00'), 0);
    assert.equal(parseWeekTime('tue 9:30'), 24 * 60 + 9 * 60 + 30);
    assert.equal(parseWeekTime('Sun 23:59'), 7 * 24 * 60 - 1);
    assert.equal(parseWeekTime('Mon 24:00'), undefined);
    assert.equal(parseWeekTime('Monday 09:00'), undefined);
  });
});

describe('resolveMentions', () => {
  test('a label names a person; mobiles and user ids are collected', () => {
    const m = resolveMentions({ people }, { owner: 'bob' }, route, MON_0900_CST);
    assert.deepEqual(
      [m.mobiles, m.userIds, m.all, m.people, m.warnings],
      [['13800000002'], ['bob-id'], false, ['bob'], []],
    );
  });

  test('several names in one label, several alerts, no duplicates', () => {
    const m = resolveMentions(
      { people },
      [{ owner: 'alice, bob' }, { owner: 'bob carol' }],
      route,
      MON_0900_CST,
    );
    assert.deepEqual(m.mobiles, ['13800000001', '13800000002']);
    assert.deepEqual(m.userIds, ['bob-id', 'carol-id']);
    assert.deepEqual(m.people, ['alice', 'bob', 'carol']);
  });

  test('an unknown person: no mention, a warning with a suggestion, nothing thrown', () => {
    const m = resolveMentions({ people }, { owner: 'alcie' }, route, MON_0900_CST);
    assert.deepEqual([m.mobiles, m.userIds], [[], []]);
    assert.equal(m.warnings.length, 1);
    assert.match(m.warnings[0]!, /label owner="alcie": no person "alcie" in people:; did you mean "alice"\?/);
  });

  test('route mentions, all, and a bare mobile number', () => {
    const m = resolveMentions(
      { people },
      { owner: '13912345678' },
      { name: 'r', mention: ['carol', 'all'] },
      MON_0900_CST,
    );
    assert.equal(m.all, true);
    assert.deepEqual(m.userIds, ['carol-id']);
    assert.deepEqual(m.mobiles, ['13912345678']);
  });

  test('invalid mention rules given in code: a warning and the defaults', () => {
    const config = { people, mentions: { labels: 'owner' } } as unknown as MentionConfig;
    const m = resolveMentions(config, { owner: 'alice' }, route, MON_0900_CST);
    assert.deepEqual(m.mobiles, ['13800000001']);
    assert.match(m.warnings.join(), /mentions: .*the defaults are used/);
  });

  test('only the configured labels count', () => {
    const config: MentionConfig = { people, mentions: { labels: ['team_lead'] } };
    assert.deepEqual(resolveMentions(config, { owner: 'alice' }, route, MON_0900_CST).mobiles, []);
    assert.deepEqual(resolveMentions(config, { team_lead: 'alice' }, route, MON_0900_CST).mobiles, [
      '13800000001',
    ]);
  });

  test('oncall follows the weekly schedule in its time zone', () => {
    const config: MentionConfig = {
      people,
      mentions: {
        schedule: [
          { name: 'alice', from: 'Mon 09:00', to: 'Fri 18:00', tz: 'Asia/Shanghai' },
          { name: 'bob', from: 'Fri 18:00', to: 'Mon 09:00', tz: 'Asia/Shanghai' },
        ],
      },
    };
    const at = (iso: string) =>
      resolveMentions(config, {}, { name: 'r', mention: ['oncall'] }, new Date(iso)).people;
    assert.deepEqual(at('2026-11-30T01:00:00Z'), ['alice']); // Mon 09:00 CST: alice starts
    assert.deepEqual(at('2026-11-30T00:59:00Z'), ['bob']); // Mon 08:59 CST: bob's weekend shift
    assert.deepEqual(at('2026-12-04T10:00:00Z'), ['bob']); // Fri 18:00 CST
    assert.deepEqual(at('2026-12-04T09:59:00Z'), ['alice']);
    assert.deepEqual(resolveMentions(config, { oncall: 'oncall' }, route, MON_0900_CST).people, ['alice']);
  });

  test('nobody on call is a warning', () => {
    const config: MentionConfig = {
      people,
      mentions: { schedule: [{ name: 'alice', from: 'Sat 00:00', to: 'Sun 00:00' }] },
    };
    const m = resolveMentions(config, {}, { name: 'r', mention: ['oncall'] }, MON_0900_CST);
    assert.deepEqual(m.people, []);
    assert.match(m.warnings.join(), /nobody is on call/);
  });

  test('a shift of equal from and to covers the whole week', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }),
        (now) => {
          assert.deepEqual(onCallAt([{ name: 'x', from: 'Wed 12:00', to: 'Wed 12:00' }], now), ['x']);
        },
      ),
    );
  });

  test('complementary shifts always give exactly one person', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }),
        fc.integer({ min: 0, max: 7 * 24 * 60 - 1 }),
        fc.integer({ min: 0, max: 7 * 24 * 60 - 1 }),
        fc.constantFrom('Asia/Shanghai', 'Europe/Berlin', 'America/New_York', 'UTC'),
        (now, a, b, tz) => {
          fc.pre(a !== b);
          const fmt = (m: number) =>
            `${['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'][Math.floor(m / 1440)]} ${String(Math.floor((m % 1440) / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
          const who = onCallAt(
            [
              { name: 'day', from: fmt(a), to: fmt(b), tz },
              { name: 'night', from: fmt(b), to: fmt(a), tz },
            ],
            now,
          );
          assert.equal(who.length, 1);
        },
      ),
    );
  });

  test('weekMinute reads the local weekday and time', () => {
    assert.equal(weekMinute(MON_0900_CST, 'Asia/Shanghai'), 9 * 60);
    assert.equal(weekMinute(MON_0900_CST, 'UTC'), 60);
    assert.equal(weekMinute(new Date('2026-11-29T23:30:00Z'), 'UTC'), 6 * 1440 + 23 * 60 + 30);
  });
});
