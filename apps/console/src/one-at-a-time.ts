import { useRef, useState } from 'preact/hooks';

/** An action that runs one at a time, and whether it runs now (to disable its button meanwhile). */
export interface OneAtATime {
  busy: boolean;
  /** Runs `action` unless the last one still goes: then the call is dropped. */
  run(action: () => Promise<void>): Promise<void>;
}

/**
 * A screen's action, one at a time: a double click sent two creates (two webhooks, two keys), two
 * saves on the same version (the second refused as "changed by someone else"), or a second
 * transition the API took for someone else's. A ref decides, not the state: two clicks in one frame
 * both see the state as it was.
 */
export function useOneAtATime(): OneAtATime {
  const running = useRef(false);
  const [busy, setBusy] = useState(false);
  const run = async (action: () => Promise<void>): Promise<void> => {
    if (running.current) return;
    running.current = true;
    setBusy(true);
    try {
      await action();
    } finally {
      running.current = false;
      setBusy(false);
    }
  };
  return { busy, run };
}
