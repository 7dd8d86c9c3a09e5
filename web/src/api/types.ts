/** TypeScript shapes of the parts of the Trellis schema the UI reads (see schema/schema.graphql). */
export type RatingClass = 'LOW' | 'MEDIUM' | 'HIGH';
export type CareSystem = 'GOVT' | 'PFP' | 'PNFP';
export type JobStatus = 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED';
export type ModelStatus = 'CANDIDATE' | 'ACTIVE' | 'ARCHIVED';
/** Cumulative API-key roles (schema enum Role). */
export type Role = 'VIEWER' | 'PREDICTOR' | 'TRAINER' | 'ADMIN';
export const ROLES: readonly Role[] = ['VIEWER', 'PREDICTOR', 'TRAINER', 'ADMIN'];

export const LABELS: readonly RatingClass[] = ['LOW', 'MEDIUM', 'HIGH'];
export const CARE_SYSTEMS: readonly CareSystem[] = ['GOVT', 'PFP', 'PNFP'];
export const TERMINAL_STATUSES: readonly JobStatus[] = ['SUCCEEDED', 'FAILED', 'CANCELLED'];

export interface FacilityInput {
  facilityName?: string | null;
  services: string;
  latitude?: number | null;
  longitude?: number | null;
  operatingHours?: string | null;
  website?: string | null;
  phoneNumber?: string | null;
  careSystem: CareSystem;
  subcounty: string;
}

export interface ClassProbability { label: RatingClass; probability: number }
export interface Prediction { label: RatingClass; confidence: number; probabilities: ClassProbability[]; modelVersion: number }
export interface PredictionRowResult { row: number; prediction: Prediction | null; error: string | null }
export interface ClassCount { label: RatingClass; count: number }
export interface BatchPredictionResult {
  rows: number; scored: number; errors: number;
  classCounts: ClassCount[]; results: PredictionRowResult[]; downloadUrl: string; modelVersion: number;
}

export interface EpochMetrics {
  jobId: string; epoch: number; loss: number; accuracy: number;
  valLoss: number | null; valAccuracy: number | null; learningRate: number; durationMs: number;
}

export interface RejectedRow { line: number; column: string | null; reason: string }
export interface NamedCount { name: string; count: number }
export interface LabelCount { label: RatingClass; count: number }
export interface HistogramBin { from: number; to: number; count: number }
export interface FacilityPoint { latitude: number; longitude: number; label: RatingClass | null }
export interface DatasetStats {
  rows: number; labeledRows: number; unlabeledRows: number;
  labelDistribution: LabelCount[];
  missingRates: { column: string; missingRate: number }[];
  careSystemCounts: NamedCount[];
  topServices: NamedCount[];
  ratingHistogram: HistogramBin[];
  points: FacilityPoint[];
}
export interface Dataset {
  id: string; name: string; createdAt: string; fileName: string | null;
  rowCount: number; labeledCount: number; rejectedCount: number; checksum: string;
}
export interface DatasetWithStats extends Dataset { stats: DatasetStats }
export interface DatasetUploadResult {
  dataset: Dataset | null; acceptedCount: number; rejectedCount: number;
  rejectedRows: RejectedRow[]; trainingJob: { id: string; status: JobStatus } | null; trainingSkippedReason: string | null;
  drift: DriftReport | null;
}
export interface DriftReport {
  verdict: 'STABLE' | 'DRIFT' | 'INSUFFICIENT_DATA'; modelVersion: number; rows: number; referenceRows: number; threshold: number;
  features: { feature: string; psi: number; drifted: boolean; bins: { bin: string; reference: number; current: number }[] }[];
}

export interface Hyperparameters {
  learningRate: number; batchSize: number; epochs: number; patience: number;
  hiddenUnits: number[]; dropout: number; l2: number; seed: number;
}
export interface TrainingJob {
  id: string; status: JobStatus; datasetIds: string[]; hyperparameters: Hyperparameters;
  attempts: number; maxAttempts: number; error: string | null; cancelRequested: boolean;
  createdAt: string; startedAt: string | null; finishedAt: string | null; updatedAt: string;
  workerId: string | null;
  model: { version: number; status: ModelStatus; metrics: { macroF1: number } } | null;
}
export interface TrainingJobWithEpochs extends TrainingJob { epochs: EpochMetrics[] }

export interface ClassMetrics { label: RatingClass; precision: number; recall: number; f1: number; support: number }
export interface ModelMetrics {
  accuracy: number; macroF1: number; weightedF1: number; testLoss: number;
  perClass: ClassMetrics[]; confusionMatrix: number[][];
  majorityBaselineMacroF1: number; trainRows: number; validationRows: number; testRows: number;
  /** macro-F1 at known places (coordinates in the training split) and at new places; null when none or not measured */
  knownPlaceMacroF1: number | null; knownPlaceRows: number | null;
  newPlaceMacroF1: number | null; newPlaceRows: number | null;
}
export interface GateDecision {
  promoted: boolean; reason: string; comparedToVersion: number | null;
  candidateMacroF1: number; activeMacroF1: number | null; tolerance: number;
  /** pinned evaluation rows, the macro-F1 difference and its paired-bootstrap interval (null on older decisions) */
  policy: string | null; evaluationRows: number | null; difference: number | null;
  intervalLow: number | null; intervalHigh: number | null; confidence: number | null;
}
export interface ModelVersion {
  version: number; status: ModelStatus; createdAt: string; activatedAt: string | null; archivedAt: string | null;
  trainingJobId: string | null; datasets: { id: string; name: string }[]; rowCount: number;
  hyperparameters: Hyperparameters; metrics: ModelMetrics; gateDecision: GateDecision | null;
  backend: string; checksum: string; sizeBytes: number; source: string;
}
export interface ModelActivation { id: string; fromVersion: number | null; toVersion: number; reason: string; actor: string; createdAt: string }
