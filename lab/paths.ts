/** Where the lab keeps its state: data folders, configs, logs and pid files. */
import { join } from 'node:path';

export const LAB_DIR = process.env.TANDEM_LAB_DIR ?? '/var/lib/tandem-lab';
export const labPath = (...parts: string[]) => join(LAB_DIR, ...parts);
export const logFile = (name: string) => labPath('logs', `${name}.log`);
export const pidFile = (name: string) => labPath('pids', `${name}.pid`);
export const PG_BIN = '/usr/lib/postgresql/15/bin';
