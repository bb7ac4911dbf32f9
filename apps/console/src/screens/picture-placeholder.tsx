import { useApp } from '../context';
import type { ImageState } from '../use-image';

/**
 * Where a camera's picture would be: loading, or why there is none — the reason in the reader's
 * language when the API names one (connection refused, wrong password …), its full message on hover.
 */
export function PicturePlaceholder({ frame, class: className = 'placeholder' }: { frame: ImageState; class?: string }) {
  const { t, tv } = useApp();
  if (!frame.error) return <div class={className}>{t('common.loading')}</div>;
  return (
    <div class={className} title={frame.error} data-testid="no-picture">
      {t('wall.noFrame', { message: frame.reason ? tv('reason', frame.reason) : frame.error })}
    </div>
  );
}
