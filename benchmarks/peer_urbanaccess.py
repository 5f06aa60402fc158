"""The peer: urbanaccess + pandana on a GTFS feed and a street network, in its own Python.

urbanaccess 0.2.2 (its latest release, 2020) calls ``DataFrame.append``, which pandas
removed in 2.0, while corridor_geo needs pandas >= 2: the peer runs in an environment of
its own (``pip install "pandas<2" "numpy<2" urbanaccess pandana``), started by
``bench_transit.py`` and ``tests/test_transit_gtfs.py`` through
``CORRIDOR_GEO_PEER_PYTHON`` (or ``--peer-python``).  This script imports neither
corridor_geo nor anything that needs pandas 2.

Usage: ``python peer_urbanaccess.py FOLDER`` where FOLDER holds

* ``gtfs/feed/`` (the GTFS feed: urbanaccess reads one folder per feed),
* ``nodes.csv`` (``id``, ``x`` = lon, ``y`` = lat),
* ``edges.csv`` (``from``, ``to``, ``distance`` in metres, one row per direction),
* ``query.json``: ``{"origins": [...], "destinations": [...], "day": "tuesday",
  "timerange": ["07:00:00", "09:00:00"], "headways_min": {route_id: minutes}}``.

It writes ``peer.json``: the matrix in minutes (origins x destinations, unreachable as
null), the route-stop headways urbanaccess computed, and the build and query seconds.
urbanaccess adds half of the headway it is given to every walk-to-platform edge; it is
given corridor_geo's headways (``headways_min``) so that both model the same waits.
"""

from __future__ import annotations

import json
import sys
import time
import warnings
from pathlib import Path


def main(folder: str) -> int:
    warnings.simplefilter("ignore")
    import numpy as np
    import pandana
    import pandas as pd
    import urbanaccess as ua

    root = Path(folder)
    query = json.loads((root / "query.json").read_text())
    nodes = pd.read_csv(root / "nodes.csv").set_index("id", drop=False)  # as osmnet gives
    edges = pd.read_csv(root / "edges.csv")
    t0 = time.perf_counter()
    loaded = ua.gtfs.load.gtfsfeed_to_df(
        gtfsfeed_path=str(root / "gtfs"), validation=False, verbose=False
    )
    ua.gtfs.network.create_transit_net(
        gtfsfeeds_dfs=loaded, day=query["day"], timerange=query["timerange"]
    )
    ua.gtfs.headways.headways(loaded, query["timerange"])
    own = loaded.headways.groupby("unique_route_id")["mean"].agg(["min", "max"])
    unique_of = dict(zip(loaded.routes["route_id"].astype(str), loaded.routes["unique_route_id"]))
    for rid, minutes in query["headways_min"].items():
        rows = loaded.headways["unique_route_id"] == unique_of[str(rid)]
        loaded.headways.loc[rows, "mean"] = float(minutes)
    ua.osm.network.create_osm_net(
        osm_edges=edges.copy(), osm_nodes=nodes.copy(), travel_speed_mph=3
    )
    net = ua.network.integrate_network(
        urbanaccess_network=ua.network.ua_network,
        headways=True,
        urbanaccess_gtfsfeeds_df=loaded,
        headway_statistic="mean",
    )
    nn, ne = net.net_nodes, net.net_edges
    network = pandana.Network(
        nn["x"], nn["y"], ne["from_int"], ne["to_int"], ne[["weight"]], twoway=False
    )
    build = time.perf_counter() - t0
    int_of = dict(zip(nn["id"].astype(str), nn.index))
    o = [int_of[str(i)] for i in query["origins"]]
    d = [int_of[str(i)] for i in query["destinations"]]
    oo = np.repeat(o, len(d))
    dd = np.tile(d, len(o))
    t1 = time.perf_counter()
    lengths = np.asarray(network.shortest_path_lengths(oo, dd, imp_name="weight"), dtype=float)
    query_s = time.perf_counter() - t1
    lengths = lengths.reshape(len(o), len(d))
    # pandana marks unreachable pairs with 2^32 - 1 thousandths
    matrix = [[None if v >= 4.29e6 else float(v) for v in row] for row in lengths]
    out = {
        "matrix_min": matrix,
        "build_s": build,
        "query_s": query_s,
        "route_stop_headways_min": {k: [float(a), float(b)] for k, (a, b) in own.iterrows()},
        "nodes": len(nn),
        "edges": len(ne),
        "versions": {
            "urbanaccess": ua.__version__,
            "pandana": pandana.__version__,
            "pandas": pd.__version__,
        },
    }
    (root / "peer.json").write_text(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
