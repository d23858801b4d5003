import { describe, expect, it } from 'vitest';
import { trimHistory } from './history.js';
import type { ChatMessage } from './types.js';

describe('trimHistory', () => {
  it('keeps the system prompt and the most recent messages', () => {
    const msgs: ChatMessage[] = [{ role: 'system', content: 's' }];
    for (let i = 0; i < 10; i++) msgs.push({ role: 'user', content: `u${i}` });
    expect(trimHistory(msgs, 3).map((m) => m.content)).toEqual(['s', 'u7', 'u8', 'u9']);
    expect(trimHistory(msgs, 100)).toHaveLength(11);
  });

  it('never starts on an orphaned tool result', () => {
    const msgs: ChatMessage[] = [
      { role: 'system', content: 's' },
      { role: 'assistant', content: '', toolCalls: [{ id: 'a', name: 'x', arguments: '{}' }] },
      { role: 'tool', toolCallId: 'a', content: 'r' },
      { role: 'assistant', content: 'done' },
    ];
    expect(trimHistory(msgs, 2)).toEqual([msgs[0], msgs[3]]);
  });
});
