#!/usr/bin/env python3
"""Where the bytes of a Native AOT binary went between two builds: reads the ILC map files (publish with
-p:IlcGenerateMapFile=true; the map is obj/Release/net10.0/<rid>/native/ibmi-mcp.map.xml) and prints the change per
group of nodes, largest first. Code, type data and GC info are grouped by the first DEPTH parts of their mangled name
(assembly, then namespace: S_P_CoreLib is System.Private.CoreLib); the runtime's shared tables by their kind.

    python3 bench/ilc-map-diff.py BEFORE.map.xml AFTER.map.xml [DEPTH=3] [ROWS=30]
"""
import collections
import re
import sys

TABLES = {"Metadata", "ArrayOfFrozenObjects", "WritableData", "ExternalReferencesTable", "GenericTypesHashtable",
          "GenericMethodsHashtable", "InterfaceDispatchCellSection", "FieldRvaData", "MethodReadOnlyData",
          "StackTraceMethodMapping", "TypeMetadataMap"}
NODE = re.compile(r'\s*<(\w+) Name="([^"]*)" Length="(\d+)"')


def groups(path, depth):
    sizes = collections.Counter()
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = NODE.match(line)
            if not m:
                continue
            kind, name, length = m.group(1), m.group(2).replace("&lt;", "<").replace("&gt;", ">"), int(m.group(3))
            key = f"[{kind}]" if kind in TABLES else "_".join(re.split(r"[_<]", name)[:depth])
            sizes[key] += length
    return sizes


def main():
    before, after = sys.argv[1], sys.argv[2]
    depth = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    rows = int(sys.argv[4]) if len(sys.argv) > 4 else 30
    a, b = groups(before, depth), groups(after, depth)
    diff = {k: b[k] - a[k] for k in set(a) | set(b) if b[k] != a[k]}
    print(f"nodes: {sum(a.values()):,} -> {sum(b.values()):,} bytes ({sum(b.values()) - sum(a.values()):+,})")
    for key, delta in sorted(diff.items(), key=lambda kv: -abs(kv[1]))[:rows]:
        print(f"{delta:>+12,}  {key}")


if __name__ == "__main__":
    main()
