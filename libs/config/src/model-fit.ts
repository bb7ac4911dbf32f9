import type { CameraConfig } from './camera';
import { effectiveRules } from './defaults';

/** The labels a detector model produces (its manifest's `labels`), under the model's name. */
export interface ModelLabels {
  name: string;
  labels: readonly string[];
}

export interface ModelFitIssue {
  /** Where in the camera: `rules[2] (id 'v').classes[1]`, or `default rule 'pond.vanish'.classes[0]`. */
  field: string;
  message: string;
}

/**
 * The rule classes of `camera` that `model` has no label for. Labels match exactly: a typo
 * ('Person', 'people', 'ship' for 'boat') matches no detection, and the rule — a drowning rule
 * too — would be silently off while the camera looks healthy. The API refuses such a camera when
 * it is saved; the analyzer refuses one that reaches it anyway.
 */
export function ruleLabelIssues(camera: CameraConfig, model: ModelLabels): ModelFitIssue[] {
  const labels = new Set(model.labels);
  const issues: ModelFitIssue[] = [];
  const explicitCount = camera.rules?.length ?? 0;
  effectiveRules(camera).forEach((rule, i) => {
    if (!rule.enabled || !('classes' in rule)) return;
    // Explicit rules (listed first) by their place in the camera; the defaults of the zone types by id only.
    const where = i < explicitCount ? `rules[${i}] (id '${rule.id}')` : `default rule '${rule.id}'`;
    rule.classes.forEach((label, j) => {
      if (!labels.has(label)) issues.push({ field: `${where}.classes[${j}]`, message: `'${label}' is not a label of model ${model.name}` });
    });
  });
  return issues;
}
