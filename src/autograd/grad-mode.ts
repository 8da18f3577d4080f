// Whether ops record themselves on the tape. `noGrad` turns recording off for a scope:
// inference, optimizer updates and backward passes themselves run without a tape.

let enabled = true;

export function isGradEnabled(): boolean {
  return enabled;
}

/** Run `fn` with gradient recording off; restores the previous mode even if `fn` throws. */
export function noGrad<T>(fn: () => T): T {
  const previous = enabled;
  enabled = false;
  try {
    return fn();
  } finally {
    enabled = previous;
  }
}

/** Run `fn` with gradient recording on (e.g. a training step inside a no-grad caller). */
export function withGrad<T>(fn: () => T): T {
  const previous = enabled;
  enabled = true;
  try {
    return fn();
  } finally {
    enabled = previous;
  }
}
