import { useEffect, useState } from 'preact/hooks';
import { isCameraChangedMeanwhile } from '../api';
import { useApp } from '../context';
import { useOneAtATime } from '../one-at-a-time';
import { type ContactRow, siteFromForm } from '../site';
import type { Camera } from '../types';

/**
 * The camera's scene on the ground: address, directions, coordinates, people to call, where the
 * rescue equipment is. Shown with every alert of the camera and on a school's drowning warning.
 */
export function SiteEditorScreen({ cameraId }: { cameraId: string }) {
  const { api, t, navigate } = useApp();
  const [camera, setCamera] = useState<Camera | null>(null);
  const [form, setForm] = useState({ address: '', directions: '', lat: '', lon: '', rescueEquipment: '', contacts: [] as ContactRow[] });
  /** `reload`: the save was refused, the camera changed meanwhile; offers to load it as it is now. */
  const [message, setMessage] = useState<{ ok: boolean; text: string; reload?: boolean } | null>(null);
  const saving = useOneAtATime();
  const reset = (c: Camera) => {
    setCamera(c);
    const s = c.site;
    setForm({
      address: s?.address ?? '',
      directions: s?.directions ?? '',
      lat: s?.location ? String(s.location.lat) : '',
      lon: s?.location ? String(s.location.lon) : '',
      rescueEquipment: s?.rescueEquipment ?? '',
      contacts: (s?.contacts ?? []).map((c) => ({ name: c.name, role: c.role ?? '', phone: c.phone })),
    });
  };
  // Not again on a token renewal (a new `api`): that would throw away what is being typed.
  useEffect(() => {
    api.camera(cameraId).then(reset, (err: Error) => setMessage({ ok: false, text: err.message }));
  }, [cameraId]);
  if (!camera) return <p>{message ? t('common.error', { message: message.text }) : t('common.loading')}</p>;

  const set = (field: keyof typeof form) => (e: Event) => setForm({ ...form, [field]: (e.target as HTMLInputElement).value });
  const setContact = (i: number, field: keyof ContactRow) => (e: Event) =>
    setForm({ ...form, contacts: form.contacts.map((c, j) => (j === i ? { ...c, [field]: (e.target as HTMLInputElement).value } : c)) });
  // Saved on the version loaded (the form may stand open for an hour): a site changed meanwhile — the
  // village head's number an admin added — is refused, not overwritten. One save at a time: a double
  // click's second save, on the same version, would be refused as changed by someone else.
  const save = (e: Event) => {
    e.preventDefault();
    void saving.run(async () => {
      try {
        reset(await api.saveSite(cameraId, siteFromForm(form), camera.updatedAt));
        setMessage({ ok: true, text: t('site.saved') });
      } catch (err) {
        if (isCameraChangedMeanwhile(err)) setMessage({ ok: false, text: t('site.changedMeanwhile'), reload: true });
        else setMessage({ ok: false, text: (err as Error).message });
      }
    });
  };
  /** The camera as stored now (after a save refused as built on an older copy): what is typed here is dropped. */
  const reload = () =>
    api.camera(cameraId).then(
      (c) => (reset(c), setMessage(null)),
      (err: Error) => setMessage({ ok: false, text: err.message, reload: true }),
    );
  return (
    <section class="site-editor" data-testid="site-editor">
      <a href="#" onClick={(e) => (e.preventDefault(), navigate('cameras'))}>
        ← {t('nav.cameras')}
      </a>
      <h2>
        {t('site.title')} — {camera.name ?? camera.id}
      </h2>
      <p class="hint">{t('site.hint')}</p>
      <form onSubmit={(e) => void save(e)}>
        <label>
          {t('site.address')}
          <input name="address" maxLength={200} value={form.address} onInput={set('address')} />
        </label>
        <label>
          {t('site.directions')}
          <textarea name="directions" maxLength={500} rows={2} value={form.directions} onInput={set('directions')} />
        </label>
        <fieldset>
          <legend>{t('site.location')}</legend>
          <label>
            {t('site.lat')}
            <input name="lat" inputMode="decimal" value={form.lat} onInput={set('lat')} />
          </label>
          <label>
            {t('site.lon')}
            <input name="lon" inputMode="decimal" value={form.lon} onInput={set('lon')} />
          </label>
        </fieldset>
        <label>
          {t('site.rescue')}
          <textarea name="rescueEquipment" maxLength={300} rows={2} value={form.rescueEquipment} onInput={set('rescueEquipment')} />
        </label>
        <fieldset data-testid="site-contact-rows">
          <legend>{t('site.contacts')}</legend>
          {form.contacts.map((c, i) => (
            <div class="contact-row" data-testid="site-contact-row">
              <input name="contact-name" placeholder={t('site.contactName')} maxLength={40} value={c.name} onInput={setContact(i, 'name')} />
              <input name="contact-role" placeholder={t('site.contactRole')} maxLength={40} value={c.role} onInput={setContact(i, 'role')} />
              <input name="contact-phone" type="tel" placeholder={t('site.contactPhone')} value={c.phone} onInput={setContact(i, 'phone')} />
              <button type="button" onClick={() => setForm({ ...form, contacts: form.contacts.filter((_, j) => j !== i) })}>
                {t('admin.delete')}
              </button>
            </div>
          ))}
          {form.contacts.length < 10 && (
            <button type="button" data-testid="site-add-contact" onClick={() => setForm({ ...form, contacts: [...form.contacts, { name: '', role: '', phone: '' }] })}>
              {t('site.addContact')}
            </button>
          )}
        </fieldset>
        <button class="primary" type="submit" data-testid="site-save" disabled={saving.busy}>
          {t('admin.save')}
        </button>
      </form>
      {message && (
        <p class={message.ok ? 'ok' : 'error'} data-testid="site-message">
          {message.text}
          {message.reload && (
            <button type="button" data-testid="site-reload" onClick={() => void reload()}>
              {t('zones.reload')}
            </button>
          )}
        </p>
      )}
    </section>
  );
}
