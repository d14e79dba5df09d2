import { loadConfig, serviceUrl } from '../../config';
import { parseCommandArgs } from '../args';
import { UsageError } from '../cli-error';

export const LOG_HELP = `Usage: custos log head [--server URL] [--json]

Prints the log's current head (tree size and root) and its latest anchored head.

Options:
  --server URL  the Custos server (env CUSTOS_SERVER, default http://<CUSTOS_HOST>:<CUSTOS_PORT>)
  --json        print the raw JSON answer`;

export async function logCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, { server: { type: 'string' }, json: { type: 'boolean' } }, true);
  if (values.help) {
    console.log(LOG_HELP);
    return 0;
  }
  if (positionals[0] !== 'head' || positionals.length !== 1) throw new UsageError('usage: custos log head [--server URL] (see custos log --help)');
  const server = values.server ?? process.env.CUSTOS_SERVER ?? defaultServer();
  let response: Response;
  try {
    response = await fetch(new URL('/v1/log/head', server));
  } catch (error) {
    throw new Error(`cannot reach ${server}: ${(error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : (error as Error).message}`);
  }
  const body = (await response.json()) as { treeSize: number; rootHash: string; anchored: null | { treeSize: number; rootHash: string; txHash: string; blockNumber: number; anchoredAt: string; chainId: number; contract: string } };
  if (!response.ok) throw new Error(`${server} answered ${response.status}: ${JSON.stringify(body)}`);
  if (values.json) {
    console.log(JSON.stringify(body, null, 2));
    return 0;
  }
  console.log(`tree size  ${body.treeSize}`);
  console.log(`root hash  ${body.rootHash}`);
  if (body.anchored) {
    const a = body.anchored;
    console.log(`anchored   size ${a.treeSize}, root ${a.rootHash}`);
    console.log(`           chain ${a.chainId}, contract ${a.contract}, tx ${a.txHash} (block ${a.blockNumber}) at ${a.anchoredAt}`);
  } else {
    console.log('anchored   nothing yet');
  }
  return 0;
}

function defaultServer(): string {
  const config = loadConfig(process.env);
  return serviceUrl(config.host, config.port);
}
