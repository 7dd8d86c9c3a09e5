import type { BackendName } from './backend.js';
import type { Hyperparameters } from './hyperparameters.js';
import type { EpochMetrics } from './metrics.js';
import type { TrainingOutcome, TrainOptions } from './train.js';
import type { FacilityRecord } from './types.js';

export interface TrainWorkerData {
  records: readonly FacilityRecord[];
  hyperparameters: Hyperparameters;
  backend?: BackendName;
  /** the serialisable training options */
  options: Pick<TrainOptions, 'splitGroups' | 'classWeightPower' | 'calibrateOffsets' | 'earlyStoppingMetric' | 'featureOptions' | 'holdOutPinned' | 'excludeIdentities'>;
  /** Int32Array over a SharedArrayBuffer; [0] = 1 asks the worker to stop between batches */
  cancelFlag: Int32Array;
}

export type TrainWorkerMessage =
  | { type: 'epoch'; metrics: EpochMetrics }
  | { type: 'log'; message: string }
  | { type: 'done'; outcome: TrainingOutcome }
  | { type: 'error'; error: { name: string; message: string; stack?: string; field?: string } };
