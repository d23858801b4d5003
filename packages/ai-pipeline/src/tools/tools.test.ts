import { afterEach, describe, expect, it } from 'vitest';
import { httpServer, listen, readBody, type StartedServer } from '../testing/http-util.js';
import { executeTool, parseToolArguments, toolSpecs, type ToolDefinition } from './tools.js';

let server: StartedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const signal = new AbortController().signal;
const call = (name: string, args: object | string) => ({
  id: 'c1',
  name,
  arguments: typeof args === 'string' ? args : JSON.stringify(args),
});

describe('built-in tools', () => {
  it('transfer_call, end_call and send_dtmf map to pipeline actions', async () => {
    await expect(executeTool(call('transfer_call', { target: '201' }), [], signal)).resolves.toMatchObject({
      terminal: { type: 'transfer', target: '201', mode: 'blind' },
    });
    await expect(executeTool(call('end_call', {}), [], signal)).resolves.toMatchObject({
      terminal: { type: 'hangup', reason: 'assistant-ended' },
    });
    await expect(executeTool(call('send_dtmf', { digits: '1*#a' }), [], signal)).resolves.toMatchObject({
      immediate: { type: 'dtmf', digits: '1*#A' },
    });
  });

  it('bad arguments become error results for the model, not exceptions', async () => {
    await expect(executeTool(call('transfer_call', '{not json'), [], signal)).resolves.toEqual({
      result: 'error: target is required',
    });
    await expect(executeTool(call('send_dtmf', { digits: '12x' }), [], signal)).resolves.toMatchObject({
      result: expect.stringMatching(/^error/) as string,
    });
    await expect(executeTool(call('nope', {}), [], signal)).resolves.toEqual({
      result: 'error: unknown tool nope',
    });
    expect(parseToolArguments('[1]')).toEqual({});
  });
});

describe('webhook tools', () => {
  const webhook = (url: string, timeoutMs?: number): ToolDefinition => ({
    type: 'webhook',
    name: 'book_table',
    description: 'Book a table',
    parameters: { type: 'object', properties: { people: { type: 'integer' } }, required: ['people'] },
    url,
    headers: { authorization: 'Bearer hook-secret' },
    timeoutMs,
  });

  it('POSTs the arguments as JSON and returns the response text', async () => {
    const seen: { body: unknown; auth: unknown; type: unknown }[] = [];
    server = await listen(
      httpServer(async (req, res) => {
        seen.push({
          body: JSON.parse((await readBody(req)).toString()),
          auth: req.headers['authorization'],
          type: req.headers['content-type'],
        });
        res.end('booked for 4 at 8pm');
      }),
    );
    const tools = [webhook(`${server.url}/hook`)];
    expect(toolSpecs(tools).map((t) => t.name)).toContain('book_table');
    await expect(executeTool(call('book_table', { people: 4 }), tools, signal)).resolves.toEqual({
      result: 'booked for 4 at 8pm',
    });
    expect(seen).toEqual([{ body: { people: 4 }, auth: 'Bearer hook-secret', type: 'application/json' }]);
  });

  it('HTTP errors and timeouts are reported to the model', async () => {
    server = await listen(
      httpServer(async (req, res) => {
        if (req.url === '/slow') return; // never answers
        res.writeHead(503).end('down');
      }),
    );
    await expect(executeTool(call('book_table', {}), [webhook(`${server.url}/x`)], signal)).resolves.toEqual({
      result: 'error: HTTP 503: down',
    });
    const r = await executeTool(call('book_table', {}), [webhook(`${server.url}/slow`, 100)], signal);
    expect(r.result).toMatch(/^error: /);
  });
});
