import { BatchPredict } from '../components/BatchPredict';
import { PredictForm } from '../components/PredictForm';

export function PredictPage() {
  return (
    <section aria-labelledby="predict-title">
      <h1 id="predict-title">Predict</h1>
      <div className="card">
        <h2>One facility</h2>
        <PredictForm />
      </div>
      <div className="card">
        <h2>A CSV of facilities</h2>
        <BatchPredict />
      </div>
    </section>
  );
}
