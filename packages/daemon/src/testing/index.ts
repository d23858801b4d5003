/** Test doubles for rtp users. */
export {};
