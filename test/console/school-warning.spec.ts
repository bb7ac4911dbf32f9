// The headline of a school's full-screen warning, for every rule the API stores.
import { alertEventSchema } from '../../apps/alerts-api/src/alerts/alert-event.schema';
import { CAMERA_HEALTH_RULES } from '../../apps/alerts-api/src/shared/camera-health-rules';
import { schoolWarningTitle } from '../../apps/console/src/alert-text';
import { LANGS, translate } from '../../apps/console/src/i18n';

describe("a school's warning headline", () => {
  const rules = alertEventSchema.shape.rule.options;

  it('says possible drowning for the rules about people, and camera fault for the camera health rules', () => {
    expect(rules.filter((r) => CAMERA_HEALTH_RULES.has(r))).toHaveLength(CAMERA_HEALTH_RULES.size);
    for (const lang of LANGS) {
      for (const rule of rules) {
        const expected = translate(lang, CAMERA_HEALTH_RULES.has(rule) ? 'school.cameraFault' : 'school.warning');
        expect({ lang, rule, title: schoolWarningTitle(lang, { rule }) }).toEqual({ lang, rule, title: expected });
      }
    }
    expect(schoolWarningTitle('zh-CN', { rule: 'vanish_in_water' })).toBe('疑似溺水');
    expect(schoolWarningTitle('zh-CN', { rule: 'camera_covered' })).toBe('摄像头故障：该处的溺水预警可能无法发出');
    expect(schoolWarningTitle('en', { rule: 'camera_offline' })).toBe('Camera fault: drowning warnings from it may not come');
  });
});
