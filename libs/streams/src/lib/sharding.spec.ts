import { instanceFor, shouldHandle } from './sharding';

// replication.md §11.9: key → residues mod 2..5 and the pick among [p1, p2, p3].
const VECTORS: Array<[string, number[], string]> = [
  ['!abc:example.com', [0, 0, 2, 1], 'p1'],
  ['!room2:example.com', [0, 1, 0, 4], 'p2'],
  ['remote.example.org', [0, 2, 2, 0], 'p3'],
  ['@alice:example.com', [0, 0, 2, 1], 'p1'],
  ['!xyz:example.com', [0, 2, 0, 2], 'p3'],
];

describe('instanceFor', () => {
  it.each(VECTORS)('%s matches the reference residues', (key, residues, pick) => {
    residues.forEach((residue, i) => {
      const instances = Array.from({ length: i + 2 }, (_, j) => `i${j}`);
      expect(instanceFor(key, instances)).toBe(`i${residue}`);
    });
    expect(instanceFor(key, ['p1', 'p2', 'p3'])).toBe(pick);
  });

  it('returns the only instance without hashing', () => {
    expect(instanceFor('anything', ['solo'])).toBe('solo');
  });

  it('refuses an empty instance list', () => {
    expect(() => instanceFor('!abc:example.com', [])).toThrow(/no instance/);
  });

  it('shouldHandle is true only for the chosen instance', () => {
    expect(shouldHandle('p2', '!room2:example.com', ['p1', 'p2', 'p3'])).toBe(true);
    expect(shouldHandle('p1', '!room2:example.com', ['p1', 'p2', 'p3'])).toBe(false);
    expect(shouldHandle('p1', '!room2:example.com', [])).toBe(false);
  });
});
