#!/usr/bin/env node
// Enforces the one-way dependency rule of ARCHITECTURE.md:
//   daemon -> ai-pipeline, rtp, sip-stack; the three libraries import none of each other
//   nor the daemon. Checks package.json dependencies, every import/export/require/import()
//   specifier in packages/*/src and test/, relative paths that escape a package, and
//   cycles in the resulting package graph. Exits 1 with one line per violation.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const SCOPE = '@voice-assistant/';
/** Allowed internal edges: package -> packages it may import. */
const ALLOWED = {
  'sip-stack': [],
  rtp: [],
  'ai-pipeline': [],
  daemon: ['sip-stack', 'rtp', 'ai-pipeline'],
};

const problems = [];
const edges = new Map(Object.keys(ALLOWED).map((p) => [p, new Set()]));

function walk(dir, out = []) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist') continue;
    const full = join(dir, name);
    if (statSync(full).isDirectory()) walk(full, out);
    else if (/\.(ts|mts|cts|js|mjs)$/.test(name)) out.push(full);
  }
  return out;
}

const SPEC_RE =
  /(?:^|[\s;])(?:import|export)\s[^'"`]*?from\s*['"]([^'"]+)['"]|(?:^|[\s;(])import\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|require\(\s*['"]([^'"]+)['"]\s*\)/gm;

function specifiers(text) {
  const out = [];
  for (const m of text.matchAll(SPEC_RE)) {
    const s = m[1] ?? m[2] ?? m[3] ?? m[4];
    if (s) out.push({ spec: s, line: text.slice(0, m.index).split('\n').length });
  }
  return out;
}

for (const pkg of Object.keys(ALLOWED)) {
  const pkgDir = join(root, 'packages', pkg);
  const manifest = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
  for (const field of ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies']) {
    for (const dep of Object.keys(manifest[field] ?? {})) {
      if (!dep.startsWith(SCOPE)) continue;
      const target = dep.slice(SCOPE.length);
      edges.get(pkg)?.add(target);
      if (!ALLOWED[pkg].includes(target))
        problems.push(
          `packages/${pkg}/package.json: ${field} names ${dep}; ${pkg} may not depend on ${target}`,
        );
    }
  }
  for (const file of walk(join(pkgDir, 'src'))) {
    const rel = relative(root, file);
    for (const { spec, line } of specifiers(readFileSync(file, 'utf8'))) {
      let target = null;
      if (spec.startsWith(SCOPE)) target = spec.slice(SCOPE.length).split('/')[0];
      else if (spec.startsWith('.')) {
        const abs = resolve(join(file, '..'), spec);
        const inPkgs = relative(join(root, 'packages'), abs);
        if (!inPkgs.startsWith('..')) {
          const t = inPkgs.split(sep)[0];
          if (t !== pkg) target = t;
        } else problems.push(`${rel}:${line}: relative import '${spec}' leaves packages/`);
      }
      if (target === null || target === pkg) continue;
      edges.get(pkg)?.add(target);
      if (!ALLOWED[pkg]?.includes(target))
        problems.push(`${rel}:${line}: imports '${spec}'; ${pkg} may not import ${target}`);
    }
  }
}

// Cycle detection over the observed package graph (defence in depth: ALLOWED is acyclic today).
const state = new Map();
function visit(node, stack) {
  if (state.get(node) === 'done') return;
  if (state.get(node) === 'active') {
    problems.push(`circular dependency: ${[...stack.slice(stack.indexOf(node)), node].join(' -> ')}`);
    return;
  }
  state.set(node, 'active');
  for (const next of edges.get(node) ?? []) visit(next, [...stack, node]);
  state.set(node, 'done');
}
for (const node of edges.keys()) visit(node, []);

if (problems.length > 0) {
  console.error(`check-deps: ${problems.length} dependency rule violation(s):`);
  for (const p of problems) console.error(`  ${p}`);
  process.exit(1);
}
console.log(`check-deps: ok (${[...edges].map(([k, v]) => `${k} -> [${[...v].join(', ')}]`).join('; ')})`);
