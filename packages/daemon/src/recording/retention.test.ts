import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { scheduleRetention, sweepRecordings } from './retention.js';

const DAY = 86_400_000;
const NOW = Date.parse('2026-11-25T12:00:00Z');
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'retention-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Creates `rel` under dir, last modified `ageDays` before NOW. */
function file(rel: string, ageDays: number): string {
  const p = join(dir, rel);
  mkdirSync(join(p, '..'), { recursive: true });
  writeFileSync(p, 'x');
  const t = (NOW - ageDays * DAY) / 1000;
  utimesSync(p, t, t);
  return p;
}

describe('sweepRecordings', () => {
  it('deletes only recordings (wav, json, leftover tmp) older than the retention', async () => {
    const oldWav = file('2026-10-01/2026-10-01T08-00-00.000Z_default_a.wav', 55);
    const oldJson = file('2026-10-01/2026-10-01T08-00-00.000Z_default_a.json', 55);
    const oldTmp = file('2026-10-01/2026-10-01T09-00-00.000Z_default_b.json.tmp', 55);
    const keepNotes = file('2026-10-02/notes.txt', 54); // not ours
    const oldOfDay2 = file('2026-10-02/2026-10-02T08-00-00.000Z_default_c.wav', 54);
    const recent = file('2026-11-20/2026-11-20T08-00-00.000Z_default_d.wav', 5);
    const edge = file('2026-10-26/2026-10-26T12-00-00.000Z_default_e.wav', 29.9);
    const elsewhere = file('other/2026-10-01T08-00-00.000Z_default_f.wav', 90); // not a date dir
    const r = await sweepRecordings(dir, 30, NOW);
    expect(r.deleted.sort()).toEqual([oldJson, oldTmp, oldWav, oldOfDay2].sort());
    expect(r.failed).toEqual([]);
    for (const p of [oldWav, oldJson, oldTmp, oldOfDay2]) expect(existsSync(p)).toBe(false);
    for (const p of [keepNotes, recent, edge, elsewhere]) expect(existsSync(p)).toBe(true);
    expect(existsSync(join(dir, '2026-10-01'))).toBe(false); // emptied: removed
    expect(existsSync(join(dir, '2026-10-02'))).toBe(true); // still holds notes.txt
  });

  it('keeps everything with a retention of 0 days, and a missing directory is no error', async () => {
    const p = file('2020-01-01/2020-01-01T00-00-00.000Z_default_a.wav', 2000);
    expect(await sweepRecordings(dir, 0, NOW)).toEqual({ deleted: [], failed: [] });
    expect(existsSync(p)).toBe(true);
    expect(await sweepRecordings(join(dir, 'missing'), 30, NOW)).toEqual({ deleted: [], failed: [] });
  });
});

describe('scheduleRetention', () => {
  it('sweeps at start and then every interval, re-reading the retention; stop cancels', async () => {
    const pending: Array<{ fn: () => void; ms: number }> = [];
    let days = 0;
    const info: unknown[] = [];
    const h = scheduleRetention({
      dir: () => dir,
      retentionDays: () => days,
      now: () => NOW,
      timers: {
        setTimeout: (fn, ms) => pending.push({ fn, ms }),
        clearTimeout: () => (pending.length = 0),
      },
      logger: { info: (o) => info.push(o), warn: () => undefined },
    });
    const old = file('2026-01-01/2026-01-01T00-00-00.000Z_default_a.wav', 300);
    const fire = async (): Promise<void> => {
      const t = pending.shift();
      expect(t).toBeDefined();
      t?.fn();
      await h.sweepNow(); // joins the sweep in flight
      await new Promise((r) => setImmediate(r));
    };
    expect(pending.map((t) => t.ms)).toEqual([0]);
    await fire(); // at start: retention 0, nothing deleted
    expect(existsSync(old)).toBe(true);
    expect(pending.map((t) => t.ms)).toEqual([DAY]);
    days = 30; // e.g. a config reload
    await fire();
    expect(existsSync(old)).toBe(false);
    expect(info).toEqual([{ deleted: 1, retentionDays: 30, dir }]);
    expect(pending.map((t) => t.ms)).toEqual([DAY]);
    h.stop();
    expect(pending).toEqual([]);
  });
});
