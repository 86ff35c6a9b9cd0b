"""Looking at a computation graph: trace tables, Graphviz DOT text and a matplotlib drawing.

Works for any graph given its root and `parents(node)` (both engines use it); the scalar engine's
`Value.forward_trace()`, `backward_trace()`, `to_dot()` and `draw()` call the functions at the end.
"""
from .graph import topo_sort


def format_table(header, rows):
    """Rows of cells as an aligned plain-text table under a header and a rule line."""
    rows = [[str(c) for c in row] for row in rows]
    widths = [max(len(c) for c in col) for col in zip(header, *rows)]

    def line(cells):
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()

    return "\n".join([line(header), line(["-" * w for w in widths]), *map(line, rows)])


def to_dot(root, parents, node_text):
    """Graphviz DOT text: one box per node (text from `node_text(node)`, may contain newlines),
    one arrow input -> output per use (a + a gives two arrows). Needs no Graphviz to produce;
    render it with `dot -Tpng graph.dot -o graph.png` or any online DOT viewer."""
    order = topo_sort(root, parents)
    key = {id(n): f"n{i}" for i, n in enumerate(order)}
    lines = ["digraph G {", "  rankdir=LR;", '  node [shape=box, fontname="monospace"];']
    for n in order:
        text = node_text(n).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        lines.append(f'  {key[id(n)]} [label="{text}"];')
    for n in order:
        lines.extend(f"  {key[id(p)]} -> {key[id(n)]};" for p in parents(n))
    lines.append("}")
    return "\n".join(lines) + "\n"


def layered_layout(root, parents):
    """Positions for drawing a graph in columns, as in a Sugiyama layout.

    column = length of the longest path from a leaf: leaves in column 0, every arrow points
    right, the root is last. An arrow that jumps over columns gets a waypoint in each column it
    crosses, which takes a row slot like a node, so arrows never run through boxes. Within a
    column, nodes and waypoints are sorted by the mean row of their neighbours (the barycentre
    heuristic, sweeping left-to-right by inputs and back by users), which keeps arrows short
    and mostly uncrossed; each column is centred on row 0.

    Returns (order, pos, edges): the topological order; pos[id(node)] = (column, row); and one
    (input, node, waypoints) per use of an input, waypoints being a list of (column, row).
    """
    order = topo_sort(root, parents)
    col = {}
    for n in order:
        ins = tuple(parents(n))
        col[id(n)] = 1 + max(col[id(p)] for p in ins) if ins else 0
    columns = [[] for _ in range(max(col.values()) + 1)]
    preds, edges = {}, []  # layout key -> keys just left of it; keys are id(node) or waypoints
    for n in order:
        columns[col[id(n)]].append(id(n))
        preds[id(n)] = []
        for p in parents(n):
            left, via = id(p), []
            for c in range(col[id(p)] + 1, col[id(n)]):
                w = ("waypoint", len(edges), c)
                columns[c].append(w)
                preds[w], left = [left], w
                via.append(w)
            preds[id(n)].append(left)
            edges.append((p, n, via))
    succs = {k: [] for k in preds}
    for k, ps in preds.items():
        for q in ps:
            succs[q].append(k)
    row = {k: r - (len(keys) - 1) / 2 for keys in columns for r, k in enumerate(keys)}
    for sweep in range(4):  # alternate left-to-right (by inputs) and right-to-left (by users)
        forward = sweep % 2 == 0
        near = preds if forward else succs
        for keys in columns[1:] if forward else columns[-2::-1]:
            keys.sort(key=lambda k: sum(row[q] for q in near[k]) / len(near[k]))
            row.update((k, r - (len(keys) - 1) / 2) for r, k in enumerate(keys))
    pos = {k: (c, row[k]) for c, keys in enumerate(columns) for k in keys}
    return order, pos, [(p, n, [pos[w] for w in via]) for p, n, via in edges]


def draw(root, parents, node_text, path, max_nodes=200):
    """Draw the graph with matplotlib (no Graphviz needed) and save it to `path`; returns path.

    Layout from `layered_layout`: inputs left, root right. Each node is a box with
    `node_text(node)`; arrows go from each input to the node using it. The figure is sized
    from the longest box text so boxes never overlap. The file is written atomically; its
    format follows the suffix (.png, .svg, .pdf).
    """
    import os

    from matplotlib.figure import Figure

    from ._atomic import atomic_write

    order, pos, edges = layered_layout(root, parents)
    if len(order) > max_nodes:
        raise ValueError(f"graph has {len(order)} nodes, too many to draw readably "
                         f"(max_nodes={max_nodes}); use to_dot() for large graphs")
    texts = {id(n): node_text(n) for n in order}
    lines = [line for t in texts.values() for line in t.split("\n")]
    n_lines = max(t.count("\n") + 1 for t in texts.values())
    fontsize = 9
    char_w = 0.62 * fontsize / 72  # inches per monospace character
    box_w = max(len(s) for s in lines) * char_w + 0.25
    dx, dy = box_w + 0.6, n_lines * 1.35 * fontsize / 72 + 0.45  # grid spacing, inches
    cols = [c for c, _ in pos.values()]
    rows = [r for _, r in pos.values()]
    width, height = (max(cols) + 1) * dx, (max(rows) - min(rows) + 1) * dy
    fig = Figure(figsize=(width, height))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, width)
    ax.set_ylim(-max(rows) * dy - dy / 2, -min(rows) * dy + dy / 2)
    ax.axis("off")

    def xy(c, r):
        return (c + 0.5) * dx, -r * dy

    boxes = {}
    for n in order:
        style = dict(boxstyle="round,pad=0.4", fc="#eef3fb" if parents(n) else "#fdf3dc", ec="0.3")
        t = ax.text(*xy(*pos[id(n)]), texts[id(n)], ha="center", va="center",
                    family="monospace", fontsize=fontsize, bbox=style, zorder=2)
        boxes[id(n)] = t.get_bbox_patch()
    line = dict(color="0.35", lw=1.0)
    repeats = {}
    for p, n, via in edges:
        # a waypoint is a horizontal run through the crossed column's row slot
        points = [(x + s * box_w / 2, y) for x, y in (xy(*w) for w in via) for s in (-1, 1)]
        if points:
            ax.plot(*zip(*points), zorder=3, **line)
            ax.annotate("", xy=points[0], xytext=xy(*pos[id(p)]), zorder=3, arrowprops=dict(
                arrowstyle="-", patchA=boxes[id(p)], shrinkA=0, shrinkB=0, **line))
        k = repeats[id(p), id(n)] = repeats.get((id(p), id(n)), -1) + 1  # a + a: bend the copy
        start = points[-1] if points else xy(*pos[id(p)])
        ax.annotate("", xy=xy(*pos[id(n)]), xytext=start, zorder=3, arrowprops=dict(
            arrowstyle="-|>", patchA=None if points else boxes[id(p)], patchB=boxes[id(n)],
            shrinkA=0 if points else 2, connectionstyle=f"arc3,rad={0.3 * k}", **line))
    fmt = os.path.splitext(path)[1][1:].lower() or "png"
    with atomic_write(path, "draw") as f:
        fig.savefig(f, format=fmt, dpi=120)
    return path


# ---- the scalar engine's views (Value.forward_trace, backward_trace, to_dot, draw) ----------------
def _value_inputs(v):
    return v._prev


def _names(root):
    """Nodes in topological order and a name for each: its label, or v<position>."""
    order = topo_sort(root, _value_inputs)
    return order, {v: v.label or f"v{i}" for i, v in enumerate(order)}


def _formula(v, names):
    """How node v was computed, e.g. "x1 / x2", "sin(v2)", "v3**2"; "leaf" for an input."""
    args = [names[p] for p in v._prev]
    if not args:
        return "leaf"
    if len(args) == 2:
        return f"{args[0]} {v._op} {args[1]}"
    if v._op.startswith("**"):
        return f"{args[0]}{v._op}"
    if v._op == "neg":
        return f"-{args[0]}"
    return f"{v._op}({args[0]})"


def _box_text(v, names):
    """Text of one box in a drawing: name and formula, value, grad (6 significant digits)."""
    head = names[v] if not v._prev else f"{names[v]} = {_formula(v, names)}"
    return f"{head}\nvalue {v.data:.6g}\ngrad  {v.grad:.6g}"


def forward_trace(root):
    """Value.forward_trace(): a table of every node, inputs first (topological order): how it was
    computed and its value with full float64 precision (repr round-trips exactly)."""
    order, names = _names(root)
    return format_table(("node", "computed as", "value"), [(names[v], _formula(v, names), repr(v.data))
                                                           for v in order])


def backward_trace(root):
    """Value.backward_trace(): a table of every node in the order backward() visits them (root first),
    with grad = d(root)/d(node) in full precision. Call backward() first."""
    order, names = _names(root)
    rows = [(names[v], _formula(v, names), repr(v.data), repr(v.grad)) for v in reversed(order)]
    return format_table(("node", "computed as", "value", "grad"), rows)


def value_dot(root):
    """Value.to_dot(): the graph as Graphviz DOT text (render with `dot -Tpng` or any online viewer),
    one box per node with name, formula, value and grad."""
    _, names = _names(root)
    return to_dot(root, _value_inputs, lambda v: _box_text(v, names))


def draw_value(root, path):
    """Value.draw(path): the graph drawn with matplotlib to `path` (PNG; .svg/.pdf also work): inputs
    on the left, the root on the right, one box per node with name, value and grad. Returns path."""
    _, names = _names(root)
    return draw(root, _value_inputs, lambda v: _box_text(v, names), path)
