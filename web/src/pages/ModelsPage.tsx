import { useState } from 'react';
import { request } from '../api/client';
import { ActiveModelChangedDocument, ModelActivationsDocument, ModelsDocument, PromoteModelDocument, RollbackModelDocument } from '../api/documents';
import { useQuery, useSubscription } from '../api/hooks';
import type { ModelActivationFragment, ModelVersionFragment } from '../api/types';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { ACTIONS_HEADER, DataTable, type Column } from '../components/DataTable';
import { ErrorMessage } from '../components/ErrorMessage';
import { Field } from '../components/Field';
import { Loading } from '../components/Loading';
import { ModelComparison } from '../components/ModelComparison';
import { LoadError, StatusBadge } from '../components/StatusBadge';
import { dateTime, int, num, pct } from '../format';
import { useDenied } from '../session';

type Pending = { kind: 'promote'; version: number } | { kind: 'rollback' } | null;

export function ModelsPage() {
  const models = useQuery(ModelsDocument);
  const activations = useQuery(ModelActivationsDocument, { first: 20 });
  const [pending, setPending] = useState<Pending>(null);
  const [busy, setBusy] = useState(false);
  const [actionError, setActionError] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const changeDenied = useDenied('ADMIN', 'Promoting or rolling back a model');
  const [pickA, setPickA] = useState<number | null>(null);
  const [pickB, setPickB] = useState<number | null>(null);

  const reloadAll = () => {
    void models.reload();
    void activations.reload();
  };
  // Another user (or the automatic gate) may change the active model while this page is open.
  useSubscription(ActiveModelChangedDocument, {}, { next: reloadAll });

  const list = models.data?.models ?? [];
  const sorted = [...list].sort((x, y) => y.version - x.version);
  const active = list.find((m) => m.status === 'ACTIVE') ?? null;
  // Default comparison: the active model against the newest other version.
  const versionA = pickA ?? active?.version ?? sorted[1]?.version ?? null;
  const versionB = pickB ?? sorted.find((m) => m.version !== versionA)?.version ?? null;
  const a = list.find((m) => m.version === versionA);
  const b = list.find((m) => m.version === versionB);

  async function confirm() {
    if (!pending) return;
    setBusy(true);
    setActionError(null);
    try {
      if (pending.kind === 'promote') {
        const data = await request(PromoteModelDocument, { version: pending.version });
        setNotice(`Version ${data.promoteModel.version} is now active.`);
      } else {
        const data = await request(RollbackModelDocument);
        setNotice(`Rolled back: version ${data.rollbackModel.version} is active again.`);
      }
      reloadAll();
    } catch (caught) {
      setActionError(caught);
      setNotice(null);
    } finally {
      setBusy(false);
      setPending(null);
    }
  }

  return (
    <section aria-labelledby="models-title">
      <div className="page-head">
        <h1 id="models-title">Models</h1>
        <button type="button" className="button" onClick={() => setPending({ kind: 'rollback' })} disabled={!active || busy || changeDenied !== null} title={changeDenied ?? undefined}>
          Roll back…
        </button>
      </div>
      {changeDenied && (
        <p className="role-note" data-testid="role-note">
          {changeDenied}
        </p>
      )}
      {notice && (
        <div className="alert alert-ok" role="status">
          {notice}
        </div>
      )}
      <ErrorMessage error={actionError} title="The change was not made" />
      <div className="card">
        <h2>All versions</h2>
        <ErrorMessage error={models.error} title="Could not load models" />
        {models.loading && !models.data && <Loading />}
        {models.data && <ModelsTable models={sorted} onPromote={(version) => setPending({ kind: 'promote', version })} busy={busy} denied={changeDenied} />}
      </div>
      {list.length >= 2 && (
        <div className="card">
          <h2>Compare two versions</h2>
          <div className="form-grid form-grid-2 compare-pickers">
            <VersionPicker label="Version A" models={sorted} value={versionA} onChange={setPickA} />
            <VersionPicker label="Version B" models={sorted} value={versionB} onChange={setPickB} />
          </div>
          {a && b && <ModelComparison a={a} b={b} />}
        </div>
      )}
      <div className="card">
        <h2>Activation history</h2>
        <ErrorMessage error={activations.error} title="Could not load the activation history" />
        {activations.data && <ActivationsTable activations={activations.data.modelActivations} />}
      </div>
      <ConfirmDialog
        open={pending !== null}
        title={pending?.kind === 'promote' ? `Promote version ${pending.version}?` : 'Roll back the active model?'}
        confirmLabel={pending?.kind === 'promote' ? 'Promote' : 'Roll back'}
        busy={busy}
        onConfirm={() => void confirm()}
        onCancel={() => setPending(null)}
      >
        {pending?.kind === 'promote' ? (
          <p>
            Predictions switch to version {pending.version} at once{active ? `; version ${active.version} is archived` : ''}. You can roll back later.
          </p>
        ) : (
          <p>Predictions switch back to the version that was active before version {active?.version ?? '?'}.</p>
        )}
      </ConfirmDialog>
    </section>
  );
}

function VersionPicker({ label, models, value, onChange }: { label: string; models: ModelVersionFragment[]; value: number | null; onChange: (v: number) => void }) {
  return (
    <Field label={label}>
      {({ id }) => (
        <select id={id} value={value ?? ''} onChange={(event) => onChange(Number(event.target.value))}>
          {models.map((m) => (
            <option key={m.version} value={m.version}>
              v{m.version} · {m.status.toLowerCase()} · macro-F1 {num(m.metrics.macroF1, 3)}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}

function ModelsTable({ models, onPromote, busy, denied }: { models: ModelVersionFragment[]; onPromote: (version: number) => void; busy: boolean; denied: string | null }) {
  const columns: Column<ModelVersionFragment>[] = [
    {
      header: 'Version',
      cell: (m) => (
        <>
          <strong>v{m.version}</strong> <span className="muted small">{m.source}</span>
        </>
      ),
    },
    {
      header: 'Status',
      cell: (m) => (
        <>
          <StatusBadge status={m.status} />
          {m.loadError !== null && <LoadError version={m.version} reason={m.loadError} />}
        </>
      ),
    },
    { header: 'Macro-F1', className: 'mono', cell: (m) => num(m.metrics.macroF1, 3) },
    { header: 'Baseline', className: 'mono', cell: (m) => num(m.metrics.majorityBaselineMacroF1, 3) },
    { header: 'Accuracy', className: 'mono', cell: (m) => pct(m.metrics.accuracy) },
    { header: 'Rows', cell: (m) => int(m.rowCount) },
    { header: 'Created', cell: (m) => dateTime(m.createdAt) },
    {
      header: 'Gate',
      className: 'small',
      cell: (m) => (
        <>
          {m.gateDecision ? m.gateDecision.reason : '—'}
          {m.gateDecision?.intervalLow != null && m.gateDecision.intervalHigh != null && (
            <div className="muted" data-testid={`gate-interval-${m.version}`}>
              {m.gateDecision.evaluationRows} pinned rows · Δ {num(m.gateDecision.difference ?? 0, 3)} [{num(m.gateDecision.intervalLow, 3)}, {num(m.gateDecision.intervalHigh, 3)}]
            </div>
          )}
        </>
      ),
    },
    {
      header: ACTIONS_HEADER,
      cell: (m) =>
        m.status !== 'ACTIVE' && (
          <button type="button" className="button button-small" onClick={() => onPromote(m.version)} disabled={busy || denied !== null} title={denied ?? undefined}>
            Promote…<span className="sr-only"> version {m.version}</span>
          </button>
        ),
    },
  ];
  return (
    <DataTable
      rows={models}
      columns={columns}
      rowKey={(m) => m.version}
      rowProps={(m) => ({ 'data-version': m.version, className: m.loadError !== null ? 'row-warning' : undefined })}
      empty="No model versions yet."
      testId="models-table"
    />
  );
}

const ACTIVATION_COLUMNS: Column<ModelActivationFragment>[] = [
  { header: 'When', cell: (x) => dateTime(x.createdAt) },
  { header: 'From', cell: (x) => (x.fromVersion === null ? '—' : `v${x.fromVersion}`) },
  { header: 'To', cell: (x) => `v${x.toVersion}` },
  { header: 'Reason', cell: (x) => x.reason },
  { header: 'By', cell: (x) => x.actor },
];

function ActivationsTable({ activations }: { activations: ModelActivationFragment[] }) {
  return <DataTable rows={activations} columns={ACTIVATION_COLUMNS} rowKey={(x) => x.id} empty="No activations yet." testId="activations-table" />;
}
