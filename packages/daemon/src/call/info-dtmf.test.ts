import { describe, expect, it } from 'vitest';
import { infoDigit } from './info-dtmf.js';

const info = (ctype: string, body: string) =>
  ({
    kind: 'request',
    method: 'INFO',
    uri: 'sip:x@y',
    version: 'SIP/2.0',
    headers: [{ name: 'Content-Type', value: ctype }],
    body: Buffer.from(body),
  }) as never;

describe('infoDigit', () => {
  it('reads application/dtmf-relay and application/dtmf bodies', () => {
    expect(infoDigit(info('application/dtmf-relay', 'Signal=5\r\nDuration=160\r\n'))).toBe('5');
    expect(infoDigit(info('application/dtmf-relay', 'Signal= *\r\nDuration=160'))).toBe('*');
    expect(infoDigit(info('application/dtmf-relay', 'Signal=11\r\n'))).toBe('#');
    expect(infoDigit(info('application/dtmf', '7'))).toBe('7');
    expect(infoDigit(info('application/dtmf-relay', 'Signal=d'))).toBe('D');
  });
  it('ignores anything else', () => {
    expect(infoDigit(info('application/media_control+xml', '<x/>'))).toBeUndefined();
    expect(infoDigit(info('application/dtmf-relay', 'Duration=160'))).toBeUndefined();
    expect(infoDigit(info('application/dtmf-relay', 'Signal=55'))).toBeUndefined();
  });
});
