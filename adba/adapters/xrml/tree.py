"""A small, hostile-safe XML tree for XrML licences, built on expat.

The standard library's DOM and ElementTree either expand entities or forget where namespace
declarations were written; canonicalisation (``lwc14n``) needs the latter. This builder keeps
each element's own declarations, its attributes in document order and its text, and refuses
what no licence contains: a document type declaration (so no entity can be defined, expanded or
fetched: billion laughs and external entities fail at the DOCTYPE), more than
:data:`MAX_DEPTH` levels of nesting and more than :data:`MAX_ELEMENTS` elements. Nothing is
ever fetched from the network.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from xml.parsers import expat

MAX_DEPTH = 128
"""Licences nest about 15 levels deep; 128 leaves room and stops a nesting bomb early."""
MAX_ELEMENTS = 200_000
"""A 650 KB product-key configuration licence has a few hundred elements outside its payload."""
_SEP = "\x1f"  # not allowed anywhere in XML 1.0, so it cannot occur in a name or a URI


class XmlRefused(ValueError):
    """The bytes are not a well-formed, harmless XML document; the message is one line."""


@dataclass(eq=False)
class Node:
    """One element: its namespace URI, local name, prefix, own declarations, attributes and
    children (``Node`` or text)."""

    uri: str
    local: str
    prefix: str
    declarations: dict[str, str | None] = field(default_factory=dict)
    """Own ``xmlns`` declarations, prefix ('' for the default) to URI (None undeclares)."""
    attributes: list[tuple[str, str, str, str]] = field(default_factory=list)
    """(namespace URI, local name, prefix, value) in document order."""
    children: list[Node | str] = field(default_factory=list)
    parent: Node | None = None

    @property
    def qname(self) -> str:
        """The name as written: ``prefix:local`` or ``local``."""
        return f"{self.prefix}:{self.local}" if self.prefix else self.local

    def elements(self) -> list[Node]:
        """Child elements, in order."""
        return [c for c in self.children if isinstance(c, Node)]

    def find(self, uri: str, local: str) -> Node | None:
        """The first child element with this name."""
        for child in self.children:
            if isinstance(child, Node) and child.local == local and child.uri == uri:
                return child
        return None

    def find_all(self, uri: str, local: str) -> list[Node]:
        """Every child element with this name."""
        return [c for c in self.children
                if isinstance(c, Node) and c.local == local and c.uri == uri]

    def iter(self, uri: str | None = None, local: str | None = None) -> list[Node]:
        """This element and its descendants (document order), optionally only one name."""
        found: list[Node] = []
        stack: list[Node] = [self]
        while stack:
            node = stack.pop()
            if (uri is None or node.uri == uri) and (local is None or node.local == local):
                found.append(node)
            stack.extend(reversed(node.elements()))
        return found

    def attribute(self, local: str, uri: str = "") -> str | None:
        """The value of an attribute, or None."""
        for a_uri, a_local, _prefix, value in self.attributes:
            if a_local == local and a_uri == uri:
                return value
        return None

    def text(self) -> str:
        """The text directly inside this element."""
        return "".join(c for c in self.children if isinstance(c, str))

    def in_scope(self) -> dict[str, str]:
        """Every namespace binding in scope here (own and inherited)."""
        chain: list[Node] = []
        node: Node | None = self
        while node is not None:
            chain.append(node)
            node = node.parent
        scope: dict[str, str] = {}
        for element in reversed(chain):
            for prefix, uri in element.declarations.items():
                if uri is None:
                    scope.pop(prefix, None)
                else:
                    scope[prefix] = uri
        return scope


def _split(name: str) -> tuple[str, str, str]:
    parts = name.split(_SEP)
    if len(parts) == 3:
        return parts[0], parts[1], parts[2]
    if len(parts) == 2:
        return parts[0], parts[1], ""
    return "", parts[0], ""


def parse_tree(text: str, *, max_depth: int = MAX_DEPTH,
               max_elements: int = MAX_ELEMENTS) -> Node:
    """Parse a whole document (already decoded to ``str``) into a :class:`Node` tree.

    Raises :class:`XmlRefused` with a one-line reason for malformed XML, a DOCTYPE, entity
    declarations, too deep nesting or too many elements.
    """
    parser = expat.ParserCreate(encoding="UTF-8", namespace_separator=_SEP)
    parser.namespace_prefixes = True
    parser.ordered_attributes = True
    parser.buffer_text = True
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    stack: list[Node] = []
    root: list[Node] = []
    pending: dict[str, str | None] = {}
    count = 0

    def refuse(*_: object) -> None:
        raise XmlRefused("a document type declaration (DTD) is not allowed in a licence")

    def refuse_entity(*_: object) -> None:
        raise XmlRefused("entity declarations are not allowed in a licence")

    def external(*_: object) -> int:
        raise XmlRefused("external entities are not allowed in a licence")

    def ns_start(prefix: str | None, uri: str | None) -> None:
        pending[prefix or ""] = uri or None

    def start(name: str, attrs: list[str]) -> None:
        nonlocal count, pending
        count += 1
        if count > max_elements:
            raise XmlRefused(f"more than {max_elements:,} elements")
        if len(stack) >= max_depth:
            raise XmlRefused(f"elements nested more than {max_depth} levels deep")
        uri, local, prefix = _split(name)
        node = Node(uri, local, prefix, declarations=pending,
                    parent=stack[-1] if stack else None)
        pending = {}
        for i in range(0, len(attrs), 2):
            a_uri, a_local, a_prefix = _split(attrs[i])
            node.attributes.append((a_uri, a_local, a_prefix, attrs[i + 1]))
        if stack:
            stack[-1].children.append(node)
        else:
            root.append(node)
        stack.append(node)

    def end(_name: str) -> None:
        stack.pop()

    def chars(data: str) -> None:
        if not stack:
            return
        children = stack[-1].children
        if children and isinstance(children[-1], str):
            children[-1] += data
        else:
            children.append(data)

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse_entity
    parser.UnparsedEntityDeclHandler = refuse_entity
    parser.ExternalEntityRefHandler = external
    parser.StartNamespaceDeclHandler = ns_start
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chars
    try:
        parser.Parse(text.encode("utf-8"), True)
    except expat.ExpatError as exc:
        raise XmlRefused(f"not well-formed XML: {expat.ErrorString(exc.code)} "
                         f"(line {exc.lineno}, column {exc.offset})") from None
    except RecursionError:
        raise XmlRefused("elements nested too deeply") from None
    if not root:
        raise XmlRefused("no root element")
    return root[0]
