"""The one graph walker both engines use, plus graph export (DOT text and a matplotlib drawing).

A computation graph is a DAG whose nodes know their inputs ("parents"). Backpropagation needs
the nodes in an order where every node comes after all of its inputs; then walking that list
backwards visits each node only after every node that used it has passed its gradient on.
"""


def topo_sort(root, parents):
    """Nodes reachable from `root`, each listed after all of its inputs.

    `parents(node)` returns the node's inputs. Iterative depth-first search with an explicit
    stack, so a chain of 100,000 nodes needs no recursion (micrograd's recursive version stops
    near depth 1000). Each node appears once, however often it is reused.
    """
    order, seen = [], set()
    stack = [(root, False)]
    while stack:
        node, inputs_done = stack.pop()
        if inputs_done:
            order.append(node)
            continue
        if id(node) in seen:
            continue
        seen.add(id(node))
        stack.append((node, True))
        stack.extend((p, False) for p in parents(node) if id(p) not in seen)
    return order
