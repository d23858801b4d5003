/** Test helper for suites that register over a FakeTransport. */
import type { FakeClock } from '../testing/fake-clock.js';
import type { UserAgent } from '../user-agent.js';

/**
 * Stop `ua` whose registrations' un-REGISTERs get no answer: lets the stop begin, passes
 * the 5000 ms un-REGISTER wait (`unregisterTimeoutMs` default) on `clock`, and awaits it.
 */
export async function stopOnFakeClock(ua: UserAgent, clock: FakeClock): Promise<void> {
  const p = ua.stop();
  for (let i = 0; i < 30; i++) await Promise.resolve();
  clock.advance(5000);
  await p;
}
