import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import type { JobRecord, StoredEpoch } from '../jobs/types.js';
import type { ModelVersionRecord } from '../registry/types.js';
import type { AppServices } from '../services.js';
import { EpochMetrics, subscriptionServices } from './common.types.js';
import { JobStatus } from './enums.js';
import type { GraphQLContext } from './context.js';
import { NotFoundError } from '../errors.js';
import { loadersFor } from './loaders.js';
import { ModelVersion } from './model.types.js';
import { RetrainInput, TrainingJob, TrainingJobConnection } from './training-job.types.js';
import { RequiresRole } from './authorization.js';

@Resolver(() => TrainingJob)
export class TrainingJobResolver {
  constructor(private readonly services: AppServices) {}

  @RequiresRole('VIEWER')
  @Query(() => TrainingJobConnection, { description: 'Jobs newest first, cursor-paginated (first ≤ 200, default 20)' })
  async trainingJobs(
    @Arg('status', () => JobStatus, { nullable: true }) status: JobStatus | null,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
  ): Promise<TrainingJobConnection> {
    const page = await this.services.jobs.list({ status, first, after });
    const nodes = page.edges.map((e) => e.job) as unknown as TrainingJob[];
    return {
      edges: page.edges.map((e, i) => ({ cursor: e.cursor, node: nodes[i] as TrainingJob })),
      nodes,
      pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.endCursor },
      totalCount: page.totalCount,
    };
  }

  @RequiresRole('VIEWER')
  @Query(() => TrainingJob, { nullable: true, description: 'NOT_FOUND for an unknown (or malformed) id' })
  async trainingJob(@Arg('id', () => ID) id: string): Promise<JobRecord> {
    const job = await this.services.jobs.get(id);
    if (!job) throw new NotFoundError('Training job', id);
    return job;
  }

  @RequiresRole('TRAINER')
  @Mutation(() => TrainingJob, { description: 'Queues a retraining (or returns the identical one already queued)' })
  async retrain(@Arg('input', () => RetrainInput, { nullable: true }) input: RetrainInput | null): Promise<JobRecord> {
    const { datasetIds, priority, ...hp } = input ?? {};
    const hyperparameters = Object.fromEntries(Object.entries(hp).filter(([, v]) => v !== null && v !== undefined));
    return (await this.services.jobs.enqueue({ datasetIds, hyperparameters, priority })).job;
  }

  @RequiresRole('TRAINER')
  @Mutation(() => TrainingJob, { description: 'QUEUED: cancelled at once; RUNNING: stops at the next batch; finished: CONFLICT' })
  async cancelTrainingJob(@Arg('id', () => ID) id: string): Promise<JobRecord> {
    return this.services.jobs.cancel(id);
  }

  @FieldResolver(() => [EpochMetrics], { description: 'epochs of the current attempt, in order' })
  async epochs(@Root() job: JobRecord, @Ctx() context: GraphQLContext): Promise<StoredEpoch[]> {
    return loadersFor(context, this.services).epochsByJob.load(job.id);
  }

  @FieldResolver(() => ModelVersion, { nullable: true, description: 'the version this job registered, if any' })
  async model(@Root() job: JobRecord, @Ctx() context: GraphQLContext): Promise<ModelVersionRecord | null> {
    return job.modelVersion === null ? null : loadersFor(context, this.services).modelByVersion.load(job.modelVersion);
  }

  @RequiresRole('VIEWER')
  @Subscription(() => EpochMetrics, {
    description: 'Stored epochs first, then live ones, in order, each once; completes when the job ends',
    subscribe: ({ args, info }) => subscriptionServices(info).jobs.epochStream((args as { jobId: string }).jobId),
  })
  trainingProgress(@Root() epoch: StoredEpoch, @Arg('jobId', () => ID) _jobId: string): StoredEpoch {
    return epoch;
  }

  @RequiresRole('VIEWER')
  @Subscription(() => TrainingJob, {
    description: 'Status changes of one job (its current state first; completes when it ends) or, without jobId, of every job',
    subscribe: ({ args, info }) => subscriptionServices(info).jobs.updates((args as { jobId?: string | null }).jobId ?? null),
  })
  trainingJobUpdated(@Root() job: JobRecord, @Arg('jobId', () => ID, { nullable: true }) _jobId: string | null): JobRecord {
    return job;
  }
}
