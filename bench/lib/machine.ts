/**
 * @module bench/lib/machine
 * Describes the machine a benchmark ran on (CPU count and model, memory, kernel, Node) so printed and
 * saved results can be compared across machines.
 */
import { availableParallelism, cpus, release, totalmem } from "node:os";

export interface MachineInfo {
  readonly nproc: number;
  readonly cpuModel: string;
  readonly memoryGB: number;
  readonly kernel: string;
  readonly node: string;
  readonly tools: Record<string, string>;
}

export function machineInfo(tools: Record<string, string>): MachineInfo {
  return {
    nproc: availableParallelism(),
    cpuModel: cpus()[0]?.model.trim() ?? "unknown",
    memoryGB: Math.round((totalmem() / 1e9) * 10) / 10,
    kernel: `${process.platform} ${release()}`,
    node: process.version,
    tools,
  };
}

export function renderMachine(m: MachineInfo): string {
  const lines = [
    `${"machine:".padEnd(10)}nproc ${m.nproc}, ${m.cpuModel}, ${m.memoryGB} GB RAM, ${m.kernel}`,
    `${"node:".padEnd(10)}${m.node} (${process.execPath})`,
  ];
  for (const [name, version] of Object.entries(m.tools)) lines.push(`${`${name}:`.padEnd(10)}${version}`);
  return lines.join("\n");
}
