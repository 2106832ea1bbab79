// The time range shared by every page, kept in the URL so a view with its range is a link: relative
// (`lookback=`, no end: it follows now) or absolute (`start=`/`end=` in Unix ms, shown as its dates,
// with a way back to live).
import { useEffect, useRef, useState } from 'react';
import { useSearchParams } from 'react-router';
import { LOOKBACK_PRESETS, browserUtcOffset, describeTimeRange, liveRangeFor, timeRangeFromParams, withTimeRange, type TimeRange } from '../model/time-range.js';

export function TimeRangePicker() {
  const [params, setParams] = useSearchParams();
  const range = timeRangeFromParams(params);
  const [open, setOpen] = useState(false);
  const containerRef = useRef<HTMLDivElement>(null);
  useCloseOnOutsideClick(containerRef, open, () => setOpen(false));

  // A new history entry per change, so back/forward walks through the ranges looked at.
  const apply = (next: TimeRange) => {
    setParams(withTimeRange(params, next));
    setOpen(false);
  };
  const live = liveRangeFor(range);
  return (
    <div className="time-picker" ref={containerRef}>
      {range.kind === 'absolute' && live.kind === 'lookback' && (
        <button type="button" className="button time-live-button" onClick={() => apply(live)} title={`Back to live: the last ${live.lookback}, following now`} data-testid="time-range-live">
          <span className="live-dot off" aria-hidden="true" />
          Live
        </button>
      )}
      <button
        type="button"
        className={`button time-picker-button ${range.kind}`}
        aria-haspopup="dialog"
        aria-expanded={open}
        aria-label={`Time range: ${describeTimeRange(range, Date.now(), browserUtcOffset)}`}
        onClick={() => setOpen(!open)}
        data-testid="time-range"
        data-range-kind={range.kind}
      >
        {range.kind === 'absolute' ? <CalendarIcon /> : <ClockIcon />}
        {describeTimeRange(range, Date.now(), browserUtcOffset)}
      </button>
      {open && <TimeRangePopover range={range} onApply={apply} />}
    </div>
  );
}

function TimeRangePopover({ range, onApply }: { range: TimeRange; onApply: (range: TimeRange) => void }) {
  const now = Date.now();
  const [start, setStart] = useState(toInputValue(range.kind === 'absolute' ? range.startMs : now - 3_600_000));
  const [end, setEnd] = useState(toInputValue(range.kind === 'absolute' ? range.endMs : now));
  const startMs = new Date(start).getTime();
  const endMs = new Date(end).getTime();
  const valid = Number.isFinite(startMs) && Number.isFinite(endMs) && startMs < endMs;
  return (
    <div className="popover time-popover" role="dialog" aria-label="Time range">
      <div className="time-presets">
        <div className="popover-heading">Relative</div>
        {LOOKBACK_PRESETS.map((preset) => (
          <button
            type="button"
            key={preset}
            className={`preset ${range.kind === 'lookback' && range.lookback === preset ? 'active' : ''}`}
            onClick={() => onApply({ kind: 'lookback', lookback: preset })}
          >
            Last {preset}
          </button>
        ))}
      </div>
      <form
        className="time-custom"
        onSubmit={(event) => {
          event.preventDefault();
          if (valid) onApply({ kind: 'absolute', startMs, endMs });
        }}
      >
        <div className="popover-heading">Absolute</div>
        <label className="field">
          <span>From</span>
          <input type="datetime-local" step="1" value={start} onChange={(event) => setStart(event.target.value)} />
        </label>
        <label className="field">
          <span>To</span>
          <input type="datetime-local" step="1" value={end} onChange={(event) => setEnd(event.target.value)} />
        </label>
        {!valid && <div className="field-error">“From” must be before “To”.</div>}
        <button type="submit" className="button primary" disabled={!valid}>
          Apply range
        </button>
      </form>
    </div>
  );
}

function useCloseOnOutsideClick(ref: React.RefObject<HTMLElement | null>, active: boolean, close: () => void): void {
  useEffect(() => {
    if (!active) return;
    const onPointer = (event: PointerEvent) => {
      if (ref.current !== null && !ref.current.contains(event.target as Node)) close();
    };
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape') close();
    };
    document.addEventListener('pointerdown', onPointer);
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('pointerdown', onPointer);
      document.removeEventListener('keydown', onKey);
    };
  }, [ref, active, close]);
}

/** `datetime-local` wants local time without a zone. */
function toInputValue(ms: number): string {
  const date = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
  return date.toISOString().slice(0, 19);
}

function CalendarIcon() {
  return (
    <svg width="14" height="14" viewBox="0 0 16 16" aria-hidden="true">
      <rect x="2" y="3" width="12" height="11" rx="1.5" fill="none" stroke="currentColor" strokeWidth="1.5" />
      <path d="M2 6.5h12M5.5 1.5v3M10.5 1.5v3" fill="none" stroke="currentColor" strokeWidth="1.5" strokeLinecap="round" />
    </svg>
  );
}

function ClockIcon() {
  return (
    <svg width="14" height="14" viewBox="0 0 16 16" aria-hidden="true">
      <circle cx="8" cy="8" r="6.5" fill="none" stroke="currentColor" strokeWidth="1.5" />
      <path d="M8 4.5V8l2.5 1.5" fill="none" stroke="currentColor" strokeWidth="1.5" strokeLinecap="round" />
    </svg>
  );
}
