export { DatasetEntity } from './dataset.entity.js';
export { DatasetRowEntity } from './dataset-row.entity.js';
export { TrainingJobEntity, type JobStatusValue } from './training-job.entity.js';
export { TrainingEpochEntity } from './training-epoch.entity.js';
export { ModelVersionEntity, type ModelStatusValue } from './model-version.entity.js';
export { ModelActivationEntity } from './model-activation.entity.js';

import { DatasetEntity } from './dataset.entity.js';
import { DatasetRowEntity } from './dataset-row.entity.js';
import { TrainingJobEntity } from './training-job.entity.js';
import { TrainingEpochEntity } from './training-epoch.entity.js';
import { ModelVersionEntity } from './model-version.entity.js';
import { ModelActivationEntity } from './model-activation.entity.js';

export const ENTITIES = [
  DatasetEntity,
  DatasetRowEntity,
  TrainingJobEntity,
  TrainingEpochEntity,
  ModelVersionEntity,
  ModelActivationEntity,
];
