import { Field, Float, Int, ObjectType, registerEnumType } from 'type-graphql';
import { DRIFT_FEATURES, type DriftFeature as FeatureKey, type DriftVerdict as DriftVerdictName } from '../ml/drift.js';

export const DriftVerdict = { STABLE: 'STABLE', DRIFT: 'DRIFT', INSUFFICIENT_DATA: 'INSUFFICIENT_DATA' } as const satisfies Record<DriftVerdictName, DriftVerdictName>;
export type DriftVerdict = (typeof DriftVerdict)[keyof typeof DriftVerdict];
registerEnumType(DriftVerdict, { name: 'DriftVerdict', description: 'DRIFT: some feature has PSI ≥ the threshold; INSUFFICIENT_DATA: too few rows to judge' });

export const DriftFeatureName = Object.fromEntries(DRIFT_FEATURES.map((f) => [f, f])) as { [K in FeatureKey]: K };
export type DriftFeatureName = FeatureKey;
registerEnumType(DriftFeatureName, { name: 'DriftFeatureName' });

@ObjectType({ description: "One bin of a feature's histogram: its share in the model's training split and in the upload" })
export class DriftBin {
  @Field(() => String) bin!: string;
  @Field(() => Float) reference!: number;
  @Field(() => Float) current!: number;
}

@ObjectType({ description: 'How one feature of the upload differs from the training data (Population Stability Index)' })
export class FeatureDrift {
  @Field(() => DriftFeatureName) feature!: DriftFeatureName;
  @Field(() => Float, { description: 'PSI = Σ (current − reference) · ln(current / reference); < 0.1 stable, 0.1–0.2 moderate, ≥ 0.2 drifted' }) psi!: number;
  @Field(() => Boolean) drifted!: boolean;
  @Field(() => [DriftBin]) bins!: DriftBin[];
}

@ObjectType({ description: "An upload compared with the training data of the model active when it arrived; drifted features first" })
export class DriftReport {
  @Field(() => DriftVerdict) verdict!: DriftVerdict;
  @Field(() => Int, { description: 'the model version compared with' }) modelVersion!: number;
  @Field(() => Int) rows!: number;
  @Field(() => Int, { description: "rows in that model's training split" }) referenceRows!: number;
  @Field(() => Float, { description: 'PSI at or above which a feature counts as drifted' }) threshold!: number;
  @Field(() => [FeatureDrift]) features!: FeatureDrift[];
}
