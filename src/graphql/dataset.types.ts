import { Field, Float, ID, Int, ObjectType } from 'type-graphql';
import type { DatasetStats as DatasetStatsData } from '../datasets/stats.js';
import { RatingClass } from './enums.js';
import { TrainingJob } from './training-job.types.js';
import { DriftReport } from './drift.types.js';

@ObjectType({ description: 'A CSV row that was not stored, and why' })
export class RejectedRow {
  @Field(() => Int, { description: '1-based line of the row in the file (the header is line 1)' }) line!: number;
  @Field(() => String, { nullable: true }) column!: string | null;
  @Field(() => String) reason!: string;
}

@ObjectType()
export class LabelCount {
  @Field(() => RatingClass) label!: RatingClass;
  @Field(() => Int) count!: number;
}

@ObjectType()
export class NamedCount {
  @Field(() => String) name!: string;
  @Field(() => Int) count!: number;
}

@ObjectType()
export class ColumnMissingRate {
  @Field(() => String) column!: string;
  @Field(() => Float) missingRate!: number;
}

@ObjectType()
export class HistogramBin {
  @Field(() => Float) from!: number;
  @Field(() => Float) to!: number;
  @Field(() => Int) count!: number;
}

@ObjectType()
export class FacilityPoint {
  @Field(() => Float) latitude!: number;
  @Field(() => Float) longitude!: number;
  @Field(() => RatingClass, { nullable: true, description: 'null = unlabeled' }) label!: RatingClass | null;
}

@ObjectType({ description: 'Statistics computed when the dataset was uploaded' })
export class DatasetStats implements Omit<DatasetStatsData, 'points'> {
  @Field(() => Int) rows!: number;
  @Field(() => Int) labeledRows!: number;
  @Field(() => Int) unlabeledRows!: number;
  @Field(() => [LabelCount]) labelDistribution!: LabelCount[];
  @Field(() => [ColumnMissingRate]) missingRates!: ColumnMissingRate[];
  @Field(() => [NamedCount], { description: 'GOVT, PFP, PNFP and UNKNOWN (missing)' }) careSystemCounts!: NamedCount[];
  @Field(() => [NamedCount], { description: 'the 15 most frequent services' }) topServices!: NamedCount[];
  @Field(() => [HistogramBin], { description: 'ratings in bins of 0.5 from 1.0 to 5.0' }) ratingHistogram!: HistogramBin[];
  // points(limit) is a field resolver (dataset.resolver.ts)
}

@ObjectType({ description: 'An uploaded CSV file, stored row by row' })
export class Dataset {
  @Field(() => ID) id!: string;
  @Field(() => String) name!: string;
  @Field(() => Date) createdAt!: Date;
  @Field(() => String, { nullable: true }) fileName!: string | null;
  @Field(() => Int, { description: 'rows stored (after duplicate collapsing)' }) rowCount!: number;
  @Field(() => Int) labeledCount!: number;
  @Field(() => Int) rejectedCount!: number;
  @Field(() => String, { description: 'sha256 of the uploaded bytes' }) checksum!: string;
  @Field(() => DatasetStats) stats!: DatasetStats;
  @Field(() => DriftReport, { nullable: true, description: 'null when the active model at upload time carried no training profile' }) drift!: DriftReport | null;
  @Field(() => Boolean, { description: "pinned as evaluation-only (pinEvaluationDataset): the promotion gate scores on its rows and no training uses them" })
  evaluationOnly!: boolean;
}

@ObjectType()
export class DatasetUploadResult {
  @Field(() => Dataset, { nullable: true, description: 'null when nothing was stored' }) dataset!: Dataset | null;
  @Field(() => Int) acceptedCount!: number;
  @Field(() => Int) rejectedCount!: number;
  @Field(() => [RejectedRow], { description: 'the first 1000 rejected rows' }) rejectedRows!: RejectedRow[];
  @Field(() => Int, { description: 'exact duplicate rows merged into one' }) duplicatesCollapsed!: number;
  @Field(() => TrainingJob, { nullable: true, description: 'the retraining queued by autoRetrain' }) trainingJob!: TrainingJob | null;
  @Field(() => String, { nullable: true, description: 'why autoRetrain queued no job (too few labeled rows across the stored datasets)' })
  trainingSkippedReason!: string | null;
  @Field(() => DriftReport, { nullable: true, description: "the upload against the active model's training data (the same as dataset.drift)" })
  drift!: DriftReport | null;
}
