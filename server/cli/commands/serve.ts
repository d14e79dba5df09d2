import { loadConfig } from '../../config';
import { serve } from '../../runtime';
import { tuneHeapForStreaming } from '../../heap-tuning';
import { parseCommandArgs, parsePort } from '../args';

export const SERVE_HELP = `Usage: custos serve [--port N] [--host H] [--data-dir DIR]

Runs the Custos evidence service with its embedded chain (anvil), IPFS
blockstore and SQLite database, all under the data directory.

Options:
  --port N        HTTP port (env CUSTOS_PORT, default 8080)
  --host H        listen address (env CUSTOS_HOST, default 127.0.0.1)
  --data-dir DIR  data directory (env CUSTOS_DATA_DIR, default ./data)

On first start an admin token is written to <data-dir>/admin.token (mode 0600).
Set CUSTOS_CHAIN_RPC_URL, CUSTOS_CHAIN_CONTRACT and CUSTOS_ANCHORER_KEY_FILE to
anchor on an external EVM chain instead (see custos deploy).`;

export async function serveCommand(args: string[]): Promise<number> {
  const { values } = parseCommandArgs(args, { port: { type: 'string' }, host: { type: 'string' }, 'data-dir': { type: 'string' } });
  if (values.help) {
    console.log(SERVE_HELP);
    return 0;
  }
  const overrides = {
    ...(values.port !== undefined ? { port: parsePort(values.port, '--port') } : {}),
    ...(values.host !== undefined ? { host: values.host } : {}),
    ...(values['data-dir'] !== undefined ? { dataDir: values['data-dir'] } : {}),
  };
  const config = loadConfig(process.env, overrides);
  tuneHeapForStreaming();
  const running = await serve(config);
  console.error(`custos listening on ${running.url} (data: ${config.dataDir}; admin token: ${running.custos.adminTokenFile})`);
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      console.error(`custos: ${signal} received, shutting down`);
      resolve();
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  await running.close();
  return 0;
}
