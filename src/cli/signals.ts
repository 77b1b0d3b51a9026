// SIGTERM/SIGINT for long commands: the first asks the work to stop at its next resumable
// point (the command then exits normally); a second one, from an impatient person, exits now.
const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

export function onStopSignal(stop: (signal: NodeJS.Signals) => void): () => void {
  let received = false;
  const handler = (signal: NodeJS.Signals) => {
    if (received) process.exit(signal === 'SIGINT' ? 130 : 143);
    received = true;
    stop(signal);
  };
  for (const s of SIGNALS) process.on(s, handler);
  return () => { for (const s of SIGNALS) process.off(s, handler); };
}
