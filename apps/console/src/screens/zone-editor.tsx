import { useEffect, useRef, useState } from 'preact/hooks';
import { isCameraChangedMeanwhile } from '../api';
import { useApp } from '../context';
import { useOneAtATime } from '../one-at-a-time';
import type { Camera, Line, Point, Rule, Zone } from '../types';
import { useImage } from '../use-image';
import { freshId, svgPoints, toNormalized } from '../zone-geometry';
import { PicturePlaceholder } from './picture-placeholder';
import { RulesEditor } from './rules-editor';

type Selection = { kind: 'zone' | 'line'; index: number } | null;
type Drawing = { kind: 'zone'; type: Zone['type']; points: Point[] } | { kind: 'line'; points: Point[] } | null;
const ZONE_TYPES: Zone['type'][] = ['water', 'no_fishing', 'crowd_area', 'generic', 'ignore'];

/**
 * Zones (polygons) and tripwires drawn on the camera's latest frame, plus its rules. Saving PUTs
 * them to the API, which publishes the camera's configuration to the workers (no restart).
 */
export function ZoneEditorScreen({ cameraId }: { cameraId: string }) {
  const { api, t, tv, feed, user } = useApp();
  // Viewers may look at the zones; changing them is the API's admin and operator business (a 403 on Save).
  const canEdit = user.role === 'admin' || user.role === 'operator';
  const [camera, setCamera] = useState<Camera | null>(null);
  const [zones, setZones] = useState<Zone[]>([]);
  const [lines, setLines] = useState<Line[]>([]);
  const [rules, setRules] = useState<Rule[] | null>(null);
  const [rulesDirty, setRulesDirty] = useState(false);
  const [selected, setSelected] = useState<Selection>(null);
  const [drawing, setDrawing] = useState<Drawing>(null);
  const [newType, setNewType] = useState<Zone['type']>('water');
  /** `reload`: the save was refused, the camera changed meanwhile; offers to load it as it is now. */
  const [message, setMessage] = useState<{ ok: boolean; text: string; reload?: boolean } | null>(null);
  const drag = useRef<{ kind: 'zone' | 'line'; index: number; vertex: number } | null>(null);
  const svg = useRef<SVGSVGElement>(null);
  // the camera's own stream, not the analyzer's 416 px picture: zones are drawn on it
  const frame = useImage(api, `/cameras/${encodeURIComponent(cameraId)}/frame?source=camera`);

  const [rulesShown, setRulesShown] = useState(0); // remounts the rules form when the rules are replaced
  const reset = (c: Camera) => {
    setCamera(c);
    setZones(c.zones);
    setLines(c.lines);
    setRules(c.rules);
    setRulesDirty(false);
    setRulesShown((n) => n + 1);
  };
  // Not again on a token renewal (a new `api`): that would throw away what is being drawn.
  useEffect(() => {
    api.camera(cameraId).then(reset, (err: Error) => setMessage({ ok: false, text: err.message }));
  }, [cameraId]);

  const pointOf = (e: MouseEvent): Point => toNormalized(e.clientX, e.clientY, (svg.current as SVGSVGElement).getBoundingClientRect());
  const onClick = (e: MouseEvent) => {
    if (!drawing) return;
    const points = [...drawing.points, pointOf(e)];
    if (drawing.kind === 'line' && points.length === 2) {
      setLines([...lines, { id: freshId('line', lines.map((l) => l.id)), points: [points[0], points[1]] }]);
      setSelected({ kind: 'line', index: lines.length });
      setDrawing(null);
    } else setDrawing({ ...drawing, points } as Drawing);
  };
  const finish = () => {
    if (drawing?.kind === 'zone' && drawing.points.length >= 3) {
      setZones([...zones, { id: freshId(drawing.type, zones.map((z) => z.id)), type: drawing.type, polygon: drawing.points }]);
      setSelected({ kind: 'zone', index: zones.length });
    }
    setDrawing(null);
  };
  const onMove = (e: MouseEvent) => {
    const d = drag.current;
    if (!d) return;
    const p = pointOf(e);
    if (d.kind === 'zone') setZones(zones.map((z, i) => (i === d.index ? { ...z, polygon: z.polygon.map((q, j) => (j === d.vertex ? p : q)) } : z)));
    else setLines(lines.map((l, i) => (i === d.index ? { ...l, points: l.points.map((q, j) => (j === d.vertex ? p : q)) as [Point, Point] } : l)));
  };
  // One save at a time: a double click sent two saves on the same version, and the second's refusal
  // (409, "changed by someone else") was shown although the zones were saved.
  const saving = useOneAtATime();
  const save = () =>
    saving.run(async () => {
      if (!camera) return;
      let zonesSaved: Camera | null = null;
      try {
        // Each save names the version it was built on: the camera as loaded, then as the zones save left
        // it. A save in between (another operator, another tab) is refused, not undone by this older copy.
        zonesSaved = await api.saveZones(cameraId, zones, lines, camera.updatedAt);
        const saved = rulesDirty ? await api.saveRules(cameraId, rules, zonesSaved.updatedAt) : zonesSaved;
        reset(saved);
        setMessage({ ok: true, text: t('zones.saved') });
      } catch (err) {
        // The zones were saved, the rules not: that save is the camera now, and Save again builds on it.
        if (zonesSaved) setCamera(zonesSaved);
        if (isCameraChangedMeanwhile(err)) setMessage({ ok: false, text: t(zonesSaved ? 'zones.rulesChangedMeanwhile' : 'zones.changedMeanwhile'), reload: true });
        else setMessage({ ok: false, text: (err as Error).message });
      }
    });
  /** The camera as stored now (after a save refused as built on an older copy): what is drawn here is dropped. */
  const reload = () =>
    api.camera(cameraId).then(
      (c) => (reset(c), setSelected(null), setDrawing(null), setMessage(null)),
      (err: Error) => setMessage({ ok: false, text: err.message, reload: true }),
    );
  const updateZone = (index: number, patch: Partial<Zone>) => setZones(zones.map((z, i) => (i === index ? { ...z, ...patch } : z)));
  const vertex = (kind: 'zone' | 'line', index: number, points: Point[]) =>
    points.map(([x, y], v) => <circle cx={x * 1000} cy={y * 1000} r={9} class="vertex" onMouseDown={(e) => (e.stopPropagation(), (drag.current = { kind, index, vertex: v }))} />);

  if (!camera) return <p>{message ? t('common.error', { message: message.text }) : t('common.loading')}</p>;
  return (
    <section class="zones" data-testid="zone-editor">
      <h2>{t('zones.title', { camera: camera.name ?? camera.id })}</h2>
      {[...feed.alerts.values()].some((a) => a.cameraId === cameraId && a.rule === 'camera_moved' && a.state !== 'resolved') && (
        // The zones were drawn on another view: redrawing them here (on the latest frame) and saving makes this the camera's view.
        <p class="warning" data-testid="view-changed">
          {t('zones.viewChanged')}
        </p>
      )}
      {!canEdit && (
        <p class="hint" data-testid="zones-read-only">
          {t('zones.readOnly')}
        </p>
      )}
      <div class="toolbar" hidden={!canEdit}>
        <select value={newType} onChange={(e) => setNewType((e.target as HTMLSelectElement).value as Zone['type'])} data-testid="new-zone-type">
          {ZONE_TYPES.map((z) => (
            <option value={z}>{tv('zones.type', z)}</option>
          ))}
        </select>
        <button data-testid="new-zone" onClick={() => setDrawing({ kind: 'zone', type: newType, points: [] })}>
          {t('zones.newZone')}
        </button>
        <button data-testid="new-line" onClick={() => setDrawing({ kind: 'line', points: [] })}>
          {t('zones.newLine')}
        </button>
        {drawing?.kind === 'zone' && (
          <button data-testid="finish-zone" disabled={drawing.points.length < 3} onClick={finish}>
            {t('zones.finish')}
          </button>
        )}
        <button class="primary" data-testid="save-zones" disabled={saving.busy} onClick={() => void save()}>
          {t('zones.save')}
        </button>
        <span class="hint">{t('zones.drawHint')}</span>
      </div>
      {message && (
        <p class={message.ok ? 'ok' : 'error'} data-testid="zones-message">
          {message.text}
          {message.reload && (
            <button data-testid="zones-reload" onClick={() => void reload()}>
              {t('zones.reload')}
            </button>
          )}
        </p>
      )}
      <div class="canvas-wrap">
        {frame.url ? <img src={frame.url} alt="" /> : <PicturePlaceholder frame={frame} class="placeholder frame-missing" />}
        <svg ref={svg} viewBox="0 0 1000 1000" preserveAspectRatio="none" data-testid="zone-canvas" class={drawing ? 'drawing' : ''} onClick={onClick} onMouseMove={onMove} onMouseUp={() => (drag.current = null)} onMouseLeave={() => (drag.current = null)}>
          {zones.map((z, i) => (
            <g class={`zone zone-${z.type} ${selected?.kind === 'zone' && selected.index === i ? 'selected' : ''}`} onClick={(e) => !drawing && (e.stopPropagation(), setSelected({ kind: 'zone', index: i }))}>
              <polygon points={svgPoints(z.polygon)} />
              {selected?.kind === 'zone' && selected.index === i && vertex('zone', i, z.polygon)}
            </g>
          ))}
          {lines.map((l, i) => (
            <g class="tripwire" onClick={(e) => !drawing && (e.stopPropagation(), setSelected({ kind: 'line', index: i }))}>
              <polyline points={svgPoints(l.points)} />
              {selected?.kind === 'line' && selected.index === i && vertex('line', i, l.points)}
            </g>
          ))}
          {drawing && drawing.points.length > 0 && <polyline class="sketch" points={svgPoints(drawing.points)} />}
        </svg>
      </div>
      <table class="zone-list" data-testid="zone-list">
        <thead>
          <tr>
            <th>{t('zones.id')}</th>
            <th>{t('zones.name')}</th>
            <th>{t('zones.type')}</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {zones.map((z, i) => (
            <tr class={selected?.kind === 'zone' && selected.index === i ? 'selected' : ''} onClick={() => setSelected({ kind: 'zone', index: i })}>
              <td>
                <input value={z.id} data-testid="zone-id" onInput={(e) => updateZone(i, { id: (e.target as HTMLInputElement).value })} />
              </td>
              <td>
                <input value={z.name ?? ''} onInput={(e) => updateZone(i, { name: (e.target as HTMLInputElement).value || undefined })} />
              </td>
              <td>
                <select value={z.type} onChange={(e) => updateZone(i, { type: (e.target as HTMLSelectElement).value as Zone['type'] })}>
                  {ZONE_TYPES.map((type) => (
                    <option value={type}>{tv('zones.type', type)}</option>
                  ))}
                </select>
              </td>
              <td>
                <button onClick={(e) => (e.stopPropagation(), setZones(zones.filter((_, j) => j !== i)), setSelected(null))}>{t('zones.delete')}</button>
              </td>
            </tr>
          ))}
          {lines.map((l, i) => (
            <tr>
              <td>
                <input value={l.id} onInput={(e) => setLines(lines.map((q, j) => (j === i ? { ...q, id: (e.target as HTMLInputElement).value } : q)))} />
              </td>
              <td colSpan={2}>{t('zones.lines')}</td>
              <td>
                <button onClick={() => (setLines(lines.filter((_, j) => j !== i)), setSelected(null))}>{t('zones.delete')}</button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <RulesEditor
        key={rulesShown}
        rules={rulesDirty && rules ? rules : camera.effectiveRules}
        explicit={rules !== null}
        onChange={(next) => (setRules(next), setRulesDirty(true), next === null && setRulesShown((n) => n + 1))}
      />
    </section>
  );
}
