// Calls pressed on a site card go into the alert's record. A double click on the phone link, or a
// second press while the phone still rings, must not record a second call: the record is what the
// review reads afterwards ("called the grid worker twice?").

/** The same number, pressed again for the same alert within this long, adds no entry. */
export const CALL_REPEAT_MS = 10_000;

/** Which presses to record: the first of each (alert, number) within CALL_REPEAT_MS. */
export class CallRepeatGuard {
  private readonly lastPressAt = new Map<string, number>();

  constructor(private readonly repeatMs = CALL_REPEAT_MS) {}

  /** Whether a press at `at` (ms) is to be recorded; if so it counts as the last one. */
  take(alertId: string, phone: string, at: number): boolean {
    const key = `${alertId}\n${phone}`;
    if (at - (this.lastPressAt.get(key) ?? -Infinity) < this.repeatMs) return false;
    this.lastPressAt.set(key, at);
    return true;
  }

  /**
   * A press at `at`: `record` is called when it is to be recorded, and resolves whether it was; one
   * not recorded is released, so that a press again records it.
   */
  press(alertId: string, phone: string, at: number, record: () => Promise<boolean>): void {
    if (!this.take(alertId, phone, at)) return;
    void record().then((recorded) => recorded || this.release(alertId, phone, at));
  }

  /**
   * The press taken at `at` was not recorded (the API refused or was unreachable): a press again
   * records it. A later press taken meanwhile (this one's answer was slow) stays the last one.
   */
  release(alertId: string, phone: string, at: number): void {
    const key = `${alertId}\n${phone}`;
    if (this.lastPressAt.get(key) === at) this.lastPressAt.delete(key);
  }
}
