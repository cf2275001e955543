import fc from 'fast-check';
import { MinHeap } from './min-heap';

describe('MinHeap', () => {
  it('pops items in ascending order under its comparator', () => {
    fc.assert(
      fc.property(fc.array(fc.integer()), (items) => {
        const heap = new MinHeap<number>((a, b) => a - b);
        for (const item of items) heap.push(item);
        expect(heap.size).toBe(items.length);
        const popped: number[] = [];
        for (let next = heap.pop(); next !== undefined; next = heap.pop()) popped.push(next);
        expect(popped).toEqual([...items].sort((a, b) => a - b));
        expect(heap.size).toBe(0);
      }),
    );
  });
});
