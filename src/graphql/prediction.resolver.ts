/**
 * predict / predictBatch / predictBatchFile: thin — validation at the boundary, then the
 * Predictor (src/serving) does the work; serving errors become API error codes here.
 */
import type { Readable } from 'node:stream';
import { Arg, FieldResolver, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { GraphQLUpload, type FileUpload } from 'graphql-upload-minimal';
import { CsvFormatError, LABELS } from '../ml/index.js';
import { BatchRowLimitError, EmptyBatchFileError, NOT_SCORED, scoreCsvStream, type ScoredFile } from '../serving/batch-file.js';
import { NoActiveModelError, UnknownModelVersionError } from '../serving/errors.js';
import { toPredictionResult } from '../serving/predictor.js';
import { ModelLoadError } from '../registry/model-source.js';
import type { AppServices } from '../services.js';
import { BadUserInputError, ModelNotReadyError, NotFoundError, PayloadTooLargeError, TrellisError } from '../errors.js';
import { FacilityInput, facilityRecordFrom } from './prediction.inputs.js';
import { BatchPredictionResult, Prediction, PredictionRowResult } from './prediction.types.js';
import { RequiresRole } from './authorization.js';

/** The compact per-row arrays behind `results`, kept off the GraphQL-visible fields. */
const SCORED = Symbol('scored');
type BatchResultRoot = BatchPredictionResult & { [SCORED]?: ScoredFile };

/** Serving's errors as API errors; anything else passes through (and is masked if unexpected). */
function apiError(error: unknown): unknown {
  if (error instanceof NoActiveModelError) return new ModelNotReadyError(error.message);
  if (error instanceof UnknownModelVersionError) return new NotFoundError('model version', error.version);
  if (error instanceof ModelLoadError) return new ModelNotReadyError(error.message);
  return error;
}

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
    } catch (error) {
      throw apiError(error);
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
    } catch (error) {
      throw apiError(error);
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
    const model = await predictor.model(modelVersion).catch((error: unknown) => {
      throw apiError(error);
    });
    const upload = await file;
    let stream: Readable;
    try {
      stream = upload.createReadStream() as unknown as Readable;
    } catch (error) {
      throw uploadError(error, config.upload.maxBytes);
    }
    let truncated = false;
    stream.once('limit', () => {
      truncated = true;
    });
    const download = await predictionDownloads.create();
    try {
      const scored = await scoreCsvStream(stream, model, { maxRows: config.upload.maxRows, write: download.write });
      if (truncated) throw new PayloadTooLargeError(`the file is larger than ${config.upload.maxBytes} bytes`, config.upload.maxBytes);
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
      stream.resume(); // drain what is left of the upload so the request can finish
      if (truncated) throw new PayloadTooLargeError(`the file is larger than ${config.upload.maxBytes} bytes`, config.upload.maxBytes);
      throw uploadError(error, config.upload.maxBytes);
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

function uploadError(error: unknown, maxBytes: number): unknown {
  if (error instanceof TrellisError) return error;
  if (error instanceof CsvFormatError || error instanceof EmptyBatchFileError) return new BadUserInputError(error.message, 'file');
  if (error instanceof BatchRowLimitError) return new PayloadTooLargeError(error.message, error.limit);
  if ((error as { status?: number } | null)?.status === 413) return new PayloadTooLargeError(`the file is larger than ${maxBytes} bytes`, maxBytes);
  return apiError(error);
}
