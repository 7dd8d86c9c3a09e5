import { InitialSchema1764230400000 } from './1764230400000-InitialSchema.js';
import { PipelineColumns1764400000000 } from './1764400000000-PipelineColumns.js';
import { PredictionDownloads1764500000000 } from './1764500000000-PredictionDownloads.js';
import { FaultTolerance1764600000000 } from './1764600000000-FaultTolerance.js';
import { EvaluationOnlyDatasets1764650000000 } from './1764650000000-EvaluationOnlyDatasets.js';
import { AccessControl1764700000000 } from './1764700000000-AccessControl.js';
import { Webhooks1764900000000 } from './1764900000000-Webhooks.js';
import { DatasetDrift1764910000000 } from './1764910000000-DatasetDrift.js';
import { CompressedDownloads1764920000000 } from './1764920000000-CompressedDownloads.js';

/** Every migration, in order. Run at startup (never `synchronize`). */
export const MIGRATIONS = [
  InitialSchema1764230400000,
  PipelineColumns1764400000000,
  PredictionDownloads1764500000000,
  FaultTolerance1764600000000,
  EvaluationOnlyDatasets1764650000000,
  AccessControl1764700000000,
  Webhooks1764900000000,
  DatasetDrift1764910000000,
  CompressedDownloads1764920000000,
];
