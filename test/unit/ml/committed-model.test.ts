/** The bundle committed at models/facility-rating/ is what `npm start` serves: the current code must load it. */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUNDLE_FORMAT_VERSION, loadBundleFromDir, packBundle, readJsonFile, unpackBundle } from '../../../src/ml/bundle.js';
import { FEATURE_STATE_VERSION, type FeatureState } from '../../../src/ml/features.js';
import { FacilityClassifier } from '../../../src/ml/classifier.js';
import { REPO_ROOT } from '../../../src/paths.js';
import { normalizeFacilityInput } from '../../../src/ml/clean.js';
import { loadTfjsModel, predictWithTfjs } from '../../../src/ml/tfjs-reference.js';
import { LABELS } from '../../../src/ml/types.js';

const featureStateOf = (bundle: Awaited<ReturnType<typeof loadBundleFromDir>>) => readJsonFile<FeatureState>(bundle, 'features.json');

const modelDir = path.join(REPO_ROOT, 'models/facility-rating');

describe('committed model bundle (models/facility-rating)', () => {
  it('loads with the current code and predicts', async () => {
    const bundle = await loadBundleFromDir(modelDir);
    expect(bundle.metadata.formatVersion).toBe(BUNDLE_FORMAT_VERSION);
    // trained with the location-aware features
    expect(featureStateOf(bundle).version).toBe(FEATURE_STATE_VERSION);
    expect(bundle.metadata.labels).toEqual([...LABELS]);
    const classifier = FacilityClassifier.fromBundle(bundle);
    const records = [
      normalizeFacilityInput({ facilityName: 'Kasubi HC III', services: 'OPD, Laboratory, Maternity', latitude: 0.327, longitude: 32.55, careSystem: 'GOVT', operatingHours: 'Monday: Open 24 hours', subcounty: 'Rubaga Division' }),
      normalizeFacilityInput({ facilityName: 'Never Seen Drug Shop', subcounty: 'Unknown Subcounty' }),
      normalizeFacilityInput({}),
    ];
    const predictions = classifier.predict(records);
    for (const p of predictions) {
      expect(LABELS).toContain(p.label);
      expect(p.probabilities.LOW + p.probabilities.MEDIUM + p.probabilities.HIGH).toBeCloseTo(1, 5);
    }
    const model = await loadTfjsModel(bundle);
    const ref = predictWithTfjs(model, bundle, records);
    model.dispose();
    const fast = classifier.predictProbabilities(records);
    fast.forEach((v, i) => expect(Math.abs(v - (ref[i] as number))).toBeLessThan(1e-5));
    expect(unpackBundle(packBundle(bundle)).metadata).toEqual(bundle.metadata);
  });

  it('was trained honestly: test macro-F1 clears the majority baseline', async () => {
    const { metrics } = (await loadBundleFromDir(modelDir)).metadata;
    expect(metrics.macroF1).toBeGreaterThan(metrics.majorityBaselineMacroF1 + 0.1);
    expect(metrics.testRows).toBeGreaterThan(400);
    // three figures: all test rows, rows at known places, rows at new places (the honest, weaker one)
    expect((metrics.knownPlaceRows ?? 0) + (metrics.newPlaceRows ?? 0)).toBe(metrics.testRows);
    expect(metrics.newPlaceRows).toBeGreaterThan(50);
    expect(metrics.knownPlaceRows).toBeGreaterThan(200);
    expect(metrics.knownPlaceMacroF1).toBeGreaterThan(metrics.macroF1);
    expect(metrics.newPlaceMacroF1).toBeGreaterThan(metrics.majorityBaselineMacroF1);
    expect(metrics.newPlaceMacroF1).toBeLessThan(metrics.macroF1);
    expect(metrics.unseenLocationMacroF1).toBe(metrics.newPlaceMacroF1);
  });
});
