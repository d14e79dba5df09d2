import { subtask } from 'hardhat/config';
import { TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD } from 'hardhat/builtin-tasks/task-names';
import type { HardhatUserConfig } from 'hardhat/types';
import '@nomicfoundation/hardhat-ethers';
import '@nomicfoundation/hardhat-chai-matchers';

/**
 * The compiler comes from the npm package `solc` (solc-js), never from the
 * internet: Hardhat's own download of solc builds cannot work on our machines.
 */
const SOLC_VERSION: string = require('solc/package.json').version;

subtask(TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD, async (args: { solcVersion: string }, _hre, runSuper) => {
  if (args.solcVersion !== SOLC_VERSION) return runSuper(args);
  return {
    compilerPath: require.resolve('solc/soljson.js'),
    isSolcJs: true,
    version: SOLC_VERSION,
    longVersion: require('solc').version(),
  };
});

const config: HardhatUserConfig = {
  solidity: {
    version: SOLC_VERSION,
    // paris: no PUSH0, so the bytecode runs on any EVM chain, including older Besu/QBFT networks.
    settings: { optimizer: { enabled: true, runs: 200 }, evmVersion: 'paris' },
  },
  paths: { sources: './contracts', tests: './test', cache: './cache', artifacts: './artifacts' },
  mocha: {
    timeout: 120_000,
  },
};

export default config;
