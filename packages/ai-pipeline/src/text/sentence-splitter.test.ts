import { describe, expect, it } from 'vitest';
import { SentenceSplitter } from './sentence-splitter.js';

function split(deltas: string[]): string[] {
  const s = new SentenceSplitter();
  const out = deltas.flatMap((d) => s.push(d));
  const rest = s.flush();
  return rest ? [...out, rest] : out;
}

describe('SentenceSplitter', () => {
  it('emits sentences as soon as they end, across deltas', () => {
    const s = new SentenceSplitter();
    expect(s.push('Hello the')).toEqual([]);
    expect(s.push('re! How are')).toEqual(['Hello there!']);
    expect(s.push(' you? I')).toEqual(['How are you?']);
    expect(s.flush()).toBe('I');
  });
  it('does not cut abbreviations, decimals or initials', () => {
    expect(split(['Dr. Smith will see you at 3.30 today. ', 'Bye.'])).toEqual([
      'Dr. Smith will see you at 3.30 today.',
      'Bye.',
    ]);
  });
  it('joins very short fragments and cuts very long runs', () => {
    expect(split(['Ok. Sure thing.'])).toEqual(['Ok. Sure thing.']);
    const long = 'word, '.repeat(60);
    const parts = split([long]);
    expect(parts.length).toBeGreaterThan(1);
    expect(parts.join(' ').replace(/\s+/g, ' ')).toBe(long.trim());
  });
});
