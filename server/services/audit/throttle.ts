/**
 * The audit's read budget: after each chunk, wait as long as needed to stay
 * under `bytesPerSecond`, and always yield to the event loop so uploads and
 * verification requests are served between chunks. 0 means no limit.
 */
export function createThrottle(bytesPerSecond: number): (bytes: number) => Promise<void> {
  const started = Date.now();
  let total = 0;
  return async (bytes: number) => {
    total += bytes;
    const due = bytesPerSecond > 0 ? started + (total / bytesPerSecond) * 1000 - Date.now() : 0;
    await new Promise((resolve) => (due > 0 ? setTimeout(resolve, due) : setImmediate(resolve)));
  };
}
