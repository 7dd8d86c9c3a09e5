import { Field, Float, ID, Int, ObjectType } from 'type-graphql';
import { Hyperparameters, ModelStatus } from './common.types.js';
import { RatingClass } from './enums.js';

@ObjectType()
export class ClassMetrics {
  @Field(() => RatingClass) label!: RatingClass;
  @Field(() => Float) precision!: number;
  @Field(() => Float) recall!: number;
  @Field(() => Float) f1!: number;
  @Field(() => Int) support!: number;
}

@ObjectType({ description: 'Evaluation on the held-out test split' })
export class ModelMetrics {
  @Field(() => Float) accuracy!: number;
  @Field(() => Float) macroF1!: number;
  @Field(() => Float) weightedF1!: number;
  @Field(() => Float) testLoss!: number;
  @Field(() => [ClassMetrics]) perClass!: ClassMetrics[];
  @Field(() => [[Int]], { description: 'rows = true class, columns = predicted, order LOW, MEDIUM, HIGH' }) confusionMatrix!: number[][];
  @Field(() => Float) majorityBaselineMacroF1!: number;
  @Field(() => Int) trainRows!: number;
  @Field(() => Int) validationRows!: number;
  @Field(() => Int) testRows!: number;
  @Field(() => Float, {
    nullable: true,
    description: 'macro-F1 on the test rows at locations (coordinates) absent from the training split: facilities geocoded to one map place share its rating, so this is the figure for places the model has not seen; null when unknown',
  })
  unseenLocationMacroF1!: number | null;
  @Field(() => Int, { nullable: true, description: 'how many test rows unseenLocationMacroF1 is computed on' }) unseenLocationRows!: number | null;
}

@ObjectType({ description: 'Why a trained version was (or was not) activated' })
export class GateDecision {
  @Field(() => Boolean) promoted!: boolean;
  @Field(() => String) reason!: string;
  @Field(() => Int, { nullable: true }) comparedToVersion!: number | null;
  @Field(() => Float) candidateMacroF1!: number;
  @Field(() => Float, { nullable: true }) activeMacroF1!: number | null;
  @Field(() => Float) tolerance!: number;
}

@ObjectType({ description: 'A registered model version (datasets via a field resolver)' })
export class ModelVersion {
  @Field(() => Int) version!: number;
  @Field(() => ModelStatus) status!: ModelStatus;
  @Field(() => Date) createdAt!: Date;
  @Field(() => Date, { nullable: true }) activatedAt!: Date | null;
  @Field(() => Date, { nullable: true }) archivedAt!: Date | null;
  @Field(() => ID, { nullable: true }) trainingJobId!: string | null;
  @Field(() => [ID]) datasetIds!: string[];
  @Field(() => Int, { description: 'rows the training read (labeled and unlabeled)' }) rowCount!: number;
  @Field(() => Hyperparameters) hyperparameters!: Hyperparameters;
  @Field(() => ModelMetrics) metrics!: ModelMetrics;
  @Field(() => String) classificationReport!: string;
  @Field(() => GateDecision, { nullable: true }) gateDecision!: GateDecision | null;
  @Field(() => String) backend!: string;
  @Field(() => String, { description: 'sha256 of the packed bundle' }) checksum!: string;
  @Field(() => Int) sizeBytes!: number;
  @Field(() => Int) formatVersion!: number;
  @Field(() => String, { description: '"bundled" (the committed model) or "training"' }) source!: string;
  @Field(() => String, { nullable: true, description: 'why the bundle could not be loaded (fails its sha256, does not unpack); such a version is never served' })
  loadError!: string | null;
}

@ObjectType({ description: 'One change of the active model' })
export class ModelActivation {
  @Field(() => ID) id!: string;
  @Field(() => Int, { nullable: true }) fromVersion!: number | null;
  @Field(() => Int) toVersion!: number;
  @Field(() => String) reason!: string;
  @Field(() => String) actor!: string;
  @Field(() => String, { description: 'bundled | gate | promote | rollback' }) kind!: string;
  @Field(() => Date) createdAt!: Date;
}
