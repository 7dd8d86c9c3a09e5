import { Field, Float, ID, Int, ObjectType } from 'type-graphql';
import { Hyperparameters } from './common.types.js';
import { ModelStatus, RatingClass } from './enums.js';

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
    description: 'macro-F1 on the test rows at known places: coordinates that occur in the training split; null when none (or for versions trained before it was measured)',
  })
  knownPlaceMacroF1!: number | null;
  @Field(() => Int, { nullable: true, description: 'how many test rows knownPlaceMacroF1 is computed on' }) knownPlaceRows!: number | null;
  @Field(() => Float, {
    nullable: true,
    description: 'macro-F1 on the test rows at new places: coordinates absent from the training split, or missing. Facilities geocoded to one map place share its rating, so this is the honest figure for a facility somewhere the model never saw; null when none',
  })
  newPlaceMacroF1!: number | null;
  @Field(() => Int, { nullable: true, description: 'how many test rows newPlaceMacroF1 is computed on' }) newPlaceRows!: number | null;
  @Field(() => Float, { nullable: true, deprecationReason: 'use newPlaceMacroF1 (the same figure)' })
  unseenLocationMacroF1!: number | null;
  @Field(() => Int, { nullable: true, deprecationReason: 'use newPlaceRows (the same count)' }) unseenLocationRows!: number | null;
}

@ObjectType({
  description: 'Why a trained version was (or was not) activated. Champion and challenger are scored on the same pinned evaluation rows '
    + '(rows no candidate trains on and no upload can relabel); promotion needs the lower end of the paired-bootstrap interval of the '
    + 'macro-F1 difference above -tolerance, with at least minEvaluationRows rows. Fields after tolerance are null on decisions made before the pinned set existed.',
})
export class GateDecision {
  @Field(() => Boolean) promoted!: boolean;
  @Field(() => String) reason!: string;
  @Field(() => Int, { nullable: true }) comparedToVersion!: number | null;
  @Field(() => Float, { description: "the candidate's macro-F1 on the pinned evaluation rows (on its own test split when there was nothing to compare with)" }) candidateMacroF1!: number;
  @Field(() => Float, { nullable: true, description: "the active version's macro-F1 on the same pinned rows" }) activeMacroF1!: number | null;
  @Field(() => Float) tolerance!: number;
  @Field(() => String, { nullable: true, description: 'GATE_POLICY when decided: auto | manual' }) policy!: string | null;
  @Field(() => Int, { nullable: true, description: 'pinned evaluation rows both versions were scored on' }) evaluationRows!: number | null;
  @Field(() => String, { nullable: true, description: 'sha256 of the evaluation rows (identities and labels): equal checksums, equal rows' }) evaluationChecksum!: string | null;
  @Field(() => Int, { nullable: true }) minEvaluationRows!: number | null;
  @Field(() => Float, { nullable: true, description: 'candidate minus active macro-F1 on the pinned rows' }) difference!: number | null;
  @Field(() => Float, { nullable: true, description: 'lower end of the paired-bootstrap confidence interval of the difference' }) intervalLow!: number | null;
  @Field(() => Float, { nullable: true, description: 'upper end of the interval' }) intervalHigh!: number | null;
  @Field(() => Float, { nullable: true, description: 'confidence of the interval (GATE_CONFIDENCE)' }) confidence!: number | null;
  @Field(() => Int, { nullable: true }) bootstrapIterations!: number | null;
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
