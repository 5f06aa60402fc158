"""Connected components of road graphs."""

from __future__ import annotations

import logging
from typing import Any

import networkx as nx
import numpy as np

from .._errors import InputError
from .._graph import (
    check_crs_present,
)

log = logging.getLogger(__name__)


# --------------------------------------------------------------------------------------
# Components
# --------------------------------------------------------------------------------------
def _labels(G: nx.MultiDiGraph, strong: bool) -> tuple[int, np.ndarray, list[Any]]:
    import scipy.sparse as sp
    from scipy.sparse.csgraph import connected_components

    nodes = list(G.nodes)
    index = {n: i for i, n in enumerate(nodes)}
    uv = np.array([(index[u], index[v]) for u, v in G.edges()], dtype=np.int64).reshape(-1, 2)
    if not G.is_directed():  # an undirected edge is listed once and goes both ways
        uv = np.concatenate([uv, uv[:, ::-1]])
    m = sp.csr_matrix((np.ones(len(uv)), (uv[:, 0], uv[:, 1])), shape=(len(nodes), len(nodes)))
    n, labels = connected_components(m, directed=True, connection="strong" if strong else "weak")
    return n, labels, nodes


def component_summary(G: nx.MultiDiGraph) -> dict[str, Any]:
    """How connected a graph is: its weakly and strongly connected components.

    Returns
    -------
    dict
        ``n_nodes``, ``n_edges``, ``n_weak_components``, ``n_strong_components``,
        ``largest_strong_share`` (share of nodes in the largest strongly connected
        component) and ``outside_largest_strong`` (nodes outside it: trips from or to
        them may be impossible).

    Examples
    --------
    >>> G = nx.MultiDiGraph(crs="EPSG:4549")
    >>> G.add_edges_from([(1, 2), (2, 1), (3, 4)])
    [0, 0, 0]
    >>> s = component_summary(G)
    >>> s["n_weak_components"], s["n_strong_components"], s["outside_largest_strong"]
    (2, 3, 2)
    """
    if G.number_of_nodes() == 0:
        raise InputError("the graph has no nodes")
    n_weak, _, _ = _labels(G, strong=False)
    n_strong, labels, _ = _labels(G, strong=True)
    largest = int(np.bincount(labels).max())
    return {
        "n_nodes": G.number_of_nodes(),
        "n_edges": G.number_of_edges(),
        "n_weak_components": int(n_weak),
        "n_strong_components": int(n_strong),
        "largest_strong_share": largest / G.number_of_nodes(),
        "outside_largest_strong": G.number_of_nodes() - largest,
    }


def _largest_component(G: nx.MultiDiGraph) -> nx.MultiDiGraph:
    _, labels, nodes = _labels(G, strong=True)
    biggest = np.argmax(np.bincount(labels))
    keep = [n for n, lab in zip(nodes, labels) if lab == biggest]
    dropped = len(nodes) - len(keep)
    if dropped:
        log.info("kept the largest strongly connected component; %d nodes dropped", dropped)
    H = G.subgraph(keep).copy()
    H.graph["dropped_outside_largest_component"] = int(dropped)
    return H


def largest_component(G: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """A copy of ``G`` reduced to its largest strongly connected component.

    The number of nodes dropped is logged and kept in
    ``graph["dropped_outside_largest_component"]``.

    Examples
    --------
    >>> G = nx.MultiDiGraph(crs="EPSG:4549")
    >>> G.add_edges_from([(1, 2), (2, 1), (2, 3)])
    [0, 0, 0]
    >>> sorted(largest_component(G).nodes)
    [1, 2]
    """
    check_crs_present(G)
    return _largest_component(G)
