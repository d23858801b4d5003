#!/usr/bin/env bash
# Regenerates the echo-test voice prompts in packages/daemon/prompts/{16000,8000}.
# Made offline with flite (voice kal16) and sox; the WAV files are committed so that the
# daemon never synthesises or fetches anything at run time.
set -euo pipefail
cd "$(dirname "$0")/../packages/daemon/prompts"
mkdir -p 16000 8000
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
gen() {
  flite -voice kal16 -t "$2" -o "$tmp/$1.wav"
  sox "$tmp/$1.wav" -r 16000 -c 1 -b 16 "16000/$1.wav" norm -3
  sox "16000/$1.wav" -r 8000 "8000/$1.wav"
}
gen greeting "Hello! This is the voice assistant echo test. No A.I. provider is configured, so I will repeat what you say. Press a key on your phone, and I will read it back to you."
gen you-pressed "You pressed"
for d in 0:zero 1:one 2:two 3:three 4:four 5:five 6:six 7:seven 8:eight 9:nine star:star pound:pound A:A B:B C:C D:D; do
  gen "digit-${d%%:*}" "${d#*:}"
done
gen unavailable "Sorry, the assistant is not available right now. Please try again later. Goodbye."
gen goodbye "Goodbye."
