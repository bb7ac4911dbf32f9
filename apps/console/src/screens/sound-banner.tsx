import { useEffect, useState } from 'preact/hooks';
import { audioContext, soundBlocked, unlockSound } from '../alarm';
import { useApp } from '../context';

/**
 * Says so while the browser keeps the alarm sound off (the page was opened or reloaded without a
 * click: an alarm screen after a power cut or a restart), until any click or key press turns it on.
 * `onWarning`: the line on a school's full-screen warning (or its test), which covers the banner at
 * the top; it asks for a press on itself, not anywhere (the confirm button is there too).
 */
export function SoundBanner({ onWarning = false }: { onWarning?: boolean }) {
  const { t } = useApp();
  const [blocked, setBlocked] = useState(soundBlocked);
  useEffect(() => {
    const ctx = audioContext();
    if (!ctx) return;
    const update = () => setBlocked(ctx.state === 'suspended');
    const unlock = () => void unlockSound().then(update);
    ctx.addEventListener('statechange', update);
    addEventListener('pointerdown', unlock, true);
    addEventListener('keydown', unlock, true);
    return () => {
      ctx.removeEventListener('statechange', update);
      removeEventListener('pointerdown', unlock, true);
      removeEventListener('keydown', unlock, true);
    };
  }, []);
  if (!blocked) return null;
  return (
    <button class="sound-banner" data-testid={onWarning ? 'school-sound-blocked' : 'sound-blocked'} onClick={() => void unlockSound()}>
      {t(onWarning ? 'school.soundBlocked' : 'alarm.soundBlocked')}
    </button>
  );
}
