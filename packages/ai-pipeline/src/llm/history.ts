import type { ChatMessage } from './types.js';

/**
 * Keeps the system prompt and the last `maxMessages` messages of a conversation, never
 * starting on a `tool` result whose assistant tool call was cut off (the API would
 * reject it).
 * @param maxMessages messages kept besides the system prompt. Default 60.
 */
export function trimHistory(messages: readonly ChatMessage[], maxMessages = 60): ChatMessage[] {
  const [first, ...rest] = messages;
  if (!first) return [];
  const head = first.role === 'system' ? [first] : [];
  const body = first.role === 'system' ? rest : messages;
  let tail = body.slice(Math.max(0, body.length - maxMessages));
  while (tail[0]?.role === 'tool') tail = tail.slice(1);
  return [...head, ...tail];
}
