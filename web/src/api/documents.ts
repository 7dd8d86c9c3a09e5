/** Every GraphQL operation the UI sends, in one place (names match schema/schema.graphql). */

const PREDICTION = /* GraphQL */ `label confidence modelVersion probabilities { label probability }`;

const HYPERPARAMETERS = /* GraphQL */ `hyperparameters { learningRate batchSize epochs patience hiddenUnits dropout l2 seed }`;

const JOB = /* GraphQL */ `
  id status datasetIds attempts maxAttempts error cancelRequested
  createdAt startedAt finishedAt updatedAt workerId
  ${HYPERPARAMETERS}
  model { version status metrics { macroF1 } }`;

const EPOCH = /* GraphQL */ `jobId epoch loss accuracy valLoss valAccuracy learningRate durationMs`;

const MODEL = /* GraphQL */ `
  version status createdAt activatedAt archivedAt trainingJobId rowCount backend checksum sizeBytes source
  datasets { id name }
  ${HYPERPARAMETERS}
  metrics {
    accuracy macroF1 weightedF1 testLoss majorityBaselineMacroF1 trainRows validationRows testRows knownPlaceMacroF1 knownPlaceRows newPlaceMacroF1 newPlaceRows
    confusionMatrix perClass { label precision recall f1 support }
  }
  gateDecision { promoted reason comparedToVersion candidateMacroF1 activeMacroF1 tolerance policy evaluationRows difference intervalLow intervalHigh confidence }`;

const DATASET = /* GraphQL */ `id name createdAt fileName rowCount labeledCount rejectedCount checksum`;

export const OVERVIEW = /* GraphQL */ `
  query Overview {
    activeModel { ${MODEL} }
    trainingJobs(first: 5) { totalCount nodes { ${JOB} } }
  }`;

export const DATASETS = /* GraphQL */ `query Datasets { datasets { ${DATASET} } }`;

export const DATASET_STATS = /* GraphQL */ `
  query DatasetStats($id: ID!) {
    dataset(id: $id) {
      ${DATASET}
      stats {
        rows labeledRows unlabeledRows
        labelDistribution { label count }
        missingRates { column missingRate }
        careSystemCounts { name count }
        topServices { name count }
        ratingHistogram { from to count }
        points(limit: 2000) { latitude longitude label }
      }
    }
  }`;

export const UPLOAD_DATASET = /* GraphQL */ `
  mutation UploadDataset($file: Upload!, $name: String, $autoRetrain: Boolean) {
    uploadDataset(file: $file, name: $name, autoRetrain: $autoRetrain) {
      acceptedCount rejectedCount
      rejectedRows { line column reason }
      dataset { ${DATASET} }
      trainingJob { id status }
      trainingSkippedReason
      drift { verdict modelVersion rows referenceRows threshold features { feature psi drifted bins { bin reference current } } }
    }
  }`;

export const TRAINING_JOBS = /* GraphQL */ `
  query TrainingJobs($first: Int, $after: String) {
    trainingJobs(first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { ${JOB} } }
  }`;

export const TRAINING_JOB = /* GraphQL */ `
  query TrainingJob($id: ID!) { trainingJob(id: $id) { ${JOB} epochs { ${EPOCH} } } }`;

export const RETRAIN = /* GraphQL */ `
  mutation Retrain($input: RetrainInput) { retrain(input: $input) { ${JOB} } }`;

export const CANCEL_JOB = /* GraphQL */ `
  mutation CancelTrainingJob($id: ID!) { cancelTrainingJob(id: $id) { ${JOB} } }`;

export const TRAINING_PROGRESS = /* GraphQL */ `
  subscription TrainingProgress($jobId: ID!) { trainingProgress(jobId: $jobId) { ${EPOCH} } }`;

export const TRAINING_JOB_UPDATED = /* GraphQL */ `
  subscription TrainingJobUpdated($jobId: ID) { trainingJobUpdated(jobId: $jobId) { ${JOB} } }`;

export const MODELS = /* GraphQL */ `query Models { models { ${MODEL} } }`;

export const MODEL_ACTIVATIONS = /* GraphQL */ `
  query ModelActivations($first: Int) { modelActivations(first: $first) { id fromVersion toVersion reason actor createdAt } }`;

export const PROMOTE_MODEL = /* GraphQL */ `
  mutation PromoteModel($version: Int!) { promoteModel(version: $version) { version status activatedAt } }`;

export const ROLLBACK_MODEL = /* GraphQL */ `
  mutation RollbackModel { rollbackModel { version status activatedAt } }`;

export const ACTIVE_MODEL_CHANGED = /* GraphQL */ `
  subscription ActiveModelChanged { activeModelChanged { version } }`;

export const PREDICT = /* GraphQL */ `
  query Predict($input: FacilityInput!, $modelVersion: Int) { predict(input: $input, modelVersion: $modelVersion) { ${PREDICTION} } }`;

export const PREDICT_BATCH_FILE = /* GraphQL */ `
  mutation PredictBatchFile($file: Upload!) {
    predictBatchFile(file: $file) {
      rows scored errors downloadUrl modelVersion
      classCounts { label count }
      results { row error prediction { ${PREDICTION} } }
    }
  }`;
