#!/usr/bin/env python3
"""Where the bytes of a wasm module go: code size per crate and the biggest functions.

    scripts/wasm_parts.py FILE.wasm [--top N] [--functions N]

Needs the module's name section (cargo's output, wasm-split's and wasm-bindgen's keep it; wasm-opt
drops it unless given -g), so point it at the main module wasm-split leaves in cargo-leptos's
target dir, target/front/wasm32-unknown-unknown/<profile>/breakwater_split.wasm, or at a copy
optimised with `wasm-opt -g` (scripts/bench.sh), not at the shipped bundle. Function bodies
are attributed to the crate of the item they implement: for `<T as Trait>::f` the crate of T,
for `a::b::f<X>` the crate a (generic code instantiated for our types counts under the generic
crate: `core`, `alloc`, `serde`...). Only the standard library is used; no install needed.
"""

import re
import sys
from collections import defaultdict


def leb(buf, pos):
    result = shift = 0
    while True:
        byte = buf[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return result, pos


def name_of(buf, pos):
    length, pos = leb(buf, pos)
    return buf[pos:pos + length].decode("utf-8", "replace"), pos + length


def sections(buf):
    assert buf[:4] == b"\0asm", "not a wasm module"
    pos = 8
    while pos < len(buf):
        sid = buf[pos]
        size, body = leb(buf, pos + 1)
        yield sid, body, body + size, body - pos + size
        pos = body + size


def count_imported_functions(buf, start):
    count, pos = leb(buf, start)
    functions = 0
    for _ in range(count):
        _, pos = name_of(buf, pos)
        _, pos = name_of(buf, pos)
        kind = buf[pos]
        pos += 1
        if kind == 0:  # function: type index
            _, pos = leb(buf, pos)
            functions += 1
        elif kind == 1:  # table: reftype, limits
            pos += 1
            flags, pos = leb(buf, pos)
            _, pos = leb(buf, pos)
            if flags & 1:
                _, pos = leb(buf, pos)
        elif kind == 2:  # memory: limits
            flags, pos = leb(buf, pos)
            _, pos = leb(buf, pos)
            if flags & 1:
                _, pos = leb(buf, pos)
        elif kind == 3:  # global: valtype, mutability
            pos += 2
        elif kind == 4:  # tag
            pos += 1
            _, pos = leb(buf, pos)
    return functions


LEGACY_HASH = re.compile(r"::h[0-9a-f]{16}$")


def demangle_legacy(name):
    """_ZN3foo3bar17h0123456789abcdefE -> foo::bar (enough for attribution)."""
    if not name.startswith("_ZN"):
        return name
    pos, parts = 3, []
    while pos < len(name) and name[pos].isdigit():
        end = pos
        while name[end].isdigit():
            end += 1
        length = int(name[pos:end])
        parts.append(name[end:end + length])
        pos = end + length
    text = "::".join(p for p in parts if not re.fullmatch(r"h[0-9a-f]{16}", p))
    for code, char in (("$LT$", "<"), ("$GT$", ">"), ("$u20$", " "), ("$RF$", "&"),
                       ("$C$", ","), ("..", "::"), ("$u7b$", "{"), ("$u7d$", "}")):
        text = text.replace(code, char)
    return text


V0_CRATE = re.compile(r"C(?:s[0-9A-Za-z]*_)?(\d+)")


def v0_crate(name):
    """The first crate root of a v0-mangled symbol (_RNvNtCs..._4core3fmt5write -> core)."""
    match = V0_CRATE.search(name, 2)
    if not match:
        return None
    length = int(match.group(1))
    start = match.end()
    if start < len(name) and name[start] == "_":
        start += 1  # a separator before identifiers that start with a digit or `_`
    return name[start:start + length]


DISAMBIGUATOR = re.compile(r"\[[0-9a-f]{1,16}\]")


def split_qualified(name):
    """`<X as Y>::rest` -> (X, Y); `<X>::rest` -> (X, None); else None."""
    depth = 0
    for i, ch in enumerate(name):
        if ch in "<([":
            depth += 1
        elif ch in ">)]":
            depth -= 1
            if depth == 0:
                return name[1:i], None
        elif depth == 1 and name.startswith(" as ", i):
            j, d = i + 4, 1
            while j < len(name) and d:
                d += {"<": 1, ">": -1}.get(name[j], 0)
                j += 1
            return name[1:i], name[i + 4:j - 1]
    return None


def first_crate(path):
    """The crate of a path, or None for a generic parameter, a tuple or a primitive."""
    path = path.strip()
    for prefix in ("&mut ", "&", "*const ", "*mut ", "dyn ", "["):
        while path.startswith(prefix):
            path = path[len(prefix):].strip()
    if path.startswith("<"):
        parts = split_qualified(path)
        if not parts:
            return first_crate(path[1:])
        self_type, trait = parts
        return first_crate(self_type) or (trait and first_crate(trait)) or None
    match = re.match(r"[A-Za-z_][A-Za-z0-9_]*(?=::)", path)
    return match.group(0) if match else None


def crate_of(name):
    if name.startswith("_R"):
        crate = v0_crate(name)
        if crate:
            return crate
    name = DISAMBIGUATOR.sub("", LEGACY_HASH.sub("", demangle_legacy(name)))
    if name.startswith("_<"):
        name = name[1:]
    if name.startswith("Closure(") or name.startswith("__wbg") or name.startswith("__wbindgen") \
            or name.startswith("wasm_bindgen::") and "__rt" in name:
        return "(wasm-bindgen glue)"
    if name == "?":
        return "(no name)"
    crate = first_crate(name)
    if crate:
        return crate
    return "(other: " + name.split("::")[0][:20] + ")"


def main(argv):
    path = argv[1]
    top = int(argv[argv.index("--top") + 1]) if "--top" in argv else 25
    top_fns = int(argv[argv.index("--functions") + 1]) if "--functions" in argv else 15
    buf = open(path, "rb").read()
    imported = 0
    bodies = []
    names = {}
    per_section = defaultdict(int)
    for sid, start, end, total in sections(buf):
        if sid == 0:
            custom, pos = name_of(buf, start)
            per_section["custom " + custom] += total
            if custom != "name":
                continue
            while pos < end:
                sub = buf[pos]
                size, pos = leb(buf, pos + 1)
                if sub == 1:
                    count, p = leb(buf, pos)
                    for _ in range(count):
                        idx, p = leb(buf, p)
                        fname, p = name_of(buf, p)
                        names[idx] = fname
                pos += size
            continue
        label = {1: "type", 2: "import", 3: "function", 4: "table", 5: "memory", 6: "global",
                 7: "export", 8: "start", 9: "element", 10: "code", 11: "data", 12: "datacount"}
        per_section[label.get(sid, str(sid))] += total
        if sid == 2:
            imported = count_imported_functions(buf, start)
        elif sid == 10:
            count, pos = leb(buf, start)
            for i in range(count):
                size, body = leb(buf, pos)
                bodies.append((imported + i, body + size - pos))
                pos = body + size
    if not names:
        print(f"{path}: no name section (an optimised bundle?); sections only")
    total = len(buf)
    print(f"{path}: {total} bytes")
    print("  by section: " + ", ".join(f"{k} {v}" for k, v in
                                       sorted(per_section.items(), key=lambda kv: -kv[1])))
    if not names:
        return
    by_crate = defaultdict(lambda: [0, 0])
    for idx, size in bodies:
        crate = crate_of(names.get(idx, "?"))
        by_crate[crate][0] += size
        by_crate[crate][1] += 1
    code = sum(size for _, size in bodies)
    print(f"  code by crate (of {code} bytes of function bodies, {len(bodies)} functions):")
    for crate, (size, n) in sorted(by_crate.items(), key=lambda kv: -kv[1][0])[:top]:
        print(f"    {size:>9}  {100 * size / code:5.1f}%  {n:>5} fns  {crate}")
    print(f"  biggest functions:")
    for idx, size in sorted(bodies, key=lambda b: -b[1])[:top_fns]:
        fname = DISAMBIGUATOR.sub("", LEGACY_HASH.sub("", demangle_legacy(names.get(idx, "?"))))
        if fname.startswith("_R"):
            fname = f"{fname} ({v0_crate(fname)})"
        print(f"    {size:>9}  {fname[:150]}")


if __name__ == "__main__":
    main(sys.argv)
