"""The shared graph walker and graph export, on plain nodes (no autodiff engine involved), so
both engines can rely on them."""
import re

import numpy as np
import pytest

from tinynn import graph, viz


class Node:
    """A bare graph node; `==` is elementwise-like (returns an array), so the graph code must not
    rely on ==. It hashes by identity, as Value and Tensor do (the walker keeps a set of seen nodes)."""

    def __init__(self, name, *inputs):
        self.name, self.inputs = name, inputs

    def __eq__(self, other):
        return np.array([True, False])

    __hash__ = object.__hash__


def ins(n):
    return n.inputs


def diamond():
    """x -> a, x -> b, (a, b) -> c, (c, x, x) -> root: reuse, a repeated input, a skipped column."""
    x = Node("x")
    a, b = Node("a", x), Node("b", x)
    c = Node("c", a, b)
    return x, a, b, c, Node("root", c, x, x)


def test_topo_sort_lists_each_node_once_after_its_inputs():
    x, a, b, c, root = diamond()
    order = graph.topo_sort(root, ins)
    assert [n.name for n in order] == ["x", "a", "b", "c", "root"]  # first input first
    position = {id(n): i for i, n in enumerate(order)}
    assert all(position[id(p)] < position[id(n)] for n in order for p in n.inputs)


def test_topo_sort_handles_a_100k_chain():
    node = Node("leaf")
    for i in range(100_000):
        node = Node(i, node)
    order = graph.topo_sort(node, ins)
    assert len(order) == 100_001 and order[0].name == "leaf" and order[-1] is node


def test_format_table_aligns_columns():
    table = viz.format_table(("a", "bb"), [("xxx", 1.5), ("y", "z")])
    assert table.splitlines() == ["a    bb", "---  ---", "xxx  1.5", "y    z"]


def test_to_dot_counts_nodes_and_edges_and_escapes_labels():
    x, a, b, c, root = diamond()
    dot = viz.to_dot(root, ins, lambda n: f'{n.name}\n"q"\\')
    nodes = re.findall(r'^\s*(n\d+) \[label="((?:[^"\\]|\\.)*)"\];$', dot, re.M)
    edges = re.findall(r"^\s*(n\d+) -> (n\d+);$", dot, re.M)
    assert len(nodes) == 5
    assert len(edges) == 1 + 1 + 2 + 3  # a, b, c, root (x used twice by root)
    assert nodes[0] == ("n0", 'x\\n\\"q\\"\\\\')


def test_layered_layout_columns_rows_and_waypoints():
    x, a, b, c, root = diamond()
    order, pos, edges = viz.layered_layout(root, ins)
    col = {n.name: pos[id(n)][0] for n in order}
    assert col == {"x": 0, "a": 1, "b": 1, "c": 2, "root": 3}
    assert pos[id(a)][1] != pos[id(b)][1]  # same column, different rows
    assert len(edges) == 7
    # root uses x twice, jumping columns 1 and 2: each use gets its own waypoints there
    jumps = [via for p, n, via in edges if p is x and n is root]
    assert [len(v) for v in jumps] == [2, 2] and jumps[0] != jumps[1]
    slots = [tuple(w) for _, _, via in edges for w in via] + [pos[id(n)] for n in order]
    assert len(slots) == len(set(slots))  # nothing shares a grid slot


def test_draw_writes_an_image_and_refuses_huge_graphs(tmp_path):
    *_, root = diamond()
    path = viz.draw(root, ins, lambda n: f"{n.name}\nline two", str(tmp_path / "g.png"))
    assert open(path, "rb").read(8) == b"\x89PNG\r\n\x1a\n"
    svg = viz.draw(root, ins, lambda n: n.name, str(tmp_path / "g.svg"))
    assert "<svg" in open(svg).read()
    node = Node("leaf")
    for i in range(300):
        node = Node(i, node)
    with pytest.raises(ValueError, match="301 nodes"):
        viz.draw(node, ins, str, str(tmp_path / "big.png"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g.png", "g.svg"]
