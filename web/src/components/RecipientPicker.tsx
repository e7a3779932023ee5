// Picks one recipient from the directory: a search field, then the names found as radio buttons (the chosen one stays listed while another search runs).
import { useState } from "react";
import { searchRecipients, type Recipient } from "../api";
import { useDebounced, useLoad } from "../hooks";
import { Alert } from "./Alert";
import { recipientLabel } from "../format";

interface Props {
  /** Prefix of the controls' ids (and the radio group's name). */
  id: string;
  legend: string;
  value: Recipient | null;
  onChange: (r: Recipient) => void;
  /** Only recipients of these kinds are offered (all when absent). */
  kinds?: readonly string[];
  /** Shown under the search field. */
  hint?: string;
  /** How a found recipient is named beside its radio button (name and kind unless given). */
  label?: (r: Recipient) => string;
}

export function RecipientPicker({ id, legend, value, onChange, kinds, hint, label = recipientLabel }: Props) {
  const [query, setQuery] = useState("");
  const q = useDebounced(query.trim(), 300);
  const { data: found, error, loading } = useLoad((signal) => (q ? searchRecipients(q, signal) : Promise.resolve([])), q);

  const offered = (found ?? []).filter((r) => !kinds || kinds.includes(r.kind));
  // Keep the chosen recipient on screen while a new search shows other names.
  const list = value && !offered.some((r) => r.id === value.id) ? [value, ...offered] : offered;

  return (
    <>
      <div className="field">
        <label htmlFor={`${id}-search`}>Search the directory</label>
        <input
          id={`${id}-search`}
          type="search"
          autoComplete="off"
          spellCheck={false}
          aria-describedby={hint ? `${id}-search-hint` : undefined}
          value={query}
          onChange={(e) => setQuery(e.target.value)}
        />
        {hint && (
          <p id={`${id}-search-hint`} className="hint">
            {hint}
          </p>
        )}
      </div>
      <fieldset className="radio-group">
        <legend>{legend}</legend>
        {list.length === 0 && !error && <p className="muted">{!q ? "Type a name, practice or address to search." : loading ? "Searching…" : "No one in the directory matches."}</p>}
        {list.map((r) => (
          <div key={r.id} className="radio">
            <input type="radio" id={`${id}-${r.id}`} name={`${id}-recipient`} value={r.id} checked={value?.id === r.id} onChange={() => onChange(r)} />
            <label htmlFor={`${id}-${r.id}`}>{label(r)}</label>
          </div>
        ))}
      </fieldset>
      <Alert message={error} />
    </>
  );
}
