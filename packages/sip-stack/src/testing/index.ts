/** Test doubles for sip-stack users: fake clock, fake transports. */
export {};
