"""Microsoft's ``lwc14n`` canonicalisation and the XrML licence transform.

``http://www.microsoft.com/xrml/lwc14n`` is not documented anywhere. The rules below reproduce
the digests and signatures of real Microsoft-signed licences (the reference notes, §2.3; the
unit tests check them on three public files):

1. The input is one element treated as a stand-alone document (the licence after the licence
   transform, or ``SignedInfo``).
2. The top element carries its own namespace declarations plus those inherited ones that its
   subtree uses; unused inherited declarations are left out.
3. Below the top, a declaration is written only when it is new or changes the binding in scope
   (a redundant re-declaration disappears; an unused own declaration stays).
4. Declarations are sorted by prefix (the default first); attributes by (namespace URI, local
   name), unqualified ones first.
5. Empty elements are written as a start and an end tag.
6. Text escapes ``&``, ``<``, ``>`` and CR; attribute values escape ``&``, ``<``, ``"``, TAB,
   LF and CR.
7. Comments, processing instructions outside the element, the XML declaration and a BOM do
   not appear; the output is UTF-8.
"""

from __future__ import annotations

from adba.adapters.xrml.tree import Node

_TEXT = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#xD;"})
_ATTR = str.maketrans({"&": "&amp;", "<": "&lt;", '"': "&quot;", "\t": "&#x9;",
                       "\n": "&#xA;", "\r": "&#xD;"})


def _inherited_uses(top: Node) -> set[str]:
    """Prefixes ('' for the default) used in ``top``'s subtree whose binding comes from above
    ``top`` (not declared by ``top`` or by an element between it and the use)."""
    used: set[str] = set()
    stack: list[tuple[Node, frozenset[str]]] = [(top, frozenset())]
    while stack:
        node, declared = stack.pop()
        declared = declared | frozenset(node.declarations)
        names = [node.prefix] + [p for _u, _l, p, _v in node.attributes if p]
        for prefix in names:
            if prefix not in declared and (prefix or node.uri):
                used.add(prefix)
        stack.extend((child, declared) for child in node.elements())
    return used


def canonicalize(top: Node, skip: frozenset[int] = frozenset()) -> bytes:
    """``top`` as a stand-alone document in ``lwc14n`` form; elements whose ``id()`` is in
    ``skip`` are left out (the licence transform)."""
    inherited = top.parent.in_scope() if top.parent is not None else {}
    first: dict[str, str | None] = {p: u for p, u in inherited.items()
                                    if p in _inherited_uses(top) and p not in top.declarations}
    first.update(top.declarations)
    out: list[str] = []
    # (node, declarations to write, rendered scope) on an explicit stack: no recursion limit.
    stack: list[tuple[str, Node | str, dict[str, str]]] = [("open", top, {})]
    rendered_first = True
    while stack:
        action, item, scope = stack.pop()
        if action == "text":
            assert isinstance(item, str)
            out.append(item.translate(_TEXT))
            continue
        if action == "close":
            assert isinstance(item, Node)
            out.append(f"</{item.qname}>")
            continue
        assert isinstance(item, Node)
        node = item
        if rendered_first:
            own = first
            rendered_first = False
        else:
            own = {p: u for p, u in node.declarations.items()
                   if scope.get(p) != u and not (u is None and p not in scope)}
        inner = dict(scope)
        for prefix, uri in own.items():
            if uri is None:
                inner.pop(prefix, None)
            else:
                inner[prefix] = uri
        parts = [f"<{node.qname}"]
        for prefix in sorted(own, key=lambda p: (p != "", p)):
            uri = own[prefix]
            name = f"xmlns:{prefix}" if prefix else "xmlns"
            parts.append(f' {name}="{(uri or "").translate(_ATTR)}"')
        for _uri, a_local, a_prefix, value in sorted(node.attributes,
                                                     key=lambda a: (a[0], a[1])):
            name = f"{a_prefix}:{a_local}" if a_prefix else a_local
            parts.append(f' {name}="{value.translate(_ATTR)}"')
        parts.append(">")
        out.append("".join(parts))
        stack.append(("close", node, inner))
        for child in reversed(node.children):
            if isinstance(child, str):
                stack.append(("text", child, inner))
            elif id(child) not in skip:
                stack.append(("open", child, inner))
    return "".join(out).encode("utf-8")
