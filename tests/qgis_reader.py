"""Open every collection of a running georisk's OGC API in QGIS, as a desktop analyst
would, and write what QGIS read to a JSON file.

Run by tests/test_qgis_client.py with Debian's own Python (``/usr/bin/python3``, which
has QGIS's bindings from the ``python3-qgis`` package), headless
(``QT_QPA_PLATFORM=offscreen``)::

    python3 tests/qgis_reader.py BASE_URL USER TOKEN OUT.json COLLECTION... [--page-size N]

It signs in the way a QGIS user does: an authentication configuration of type Basic
(user name and password: the token's name and the token) in a fresh authentication
database, and layers of the OAPIF provider with their default settings. For each
collection it writes the feature count, each feature's ``id``, the coordinates of its
geometry, its date-time attributes as QGIS read them (seconds since the epoch, or None)
and how long opening and reading the layer took: from creating the layer (QGIS's own
start is not counted) to the last feature read, in wall-clock seconds and in CPU seconds
of this process (all its threads: on a busy host the steadier figure). ``--page-size``
sets the layer's page size (``pageSize`` in its URI) instead of QGIS's choice, for a
comparison. The file is written before QGIS shuts down: QGIS 3.22 may crash on exit,
so the caller judges by the file, not the exit code.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time


def main() -> None:
    args = sys.argv[1:]
    page_size = ""
    if "--page-size" in args:
        at = args.index("--page-size")
        page_size = f" pageSize='{int(args[at + 1])}'"
        del args[at : at + 2]
    base, user, token, out, *collections = args
    os.environ["QGIS_AUTH_DB_DIR_PATH"] = tempfile.mkdtemp(prefix="qgis-auth-")
    from qgis.core import (
        Qgis,
        QgsApplication,
        QgsAuthMethodConfig,
        QgsVectorLayer,
        QgsWkbTypes,
    )
    from qgis.PyQt.QtCore import QDateTime

    app = QgsApplication([], False)
    app.initQgis()
    manager = QgsApplication.authManager()
    manager.setMasterPassword("georisk-test", True)
    config = QgsAuthMethodConfig("Basic")
    config.setName("georisk")
    config.setConfig("username", user)
    config.setConfig("password", token)
    if not manager.storeAuthenticationConfig(config)[0]:
        raise SystemExit("QGIS did not store the authentication configuration")

    read: dict[str, object] = {"qgis": Qgis.QGIS_VERSION}
    for cid in collections:
        started, started_cpu = time.perf_counter(), time.process_time()
        uri = f"url='{base}/ogc' typename='{cid}' authcfg='{config.id()}'{page_size}"
        layer = QgsVectorLayer(uri, cid, "OAPIF")
        if not layer.isValid():
            read[cid] = {"valid": False, "error": layer.error().summary()}
            continue
        names = [field.name() for field in layer.fields()]
        features = []
        for feature in layer.getFeatures():
            geometry = feature.geometry()
            xy = []
            if not geometry.isNull():
                xy = [[point.x(), point.y()] for point in geometry.vertices()]
            times = {}
            for name in names:
                value = feature[name]
                if isinstance(value, QDateTime):
                    times[name] = value.toSecsSinceEpoch() if value.isValid() else None
            features.append({"id": str(feature["id"]), "xy": xy, "times": times})
        read[cid] = {
            "valid": True,
            "count": len(features),
            "crs": layer.crs().authid(),
            "geometry": QgsWkbTypes.displayString(layer.wkbType()),
            "features": features,
            "seconds": time.perf_counter() - started,
            "cpu_seconds": time.process_time() - started_cpu,
        }
    with open(out, "w", encoding="utf-8") as file:
        json.dump(read, file)
    app.exitQgis()


if __name__ == "__main__":
    main()
