/**
 * @module interfaces/cli/dicom-commands
 * `rayvault dicom …`: the DICOM network's directory (nodes that store to us, recipients' nodes we push
 * to), C-ECHO, and routing rules. Thin: each command calls one use-case and prints what it did.
 */
import { Option, type Command } from "commander";
import type { CliKit } from "./policy-commands.ts";

const json = (v: unknown): string => JSON.stringify({ version: 1, ...(v as object) }, null, 2);

export function registerDicomCommands(program: Command, kit: CliKit): void {
  const { withVault, write, operator } = kit;
  const dicom = program.command("dicom").description("the DICOM network: nodes (modalities, PACS, recipients' nodes), C-ECHO, routing rules");

  const node = dicom.command("node").description("nodes that store to us (--inbound) and recipients' nodes we push to (--recipient)");
  node
    .command("add")
    .description("add a node; an inbound node's calling AE title is what lets it store to us")
    .requiredOption("--name <name>", "what the clinic calls it (CT room 1, St Mary's PACS)")
    .requiredOption("--ae <title>", "its AE title")
    .option("--host <host>", "its address (needed to push or echo to it)")
    .option("--port <port>", "its DICOM port", (v) => Number(v))
    .option("--inbound", "it may store to us (a modality or PACS)")
    .option("--recipient <id>", "the recipient it belongs to: studies may be pushed to it for them")
    .option("--tls", "the node speaks DICOM TLS (required to push PHI unless --private-network)")
    .option("--private-network", "attest that plain TCP to it stays on a private network (LAN, VPN)")
    .option("--json")
    .action(async (o: { name: string; ae: string; host?: string; port?: number; inbound?: boolean; recipient?: string; tls?: boolean; privateNetwork?: boolean; json?: boolean }) => {
      await withVault(async (deps) => {
        const { addNode } = await import("../../app/manage-dicom.ts");
        const n = await addNode({
          actor: operator, name: o.name, aeTitle: o.ae, ...(o.host !== undefined ? { host: o.host } : {}), ...(o.port !== undefined ? { port: o.port } : {}),
          tls: o.tls === true, privateNetwork: o.privateNetwork === true, inbound: o.inbound === true, ...(o.recipient ? { recipientId: o.recipient } : {}),
        }, deps);
        write(o.json ? json(n) : `node ${n.id} added (AE ${n.aeTitle}${n.inbound ? ", may store to us" : ""}${n.recipientId ? `, pushes for ${n.recipientId}` : ""})`);
      });
    });
  node
    .command("list")
    .option("--json")
    .action(async (o: { json?: boolean }) => {
      await withVault(async (deps) => {
        const nodes = await deps.dicomNodes.nodes();
        if (o.json) write(json({ nodes }));
        else if (nodes.length === 0) write("no DICOM nodes");
        else for (const n of nodes) write(`${n.id}  ${n.aeTitle.padEnd(16)} ${n.host ? `${n.host}:${n.port}` : "-"}${n.tls ? " TLS" : n.privateNetwork ? " private" : ""}${n.inbound ? "  inbound" : ""}${n.recipientId ? `  recipient ${n.recipientId}` : ""}  ${n.name}`);
      });
    });
  node
    .command("remove")
    .argument("<id>")
    .action(async (id: string) => {
      await withVault(async (deps) => {
        const { removeNode } = await import("../../app/manage-dicom.ts");
        await removeNode({ actor: operator, id }, deps);
        write(`node ${id} removed (its routing rules too)`);
      });
    });

  dicom
    .command("echo")
    .description("C-ECHO a node as our AE title: checks its address, AE titles and TLS")
    .argument("<node>")
    .action(async (id: string) => {
      await withVault(async (deps) => {
        const { echoNode } = await import("../../app/manage-dicom.ts");
        await echoNode({ id }, deps);
        write(`C-ECHO to ${id}: success`);
      });
    });

  const route = dicom.command("route").description("routing rules: when a study arrives from a node, share it (each share still decided)");
  route
    .command("add")
    .requiredOption("--from <node>", "the inbound node studies arrive from")
    .requiredOption("--to <recipient>")
    .addOption(new Option("--purpose <purpose>").choices(["treatment", "payment", "operations"]).makeOptionMandatory())
    .addOption(new Option("--channel <channel>", "default: as the decision allows").choices(["smime", "pgp", "portal", "dicom-push"]))
    .option("--json")
    .action(async (o: { from: string; to: string; purpose: string; channel?: string; json?: boolean }) => {
      await withVault(async (deps) => {
        const { addRoute } = await import("../../app/manage-dicom.ts");
        const r = await addRoute({ actor: operator, fromNodeId: o.from, recipientId: o.to, purpose: o.purpose, ...(o.channel ? { channel: o.channel } : {}) }, deps);
        write(o.json ? json(r) : `route ${r.id} added: studies from ${r.fromNodeId} go to ${r.recipientId} for ${r.purpose}${r.channel ? ` by ${r.channel}` : ""}, each share decided`);
      });
    });
  route
    .command("list")
    .option("--json")
    .action(async (o: { json?: boolean }) => {
      await withVault(async (deps) => {
        const routes = await deps.dicomNodes.routes();
        if (o.json) write(json({ routes }));
        else if (routes.length === 0) write("no routing rules");
        else for (const r of routes) write(`${r.id}  from ${r.fromNodeId} → ${r.recipientId}  ${r.purpose}${r.channel ? ` by ${r.channel}` : ""}`);
      });
    });
  route
    .command("remove")
    .argument("<id>")
    .action(async (id: string) => {
      await withVault(async (deps) => {
        const { removeRoute } = await import("../../app/manage-dicom.ts");
        await removeRoute({ actor: operator, id }, deps);
        write(`route ${id} removed`);
      });
    });
}
