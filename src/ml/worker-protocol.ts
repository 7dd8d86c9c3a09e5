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
}

/** From the API process to the training process. */
export type TrainRequestMessage =
  | { type: 'start'; data: TrainWorkerData }
  /** stop at the next batch boundary and answer with a TrainingCancelledError */
  | { type: 'cancel' };

/** From the training process to the API process. */
export type TrainWorkerMessage =
  | { type: 'epoch'; metrics: EpochMetrics }
  | { type: 'log'; message: string }
  | { type: 'done'; outcome: TrainingOutcome }
  | { type: 'error'; error: { name: string; message: string; stack?: string; field?: string } };
