/**
 * predict / predictBatch / predictBatchFile: thin — validation at the boundary, then the
 * Predictor (src/serving) does the work and throws the API's errors itself (src/errors.ts).
 */
import { Arg, FieldResolver, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { GraphQLUpload, type FileUpload } from 'graphql-upload-minimal';
import { CsvFormatError, LABELS } from '../ml/index.js';
import { NOT_SCORED, scoreCsvStream, type ScoredFile } from '../serving/batch-file.js';
import { toPredictionResult } from '../serving/predictor.js';
import type { AppServices } from '../services.js';
import { BadUserInputError } from '../errors.js';
import { FacilityInput, facilityRecordFrom } from './prediction.inputs.js';
import { BatchPredictionResult, Prediction, PredictionRowResult } from './prediction.types.js';
import { RequiresRole } from './authorization.js';
import { openUpload } from './upload.js';

/** The compact per-row arrays behind `results`, kept off the GraphQL-visible fields. */
const SCORED = Symbol('scored');
type BatchResultRoot = BatchPredictionResult & { [SCORED]?: ScoredFile };

export function downloadPath(id: string): string {
  return `/downloads/predictions/${id}.csv`;
}

@Resolver(() => BatchPredictionResult)
export class PredictionResolver {
  constructor(private readonly services: AppServices) {}

  @RequiresRole('PREDICTOR')
  @Query(() => Prediction, { description: 'Rates one facility with the active model, or with `modelVersion` when given' })
  async predict(
    @Arg('input', () => FacilityInput) input: FacilityInput,
    @Arg('modelVersion', () => Int, { nullable: true }) modelVersion?: number | null,
  ): Promise<Prediction> {
    const answered = this.services.metrics.timePredict('predict');
    const record = facilityRecordFrom(input, 'input');
    try {
      return await this.services.predictor.predict(record, modelVersion);
    } finally {
      answered();
    }
  }

  @RequiresRole('PREDICTOR')
  @Mutation(() => [Prediction], { description: 'Rates up to PREDICT_MAX_BATCH_ROWS facilities in one forward pass' })
  async predictBatch(
    @Arg('inputs', () => [FacilityInput]) inputs: FacilityInput[],
    @Arg('modelVersion', () => Int, { nullable: true }) modelVersion?: number | null,
  ): Promise<Prediction[]> {
    const limit = this.services.config.predict.maxBatchRows;
    if (inputs.length > limit) throw new BadUserInputError(`inputs has ${inputs.length} rows; at most ${limit} are allowed`, 'inputs', { limit });
    if (inputs.length === 0) return [];
    const answered = this.services.metrics.timePredict('batch');
    const records = inputs.map((input, i) => facilityRecordFrom(input, `inputs.${i}`));
    try {
      return await this.services.predictor.predictMany(records, modelVersion);
    } finally {
      answered();
    }
  }

  @RequiresRole('PREDICTOR')
  @Mutation(() => BatchPredictionResult, {
    description: 'Scores a CSV of the dataset schema (streamed, in chunks); per-row results and a signed, expiring download URL for the scored CSV',
  })
  async predictBatchFile(
    @Arg('file', () => GraphQLUpload) file: Promise<FileUpload>,
    @Arg('modelVersion', () => Int, { nullable: true }) modelVersion?: number | null,
  ): Promise<BatchPredictionResult> {
    const { predictor, predictionDownloads, config, metrics } = this.services;
    const answered = metrics.timePredict('file');
    const model = await predictor.model(modelVersion);
    const upload = await openUpload(file, config.upload.maxBytes);
    const download = await predictionDownloads.create();
    try {
      const scored = await scoreCsvStream(upload.stream, model, { maxRows: config.upload.maxRows, write: download.write });
      const tooLarge = upload.tooLarge();
      if (tooLarge) throw tooLarge;
      await download.commit();
      metrics.countPredictionLabels(scored.modelVersion, scored.classCounts);
      answered();
      const result: BatchResultRoot = {
        rows: scored.rows,
        scored: scored.scored,
        errors: scored.errors,
        classCounts: LABELS.map((label, i) => ({ label, count: scored.classCounts[i] as number })),
        downloadUrl: this.services.downloadLinks.sign(downloadPath(download.id), config.predict.downloadTtlMs),
        modelVersion: scored.modelVersion,
      };
      result[SCORED] = scored;
      return result;
    } catch (error) {
      await download.abort();
      upload.stream.resume(); // drain what is left of the upload so the request can finish
      // ml's CSV reader has plain errors of its own (ml/ is pure): the file's fault
      throw upload.tooLarge(error) ?? (error instanceof CsvFormatError ? new BadUserInputError(error.message, 'file') : error);
    }
  }

  @FieldResolver(() => [PredictionRowResult], { description: 'per row, in file order' })
  results(@Root() root: BatchResultRoot): PredictionRowResult[] {
    const scored = root[SCORED];
    if (!scored) return root.results ?? [];
    const out = new Array<PredictionRowResult>(scored.rows);
    for (let i = 0; i < scored.rows; i++) {
      out[i] = scored.labels[i] === NOT_SCORED
        ? { row: i + 1, prediction: null, error: scored.rowErrors.get(i) ?? 'not scored' }
        : { row: i + 1, prediction: toPredictionResult(scored.probabilities, i, scored.modelVersion), error: null };
    }
    return out;
  }
}
