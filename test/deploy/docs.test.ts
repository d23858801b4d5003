/**
 * docs/deployment.md and docs/pbx-setup.md: every relative link points at a file that
 * exists, every environment variable named is one the daemon reads (or one the compose
 * file defines), and the commands of the user's guide appear as they must be typed.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ACCOUNT_ENV, GLOBAL_ENV } from '../../packages/daemon/src/config/env.js';
import { ROOT, readRepoFile } from './helpers.js';

const DOCS = ['docs/deployment.md', 'docs/pbx-setup.md'];
const KNOWN_ENV = new Set([
  ...Object.keys(GLOBAL_ENV),
  ...Object.keys(ACCOUNT_ENV),
  'SIP_ACCOUNTS',
  'VOICE_ASSISTANT_CONFIG',
  // docker-compose.yml's own variables
  'VOICE_ASSISTANT_SIP_PASSWORD',
  'SOFTPHONE_6001_PASSWORD',
]);

describe('deployment docs', () => {
  for (const doc of DOCS) {
    const text = readRepoFile(doc);

    it(`${doc}: relative links point at existing files`, () => {
      const targets = [...text.matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)]
        .map((m) => m[1] as string)
        .filter((t) => !/^[a-z]+:/.test(t));
      expect(targets.length).toBeGreaterThan(3);
      const missing = targets.filter((t) => !existsSync(join(ROOT, dirname(doc), t)));
      expect(missing).toEqual([]);
    });

    it(`${doc}: names only environment variables the daemon or compose knows`, () => {
      const names = new Set(
        [
          ...text.matchAll(
            /\b((?:SIP|RTP|HTTP|TELEPHONY|OPENAI|DEEPGRAM|ELEVENLABS|SHUTDOWN|LOG)_[A-Z_]+)\b/g,
          ),
        ].map((m) => (m[1] as string).replace(/_$/, '')),
      );
      // The guide's iptables example uses SIP_SERVER_IP as a placeholder, not a variable.
      names.delete('SIP_SERVER_IP');
      expect([...names].filter((n) => !KNOWN_ENV.has(n))).toEqual([]);
    });
  }

  it("docs/deployment.md gives the guide's commands, and the recursive apply the Secret needs", () => {
    const text = readRepoFile('docs/deployment.md');
    for (const cmd of [
      'kubectl apply -R -f kubernetes/',
      'kubectl apply -f kubernetes/secrets/',
      'kubectl logs -f -n voice-ai -l app=voice-assistant',
      'kubectl exec -it -n voice-ai <pod-name> -- curl localhost:8080/sip/status',
      'systemctl enable --now voice-assistant',
      'journalctl -u voice-assistant -f',
      'systemctl reload voice-assistant',
      'docker compose up',
    ])
      expect(text).toContain(cmd);
  });
});
