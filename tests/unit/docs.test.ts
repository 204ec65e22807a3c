import { expect, test } from "vitest";
import { join } from "node:path";
import { PROJECT_ROOT } from "../../contract/files.ts";
import { DENO } from "../helpers.ts";

interface DocSymbol {
  name: string;
  declarations: {
    kind: string;
    location?: { filename: string };
    jsDoc?: { doc?: string; tags?: { kind: string }[] };
    def: { elements?: DocSymbol[] };
  }[];
}

/** Every export of a module (namespaces' members included), as `deno doc` sees them. */
async function exportsOf(
  module: string,
): Promise<{ name: string; kind: string; doc: string; example: boolean }[]> {
  const { stdout } = await new Deno.Command(DENO, {
    args: ["doc", "--json", module],
    cwd: PROJECT_ROOT,
  }).output();
  const nodes = JSON.parse(new TextDecoder().decode(stdout)).nodes as Record<
    string,
    { symbols: DocSymbol[] }
  >;
  const out: { name: string; kind: string; doc: string; example: boolean }[] = [];
  const visit = (symbols: DocSymbol[], prefix: string) => {
    for (const s of symbols) {
      for (const d of s.declarations) {
        if (d.kind === "namespace") {
          // `tf` is TensorFlow.js re-exported as it is: its documentation is tfjs's.
          if (s.name !== "tf") visit(d.def.elements ?? [], `${prefix}${s.name}.`);
          continue;
        }
        // tfjs's types, re-exported so that the library's own can name them: tfjs documents them.
        if (d.location?.filename.includes("/node_modules/")) continue;
        const example = (d.jsDoc?.tags ?? []).some((t) => t.kind === "example");
        out.push({ name: prefix + s.name, kind: d.kind, doc: d.jsDoc?.doc ?? "", example });
      }
    }
  };
  for (const node of Object.values(nodes)) visit(node.symbols, "");
  return out;
}

test.each(["lib", "datasets"])(
  "every export of %s/ has a JSDoc comment, and every function and class an example",
  async (dir) => {
    const exported = await exportsOf(join(PROJECT_ROOT, dir, "mod.ts"));
    expect(exported.length).toBeGreaterThan(20);
    expect(exported.filter((e) => !e.doc.trim()).map((e) => e.name)).toEqual([]);
    expect(
      exported.filter((e) => ["function", "class"].includes(e.kind) && !e.example).map((e) =>
        e.name
      ),
    )
      .toEqual([]);
  },
);
