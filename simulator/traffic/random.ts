// Stateless seeded randomness: every value is a hash of (seed, names, index), so any point of
// a trace can be computed directly, in any order, and the same seed gives the same trace.

/** 32-bit avalanche (murmur3 finaliser). */
function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Hash of a seed and a list of parts (strings or non-negative integers up to 2^53). */
export function hash32(seed: number, ...parts: readonly (string | number)[]): number {
  let h = mix32((seed >>> 0) ^ 0x9e3779b9);
  for (const part of parts) {
    if (typeof part === 'string') {
      for (let i = 0; i < part.length; i++) h = mix32(h ^ Math.imul(part.charCodeAt(i), 0x27d4eb2d));
      h = mix32(h ^ part.length);
    } else {
      h = mix32(h ^ (part >>> 0));
      h = mix32(h ^ Math.floor(part / 0x1_0000_0000));
    }
  }
  return h;
}

/** Uniform in [0, 1). */
export function unit(seed: number, ...parts: readonly (string | number)[]): number {
  return hash32(seed, ...parts) / 0x1_0000_0000;
}

/** Uniform in [min, max). */
export function between(min: number, max: number, seed: number, ...parts: readonly (string | number)[]): number {
  return min + (max - min) * unit(seed, ...parts);
}
