import type { SipHeader } from '../message/types.js';
import { generateCallId, generateTag } from '../message/builders.js';

/**
 * The identity headers of a request outside any dialog (RFC 3261 §8.1.1): From with a new
 * tag (default: our Contact URI without its transport parameter), To (default the
 * Request-URI), a new Call-ID, and CSeq 1.
 */
export function outOfDialogHeaders(opts: {
  method: string;
  uri: string;
  from?: string | undefined;
  to?: string | undefined;
  /** Our Contact header value (`<sip:...>`), for the default From. */
  contact: string;
}): SipHeader[] {
  const from = opts.from ?? opts.contact.slice(1, -1).replace(/;transport=\w+/, '');
  return [
    { name: 'From', value: `<${from}>;tag=${generateTag()}` },
    { name: 'To', value: `<${opts.to ?? opts.uri}>` },
    { name: 'Call-ID', value: generateCallId() },
    { name: 'CSeq', value: `1 ${opts.method}` },
  ];
}
