import { GraphQLUpload, type FileUpload } from 'graphql-upload-minimal';
import { Arg, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { DatasetRecord } from '../datasets/datasets.js';
import type { DatasetStats as DatasetStatsData } from '../datasets/stats.js';
import type { AppServices } from '../services.js';
import { Dataset, DatasetStats, DatasetUploadResult, FacilityPoint } from './dataset.types.js';
import { BadUserInputError, NotFoundError } from '../errors.js';
import { RequiresRole } from './authorization.js';
import { openUpload } from './upload.js';

@Resolver(() => Dataset)
export class DatasetResolver {
  constructor(private readonly services: AppServices) {}

  @RequiresRole('VIEWER')
  @Query(() => [Dataset], { description: 'Every uploaded dataset, newest first' })
  async datasets(): Promise<DatasetRecord[]> {
    return this.services.datasets.list();
  }

  @RequiresRole('VIEWER')
  @Query(() => Dataset, { nullable: true, description: 'NOT_FOUND for an unknown (or malformed) id' })
  async dataset(@Arg('id', () => ID) id: string): Promise<DatasetRecord> {
    const found = await this.services.datasets.get(id);
    if (!found) throw new NotFoundError('Dataset', id);
    return found;
  }

  @RequiresRole('ADMIN')
  @Mutation(() => Dataset, {
    description: "Pins a dataset as evaluation-only, for good: the promotion gate scores champion and challenger on its labeled rows (their labels win over any upload's), and no training uses them. An admin's operation. NOT_FOUND for an unknown id.",
  })
  async pinEvaluationDataset(@Arg('id', () => ID) id: string): Promise<DatasetRecord> {
    const pinned = await this.services.datasets.pinForEvaluation(id);
    if (!pinned) throw new NotFoundError('Dataset', id);
    return pinned;
  }

  @RequiresRole('TRAINER')
  @Mutation(() => DatasetUploadResult, {
    description: 'Uploads a facility CSV (GraphQL multipart request; header apollo-require-preflight: true). Every valid row is stored, or none.',
  })
  async uploadDataset(
    @Arg('file', () => GraphQLUpload) file: Promise<FileUpload>,
    @Arg('name', () => String, { nullable: true }) name: string | null,
    @Arg('autoRetrain', () => Boolean, { nullable: true, description: 'queue a retraining on all data (default true)' }) autoRetrain: boolean | null,
  ): Promise<DatasetUploadResult> {
    const { stream, fileName, tooLarge } = await openUpload(file, this.services.config.upload.maxBytes);
    const result = await this.services.datasets.upload({ stream, fileName, tooLarge, name, autoRetrain });
    this.services.logger.info(
      { datasetId: result.dataset.id, accepted: result.acceptedCount, rejected: result.rejectedCount, ...result.timings },
      'dataset uploaded',
    );
    return result as unknown as DatasetUploadResult;
  }
}

@Resolver(() => DatasetStats)
export class DatasetStatsResolver {
  @FieldResolver(() => [FacilityPoint], { description: 'facility locations for a lat/long scatter (evenly sampled)' })
  points(@Root() stats: DatasetStatsData, @Arg('limit', () => Int, { nullable: true, defaultValue: 2000 }) limitArg: number | null): FacilityPoint[] {
    const limit = limitArg ?? 2000;
    if (!Number.isInteger(limit) || limit < 0) throw new BadUserInputError('limit: expected a non-negative integer', 'limit');
    const all = stats.points;
    if (limit >= all.length) return all;
    const step = all.length / limit;
    return Array.from({ length: limit }, (_, i) => all[Math.floor(i * step)]).filter((p) => p !== undefined);
  }
}
