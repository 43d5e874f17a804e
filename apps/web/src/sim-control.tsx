import { useState } from 'preact/hooks';
import type { Sim } from './cluster-faces.js';

/** The Similarity slider and its Auto switch: a number in [0, 1] or "auto" (the slider keeps the last number). */
export function SimControl({ sim, onChange }: { sim: Sim; onChange: (sim: Sim) => void }) {
  const [lastNumber, setLastNumber] = useState(0.6);
  const numeric = sim === 'auto' ? lastNumber : sim;
  return (
    <div class="sim">
      <label for="sim-slider">Similarity</label>
      <input
        id="sim-slider"
        type="range"
        min={0}
        max={1}
        step={0.01}
        value={numeric}
        aria-valuetext={sim === 'auto' ? `auto (${numeric})` : String(sim)}
        onInput={(e) => {
          const v = Number((e.target as HTMLInputElement).value);
          setLastNumber(v);
          onChange(v);
        }}
      />
      <output for="sim-slider">{sim === 'auto' ? 'auto' : sim.toFixed(2)}</output>
      <label class="check">
        <input type="checkbox" checked={sim === 'auto'} onChange={(e) => onChange((e.target as HTMLInputElement).checked ? 'auto' : lastNumber)} /> Auto
      </label>
    </div>
  );
}
