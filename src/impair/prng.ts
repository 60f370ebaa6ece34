// The impairments' random numbers: xoshiro128** seeded through splitmix32, so that a lab given a
// seed drops, delays and corrupts the same frames on every run. Plain number fields and
// Math.imul: nothing allocated per draw, no library called per frame.

export class Prng {
  private a = 0;
  private b = 0;
  private c = 0;
  private d = 0;
  /** Box–Muller makes normals in pairs: the second waits here. */
  private spare = 0;
  private hasSpare = false;

  constructor(seed: number) { this.reseed(seed); }

  /** Restarts the sequence from seed (any integer; the same seed gives the same sequence). */
  reseed(seed: number): void {
    let s = seed >>> 0;
    const next = (): number => {
      // splitmix32: spreads any seed, 0 included, over a state xoshiro can start from
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next(); this.b = next(); this.c = next(); this.d = next();
    this.hasSpare = false;
  }

  /** A uniform 32-bit unsigned integer. */
  u32(): number {
    const r = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return r;
  }

  /** Uniform in [0, 1). */
  uniform(): number { return this.u32() / 4294967296; }

  /** True with probability p (0..1). */
  chance(p: number): boolean { return p > 0 && this.u32() < p * 4294967296; }

  /** Standard normal (mean 0, deviation 1), Box–Muller. */
  normal(): number {
    if (this.hasSpare) { this.hasSpare = false; return this.spare; }
    const u = 1 - this.uniform(); // (0, 1]: log stays finite
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    this.hasSpare = true;
    return r * Math.cos(2 * Math.PI * v);
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
