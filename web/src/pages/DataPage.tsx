import { useState, type FormEvent } from 'react';
import { DatasetsDocument, UploadDatasetDocument } from '../api/documents';
import { useQuery, useUpload } from '../api/hooks';
import type { DatasetFragment, UploadDatasetMutation } from '../api/types';
import { CsvFileField } from '../components/CsvFileField';
import { ACTIONS_HEADER, DataTable, type Column } from '../components/DataTable';
import { DatasetInsights } from '../components/DatasetInsights';
import { DriftReport } from '../components/DriftReport';
import { ErrorMessage } from '../components/ErrorMessage';
import { Field } from '../components/Field';
import { Loading } from '../components/Loading';
import { ProgressBar } from '../components/ProgressBar';
import { RejectedRowsTable } from '../components/RejectedRowsTable';
import { Stat } from '../components/Stat';
import { bytes, dateTime, int, shortId } from '../format';
import { navigate, useLocation } from '../router';
import { RoleGate } from '../session';
import { SubmitButton } from '../components/SubmitButton';

export function DataPage() {
  const { params } = useLocation();
  const selected = params.get('dataset');
  const datasets = useQuery(DatasetsDocument);

  return (
    <section aria-labelledby="data-title">
      <h1 id="data-title">Data</h1>
      <RoleGate need="TRAINER" action="Uploading data">
        <UploadCard onUploaded={() => void datasets.reload()} />
      </RoleGate>
      <div className="card">
        <h2>Datasets</h2>
        <ErrorMessage error={datasets.error} title="Could not load datasets" />
        {datasets.loading && !datasets.data && <Loading />}
        {datasets.data && <DatasetsTable datasets={datasets.data.datasets} selectedId={selected} />}
        {selected && <DatasetInsights datasetId={selected} key={selected} />}
      </div>
    </section>
  );
}

type UploadResult = UploadDatasetMutation['uploadDataset'];

function UploadCard({ onUploaded }: { onUploaded: () => void }) {
  const [file, setFile] = useState<File | null>(null);
  const [name, setName] = useState('');
  const [autoRetrain, setAutoRetrain] = useState(false);
  const [fileError, setFileError] = useState<string | null>(null);
  const { progress, error, data, send } = useUpload(UploadDatasetDocument);
  const busy = progress !== null;

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!file) {
      setFileError('Choose a CSV file to upload');
      return;
    }
    if (await send({ name: name.trim() || null, autoRetrain }, file)) onUploaded();
  }

  return (
    <div className="card">
      <h2>Upload a CSV</h2>
      <p className="muted">
        Columns as in the facilities file: facility_name, services, latitude, longitude, rating, operating_hours, website, phone_number, care_system,
        Subcounty. Rows that cannot be used are reported below with the reason.
      </p>
      <form onSubmit={(event) => void submit(event)} className="form-grid" noValidate>
        <CsvFileField
          label="CSV file"
          name="file"
          error={fileError}
          hint={file ? `${file.name}, ${bytes(file.size)}` : 'UTF-8 CSV with a header row'}
          onChoose={(chosen) => {
            setFile(chosen);
            setFileError(chosen && !/\.csv$/i.test(chosen.name) && chosen.type !== 'text/csv' ? 'This does not look like a .csv file' : null);
          }}
        />
        <Field label="Dataset name" hint="Optional; defaults to the file name">
          {({ id, describedBy }) => (
            <input id={id} type="text" name="name" value={name} maxLength={200} onChange={(event) => setName(event.target.value)} aria-describedby={describedBy} />
          )}
        </Field>
        <div className="field field-check">
          <input id="auto-retrain" type="checkbox" checked={autoRetrain} onChange={(event) => setAutoRetrain(event.target.checked)} />
          <label htmlFor="auto-retrain">Start a retrain on all data after the upload</label>
        </div>
        <div className="actions">
          <SubmitButton busy={busy} label="Upload" busyLabel="Uploading…" />
        </div>
      </form>
      {busy && <ProgressBar value={progress} label={progress < 1 ? 'Uploading' : 'Validating on the server'} id="upload-progress" />}
      <ErrorMessage error={error} title="Upload failed" />
      {data && <UploadReport result={data.uploadDataset} />}
    </div>
  );
}

function UploadReport({ result }: { result: UploadResult }) {
  return (
    <div className="report" data-testid="upload-report" aria-live="polite">
      <h3>Validation report</h3>
      <dl className="stats">
        <Stat label="Accepted rows" value={int(result.acceptedCount)} testId="accepted-count" />
        <Stat label="Rejected rows" value={int(result.rejectedCount)} testId="rejected-count" />
        {result.dataset && <Stat label="Labeled" value={int(result.dataset.labeledCount)} note={`of ${int(result.dataset.rowCount)}`} />}
      </dl>
      {result.trainingJob && (
        <p>
          Retrain queued as job{' '}
          <a
            href={`/training?job=${result.trainingJob.id}`}
            onClick={(event) => {
              event.preventDefault();
              navigate(`/training?job=${result.trainingJob?.id ?? ''}`);
            }}
          >
            {shortId(result.trainingJob.id)}
          </a>
          .
        </p>
      )}
      {result.trainingSkippedReason && <p className="muted" data-testid="training-skipped">{result.trainingSkippedReason}</p>}
      {result.drift && <DriftReport drift={result.drift} />}
      <RejectedRowsTable rows={result.rejectedRows} total={result.rejectedCount} />
    </div>
  );
}

function DatasetsTable({ datasets, selectedId }: { datasets: DatasetFragment[]; selectedId: string | null }) {
  const columns: Column<DatasetFragment>[] = [
    {
      header: 'Name',
      cell: (d) => (
        <>
          <strong>{d.name}</strong>
          {d.fileName && d.fileName !== d.name && <div className="muted small">{d.fileName}</div>}
        </>
      ),
    },
    { header: 'Uploaded', cell: (d) => dateTime(d.createdAt) },
    { header: 'Rows', cell: (d) => int(d.rowCount) },
    { header: 'Labeled', cell: (d) => int(d.labeledCount) },
    { header: 'Rejected', cell: (d) => int(d.rejectedCount) },
    {
      header: ACTIONS_HEADER,
      cell: (d) => (
        <button
          type="button"
          className="button button-small"
          aria-pressed={d.id === selectedId}
          onClick={() => navigate(d.id === selectedId ? '/data' : `/data?dataset=${encodeURIComponent(d.id)}`)}
        >
          {d.id === selectedId ? 'Hide insights' : 'Insights'}
          <span className="sr-only"> for {d.name}</span>
        </button>
      ),
    },
  ];
  return (
    <DataTable
      rows={datasets}
      columns={columns}
      rowKey={(d) => d.id}
      rowProps={(d) => ({ className: d.id === selectedId ? 'row-selected' : undefined })}
      empty="No datasets yet. Upload a CSV above."
      testId="datasets-table"
    />
  );
}
