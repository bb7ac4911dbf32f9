import { SnapshotSlots, type SnapshotSlot } from './snapshot-slots';

const flushPromises = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('SnapshotSlots', () => {
  it('gives slots at once while free, then in the order asked as they free', async () => {
    const slots = new SnapshotSlots(2);
    const live = new AbortController().signal;
    const a = await slots.acquire(live);
    const b = await slots.acquire(live);
    const granted: string[] = [];
    const c = slots.acquire(live).then((slot) => (granted.push('c'), slot));
    const d = slots.acquire(live).then((slot) => (granted.push('d'), slot));
    await flushPromises();
    expect(granted).toEqual([]);
    b.release();
    await flushPromises();
    expect(granted).toEqual(['c']);
    b.release(); // a second release of the same slot frees nothing
    await flushPromises();
    expect(granted).toEqual(['c']);
    a.release();
    expect(await d).toBeDefined();
    expect(granted).toEqual(['c', 'd']);
    (await c).release();
  });

  it('drops a waiter whose deadline passes, and the freed slot goes to the next one', async () => {
    const slots = new SnapshotSlots(1);
    const held = await slots.acquire(new AbortController().signal);
    const deadline = new AbortController();
    const late = slots.acquire(deadline.signal);
    const next = slots.acquire(new AbortController().signal);
    deadline.abort();
    await expect(late).rejects.toThrow('snapshot deadline passed before a write slot was free');
    held.release();
    expect(await next).toBeDefined();
    await expect(slots.acquire(deadline.signal)).rejects.toThrow('snapshot deadline passed');
  });

  it('refuses at once while every slot is held by an abandoned write, and takes turns again when one settles', async () => {
    const slots = new SnapshotSlots(2);
    const live = new AbortController().signal;
    const hung: SnapshotSlot[] = [await slots.acquire(live), await slots.acquire(live)];
    hung[0].abandon();
    const waiting = slots.acquire(live); // one slot is held by a write still wanted: wait for it
    hung[1].abandon();
    hung[1].abandon(); // counted once
    await expect(slots.acquire(live)).rejects.toThrow('2 earlier snapshots are still being written (SNAPSHOT_DIR on a stalled share?)');
    hung[0].release();
    const slot = await waiting;
    slot.release();
    expect(await slots.acquire(live)).toBeDefined();
  });

  it('rejects a size that is not a whole number of at least 1', () => {
    expect(() => new SnapshotSlots(0)).toThrow('snapshot write slots must be a whole number ≥ 1, got 0');
  });
});
