import type { SweepCursor } from './camera-status.repository';
import { PagedSweep, type SweepList } from './paged-sweep';

/** A list of cameras ordered by `at`, read as the repository's queries read theirs (after the cursor). */
function listOf(ats: number[], handle: (at: number) => Promise<boolean>) {
  const rows = ats.map((at, i) => ({ at, cameraId: `cam-${i}` }));
  const reads: (SweepCursor | undefined)[] = [];
  const failed: string[] = [];
  const list: SweepList<SweepCursor> = {
    read: async (cursor, limit) => {
      reads.push(cursor);
      return rows.filter((r) => !cursor || r.at > cursor.at || (r.at === cursor.at && r.cameraId > cursor.cameraId)).slice(0, limit);
    },
    cursorOf: (row) => row,
    handle: (row) => handle(row.at),
    failed: (row) => void failed.push(row.cameraId),
  };
  return { list, reads, failed };
}

describe('a paged sweep', () => {
  it('passes over a row that fails, counts the others, and starts again from the beginning once read to the end', async () => {
    const { list, reads, failed } = listOf([1, 2, 3, 4, 5], async (at) => {
      if (at === 2) throw new Error('database away');
      return at !== 4; // 4 is not due yet: not counted, not retried this round
    });
    const sweep = new PagedSweep(list, 2, 5);
    expect(await sweep.run()).toBe(3);
    expect(failed).toEqual(['cam-1']);
    expect(reads).toEqual([undefined, { at: 2, cameraId: 'cam-1' }, { at: 4, cameraId: 'cam-3' }]);
    reads.length = 0;
    await sweep.run();
    expect(reads[0]).toBeUndefined();
  });

  it('reads at most its pages a round, and the next round goes on where it stopped', async () => {
    const { list, reads } = listOf([1, 2, 3, 4, 5, 6, 7], async () => true);
    const sweep = new PagedSweep(list, 2, 2);
    expect(await sweep.run()).toBe(4);
    expect(await sweep.run()).toBe(3);
    expect(reads).toEqual([undefined, { at: 2, cameraId: 'cam-1' }, { at: 4, cameraId: 'cam-3' }, { at: 6, cameraId: 'cam-5' }]);
  });

  it('skips rows without a place in the order, which do not move the cursor', async () => {
    const handled: number[] = [];
    const { list, reads } = listOf([1, 2, 3], async (at) => {
      handled.push(at);
      return true;
    });
    const sweep = new PagedSweep({ ...list, cursorOf: (row) => (row.at === 3 ? null : row) }, 3, 2);
    expect(await sweep.run()).toBe(2);
    expect(handled).toEqual([1, 2]);
    expect(reads).toEqual([undefined, { at: 2, cameraId: 'cam-1' }]);
  });
});
