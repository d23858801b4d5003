import { describe, expect, it } from 'vitest';
import { resolveConfig } from './load.js';
import { redactConfig } from './redact.js';

describe('resolveConfig', () => {
  it('has the documented defaults with no file and no environment', () => {
    const { config, problems } = resolveConfig(undefined, {});
    expect(problems).toEqual([]);
    expect(config?.sip.listenAddress).toBe('0.0.0.0');
    expect(config?.sip.listenPort).toBe(5060);
    expect(config?.sip.listenTransports).toEqual(['udp', 'tcp']);
    expect(config?.rtp).toEqual({ portMin: 10000, portMax: 20000, mediaTimeoutMs: 30000 });
    expect(config?.http).toEqual({ listenAddress: '0.0.0.0', port: 8080 });
    expect(config?.log.level).toBe('info');
    expect(config?.sip.accounts).toHaveLength(1);
    expect(config?.sip.accounts[0]?.server).toBeUndefined();
    expect(config?.sip.accounts[0]?.transport).toBe('udp');
    expect(config?.sip.accounts[0]?.codecs).toEqual(['opus', 'G722', 'PCMU', 'PCMA']);
    expect(config?.sip.accounts[0]?.srtp).toBe('optional');
    expect(Object.isFrozen(config?.sip.accounts[0])).toBe(true);
  });

  it('lets environment variables override YAML, which overrides defaults', () => {
    const yaml = `
sip:
  listen_port: 5070
  accounts:
    - name: office
      server: pbx.example.com
      username: "100"
      password: yamlpw
http:
  port: 9000
`;
    const { config, problems } = resolveConfig(yaml, {
      SIP_PASSWORD: 'envpw',
      HTTP_PORT: '9100',
      LOG_LEVEL: 'debug',
    });
    expect(problems).toEqual([]);
    expect(config?.sip.listenPort).toBe(5070);
    expect(config?.http.port).toBe(9100);
    expect(config?.log.level).toBe('debug');
    expect(config?.sip.accounts[0]).toMatchObject({
      name: 'office',
      server: 'pbx.example.com',
      username: '100',
      password: 'envpw',
    });
  });

  it("builds the first account from the guide's SIP_* variables (3CX example)", () => {
    const { config, problems } = resolveConfig(undefined, {
      SIP_SERVER: 'your-3cx-server.com',
      SIP_PORT: '5060',
      SIP_USERNAME: 'extension_number',
      SIP_PASSWORD: 'extension_password',
      SIP_DOMAIN: 'your-3cx-server.com',
      SIP_EXTENSION: '100',
      SIP_AUTH_USERNAME: 'AuthID123',
      SIP_TRANSPORT: 'tcp',
    });
    expect(problems).toEqual([]);
    expect(config?.sip.accounts[0]).toMatchObject({
      server: 'your-3cx-server.com',
      port: 5060,
      username: 'extension_number',
      authUsername: 'AuthID123',
      extension: '100',
      transport: 'tcp',
    });
  });

  it("reads the guide's SIP_ACCOUNTS list and fills server fields from SIP_SERVER", () => {
    const { config, problems } = resolveConfig(undefined, {
      SIP_SERVER: 'sip.yourdomain.com',
      SIP_ACCOUNTS:
        '- username: tenant1\n  password: pass1\n  extension: 100\n- username: tenant2\n  password: pass2\n  extension: 200\n',
    });
    expect(problems).toEqual([]);
    expect(config?.sip.accounts.map((a) => [a.name, a.username, a.extension, a.server])).toEqual([
      ['default', 'tenant1', '100', 'sip.yourdomain.com'],
      ['account2', 'tenant2', '200', 'sip.yourdomain.com'],
    ]);
  });

  it('reports every problem with field, value and expected form, masking secrets', () => {
    const { config, problems } = resolveConfig('sip:\n  listen_port: 70000\n', {
      SIP_SERVER: 'sip://bad host',
      SIP_TRANSPORT: 'carrier-pigeon',
      RTP_PORT_MIN: 'ten',
      SIP_RECORD_CALLS: 'maybe',
      LOG_LEVEL: 'loud',
    });
    expect(config).toBeUndefined();
    const byField = Object.fromEntries(problems.map((p) => [p.field, p]));
    expect(byField['sip.listen_port']).toEqual({
      field: 'sip.listen_port',
      value: '70000',
      expected: 'an integer 0..65535',
    });
    expect(byField['sip.accounts[0].transport']?.expected).toBe('one of udp, tcp, tls, ws, wss');
    expect(byField['sip.accounts[0].server']?.value).toBe('"sip://bad host"');
    expect(byField['rtp.port_min']?.expected).toBe('an integer 1024..65534');
    expect(byField['recording.enabled']?.expected).toBe('true or false');
    expect(byField['log.level']?.expected).toContain('info');
    // server set but username/password missing
    expect(byField['sip.accounts[0].username']).toBeUndefined(); // server was invalid, so not required
  });

  it('requires credentials when a registrar is configured, without echoing the password', () => {
    const { problems } = resolveConfig(undefined, { SIP_SERVER: 'pbx.local', SIP_PORT: 'abc' });
    expect(problems.map((p) => p.field).sort()).toEqual([
      'sip.accounts[0].password',
      'sip.accounts[0].port',
      'sip.accounts[0].username',
    ]);
  });

  it('reads webhook tools per account and names bad ones', () => {
    const yaml = `
sip:
  accounts:
    - name: shop
      assistant:
        tools:
          - name: order_status
            description: Look up an order
            url: https://crm.example.com/hooks/order
            headers: { Authorization: Bearer x }
            parameters: { type: object, properties: { order_id: { type: string } }, required: [order_id] }
          - name: "bad name!"
            url: not-a-url
`;
    const { config, problems } = resolveConfig(yaml, {});
    expect(config).toBeUndefined();
    expect(problems.map((p) => p.field).sort()).toEqual([
      'sip.accounts[0].assistant.tools[1].name',
      'sip.accounts[0].assistant.tools[1].url',
    ]);
    const ok = resolveConfig(yaml.replace(/ {10}- name: "bad name!"\n {12}url: not-a-url\n/, ''), {});
    expect(ok.problems).toEqual([]);
    expect(ok.config?.sip.accounts[0]?.assistant.tools[0]).toMatchObject({
      name: 'order_status',
      url: 'https://crm.example.com/hooks/order',
      headers: { Authorization: 'Bearer x' },
      timeoutMs: 5000,
    });
  });

  it('reads SIP over WebSocket accounts: transport wss, SIP_WS_URL, a derived default URL, one URL per server host', () => {
    const env = {
      SIP_TRANSPORT: 'wss',
      SIP_WS_URL: 'wss://pbx.example.com:8089/ws',
      SIP_USERNAME: '100',
      SIP_PASSWORD: 'pw',
    };
    const acc = resolveConfig(undefined, env).config?.sip.accounts[0];
    // the URL's host stands in for SIP_SERVER
    expect(acc).toMatchObject({
      transport: 'wss',
      wsUrl: 'wss://pbx.example.com:8089/ws',
      server: 'pbx.example.com',
    });
    const derived = resolveConfig(
      'sip: { accounts: [{ server: pbx, transport: ws, username: a, password: b }] }',
      {},
    );
    expect(derived.config?.sip.accounts[0]).toMatchObject({ port: 8088, wsUrl: 'ws://pbx:8088/ws' });
    const bad = resolveConfig(undefined, { ...env, SIP_WS_URL: 'https://pbx/ws' });
    expect(bad.problems.map((p) => p.field)).toContain('sip.accounts[0].ws_url');
    // one connection per URL: URLs on different hosts are fine, two on one host are ambiguous
    const two = resolveConfig(
      'sip: { accounts: [{ name: a, transport: wss, ws_url: "wss://a/ws", username: a, password: b }, { name: b, transport: wss, ws_url: "wss://b/ws", username: a, password: b }] }',
      {},
    );
    expect(two.problems).toEqual([]);
    const sameHost = resolveConfig(
      'sip: { accounts: [{ name: a, transport: wss, ws_url: "wss://a/ws", username: a, password: b }, { name: b, transport: wss, ws_url: "wss://a:8443/ws", username: a, password: b }] }',
      {},
    );
    expect(sameHost.problems.map((p) => p.field)).toEqual([
      'sip.accounts[0].ws_url',
      'sip.accounts[1].ws_url',
    ]);
  });

  it('reads the assistant model and temperature per account, checking the range', () => {
    const ok = resolveConfig(
      'sip:\n  accounts:\n    - assistant: { model: llama3.1:8b, temperature: 0.3 }\n',
      {},
    );
    expect(ok.config?.sip.accounts[0]?.assistant).toMatchObject({ model: 'llama3.1:8b', temperature: 0.3 });
    const bad = resolveConfig('sip:\n  accounts:\n    - assistant: { temperature: 7 }\n', {});
    expect(bad.problems).toEqual([
      { field: 'sip.accounts[0].assistant.temperature', value: '7', expected: 'a number 0..2' },
    ]);
  });

  it('returns unparsable YAML as a problem instead of throwing', () => {
    const { config, problems } = resolveConfig('sip: [unclosed', {}, 'x.yaml');
    expect(config).toBeUndefined();
    expect(problems[0]?.field).toBe('x.yaml');
  });

  it('redacts secrets for logs and the API', () => {
    const { config } = resolveConfig(undefined, {
      SIP_SERVER: 'pbx',
      SIP_USERNAME: 'u',
      SIP_PASSWORD: 'hunter2',
      OPENAI_API_KEY: 'sk-1',
    });
    const text = JSON.stringify(redactConfig(config!));
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('sk-1');
    expect(text).toContain('***');
  });
  it('reads the Twilio block from the environment (TWILIO_*) with the API base URL default', () => {
    const none = resolveConfig(undefined, {});
    expect(none.config?.twilio.apiBaseUrl).toBe('https://api.twilio.com');
    expect(none.config?.twilio.publicUrl).toBeUndefined();
    const { config, problems } = resolveConfig(undefined, {
      TELEPHONY_PROVIDER: 'sip',
      TELEPHONY_FALLBACK: 'twilio',
      TWILIO_ACCOUNT_SID: 'ACxxx',
      TWILIO_AUTH_TOKEN: 'tok-secret',
      TWILIO_API_BASE_URL: 'http://127.0.0.1:4010',
      TWILIO_PUBLIC_URL: 'https://assistant.example.com',
      TWILIO_PHONE_NUMBER: '+15005550006',
    });
    expect(problems).toEqual([]);
    expect(config?.telephony).toEqual({ provider: 'sip', fallback: 'twilio' });
    expect(config?.twilio).toEqual({
      accountSid: 'ACxxx',
      authToken: 'tok-secret',
      apiBaseUrl: 'http://127.0.0.1:4010',
      publicUrl: 'https://assistant.example.com',
      phoneNumber: '+15005550006',
    });
    expect(JSON.stringify(redactConfig(config!))).not.toContain('tok-secret');
    const bad = resolveConfig(undefined, { TWILIO_PUBLIC_URL: 'not a url' });
    expect(bad.problems.map((p) => p.field)).toContain('twilio.public_url');
  });
});
