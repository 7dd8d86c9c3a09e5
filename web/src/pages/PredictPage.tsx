import { BatchPredict } from '../components/BatchPredict';
import { PredictForm } from '../components/PredictForm';
import { RoleGate } from '../session';

export function PredictPage() {
  return (
    <section aria-labelledby="predict-title">
      <h1 id="predict-title">Predict</h1>
      <div className="card">
        <h2>One facility</h2>
        <RoleGate need="PREDICTOR" action="Predicting">
          <PredictForm />
        </RoleGate>
      </div>
      <div className="card">
        <h2>A CSV of facilities</h2>
        <RoleGate need="PREDICTOR" action="Scoring a CSV">
          <BatchPredict />
        </RoleGate>
      </div>
    </section>
  );
}
