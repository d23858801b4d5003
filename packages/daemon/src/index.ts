/** @voice-assistant/daemon: composes sip-stack, rtp and ai-pipeline. */
export {};
