import { useState, type FormEvent } from 'react';
import { PredictBatchFileDocument } from '../api/documents';
import { LABELS } from '../api/enums';
import { useUpload } from '../api/hooks';
import type { PredictBatchFileMutation } from '../api/types';
import { int, pct } from '../format';
import { CsvFileField } from './CsvFileField';
import { DataTable, type Column } from './DataTable';
import { ErrorMessage } from './ErrorMessage';
import { ProgressBar } from './ProgressBar';
import { Stat } from './Stat';
import { ClassBadge } from './StatusBadge';
import { SubmitButton } from './SubmitButton';

const SHOWN_ROWS = 100;

type BatchPredictionResult = PredictBatchFileMutation['predictBatchFile'];
type ResultRow = BatchPredictionResult['results'][number];

const RESULT_COLUMNS: Column<ResultRow>[] = [
  { header: 'Row', className: 'mono', cell: (r) => r.row },
  { header: 'Class', cell: (r) => (r.prediction ? <ClassBadge label={r.prediction.label} /> : '—') },
  { header: 'Confidence', className: 'mono', cell: (r) => (r.prediction ? pct(r.prediction.confidence) : '—') },
  ...LABELS.map(
    (l): Column<ResultRow> => ({
      header: `P(${l})`,
      className: 'mono',
      cell: (r) => (r.prediction ? pct(r.prediction.probabilities.find((p) => p.label === l)?.probability ?? 0) : '—'),
    }),
  ),
  { header: 'Error', className: 'cell-error', cell: (r) => r.error ?? '' },
];

/** Scores a whole CSV with predictBatchFile: results table, class counts, the scored file to download. */
export function BatchPredict() {
  const [file, setFile] = useState<File | null>(null);
  const [fileError, setFileError] = useState<string | null>(null);
  const { progress, error, data, send } = useUpload(PredictBatchFileDocument);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!file) {
      setFileError('Choose a CSV file to score');
      return;
    }
    await send({}, file);
  }

  return (
    <div>
      <form onSubmit={(event) => void submit(event)} noValidate className="form-inline" aria-label="Score a CSV file">
        <CsvFileField
          label="CSV of facilities"
          name="batchFile"
          error={fileError}
          hint="Same columns as the training data; the rating column is ignored"
          onChoose={(chosen) => {
            setFile(chosen);
            setFileError(null);
          }}
        />
        <div className="actions">
          <SubmitButton busy={progress !== null} label="Score file" busyLabel="Scoring…" />
        </div>
      </form>
      {progress !== null && <ProgressBar value={progress} label={progress < 1 ? 'Uploading' : 'Scoring on the server'} />}
      <ErrorMessage error={error} title="Batch prediction failed" />
      {data && <BatchResult result={data.predictBatchFile} />}
    </div>
  );
}

function BatchResult({ result }: { result: BatchPredictionResult }) {
  const counts = new Map(result.classCounts.map((c) => [c.label, c.count]));
  return (
    <div className="report" data-testid="batch-result" aria-live="polite">
      <dl className="stats">
        <Stat label="Rows" value={int(result.rows)} />
        <Stat label="Scored" value={int(result.scored)} note={`model v${result.modelVersion}`} />
        <Stat label="Errors" value={int(result.errors)} />
        {LABELS.map((label) => (
          <Stat key={label} label={label} value={int(counts.get(label) ?? 0)} note={pct(result.scored ? (counts.get(label) ?? 0) / result.scored : 0)} />
        ))}
      </dl>
      <p>
        <a className="button" href={result.downloadUrl} download>
          Download the scored CSV
        </a>
      </p>
      <DataTable
        rows={result.results.slice(0, SHOWN_ROWS)}
        columns={RESULT_COLUMNS}
        rowKey={(r) => r.row}
        caption={result.results.length > SHOWN_ROWS ? `First ${SHOWN_ROWS} of ${result.results.length} rows` : `${result.results.length} rows`}
        scroll
      />
    </div>
  );
}
