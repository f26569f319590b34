import { describe, expect, it } from 'vitest';
import { BlockManager, blockHash, StopMatcher, serveCommand } from '../src/index.js';

describe('BlockManager', () => {
  it('reserves worst case at admission and refuses what does not fit', () => {
    const m = new BlockManager(4, 4);
    expect(m.admit([], 9)).toBe(3);           // ceil(9 / 4)
    expect(m.admit([], 8)).toBeNull();        // 2 more would exceed 4
    expect(m.available()).toBe(1);
    const b = [m.allocate(), m.allocate()];
    expect(new Set(b).size).toBe(2);
    m.unreserve(1);
    expect(m.available()).toBe(2);
    b.forEach((x) => m.release(x));
    expect(m.stats()).toMatchObject({ used: 0, free: 4, reserved: 0 });
    expect(() => m.release(b[0])).toThrow();
  });

  it('prefix cache: chain hashes, never the last token, LRU eviction of unreferenced cached blocks', () => {
    const m = new BlockManager(3, 2);
    const toks = [1, 2, 3, 4, 5];
    expect(m.admit([], 5)).toBe(3);
    const blocks = [m.allocate(), m.allocate(), m.allocate()];
    const p0 = m.matchPrefix(toks);
    expect(p0.blocks).toEqual([]);
    // register the two full blocks under their chain hashes, as the scheduler does
    const h1 = blockHash('', [1, 2]);
    const h2 = blockHash(h1, [3, 4]);
    m.register(blocks[0], h1);
    m.register(blocks[1], h2);
    blocks.forEach((b) => m.release(b));
    expect(m.stats()).toMatchObject({ cached: 2, free: 1, used: 0 });
    expect(m.matchPrefix([1, 2, 3, 4, 9]).blocks).toEqual([blocks[0], blocks[1]]);
    expect(m.matchPrefix([1, 2, 3, 4]).blocks).toEqual([blocks[0]]);   // last token must be recomputed
    expect(m.matchPrefix([1, 2, 7, 7, 7]).blocks).toEqual([blocks[0]]);
    expect(m.matchPrefix([9, 2, 3, 4, 5]).blocks).toEqual([]);
    // pinning a cached prefix takes it out of the LRU; a big admission evicts only unpinned cached blocks
    expect(m.admit([blocks[0]], 4)).toBe(1);
    expect(m.available()).toBe(1);
    const nb = m.allocate();
    expect([blocks[1], blocks[2]]).toContain(nb);
    expect(m.admit([], 3)).toBeNull();
  });
});

describe('StopMatcher', () => {
  it('holds back possible stop-string prefixes across chunks and cuts at the first stop', () => {
    const s = new StopMatcher(['END', '\n\n']);
    expect(s.push('hello E')).toEqual({ emit: 'hello ', stopped: false });
    expect(s.push('N')).toEqual({ emit: '', stopped: false });
    expect(s.push('X more\n')).toEqual({ emit: 'ENX more', stopped: false });
    expect(s.push('\nafter')).toEqual({ emit: '', stopped: true });
    const t = new StopMatcher(['abc']);
    expect(t.push('xxab')).toEqual({ emit: 'xx', stopped: false });
    expect(t.flush()).toBe('ab');
  });
});

describe('serveCommand', () => {
  it('rejects a command line without models and bad numbers, before loading anything', async () => {
    const logs: string[] = [];
    await expect(serveCommand([], { log: (s) => logs.push(s), installSignals: false })).rejects.toThrow(/--model/);
    expect(logs[0]).toMatch(/Usage: mlx serve/);
    await expect(serveCommand(['--bogus'], { installSignals: false })).rejects.toThrow();
  });
});
