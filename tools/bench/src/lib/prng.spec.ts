import { Naming, Prng } from './prng';

describe('Prng (mulberry32)', () => {
  it('gives the reference sequence for seed 1', () => {
    const prng = new Prng(1);
    expect([prng.next(), prng.next(), prng.next()]).toEqual([
      0.6270739405881613, 0.002735721180215478, 0.5274470399599522,
    ]);
  });

  it('repeats for a seed and differs between seeds', () => {
    const draw = (seed: number): number[] => {
      const prng = new Prng(seed);
      return Array.from({ length: 5 }, () => prng.int(1_000_000));
    };
    expect(draw(42)).toEqual(draw(42));
    expect(draw(42)).not.toEqual(draw(43));
  });

  it('keeps int() within [0, n) and hex() at the asked length', () => {
    const prng = new Prng(7);
    const values = Array.from({ length: 1_000 }, () => prng.int(3));
    expect(new Set(values)).toEqual(new Set([0, 1, 2]));
    expect(prng.hex(10)).toMatch(/^[0-9a-f]{10}$/);
  });

  it('pick(seed, k) does not depend on the order the indices are asked in', () => {
    const forward = [0, 1, 2, 3, 4, 5].map((k) => Prng.pick(9, k, 10));
    const backward = [5, 4, 3, 2, 1, 0].map((k) => Prng.pick(9, k, 10)).reverse();
    expect(backward).toEqual(forward);
    const spread = new Set(Array.from({ length: 200 }, (_, k) => Prng.pick(9, k, 10)));
    expect(spread.size).toBe(10);
  });
});

describe('Naming', () => {
  it('derives valid, seed-specific localparts', () => {
    const a = new Naming(12345);
    expect(a.localpart('client', 3)).toBe('b9ix_client3');
    expect(a.localpart('client', 3)).toMatch(/^[a-z0-9._=/-]+$/);
    expect(new Naming(12346).localpart('client', 3)).not.toBe(a.localpart('client', 3));
  });

  it('gives each user a stable password of its own', () => {
    const a = new Naming(5);
    expect(a.password('b5_user1')).toBe(new Naming(5).password('b5_user1'));
    expect(a.password('b5_user1')).not.toBe(a.password('b5_user2'));
    expect(a.password('b5_user1')).toMatch(/^[0-9a-f]{24}$/);
  });

  it('never repeats a transaction id within a run', () => {
    const naming = new Naming(5);
    const ids = Array.from({ length: 1_000 }, () => naming.txnId());
    expect(new Set(ids).size).toBe(1_000);
    expect(new Naming(5).txnId()).toBe(ids[0]);
  });
});
