// A binary max-heap of (count, pair) for the BPE trainer. Order: higher count first; among equal counts the
// pair with the smaller (left id, right id) — the order of HF's BpeTrainer, so our merges match its merges.
// Entries may go stale (a pair's count only falls after it is pushed); the trainer checks on pop.

export interface PairEntry {
  count: number;
  /** left id × PAIR_KEY_BASE + right id: comparing keys compares (left, right) lexicographically. */
  key: number;
}

function before(x: PairEntry, y: PairEntry): boolean {
  return x.count > y.count || (x.count === y.count && x.key < y.key);
}

export class PairQueue {
  private readonly heap: PairEntry[] = [];

  get size(): number {
    return this.heap.length;
  }

  push(entry: PairEntry): void {
    const heap = this.heap;
    heap.push(entry);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i], heap[parent])) break;
      [heap[i], heap[parent]] = [heap[parent], heap[i]];
      i = parent;
    }
  }

  pop(): PairEntry | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (heap.length === 0 || last === undefined) return top;
    heap[0] = last;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let best = i;
      if (left < heap.length && before(heap[left], heap[best])) best = left;
      if (right < heap.length && before(heap[right], heap[best])) best = right;
      if (best === i) break;
      [heap[i], heap[best]] = [heap[best], heap[i]];
      i = best;
    }
    return top;
  }
}
