// /trace/{traceId}?span=&tab=&cp= — the waterfall with the span details or the trace's logs beside it.
// The selected span, the side tab and the critical-path switch live in the URL, so a view is a link.
import { useCallback, useMemo, useState } from 'react';
import { Link, useParams, useSearchParams } from 'react-router';
import { api } from '../api/client.js';
import { Empty, ErrorPanel, Loading } from '../components/States.js';
import { SpanDetail } from '../components/trace/SpanDetail.js';
import { TraceHeader } from '../components/trace/TraceHeader.js';
import { TraceLogs } from '../components/trace/TraceLogs.js';
import { Waterfall } from '../components/trace/Waterfall.js';
import { useAsync } from '../hooks/useAsync.js';
import { criticalPath, type CriticalSegment } from '../model/critical-path.js';
import { ancestorIds, buildTrace, parentSpanIds, visibleSpans, type TraceModel } from '../model/trace.js';

export function TracePage() {
  const { traceId = '' } = useParams();
  const trace = useAsync((signal) => api.trace(traceId, signal), [traceId]);
  const model = useMemo(() => (trace.data === undefined ? undefined : buildTrace(trace.data)), [trace.data]);
  if (trace.status === 'loading') {
    return (
      <div className="page-body">
        <Loading label={`Loading trace ${traceId}…`} />
      </div>
    );
  }
  if (trace.status === 'error') {
    return (
      <div className="page-body">
        <div className="card">
          <ErrorPanel title={`Could not load trace ${traceId}`} error={trace.error} onRetry={trace.reload} />
          <div className="state-footer">
            <Link to="/search">Back to trace search</Link>
          </div>
        </div>
      </div>
    );
  }
  if (model === undefined || model.spans.length === 0) {
    return (
      <div className="page-body">
        <Empty title="This trace has no spans" />
      </div>
    );
  }
  return <TraceView key={traceId} model={model} />;
}

function TraceView({ model }: { model: TraceModel }) {
  const [params, setParams] = useSearchParams();
  const selectedId = params.get('span') ?? undefined;
  const selected = selectedId === undefined ? undefined : model.byId.get(selectedId);
  const tab = params.get('tab') === 'logs' || selected === undefined ? 'logs' : 'span';
  const showCritical = params.get('cp') !== '0';
  const logs = useAsync((signal) => api.traceLogs(model.traceId, signal), [model.traceId]);
  const [collapsed, setCollapsed] = useState<ReadonlySet<string>>(() => new Set());
  const rows = useMemo(() => visibleSpans(model, collapsed), [model, collapsed]);
  const critical = useMemo(() => (showCritical ? segmentsBySpan(criticalPath(model)) : undefined), [model, showCritical]);

  const updateParams = useCallback(
    (change: (next: URLSearchParams) => void) => {
      setParams(
        (current) => {
          const next = new URLSearchParams(current);
          change(next);
          return next;
        },
        { replace: true },
      );
    },
    [setParams],
  );
  const select = useCallback(
    (spanId: string) => {
      // A span chosen from the logs may sit under a collapsed parent: open the way to it.
      setCollapsed((current) => {
        const hidden = ancestorIds(model, spanId).filter((id) => current.has(id));
        if (hidden.length === 0) return current;
        const next = new Set(current);
        for (const id of hidden) next.delete(id);
        return next;
      });
      updateParams((next) => {
        next.set('span', spanId);
        next.delete('tab');
      });
    },
    [model, updateParams],
  );
  const toggle = useCallback((spanId: string) => {
    setCollapsed((current) => {
      const next = new Set(current);
      if (!next.delete(spanId)) next.add(spanId);
      return next;
    });
  }, []);
  const logCount = logs.status === 'ok' ? logs.data.length : undefined;

  return (
    <div className="trace-page">
      <TraceHeader model={model} />
      <div className="trace-body">
        <div className="card waterfall-card">
          <div className="toolbar">
            <label className="switch">
              <input type="checkbox" checked={showCritical} onChange={(event) => updateParams((next) => (event.target.checked ? next.delete('cp') : next.set('cp', '0')))} data-testid="critical-path-toggle" />
              <span className="switch-track" aria-hidden="true" />
              Critical path
            </label>
            <span className="toolbar-spacer" />
            <span className="muted small">
              {rows.length === model.spans.length ? `${model.spans.length} spans` : `${rows.length} of ${model.spans.length} spans shown`}
            </span>
            <button type="button" className="button small" onClick={() => setCollapsed(new Set())}>
              Expand all
            </button>
            <button type="button" className="button small" onClick={() => setCollapsed(collapseAllBut(model))}>
              Collapse all
            </button>
          </div>
          <Waterfall model={model} rows={rows} collapsed={collapsed} onToggle={toggle} selectedId={selectedId} onSelect={select} critical={critical} />
        </div>
        <aside className="card side-panel">
          <div className="tabs" role="tablist">
            <button type="button" role="tab" aria-selected={tab === 'span'} className={`tab ${tab === 'span' ? 'active' : ''}`} disabled={selected === undefined} onClick={() => updateParams((next) => next.delete('tab'))}>
              Span
            </button>
            <button type="button" role="tab" aria-selected={tab === 'logs'} className={`tab ${tab === 'logs' ? 'active' : ''}`} onClick={() => updateParams((next) => next.set('tab', 'logs'))} data-testid="logs-tab">
              Logs {logCount !== undefined && <span className="tab-count">{logCount}</span>}
            </button>
          </div>
          <div className="side-content">
            {tab === 'span' && selected !== undefined ? (
              <SpanDetail span={selected} model={model} onSelect={select} onClose={() => updateParams((next) => next.delete('span'))} />
            ) : (
              <>
                {selectedId !== undefined && selected === undefined && <div className="warning-box">Span {selectedId} is not in this trace.</div>}
                <TraceLogs logs={logs} model={model} selectedId={selectedId} onSelect={select} onRetry={logs.reload} />
              </>
            )}
          </div>
        </aside>
      </div>
    </div>
  );
}

/** Collapse every parent except the roots, so the trace reads as its top level of calls. */
function collapseAllBut(model: TraceModel): ReadonlySet<string> {
  const parents = parentSpanIds(model);
  for (const root of model.roots) parents.delete(root.spanId);
  return parents;
}

function segmentsBySpan(segments: CriticalSegment[]): Map<string, CriticalSegment[]> {
  const bySpan = new Map<string, CriticalSegment[]>();
  for (const segment of segments) {
    const list = bySpan.get(segment.spanId) ?? [];
    list.push(segment);
    bySpan.set(segment.spanId, list);
  }
  return bySpan;
}
