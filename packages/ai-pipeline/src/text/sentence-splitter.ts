/**
 * Streaming sentence splitter: LLM deltas in, complete sentences out, so TTS can start
 * on the first sentence while the LLM is still writing the rest.
 */

const ABBREVIATIONS = new Set([
  'mr',
  'mrs',
  'ms',
  'dr',
  'st',
  'prof',
  'sr',
  'jr',
  'vs',
  'etc',
  'e.g',
  'i.e',
  'no',
]);

/** Options of {@link SentenceSplitter}. */
export interface SentenceSplitterOptions {
  /** Shortest sentence emitted on its own (characters); shorter ones join the next. Default 6. */
  readonly minChars?: number;
  /** Longest run without a sentence end before splitting at a comma or space. Default 240. */
  readonly maxChars?: number;
}

/** Accumulates text and yields complete sentences. */
export class SentenceSplitter {
  private buffer = '';
  private readonly minChars: number;
  private readonly maxChars: number;

  constructor(options: SentenceSplitterOptions = {}) {
    this.minChars = options.minChars ?? 6;
    this.maxChars = options.maxChars ?? 240;
  }

  /** Adds a delta; returns the sentences completed by it. */
  push(delta: string): string[] {
    this.buffer += delta;
    const out: string[] = [];
    for (;;) {
      const cut = this.findCut();
      if (cut < 0) break;
      const sentence = this.buffer.slice(0, cut).trim();
      this.buffer = this.buffer.slice(cut);
      if (sentence) out.push(sentence);
    }
    return out;
  }

  /** Returns whatever is left (the last sentence without a terminator). */
  flush(): string | undefined {
    const rest = this.buffer.trim();
    this.buffer = '';
    return rest || undefined;
  }

  private findCut(): number {
    const re = /[.!?…]+["')\]]*\s+|\n+/g;
    let m: RegExpExecArray | null;
    while ((m = re.exec(this.buffer)) !== null) {
      const end = m.index + m[0].length;
      if (end < this.minChars) continue;
      if (m[0].startsWith('.') && this.isAbbreviation(m.index)) continue;
      return end;
    }
    if (this.buffer.length > this.maxChars) {
      const comma = this.buffer.lastIndexOf(', ', this.maxChars);
      const space = this.buffer.lastIndexOf(' ', this.maxChars);
      const at = comma > this.minChars ? comma + 2 : space > 0 ? space + 1 : this.maxChars;
      return at;
    }
    return -1;
  }

  private isAbbreviation(dotIndex: number): boolean {
    const before = this.buffer.slice(0, dotIndex);
    const word = /([A-Za-z.]+)$/.exec(before)?.[1]?.toLowerCase();
    if (!word) return false;
    return ABBREVIATIONS.has(word) || /^[a-z]$/.test(word);
  }
}
