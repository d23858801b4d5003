import { describe, expect, it } from 'vitest';
import { routeInDialog } from './route-set.js';

describe('routeInDialog (RFC 3261 §12.2.1.1)', () => {
  it('sends to the remote target with an empty route set', () => {
    expect(routeInDialog('sip:b@192.0.2.1', [])).toEqual({
      requestUri: 'sip:b@192.0.2.1',
      routes: [],
      nextHopUri: 'sip:b@192.0.2.1',
    });
  });

  it('loose routing: R-URI = remote target, next hop = first route', () => {
    expect(routeInDialog('sip:b@192.0.2.1', ['<sip:p1.example;lr>', '<sip:p2.example;lr>'])).toEqual({
      requestUri: 'sip:b@192.0.2.1',
      routes: ['<sip:p1.example;lr>', '<sip:p2.example;lr>'],
      nextHopUri: 'sip:p1.example;lr',
    });
  });

  it('strict routing: R-URI = first route, remote target appended to Route', () => {
    expect(
      routeInDialog('sip:b@192.0.2.1', ['<sip:p1.example;transport=tcp>', '<sip:p2.example;lr>']),
    ).toEqual({
      requestUri: 'sip:p1.example',
      routes: ['<sip:p2.example;lr>', '<sip:b@192.0.2.1>'],
      nextHopUri: 'sip:p1.example;transport=tcp',
    });
  });
});
