import type { LlmToolCall, LlmToolSpec } from '../llm/types.js';

/** An HTTP webhook tool declared in configuration: the arguments are POSTed as JSON. */
export interface WebhookToolDefinition {
  readonly type: 'webhook';
  /** Function name the model sees (letters, digits, `_`, `-`). */
  readonly name: string;
  /** What the tool does, for the model. */
  readonly description: string;
  /** JSON schema of the arguments object. */
  readonly parameters: Record<string, unknown>;
  /** URL receiving `POST` with `Content-Type: application/json`. */
  readonly url: string;
  /** Extra request headers (e.g. authorization). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Request timeout (ms). Default 5000 ms. */
  readonly timeoutMs?: number;
}

/** An in-process tool (tests, embedding applications). */
export interface FunctionToolDefinition {
  readonly type: 'function';
  readonly name: string;
  readonly description: string;
  readonly parameters: Record<string, unknown>;
  /** Returns the text given back to the model. */
  readonly handler: (args: Record<string, unknown>, signal: AbortSignal) => Promise<string>;
}

/** A tool the model may call besides the built-ins. */
export type ToolDefinition = WebhookToolDefinition | FunctionToolDefinition;

/** Actions the pipeline asks the daemon to perform. */
export type PipelineAction =
  | { readonly type: 'transfer'; readonly target: string; readonly mode: 'blind' | 'attended' }
  | { readonly type: 'hangup'; readonly reason: string }
  | { readonly type: 'dtmf'; readonly digits: string }
  /** The TTS itself failed: the daemon should play its own recorded apology prompt now. */
  | { readonly type: 'play-apology' };

/** Built-in tools, always offered to the model. */
export const BUILTIN_TOOLS: readonly LlmToolSpec[] = [
  {
    name: 'transfer_call',
    description: 'Transfer the caller to another extension or phone number.',
    parameters: {
      type: 'object',
      properties: {
        target: { type: 'string', description: 'Extension, number or SIP URI to transfer to.' },
        mode: { type: 'string', enum: ['blind', 'attended'], description: 'Default blind.' },
      },
      required: ['target'],
    },
  },
  {
    name: 'end_call',
    description: 'End the call politely once the conversation is over.',
    parameters: {
      type: 'object',
      properties: { reason: { type: 'string', description: 'Why the call ends.' } },
    },
  },
  {
    name: 'send_dtmf',
    description: 'Send DTMF tones (digits 0-9, *, #, A-D) on the line, e.g. to navigate a menu.',
    parameters: {
      type: 'object',
      properties: { digits: { type: 'string', pattern: '^[0-9*#A-Da-d]+$' } },
      required: ['digits'],
    },
  },
];

/** Result of running one tool call. */
export interface ToolOutcome {
  /** Text returned to the model. */
  readonly result: string;
  /** An action to emit right away (DTMF). */
  readonly immediate?: PipelineAction;
  /** An action to emit once the current reply has finished playing (transfer, hang-up). */
  readonly terminal?: PipelineAction;
}

/** Parses tool-call arguments; malformed JSON yields an empty object. */
export function parseToolArguments(json: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(json || '{}');
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** Model-facing specs of all tools: built-ins first, then the configured ones. */
export function toolSpecs(tools: readonly ToolDefinition[]): LlmToolSpec[] {
  return [
    ...BUILTIN_TOOLS,
    ...tools.map((t) => ({ name: t.name, description: t.description, parameters: t.parameters })),
  ];
}

/**
 * Runs one tool call. Never throws: failures become a result text the model can read
 * ("error: ..."), so the conversation goes on.
 */
export async function executeTool(
  call: LlmToolCall,
  tools: readonly ToolDefinition[],
  signal: AbortSignal,
): Promise<ToolOutcome> {
  const args = parseToolArguments(call.arguments);
  switch (call.name) {
    case 'transfer_call': {
      const target = typeof args['target'] === 'string' ? args['target'] : '';
      if (!target) return { result: 'error: target is required' };
      const mode = args['mode'] === 'attended' ? 'attended' : 'blind';
      return { result: `transferring to ${target}`, terminal: { type: 'transfer', target, mode } };
    }
    case 'end_call': {
      const reason =
        typeof args['reason'] === 'string' && args['reason'] ? args['reason'] : 'assistant-ended';
      return { result: 'ending the call', terminal: { type: 'hangup', reason } };
    }
    case 'send_dtmf': {
      const digits = typeof args['digits'] === 'string' ? args['digits'].toUpperCase() : '';
      if (!/^[0-9*#A-D]+$/.test(digits)) return { result: 'error: digits must match [0-9*#A-D]+' };
      return { result: `sent ${digits}`, immediate: { type: 'dtmf', digits } };
    }
  }
  const tool = tools.find((t) => t.name === call.name);
  if (!tool) return { result: `error: unknown tool ${call.name}` };
  try {
    if (tool.type === 'function') return { result: await tool.handler(args, signal) };
    return { result: await callWebhook(tool, args, signal) };
  } catch (error) {
    return { result: `error: ${error instanceof Error ? error.message : String(error)}` };
  }
}

/** POSTs `args` as JSON to the webhook and returns the response body text. */
async function callWebhook(
  tool: WebhookToolDefinition,
  args: Record<string, unknown>,
  signal: AbortSignal,
): Promise<string> {
  const timeout = AbortSignal.timeout(tool.timeoutMs ?? 5000);
  const res = await fetch(tool.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...tool.headers },
    body: JSON.stringify(args),
    signal: AbortSignal.any([signal, timeout]),
  });
  const text = await res.text();
  if (!res.ok) return `error: HTTP ${res.status}: ${text.slice(0, 500)}`;
  return text.slice(0, 8000);
}
