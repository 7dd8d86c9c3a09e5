import { Field, Float, ID, InputType, Int, ObjectType } from 'type-graphql';
import { Hyperparameters, PageInfo } from './common.types.js';
import { JobStatus } from './enums.js';

@ObjectType({ description: 'A retraining request and its lifecycle (epochs and model via field resolvers)' })
export class TrainingJob {
  @Field(() => ID) id!: string;
  @Field(() => JobStatus) status!: JobStatus;
  @Field(() => [ID]) datasetIds!: string[];
  @Field(() => Hyperparameters) hyperparameters!: Hyperparameters;
  @Field(() => Int, { description: 'claims so far (a job is claimed again when its worker dies)' }) attempts!: number;
  @Field(() => Int) maxAttempts!: number;
  @Field(() => String, { nullable: true }) error!: string | null;
  @Field(() => Boolean) cancelRequested!: boolean;
  @Field(() => Date) createdAt!: Date;
  @Field(() => Date, { nullable: true }) startedAt!: Date | null;
  @Field(() => Date, { nullable: true }) finishedAt!: Date | null;
  @Field(() => Date, { nullable: true }) cancelledAt!: Date | null;
  @Field(() => Date) updatedAt!: Date;
  @Field(() => Date, { nullable: true, description: 'when the current claim lapses unless heartbeated' }) leaseExpiresAt!: Date | null;
  @Field(() => String, { nullable: true, description: 'the worker holding (or that last held) the job' }) workerId!: string | null;
  @Field(() => Int, { nullable: true, description: 'the model version this job registered' }) modelVersion!: number | null;
  @Field(() => Int, { description: 'claimed highest first, then oldest first' }) priority!: number;
  @Field(() => Date, { nullable: true, description: 'a job handed back after a transient failure is not claimed before this time (retry backoff)' })
  runAt!: Date | null;
}

@ObjectType()
export class TrainingJobEdge {
  @Field(() => String) cursor!: string;
  @Field(() => TrainingJob) node!: TrainingJob;
}

@ObjectType()
export class TrainingJobConnection {
  @Field(() => [TrainingJobEdge]) edges!: TrainingJobEdge[];
  @Field(() => [TrainingJob]) nodes!: TrainingJob[];
  @Field(() => PageInfo) pageInfo!: PageInfo;
  @Field(() => Int) totalCount!: number;
}

@InputType({ description: 'What to retrain on and how; every field optional (defaults: all datasets, default hyperparameters)' })
export class RetrainInput {
  @Field(() => [ID], { nullable: true }) datasetIds?: string[] | null;
  @Field(() => Float, { nullable: true }) learningRate?: number | null;
  @Field(() => Int, { nullable: true }) batchSize?: number | null;
  @Field(() => Int, { nullable: true }) epochs?: number | null;
  @Field(() => Int, { nullable: true }) patience?: number | null;
  @Field(() => [Int], { nullable: true }) hiddenUnits?: number[] | null;
  @Field(() => Float, { nullable: true }) dropout?: number | null;
  @Field(() => Int, { nullable: true }) seed?: number | null;
  @Field(() => Int, { nullable: true, description: 'claimed highest first (-1000 to 1000, default 0); not part of the duplicate check' })
  priority?: number | null;
}
